#!/bin/sh
# Runs the pgbench side of the Reserve+Complete comparison: a fresh database
# with the SDK's schema, 32 clients, the transaction pair in
# reserve_complete.sql. Compare its tps with the cycles/s of
#   go test -run x -bench ComplianceReserveCompletePostgres ./storage/bunstore/
# Usage: run.sh [postgres-url-of-the-server] [seconds]
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
pgbench -n -c "$CLIENTS" -j 2 -T "$SECS" -f "$HERE/reserve_complete.sql" "$BASE/$DB"
