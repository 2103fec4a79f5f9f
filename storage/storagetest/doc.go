// Package storagetest is the conformance suite every Switchboard backend
// must pass. Run calls every behaviour test of every domain against a
// Harness; the memory backend, SQLite, PostgreSQL and MySQL/MariaDB all run
// it, and a user can run it against a backend of their own by filling a
// Harness.
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
