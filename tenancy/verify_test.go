package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

func TestVerifyPassword(t *testing.T) {
	ctx := context.Background()
	w := storagetest.NewWorld(t)
	svc := w.People
	a, b := w.Tenant(tenancy.KindRegular), w.Tenant(tenancy.KindRegular)
	owner := a.Owner.UserID
	pw := w.Password(w.Email(owner)) // as e-mailed through the outbox

	require.NoError(t, svc.VerifyPassword(ctx, a.ID, owner, pw))
	require.ErrorIs(t, svc.VerifyPassword(ctx, a.ID, owner, pw+"x"), storage.ErrForbidden, "wrong password")
	require.ErrorIs(t, svc.VerifyPassword(ctx, b.ID, owner, pw), storage.ErrForbidden, "not a member there")
	require.ErrorIs(t, svc.VerifyPassword(ctx, a.ID, storage.NewID(), pw), storage.ErrForbidden, "unknown user")
}
