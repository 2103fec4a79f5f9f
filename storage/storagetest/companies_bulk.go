package storagetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
)

// seedCompanyRow mirrors tenancy_companies for bulk seeding: a benchmark
// writes rows directly, not through 100 000 service calls.
type seedCompanyRow struct {
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
	seedSyllables = []string{"ka", "ro", "mi", "ta", "ne", "vo", "lu", "si", "da", "pe", "gor", "zan", "tri", "vel", "mar", "kon", "bel", "ras", "dor", "lin",
		"sta", "pro", "ver", "tek", "nor", "sib", "vol", "ural", "ark", "tem"}
	seedSuffix = []string{"company", "group", "holding", "trading", "llc", "ltd", "service", "systems"}
)

// Word makes a pronounceable word of 2–3 syllables (about 28 000 distinct
// words), so seeded names are as varied as real ones.
func Word(rng *rand.Rand) string {
	w := ""
	for range 2 + rng.IntN(2) {
		w += seedSyllables[rng.IntN(len(seedSyllables))]
	}
	return w
}

// InsertCompanies inserts n companies into st in batches, behind the store's
// back: one reseller owning the first n/100 of them as affiliates, the rest
// standalone; names of two words and a suffix ("kamiro tekvol holding"),
// about one in a thousand displayed as "New ways …", INNs 77xxxxxxxx. The
// rows are the same for the same n (a fixed random source). It then
// rebuilds the search index as a bulk import must and settles the database
// as after normal operation (planner statistics; on PostgreSQL the GIN
// index's pending list merged, as autovacuum does). It returns the
// reseller's ID.
func InsertCompanies(tb testing.TB, st *bunstore.Store, n int) string {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	now := storage.Timestamp(time.Now())
	resellerID := storage.NewID()
	slug := "bench-reseller"
	batch := make([]seedCompanyRow, 0, 1000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := st.DB().NewInsert().Model(&batch).Exec(ctx); err != nil {
			tb.Fatalf("seed: %v", err)
		}
		batch = batch[:0]
	}
	for i := range n {
		c := tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive,
			LegalName: fmt.Sprintf("%s %s %s", Word(rng), Word(rng), seedSuffix[rng.IntN(len(seedSuffix))]),
			TaxID:     fmt.Sprintf("77%08d", rng.IntN(100_000_000)), OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		c.DisplayName = c.LegalName
		if rng.IntN(1000) == 0 { // about a hundred "New ways" companies per 100 000
			c.DisplayName = "New ways " + seedSuffix[rng.IntN(len(seedSuffix))]
		}
		var sl *string
		switch {
		case i == 0:
			c.ID, c.Kind, c.Slug, sl = resellerID, tenancy.KindReseller, slug, &slug
		case i <= n/100:
			c.ResellerID = resellerID
		}
		batch = append(batch, seedCompanyRow{ID: c.ID, Kind: string(c.Kind), LegalName: c.LegalName, TaxID: c.TaxID,
			DisplayName: c.DisplayName, Status: string(c.Status), ResellerID: c.ResellerID, Slug: sl, OwnerUserID: c.OwnerUserID,
			SearchText: c.SearchText(), CreatedAt: now, UpdatedAt: now})
		if len(batch) == cap(batch) {
			flush()
		}
	}
	flush()
	if err := st.RebuildCompanySearch(ctx); err != nil {
		tb.Fatalf("search index: %v", err)
	}
	maintenance := map[bunstore.Dialect]string{bunstore.SQLite: "ANALYZE", bunstore.Postgres: "VACUUM ANALYZE tenancy_companies",
		bunstore.MySQL: "ANALYZE TABLE tenancy_companies, tenancy_company_grams"}
	if _, err := st.DB().ExecContext(ctx, maintenance[st.Dialect()]); err != nil {
		tb.Fatalf("analyze: %v", err)
	}
	return resellerID
}
