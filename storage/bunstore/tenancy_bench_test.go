package bunstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchCompanyRow mirrors tenancy_companies for bulk seeding: the benchmark
// writes rows directly, not through 100 000 service calls.
type benchCompanyRow struct {
	bun.BaseModel `bun:"table:tenancy_companies"`

	ID                 string    `bun:"id,pk"`
	Kind               string    `bun:"kind"`
	LegalName          string    `bun:"legal_name"`
	RegistrationNumber string    `bun:"registration_number"`
	TaxID              string    `bun:"tax_id"`
	DisplayName        string    `bun:"display_name"`
	Status             string    `bun:"status"`
	ResellerID         string    `bun:"reseller_id"`
	Slug               *string   `bun:"slug"`
	OwnerUserID        string    `bun:"owner_user_id"`
	SearchText         string    `bun:"search_text"`
	CreatedAt          time.Time `bun:"created_at"`
	UpdatedAt          time.Time `bun:"updated_at"`
}

var (
	benchSyllables = []string{"ka", "ro", "mi", "ta", "ne", "vo", "lu", "si", "da", "pe", "gor", "zan", "tri", "vel", "mar", "kon", "bel", "ras", "dor", "lin",
		"sta", "pro", "ver", "tek", "nor", "sib", "vol", "ural", "ark", "tem"}
	benchSuffix  = []string{"company", "group", "holding", "trading", "llc", "ltd", "service", "systems"}
	benchQueries = []string{"new", "ways", "comp", "new ways", "kamiro", "77012", "zzzz-nothing", "tekvol holding"}
)

// benchWord makes a pronounceable word of 2–3 syllables (about 28 000
// distinct words), so names are as varied as real company names.
func benchWord(rng *rand.Rand) string {
	w := ""
	for range 2 + rng.IntN(2) {
		w += benchSyllables[rng.IntN(len(benchSyllables))]
	}
	return w
}

// seedCompanies inserts n companies in batches: one reseller owning the
// first n/100 of them as affiliates, the rest standalone. It returns the
// reseller's ID.
func seedCompanies(b *testing.B, st *bunstore.Store, n int) string {
	b.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	now := storage.Timestamp(time.Now())
	resellerID := storage.NewID()
	slug := "bench-reseller"
	batch := make([]benchCompanyRow, 0, 1000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := st.DB().NewInsert().Model(&batch).Exec(ctx); err != nil {
			b.Fatalf("seed: %v", err)
		}
		batch = batch[:0]
	}
	for i := range n {
		c := tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive,
			LegalName: fmt.Sprintf("%s %s %s", benchWord(rng), benchWord(rng), benchSuffix[rng.IntN(len(benchSuffix))]),
			TaxID:     fmt.Sprintf("77%08d", rng.IntN(100_000_000)), OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		c.DisplayName = c.LegalName
		if rng.IntN(1000) == 0 { // about a hundred "New ways" companies
			c.DisplayName = "New ways " + benchSuffix[rng.IntN(len(benchSuffix))]
		}
		var sl *string
		switch {
		case i == 0:
			c.ID, c.Kind, c.Slug, sl = resellerID, tenancy.KindReseller, slug, &slug
		case i <= n/100:
			c.ResellerID = resellerID
		}
		batch = append(batch, benchCompanyRow{ID: c.ID, Kind: string(c.Kind), LegalName: c.LegalName, TaxID: c.TaxID,
			DisplayName: c.DisplayName, Status: string(c.Status), ResellerID: c.ResellerID, Slug: sl, OwnerUserID: c.OwnerUserID,
			SearchText: c.SearchText(), CreatedAt: now, UpdatedAt: now})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	// Rows written behind the store's back: index them as a bulk import must.
	if err := st.RebuildCompanySearch(ctx); err != nil {
		b.Fatalf("search index: %v", err)
	}
	// Settle the database as after normal operation: statistics for the
	// planner and, on PostgreSQL, the GIN index's pending list merged (as
	// autovacuum does) rather than scanned linearly.
	maintenance := map[bunstore.Dialect]string{bunstore.SQLite: "ANALYZE", bunstore.Postgres: "VACUUM ANALYZE tenancy_companies",
		bunstore.MySQL: "ANALYZE TABLE tenancy_companies, tenancy_company_trigrams"}
	if _, err := st.DB().ExecContext(ctx, maintenance[st.Dialect()]); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	return resellerID
}

func benchCompanySearch(b *testing.B, st *bunstore.Store) {
	const n = 100_000
	resellerID := seedCompanies(b, st, n)
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
