// Package storagetest is the conformance suite every Switchboard backend
// must pass, and the test kit a host's own test suite builds on.
//
// # Testing your code: the World
//
// NewWorld(t) returns every service wired the way a host wires them at
// start-up (the README's "Wiring": tenancy's hooks granting default
// packages to new members and releasing what a leaver held, presence
// reading time zones from account, compliance asking licensing who is
// suspended) on a fresh in-memory store, or on SQLite, PostgreSQL or
// MySQL/MariaDB with OnSQLite, OnPostgres or OnMySQL. The world's time is
// a manual clock (World.Clock) every service reads, passwords are hashed
// at bcrypt's minimum cost, secrets are sealed with an in-memory key, and
// account's host adapters are fakes the test controls (World.Mail,
// World.Registry; bill access re-authenticates with tenancy). The backend
// is closed by t.Cleanup.
//
// The services' effects are delivered as a host's dispatch loop would:
// World.Credentials(email) and World.Password(email) read the generated
// passwords, World.Invitations and World.PasswordResets the tokens sent to
// an address, World.Reminders and World.Suspensions a company's credit
// effects, World.Switches a user's automatic pause switches,
// World.Removals and World.Deactivations a company's members leaving, and
// World.Delivered(topic) any of them — each draining the outbox first.
// World.CredentialsChanges lists what tenancy's credentials-changed hook
// saw commit.
//
// Fixtures build a valid, audited world through the real use cases, one
// call each, and return typed handles with ready actors: World.Company (two
// sub-accounts and one member of each company role), World.Reseller (a
// reseller administrator and affiliates it invited, registered through its
// link),
// World.Operator (an operator and pause types with fallbacks),
// World.Policy (FZ-230 on under a policy, a dialer and a call list). The
// assertions say what a call did: World.AuditOf returns the audit events
// it committed, World.RequireNoTrace that a failed call left no event, no
// outbox message and (on SQL) no changed row, RequireKind that an error is
// of a storage kind. A subtest reaches the same world through World.For(t).
//
//	func TestInvite(t *testing.T) {
//		w := storagetest.NewWorld(t)
//		c := w.Company()
//		err := w.RequireNoTrace(func() error { return myHandler(ctx, w.People, c.Admin, c.ID) })
//		storagetest.RequireKind(t, err, storage.ErrLimitExceeded)
//	}
//
// # The conformance suite
//
// Run calls every behaviour test of every domain against a Harness; the
// memory backend (MemoryHarness), SQLite, PostgreSQL and MySQL/MariaDB
// (BunHarness) all run it, and a user can run it against a backend of
// their own by filling a Harness. A World runs on a Harness too (World.H;
// OnHarness shares one).
//
// The SQL servers are found through SWITCHBOARD_POSTGRES_DSN and
// SWITCHBOARD_MYSQL_DSN. Without them those tests skip with a message; under
// CI=true they fail instead. Each run creates its own database and drops it
// afterwards (OpenPostgres, OpenMySQL), so runs and parallel packages never
// see each other's rows. Within a run, tests isolate themselves by working on
// fresh IDs and run in parallel.
//
// Each behaviour is a named function (licIdempotentPurchases,
// accountSealedSecret, …) that Run calls as one subtest, grouped by domain,
// so a backend author can run one alone by its subtest path:
//
//	go test -run 'TestConformance/licensing/idempotent_purchases' ./mybackend
package storagetest
