#!/bin/sh
# Runs the pgbench side of the Reserve+Complete comparison: a fresh database
# with the SDK's schema, 32 clients, the transactions in SCRIPT (default
# reserve_complete.sql, the SDK's statements without the Go; or
# reserve_minimal.sql, the minimal reservation: counter row + call insert).
# Compare its tps with the cycles/s of
#   go test -run x -bench ComplianceReserveCompletePostgres ./storage/bunstore/
# Usage: [SCRIPT=reserve_minimal.sql] run.sh [postgres-url-of-the-server] [seconds]
set -eu
BASE=${1:-postgres://postgres@127.0.0.1:5432}
SECS=${2:-20}
DB=sb_pgbench_$$
HERE=$(cd "$(dirname "$0")" && pwd)
psql "$BASE/postgres" -qc "CREATE DATABASE $DB"
trap 'psql "$BASE/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
(cd "$HERE" && go run ./migrate "$BASE/$DB?sslmode=disable")
psql "$BASE/$DB" -qc "INSERT INTO compliance_settings VALUES ('pgbench-co', true, '{}', now(), 1)"
CLIENTS=${CLIENTS:-32}
pgbench -n -c "$CLIENTS" -j 2 -T "$SECS" -f "$HERE/${SCRIPT:-reserve_complete.sql}" "$BASE/$DB"
