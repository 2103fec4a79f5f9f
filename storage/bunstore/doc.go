// Package bunstore is Switchboard's SQL backend on bun: SQLite (the default,
// embedded and cgo-free through bun's sqliteshim / modernc.org/sqlite),
// PostgreSQL and MySQL/MariaDB, one implementation for all three.
//
// # Opening and migrating
//
// Open takes a SQLite path or a postgres:// or mysql:// DSN; Migrate applies
// the versioned schema (bun/migrate, embedded SQL files under migrations/,
// one per domain change, expanded per dialect). Call Migrate on start; it is
// a no-op when the schema is current.
//
// # Transactions and errors
//
// InTx (storage.Transactor) carries a bun.Tx in the context. Driver errors are
// classified once per dialect (mapErr, by SQLSTATE / error number / SQLite
// result code, never by message): unique violations become
// storage.ErrConflict; serialization failures, deadlocks, lock timeouts and
// SQLITE_BUSY become storage.ErrRetryable, and InTx re-runs the use case up to
// storage.MaxAttempts times with jittered back-off; lost connections and a
// closed store become storage.ErrUnavailable. Limits are enforced with row
// locks (SELECT … FOR UPDATE on PostgreSQL and MySQL) or conditional updates,
// not with the isolation level. PostgreSQL runs at its default READ
// COMMITTED; MySQL/MariaDB transactions are started at READ COMMITTED too
// (InnoDB's REPEATABLE READ would answer plain SELECTs from an old snapshot),
// so the same store code reads alike on both. SQLite transactions start with BEGIN IMMEDIATE and one writer per
// process at a time (a mutex, cheaper than polling SQLITE_BUSY); WAL mode lets
// readers continue meanwhile.
//
// # Types
//
// Times are stored in UTC with microsecond precision (TIMESTAMPTZ(6),
// DATETIME(6), and bun's fixed-offset text form on SQLite, which sorts
// chronologically). Money is NUMERIC(30,6) / DECIMAL(30,6), and TEXT on
// SQLite, whose NUMERIC affinity would turn 12345678901234.123456 into a
// float: money is never summed in SQL. MySQL tables use utf8mb4 with a binary
// collation, so string comparisons are exact on every dialect.
package bunstore
