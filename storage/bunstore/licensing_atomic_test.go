package bunstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// AssignLicense called outside a use case's transaction is still atomic,
// as in the memory store: a refused second license of a kind for the same
// user must not leave the pool's assigned count raised.
func TestAssignLicenseOutsideTxIsAtomic(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ls := open(t).Licensing()
			company := storage.NewID()
			require.NoError(t, ls.AddLicenses(ctx, company, licensing.LicensePro, 2))
			a := licensing.LicenseAssignment{CompanyID: company, UserID: storage.NewID(), Kind: licensing.LicensePro, AssignedAt: time.Now()}
			require.NoError(t, ls.AssignLicense(ctx, a))
			require.ErrorIs(t, ls.AssignLicense(ctx, a), storage.ErrConflict)
			pools, err := ls.Pools(ctx, company)
			require.NoError(t, err)
			require.Equal(t, []licensing.Pool{{CompanyID: company, Kind: licensing.LicensePro, Bought: 2, Assigned: 1}}, pools)
			b := a
			b.UserID = storage.NewID()
			require.NoError(t, ls.AssignLicense(ctx, b), "the second license is still free")
		})
	}
}

// A user asking again for a kind it holds is storage.ErrConflict whether or
// not a license is free, on every backend (the memory store checks the
// holding first; SQL backends used to answer ErrLimitExceeded when the pool
// was full).
func TestAssignLicenseHeldIsConflictWhenPoolFull(t *testing.T) {
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			ls := open(t).Licensing()
			company := storage.NewID()
			require.NoError(t, ls.AddLicenses(ctx, company, licensing.LicensePro, 1))
			a := licensing.LicenseAssignment{CompanyID: company, UserID: storage.NewID(), Kind: licensing.LicensePro, AssignedAt: time.Now()}
			require.NoError(t, ls.AssignLicense(ctx, a))
			require.ErrorIs(t, ls.AssignLicense(ctx, a), storage.ErrConflict)
			b := a
			b.UserID = storage.NewID()
			require.ErrorIs(t, ls.AssignLicense(ctx, b), storage.ErrLimitExceeded)
		})
	}
}
