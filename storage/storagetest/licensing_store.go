package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// licAssignOutsideTxIsAtomic: AssignLicense called outside a use case's
// transaction is still atomic: a refused second license of a kind for the
// same user must not leave the pool's assigned count raised.
func licAssignOutsideTxIsAtomic(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	ls := h.Licensing
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
}

// licAssignHeldIsConflictWhenFull: a user asking again for a kind it holds
// is storage.ErrConflict whether or not a license is free (SQL backends used
// to answer ErrLimitExceeded when the pool was full); another user then gets
// ErrLimitExceeded.
func licAssignHeldIsConflictWhenFull(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	ls := h.Licensing
	company := storage.NewID()
	require.NoError(t, ls.AddLicenses(ctx, company, licensing.LicensePro, 1))
	a := licensing.LicenseAssignment{CompanyID: company, UserID: storage.NewID(), Kind: licensing.LicensePro, AssignedAt: time.Now()}
	require.NoError(t, ls.AssignLicense(ctx, a))
	require.ErrorIs(t, ls.AssignLicense(ctx, a), storage.ErrConflict)
	b := a
	b.UserID = storage.NewID()
	require.ErrorIs(t, ls.AssignLicense(ctx, b), storage.ErrLimitExceeded)
}
