// Package audit is Switchboard's tamper-evident audit trail.
//
// Every mutation of every domain records one Event through Log.Record inside
// the same transaction as the change it describes (storage.Transactor.InTx):
// the change and its event commit together or not at all. An event names who
// acted (user, the user's company, role), on behalf of which company, the
// action, the entity, field-level before/after values (Diff builds them;
// fields tagged `audit:"secret"` are recorded as "[redacted]", never their
// value) and request metadata carried by the context (WithRequest).
//
// # Hash chain
//
// Events are chained per company: event n stores the hash of event n-1 and
// its own SHA-256 over its content and that link (ComputeHash). Record locks
// the chain's head row for the rest of the transaction, so concurrent writers
// on one company queue up; a unique (company, seq) key makes a fork
// impossible even if a backend's lock failed. Verify walks a chain and reports
// the first broken link, including events deleted from its end.
//
// # Reading
//
// Query filters by company, actor, action, entity and time range, newest
// first, with keyset pagination; Get opens one event; ExportJSONL streams
// JSON Lines. Reads take a Scope — the companies the reader may see — which
// tenancy computes from the actor (tenancy.Service.AuditScope): company
// administrators see their company, resellers also their affiliates, the
// platform everything.
package audit
