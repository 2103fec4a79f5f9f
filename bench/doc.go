// Package bench holds the SDK's benchmarks next to their anchors — a
// well-known library or a hand-written minimum doing the same job — so one
// run on one machine says how far the SDK is from each. It is a module of
// its own (its go.mod replaces the SDK with the checkout above it), so the
// anchors' libraries never become the SDK's dependencies.
//
// Each pair differs only in the last element of the benchmark name,
// impl=… (impl=raw for a hand-written minimum, impl=sdk for the SDK), so
// benchstat compares them column by column:
//
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl -filter .name:Authz bench/out/raw.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl -filter '.name:/^(AuditAppend|Search)$/' bench/out/raw.txt
//
// The pairs:
//
//   - BenchmarkAuthz/tenants=N/impl=casbin against impl=memory, impl=sqlite
//     and impl=postgres: casbin's RBAC-with-domains Enforce against
//     tenancy.Service.ActorFor followed by tenancy.Can, over the same N
//     tenants of five members each (owner, administrator, manager, two
//     operators). casbin's policy is derived from tenancy.Can, and both
//     sides must agree on every request before anything is timed.
//   - BenchmarkAuditAppend/impl=raw against impl=sdk (PostgreSQL):
//     one raw INSERT of an audit row in a transaction against
//     audit.Log.Record in a transaction.
//   - BenchmarkSearch/q=…/impl=raw against impl=sdk (PostgreSQL):
//     one raw trigram-indexed ILIKE page of 50 against
//     tenancy.Service.SearchCompanies, over the same 100 000 companies
//     (storagetest.InsertCompanies).
//   - BenchmarkReserveComplete/impl=sdk (PostgreSQL, 32 workers): the
//     dialer cycle, whose cycles/s bench/run compares with pgbench's tps
//     for the minimal reservation transaction.
//
// BenchmarkHotPaths/db=…/op=… reports the allocations of Reserve,
// Complete, Check and AssignLicense on SQLite and PostgreSQL.
//
// The PostgreSQL benchmarks skip unless SWITCHBOARD_POSTGRES_DSN is set.
// SWITCHBOARD_BENCH_COMPANIES changes the number of companies searched
// (bench/run's quick pass uses fewer). bench/run runs everything and
// writes BENCHMARKS.md at the repository root.
package bench
