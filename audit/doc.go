// Package audit is Switchboard's audit log: who changed what, kept as a
// per-company Merkle transparency log with signed checkpoints, in the
// design of Go's checksum database (golang.org/x/mod/sumdb).
//
// # Recording: with the change, locking nothing shared
//
// Every mutation of every domain records one Event through Log.Record inside
// the same transaction as the change (storage.Transactor.InTx): the change
// and its event commit together or not at all. An event names who acted
// (user, the user's company, role), on behalf of which company, the action,
// the entity, field-level before/after values (Diff builds them; fields
// tagged `audit:"secret"` are stored as "[redacted]") and request metadata
// (WithRequest). Record is one INSERT of the event row: it reads and locks
// no row that other writers use, so the use cases of a busy company do not
// queue on each other. The event is committed but unsealed (Seq 0): it is
// listed, filtered, paginated and exported like any other, but not yet
// covered by the log.
//
// # Sealing: positions are assigned by Seal, which the host drives
//
// Log.Seal takes a company's log head (a row lock only sealers use),
// reads the committed unsealed events, gives them the next positions
// (Seq 1, 2, …), computes each one's leaf hash, extends the tree and signs
// a checkpoint of the new head; all in one transaction per batch
// (WithSealBatch). The SDK starts no goroutine: call Seal from a ticker or
// a job queue, as often as the window below may be long. Any number of
// sealers may run; they take turns per company, and an event is sealed
// exactly once.
//
// The window: an event is unsealed from its commit until the next Seal
// commits. Order in the log is the order in which sealers see commits, not
// insertion order or time: on PostgreSQL and MariaDB a transaction that
// started first (and stamped an earlier OccurredAt) may commit after a
// later one, and a seal running in between simply leaves it for the next
// seal. Nothing is skipped (each event carries its own sealed/unsealed
// state, nothing relies on a watermark) and Seq is monotonic, OccurredAt
// need not be. Hosts that want every event sealed and signed in its own
// transaction use WithInlineSeal: Record then seals inline, which locks the
// company's log head for the rest of the use case — the cost the default
// avoids.
//
// # The tree, proofs and checkpoints
//
// A company's log is an RFC 6962 Merkle tree (golang.org/x/mod/sumdb/tlog)
// over its sealed events in Seq order; "" is the platform's own log. A
// leaf's hash (LeafHash) covers every field of the event: ID, company,
// position, time at microsecond precision, actor, action, entity, every
// change, the metadata, and a carried-over event's former chain link. The
// head stores the size, the root and the right edge of the tree, so a seal
// costs O(batch + log n) and reads no old events.
//
// Prove returns an event's inclusion proof (at most ⌈log₂ n⌉ hashes) at the
// current head, checked by CheckInclusion against a checkpoint;
// ProveConsistency returns the proof that a larger log extends a smaller
// one (O(log n) hashes), checked by CheckConsistency.
//
// A checkpoint is a C2SP signed note (golang.org/x/mod/sumdb/note) of the
// text "<origin>\n<size>\n<base64 root>\ntime <RFC 3339>\n", the origin
// naming the company's log (LogOrigin). It is signed by the key given with
// WithSigner: NewSigner adapts any Ed25519 crypto.Signer, so production
// keeps the key in a KMS and tests use an in-memory key (GenerateKey).
// Checkpoint returns the latest one as text, to hand to witnesses.
//
// # Verifying, and what it detects
//
// Verify recomputes a company's log from its stored events: every position
// present once, every leaf hash equal to the content's, the root and size
// equal to the head's (and, WithVerifier, the head's checkpoint validly
// signed). It detects any edit of any field, deleted events (first, middle,
// last), reordering and moving an event to another company's log, and
// reports the first position at fault.
//
// Whoever holds the database can also rebuild a log that is consistent in
// itself: cut its tail and rewind the head, delete a company's log with its
// head, or rewrite events and recompute every hash. No unkeyed hash can
// reveal that; a checkpoint kept outside the database does. VerifyAgainst
// opens a witness's checkpoint with the log's public key (a checkpoint
// signed by any other key is refused), recomputes the log and requires its
// first Size events to hash to the checkpoint's root: a shortened, deleted
// or rewritten history fails. A holder cannot make a new valid checkpoint
// without the signing key, so the guarantee is as strong as the key's
// custody. Events not yet sealed are covered by neither check.
//
// # Carried-over trails
//
// Logs recorded before this design were per-company hash chains. The
// schema migration keeps their events as unsealed events with their chain
// link (Event.V1) and keeps the chains' recorded heads. The first Seal of
// each company then verifies the old chain — consecutive numbers, every
// link pointing at the previous event's hash, every hash matching its
// content (V1Hash), the last event being the recorded head — and seals the
// chain into the log first, in its order; the leaf hashes cover the old
// links, so the old evidence stays bound into the new tree. Sealing of a
// chain that fails stops at the batch holding the fault (earlier batches,
// verified, stay sealed): Seal returns an error wrapping ErrTampered for
// that company, seals the other companies, and refuses that company's log
// until the chain is repaired. Queries, filters, pagination and export
// read carried-over events like any other.
//
// # Reading
//
// Query filters by company, actor, action, entity and time range, newest
// first, with keyset pagination; Get opens one event; ExportJSONL streams
// JSON Lines. Reads take a Scope — the companies the reader may see — which
// tenancy computes from the actor (tenancy.Service.AuditScope): company
// administrators see their company, resellers also their affiliates, the
// platform everything. An event outside the scope does not exist for the
// reader (storage.ErrNotFound).
package audit
