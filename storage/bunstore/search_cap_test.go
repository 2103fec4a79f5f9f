package bunstore_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

// TestSearchPastTheCandidateCap proves company search through the gram
// side table (MySQL/MariaDB) when a needle has more candidates than the cap:
// with the cap lowered to 5, every page of random needles (some longer
// than a gram, whose candidates come from another part of the needle when
// its beginning is common), at page sizes 1 to 7, in every scope, equals a
// plain substring test on the search text.
// (The conformance suite's property test never reaches the real cap.)
func TestSearchPastTheCandidateCap(t *testing.T) {
	st := storagetest.OpenMySQL(t)
	defer bunstore.SetCandidateCap(5)()
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 23))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abn "[rng.IntN(4)]
		}
		return string(b)
	}
	now := storage.Timestamp(time.Now())
	reseller := &tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindReseller, Status: tenancy.StatusActive,
		LegalName: "Reseller " + word(5), DisplayName: "R", OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
	companies := []*tenancy.Company{reseller}
	for i := range 60 {
		c := &tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive,
			LegalName: word(4 + rng.IntN(10)), DisplayName: word(rng.IntN(6)), OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		if i%2 == 0 {
			c.ResellerID = reseller.ID
		}
		if i%5 == 0 {
			c.Status = tenancy.StatusSuspended
		}
		companies = append(companies, c)
	}
	require.NoError(t, st.InTx(ctx, func(ctx context.Context) error {
		for _, c := range companies {
			if err := st.Tenancy().CreateCompany(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}))
	slices.SortFunc(companies, func(a, b *tenancy.Company) int { return strings.Compare(a.ID, b.ID) })
	scopes := map[string]tenancy.CompanyQuery{
		"all":        {All: true},
		"affiliates": {ScopeID: reseller.ID, WithAffiliates: true},
		"active":     {All: true, Status: tenancy.StatusActive},
	}
	inScope := func(name string, c *tenancy.Company) bool {
		switch name {
		case "affiliates":
			return c.ID == reseller.ID || c.ResellerID == reseller.ID
		case "active":
			return c.Status == tenancy.StatusActive
		}
		return true
	}
	for range 60 {
		needle := tenancy.NormalizeQuery(word(3 + rng.IntN(3)))
		if rng.IntN(2) == 0 { // up to 12 characters of a company's text: longer than a MySQL gram
			text := []rune(companies[rng.IntN(len(companies))].SearchText())
			from := rng.IntN(len(text))
			needle = tenancy.NormalizeQuery(string(text[from:min(len(text), from+3+rng.IntN(10))]))
		}
		if len([]rune(needle)) < 3 {
			continue
		}
		for name, scope := range scopes {
			var want []string
			for _, c := range companies {
				if inScope(name, c) && strings.Contains(c.SearchText(), needle) {
					want = append(want, c.ID)
				}
			}
			limit := 1 + rng.IntN(7)
			var got []string
			q := scope
			q.Text, q.Limit = needle, limit
			for {
				page, err := st.Tenancy().SearchCompanies(ctx, q)
				require.NoError(t, err)
				for _, c := range page {
					got = append(got, c.ID)
				}
				if len(page) < limit {
					break
				}
				q.AfterID = page[len(page)-1].ID
			}
			require.Equal(t, want, got, "needle %q, scope %s, page size %d", needle, name, limit)
		}
	}
}
