package bunstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// Renaming to the current name is a no-op, not storage.ErrNotFound: MySQL
// reports only changed rows as affected, so "no row affected" alone does not
// mean "no such row" there.
func TestAccountRenameToSameName(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL,
	} {
		t.Run(name, func(t *testing.T) {
			a := open(t).Account()
			ctx := context.Background()
			company := storage.NewID()
			c := &account.Category{ID: storage.NewID(), CompanyID: company, Name: "Team",
				Options: []account.CategoryOption{{ID: storage.NewID(), Name: "Red"}}}
			require.NoError(t, a.CreateCategory(ctx, c))
			o := c.Options[0]

			require.NoError(t, a.RenameCategory(ctx, company, c.ID, "Team"))
			require.NoError(t, a.RenameOption(ctx, company, o.ID, "Red"))
			require.NoError(t, a.RenameCategory(ctx, company, c.ID, "Squad"))
			require.NoError(t, a.RenameOption(ctx, company, o.ID, "Blue"))
			cats, err := a.Categories(ctx, company)
			require.NoError(t, err)
			require.Len(t, cats, 1)
			assert.Equal(t, "Squad", cats[0].Name)
			assert.Equal(t, "Blue", cats[0].Options[0].Name)

			// Unknown rows, and rows of another company, are still not found.
			require.ErrorIs(t, a.RenameCategory(ctx, company, storage.NewID(), "Team"), storage.ErrNotFound)
			require.ErrorIs(t, a.RenameOption(ctx, company, storage.NewID(), "Red"), storage.ErrNotFound)
			require.ErrorIs(t, a.RenameCategory(ctx, storage.NewID(), c.ID, "Squad"), storage.ErrNotFound)
			require.ErrorIs(t, a.RenameOption(ctx, storage.NewID(), o.ID, "Blue"), storage.ErrNotFound)
		})
	}
}
