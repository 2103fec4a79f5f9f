package storagetest

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// searchAlphabet is what the property test's names are made of: few
// letters (so random needles often match), LIKE's wildcards and escape
// character, a space, and letters whose case folding or encoding differs
// (Cyrillic, German, a multi-byte emoji).
var searchAlphabet = []rune("abnew %_!ёЁßжЖ😀")

func randomSearchText(rng *rand.Rand, n int) string {
	r := make([]rune, n)
	for i := range r {
		r[i] = searchAlphabet[rng.IntN(len(searchAlphabet))]
	}
	return string(r)
}

// tenancySearchProperty proves company search equals a plain substring
// test on Company.SearchText, for random companies and random needles
// (substrings of the stored texts and random strings, wildcards included),
// through renames, page by page: every backend, whatever index it uses,
// returns exactly the oracle's companies in ID order.
func tenancySearchProperty(t *testing.T, h *Harness) {
	if h.Tenancy == nil {
		t.Skip("backend offers no tenancy store")
	}
	ctx := context.Background()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed) // a failure replays with this seed
	rng := rand.New(rand.NewPCG(seed, 19))
	now := storage.Timestamp(time.Now())
	reseller := &tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindReseller, Status: tenancy.StatusActive,
		LegalName: "Reseller " + randomSearchText(rng, 6), DisplayName: "R", OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
	companies := []*tenancy.Company{reseller}
	for range 80 {
		c := &tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive, ResellerID: reseller.ID,
			LegalName: randomSearchText(rng, 3+rng.IntN(12)), DisplayName: randomSearchText(rng, rng.IntN(8)),
			TaxID: randomSearchText(rng, rng.IntN(4)), OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		companies = append(companies, c)
	}
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		for _, c := range companies {
			if err := h.Tenancy.CreateCompany(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}))
	// Renames move the index along (a third of the affiliates).
	require.NoError(t, h.Tx.InTx(ctx, func(ctx context.Context) error {
		for _, c := range companies[1:] {
			if rng.IntN(3) == 0 {
				c.DisplayName = randomSearchText(rng, 2+rng.IntN(10))
				if err := h.Tenancy.UpdateCompany(ctx, c); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	slices.SortFunc(companies, func(a, b *tenancy.Company) int { return strings.Compare(a.ID, b.ID) })
	needles := []string{}
	for range 150 {
		if rng.IntN(3) == 0 {
			needles = append(needles, tenancy.NormalizeQuery(randomSearchText(rng, 1+rng.IntN(5))))
			continue
		}
		text := []rune(companies[rng.IntN(len(companies))].SearchText())
		i := rng.IntN(len(text))
		j := min(len(text), i+1+rng.IntN(8))
		needles = append(needles, tenancy.NormalizeQuery(string(text[i:j])))
	}
	for _, needle := range needles {
		if strings.ContainsRune(needle, '\x1f') || needle == "" {
			continue // the separator is a control character: a query never holds it
		}
		var want []string
		for _, c := range companies {
			if strings.Contains(c.SearchText(), needle) {
				want = append(want, c.ID)
			}
		}
		var got []string
		after := ""
		for range len(companies) + 1 {
			page, err := h.Tenancy.SearchCompanies(ctx, tenancy.CompanyQuery{Text: needle, ScopeID: reseller.ID, WithAffiliates: true, AfterID: after, Limit: 7})
			require.NoError(t, err)
			for _, c := range page {
				got = append(got, c.ID)
			}
			if len(page) < 7 {
				break
			}
			after = page[len(page)-1].ID
		}
		require.Equal(t, want, got, "needle %q", needle)
	}
}
