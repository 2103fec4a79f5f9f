package storagetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// accountRenameToSameName: renaming a category or option to its current
// name is a no-op, not storage.ErrNotFound (MySQL reports only changed rows
// as affected, so "no row affected" alone does not mean "no such row"
// there). Unknown rows, and rows of another company, are still not found.
func accountRenameToSameName(t *testing.T, h *Harness) {
	t.Parallel()
	a := h.Account
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

	require.ErrorIs(t, a.RenameCategory(ctx, company, storage.NewID(), "Team"), storage.ErrNotFound)
	require.ErrorIs(t, a.RenameOption(ctx, company, storage.NewID(), "Red"), storage.ErrNotFound)
	require.ErrorIs(t, a.RenameCategory(ctx, storage.NewID(), c.ID, "Squad"), storage.ErrNotFound)
	require.ErrorIs(t, a.RenameOption(ctx, storage.NewID(), o.ID, "Blue"), storage.ErrNotFound)
}

// accountConcurrentAssign: two transactions assign the same option to the
// same user at once. On a SQL server the second insert waits for the first
// on the primary key, then hits the duplicate; "already assigned users are
// kept" makes both succeed (the loser is re-run as storage.ErrRetryable and
// finds the row). A backend that serialises transactions simply runs them
// one after the other.
func accountConcurrentAssign(t *testing.T, h *Harness) {
	t.Parallel()
	a := h.Account
	ctx := context.Background()
	company, user := storage.NewID(), storage.NewID()
	c := &account.Category{ID: storage.NewID(), CompanyID: company, Name: "Team",
		Options: []account.CategoryOption{{ID: storage.NewID(), Name: "Red"}}}
	require.NoError(t, a.CreateCategory(ctx, c))
	o := c.Options[0]
	o.CategoryID = c.ID

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs[0] = h.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := a.Assign(ctx, company, o, []string{user}); err != nil {
				return err
			}
			once.Do(func() { close(held) })
			<-release
			return nil
		})
	}()
	<-held
	go func() {
		defer wg.Done()
		errs[1] = h.Tx.InTx(ctx, func(ctx context.Context) error { return a.Assign(ctx, company, o, []string{user}) })
	}()
	time.Sleep(300 * time.Millisecond) // the second insert is now waiting on the first one's key
	close(release)
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	ids, err := a.UserOptions(ctx, company, user)
	require.NoError(t, err)
	assert.Equal(t, []string{o.ID}, ids)
}
