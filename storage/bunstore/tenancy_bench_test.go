package bunstore_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchQueries are the searches timed over storagetest.InsertCompanies's rows:
// common and rare substrings, an INN prefix, a miss and a two-word phrase.
var benchQueries = []string{"new", "ways", "comp", "new ways", "kamiro", "77012", "zzzz-nothing", "tekvol holding"}

func benchCompanySearch(b *testing.B, st *bunstore.Store) {
	const n = 100_000
	resellerID := storagetest.InsertCompanies(b, st, n)
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), tenancytest.Keys())
	// The reseller's administrator is a real membership: every use case
	// re-reads the acting member.
	ctx := context.Background()
	now := storage.Timestamp(time.Now())
	admin := tenancy.Member{CompanyID: resellerID, UserID: storage.NewID(), Role: tenancy.RoleResellerAdmin, CreatedAt: now, UpdatedAt: now}
	if err := st.InTx(ctx, func(ctx context.Context) error {
		if err := st.Tenancy().CreateUser(ctx, &tenancy.UserRecord{User: tenancy.User{ID: admin.UserID, Email: "bench@search.example",
			FirstName: "B", LastName: "S", PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}, PasswordHash: "x"}); err != nil {
			return err
		}
		return st.Tenancy().CreateMember(ctx, &admin)
	}); err != nil {
		b.Fatalf("reseller admin: %v", err)
	}
	actors := map[string]tenancy.Actor{
		"platform": tenancy.Platform("bench"),
		"reseller": {UserID: admin.UserID, CompanyID: resellerID, Role: tenancy.RoleResellerAdmin},
	}
	for _, name := range []string{"platform", "reseller"} {
		by := actors[name]
		for _, q := range benchQueries {
			b.Run(name+"/"+q, func(b *testing.B) {
				loopP50(b, func() error {
					_, err := svc.SearchCompanies(ctx, by, q, storage.PageRequest{Limit: 50})
					return err
				})
			})
		}
	}
}

// BenchmarkCompanySearchSQLite searches 100 000 companies on SQLite.
func BenchmarkCompanySearchSQLite(b *testing.B) { benchCompanySearch(b, storagetest.OpenSQLite(b)) }

// BenchmarkCompanySearchPostgres searches 100 000 companies on PostgreSQL
// (pg_trgm index); skipped unless SWITCHBOARD_POSTGRES_DSN is set.
func BenchmarkCompanySearchPostgres(b *testing.B) { benchCompanySearch(b, storagetest.OpenPostgres(b)) }

// BenchmarkCompanySearchMySQL searches 100 000 companies on MySQL/MariaDB;
// skipped unless SWITCHBOARD_MYSQL_DSN is set.
func BenchmarkCompanySearchMySQL(b *testing.B) { benchCompanySearch(b, storagetest.OpenMySQL(b)) }

// BenchmarkCompanySearchSQL runs BenchmarkCompanySearchPostgres and
// BenchmarkCompanySearchMySQL in one go (both servers seeded once, then the
// same searches on each, platform scope), so that one run compares them
// under the same load; skipped unless both DSNs are set. Seeding takes
// minutes, so SWITCHBOARD_BENCH_ROUNDS=n repeats the searches n times over
// the same rows, the backends interleaved (Go names the repeats "…#01",
// "…#02": strip that suffix, sed 's/#[0-9]*//', before benchstat, which then
// sees n samples of each).
func BenchmarkCompanySearchSQL(b *testing.B) {
	pg, my := storagetest.OpenPostgres(b), storagetest.OpenMySQL(b)
	rounds := benchRounds(b)
	type backend struct {
		name string
		svc  *tenancy.Service
	}
	var backends []backend
	for _, be := range []struct {
		name string
		st   *bunstore.Store
	}{{"postgres", pg}, {"mysql", my}} {
		storagetest.InsertCompanies(b, be.st, 100_000)
		backends = append(backends, backend{be.name,
			tenancy.NewService(be.st, be.st.Tenancy(), audit.NewLog(be.st.Audit()), be.st.Outbox(), tenancytest.Keys())})
	}
	ctx := context.Background()
	for range rounds {
		for _, be := range backends {
			for _, q := range benchQueries {
				b.Run(be.name+"/"+q, func(b *testing.B) {
					loopP50(b, func() error {
						_, err := be.svc.SearchCompanies(ctx, tenancy.Platform("bench"), q, storage.PageRequest{Limit: 50})
						return err
					})
				})
			}
		}
	}
}

// benchRounds is SWITCHBOARD_BENCH_ROUNDS (default 1): how many times a
// benchmark whose seeding takes minutes repeats its timings over the same
// rows, as -count would with a new seeding each time.
func benchRounds(b *testing.B) int {
	v := os.Getenv("SWITCHBOARD_BENCH_ROUNDS")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("SWITCHBOARD_BENCH_ROUNDS=%q: want a positive number", v)
	}
	return n
}

// loopP50 runs op for the benchmark's iterations and reports its median
// latency (p50-ms) next to the mean ns/op.
func loopP50(b *testing.B, op func() error) {
	var lat []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := op(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
}
