// Package bunstore is Switchboard's SQL backend on bun: SQLite (the default,
// embedded and cgo-free through bun's sqliteshim / modernc.org/sqlite),
// PostgreSQL and MySQL/MariaDB, one implementation for all three.
//
// # Opening and migrating
//
// Open takes a DSN and never guesses: PostgreSQL ("postgres://…",
// "postgresql://…", "host=… dbname=…"), MySQL/MariaDB (go-sql-driver's
// "user:pass@tcp(host:3306)/db", with or without "mysql://" or "mariadb://",
// or "mysql://user:pass@host:3306/db"), SQLite ("sqlite:PATH",
// "file:PATH?…", ":memory:", "" or a plain path carrying none of a DSN's
// markers). Anything else is refused with storage.ErrInvalid on field "dsn",
// listing the accepted forms; ParseDSN tells what a DSN means without
// connecting. A host with its own pool builds the store with New (a
// *bun.DB) or NewFromSQL (a *sql.DB and a Dialect), which check the
// settings the store relies on and leave the pool open on Close.
//
// Migrate applies the versioned schema (bun/migrate, embedded SQL files under
// migrations/, one pair VERSION_domain.up.sql / .down.sql per domain change,
// expanded per dialect). Call Migrate on start; it is a no-op when the schema
// is current. A host driving its own tool has MigrationStatus (applied and
// pending versions), MigrateDown (undo versions newest first, down to a given
// one), Migrations (the embedded templates) and MigrationSQL (the statements
// rendered for a dialect). Every new version needs its .down.sql; a test
// fails without it.
//
// # Transactions and errors
//
// InTx (storage.Transactor) carries a bun.Tx in the context. Driver errors are
// classified once per dialect (mapErr, by SQLSTATE / error number / SQLite
// result code, never by message): unique violations become
// storage.ErrConflict; serialization failures, deadlocks, lock timeouts and
// SQLITE_BUSY become storage.ErrRetryable, and InTx re-runs the use case up to
// storage.MaxAttempts times with jittered back-off; lost connections and a
// closed store become storage.ErrUnavailable. The retry budget is
// storage.MaxAttempts (8) runs of the use case, sleeping 1, 2, 4 … 64 ms
// (jittered ±50%) between them: under 0.3 s of back-off in all.
//
// On MariaDB Galera (multi-primary) a row lock is local to its node; a
// conflict with a transaction committed on another node surfaces at commit
// as error 1213 (a certification failure), retried like a deadlock. A node
// outside the primary component answers 1047 or fails a write with 1180:
// storage.ErrUnavailable, not retried on that node — send the use case to
// another node. Limits hold across nodes because every use case a limit
// gates writes the row the limit belongs to (a read lock alone reaches no
// other node): the license pool, the credit account, the subscriber's lock
// row, the log head, and the membership, whose lock_seq LockMember bumps
// on MySQL/MariaDB. A connection that breaks mid-statement (EOF, reset,
// a PostgreSQL primary stopped) is storage.ErrUnavailable too; a COMMIT in
// flight may have taken effect, so resend with the same idempotency key.
// docs/deployment.md has the topologies and the measured figures.
//
// Limits are enforced with row locks (SELECT … FOR UPDATE on PostgreSQL and
// MySQL) or conditional updates,
// not with the isolation level. PostgreSQL runs at its default READ
// COMMITTED; MySQL/MariaDB transactions are started at READ COMMITTED too
// (InnoDB's REPEATABLE READ would answer plain SELECTs from an old snapshot),
// so the same store code reads alike on both. SQLite transactions start with BEGIN IMMEDIATE and one writer per
// process at a time (a mutex, cheaper than polling SQLITE_BUSY); WAL mode lets
// readers continue meanwhile.
//
// Per-user rows (license and subscription assignments, service packages,
// organisation options, presence) have no foreign key to tenancy_members:
// each domain's store works under any tenancy.Directory, not only the
// tenancy tables (the conformance suite runs the domains on a fake one, and
// a foreign key would refuse its members' rows); a cascading delete would
// free a license without the pool's assigned count, and a subscription's
// "" (unassigned) user cannot reference a member (MySQL's SET NULL would
// also clear company_id). That no removed member keeps a grant is kept
// first by the member lock every gated write takes
// (tenancy.Directory.LockMember, which RemoveMember also takes) and the
// release hooks RemoveMember runs, audited, in its transaction before it
// deletes the membership; the conformance suite races the two on every
// backend. The second guard is the database's: an AFTER DELETE trigger on
// tenancy_members (migration member_release; a PL/pgSQL function on
// PostgreSQL) releases whatever the deleted member still holds — its
// licenses (decrementing the pool), subscriptions (unassigned, still
// bought), packages, organisation options and a presence status other than
// offline (an offline one, as the release leaves it, is kept) —
// so a membership deleted past the SDK, by hand or by a host's own code,
// leaves no seat behind. It writes no audit event: such a delete bypassed
// the audit trail already. Per-user settings (account_users) and the SMS
// zones' user lists (inside the company's account document) are left to
// account.Service.ReleaseUser. On MySQL/MariaDB with binary logging the
// migrating user needs the TRIGGER privilege (and SUPER, or
// log_bin_trust_function_creators=1).
//
// # The audit log's two tables
//
// An event is written, in its use case's transaction, into audit_unsealed:
// a table with only its primary key and (company_id, occurred_at, id), so
// the INSERT on the hot path updates two indexes. Seal moves events from
// there into audit_events, with their positions and leaf hashes (on
// PostgreSQL one DELETE … RETURNING feeding the INSERT per chunk of
// events; elsewhere an INSERT … SELECT and a DELETE), and audit_events
// carries the indexes the queries walk (by time, company, actor, action,
// entity, and the log's (company_id, seq)). Get and List read both tables
// in one statement, so an event being sealed meanwhile is neither missed
// nor listed twice; List merges the two tables' pages. The unsealed events'
// filters other than company and time are checked row by row, which is
// cheap while sealing keeps up (the window the audit package describes)
// and grows with a backlog a host leaves unsealed.
//
// # Round trips on PostgreSQL
//
// A pool opened by Open or OpenPostgres sends a transaction in fewer round
// trips than database/sql would, with the same statements in the same
// order. BEGIN is held until the transaction's first statement and sent
// with it. Audit events (audit.Store Insert, InsertAll), reservations
// (compliance InsertReservation) and the compliance subscriber lock
// (LockSubject) are deferred writes: nothing reads their result, so each is
// held until the transaction's next statement — sent before it, so a query
// sees it — or COMMIT, and goes in the same round trip; a query that goes
// with BEGIN or deferred writes has its rows read from the last result of
// that round trip. A deferred write that fails (a duplicate key, a
// serialization failure) fails that later statement or COMMIT with its
// own error kind, and so the transaction: the use case still fails as a
// whole, only later. A bun query hook (TraceSQL, a host's) sees a deferred
// statement end at once, without its outcome. A transaction that ends
// before sending anything costs no round trip.
//
// The statements of the hot paths — the subscriber lock, the history and
// Check reads, the reservation INSERT, Complete's UPDATE … RETURNING and
// the audit event INSERT — are prepared statements on such a pool: each
// connection prepares one the first time it sends it (one round trip) and
// then sends "EXECUTE name('argument', …)", plain SQL text that travels
// with BEGIN, the deferred writes and COMMIT like any other, so the
// server neither parses nor plans it again. An argument is written as a
// quoted literal the server converts to the parameter's type (strings,
// integers, booleans, timestamps with time zone, byte strings, NULL);
// any other value, or a server without standard_conforming_strings, makes
// that call fall back to pgx's formatting of the statement. Every other
// statement is bun's, with its arguments formatted into the text. Behind a
// connection pooler in transaction mode (PgBouncer), where a session's
// next transaction may run on a server connection that never prepared the
// statement, add switchboard_prepare=off to the DSN: the store reads it
// (the server never sees it) and sends the hot statements unprepared.
//
// A compliance Reserve plus Complete is 4 round trips (BEGIN, the
// subscriber's lock upsert and the settings and history read; the
// reservation, its audit event and COMMIT; BEGIN with the UPDATE …
// RETURNING; the audit event with COMMIT), a Check one, and
// TestRoundTripsPostgres keeps them so. Database/sql's Conn.Raw hands out
// the wrapped connection: it has pgx's Conn() *pgx.Conn. A pool given to
// New or NewFromSQL is the host's and keeps one round trip per statement;
// the hot statements reach its driver with their arguments as
// placeholders, which it prepares or formats as the host configured it.
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
