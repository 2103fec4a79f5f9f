package bunstore_test

import (
	"context"
	"encoding/hex"
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

// TestCompanyGramsBackfillMatchesWrites proves the MySQL/MariaDB company
// search side table holds the same rows whoever writes it: the store in
// CreateCompany and UpdateCompany (Go), RebuildCompanySearch and the
// migration that creates the table (SQL) — for names with multi-byte
// characters, shorter than a gram, at the length limits, and renamed.
func TestCompanyGramsBackfillMatchesWrites(t *testing.T) {
	st := storagetest.OpenMySQL(t)
	ctx := context.Background()
	now := storage.Timestamp(time.Now())
	names := []string{"Ab", "ООО Ёлка-Палка", "Straße 😀 GmbH", "new ways", strings.Repeat("ж", 255), strings.Repeat("a😀", 100), "x%_!y"}
	var companies []*tenancy.Company
	for i, n := range names {
		c := &tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive, LegalName: n,
			DisplayName: string([]rune(names[(i+1)%len(names)])[:2]), TaxID: "7701", OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		require.NoError(t, st.Tenancy().CreateCompany(ctx, c))
		companies = append(companies, c)
	}
	companies[1].LegalName = "Renamed Ёж"
	require.NoError(t, st.Tenancy().UpdateCompany(ctx, companies[1]))
	grams := func() []string {
		var rows []struct {
			Gram      []byte `bun:"gram"`
			CompanyID string `bun:"company_id"`
		}
		require.NoError(t, st.DB().NewSelect().Table("tenancy_company_grams").Column("gram", "company_id").Scan(ctx, &rows))
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.CompanyID + " " + hex.EncodeToString(r.Gram)
		}
		slices.Sort(out)
		return out
	}
	written := grams()
	require.NotEmpty(t, written)
	require.NotContains(t, strings.Join(written, "\n"), hex.EncodeToString([]byte("ооо")), "the old name's grams are gone")

	require.NoError(t, st.RebuildCompanySearch(ctx))
	require.Equal(t, written, grams(), "RebuildCompanySearch")

	scripts, err := bunstore.MigrationSQL(bunstore.MySQL)
	require.NoError(t, err)
	i := slices.IndexFunc(scripts, func(s bunstore.MigrationScript) bool { return s.Name == "company_grams" })
	require.Positive(t, i)
	require.NoError(t, st.MigrateDown(ctx, scripts[i-1].Version))
	require.NoError(t, st.Migrate(ctx))
	require.Equal(t, written, grams(), "the migration's backfill")
}
