package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// runMessages proves what errors say: the operation, the action, the
// precondition.
func runMessages(t *testing.T, h *Harness) {
	t.Run("purchase without a price", func(t *testing.T) { licPurchaseWithoutPrice(t, h) })
	t.Run("tenancy messages for people", func(t *testing.T) { tenancyMessagesForPeople(t, h) })
}

// licPurchaseWithoutPrice: buying an item the agreement has no price for is
// the ErrNoPrice precondition, not a validation error, and charges nothing.
func licPurchaseWithoutPrice(t *testing.T, h *Harness) {
	ctx := context.Background()
	w := newLicWorld(t, h)
	before, err := w.svc.Account(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	_, err = w.svc.PurchaseAddOn(ctx, w.admin, w.company.ID, licensing.AddOnPurchase{Code: "unpriced", Quantity: 1, IdempotencyKey: "k-" + storage.NewID()})
	require.ErrorIs(t, err, storage.ErrPrecondition)
	require.ErrorIs(t, err, licensing.ErrNoPrice)
	require.NotErrorIs(t, err, storage.ErrInvalid)
	require.Contains(t, err.Error(), "licensing.PurchaseAddOn: ")
	after, err := w.svc.Account(ctx, w.admin, w.company.ID)
	require.NoError(t, err)
	require.True(t, before.Balance.Equal(after.Balance), "nothing charged")
}

// tenancyMessagesForPeople: errors name the operation the caller called
// (never a store step) and, when forbidden, the action; the zero Actor is
// "no actor given".
func tenancyMessagesForPeople(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newTenancyEnv(h)
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)

	_, _, err := e.svc.RegisterAffiliate(ctx, "no-such-"+storage.NewID(), tenancy.NewAffiliate{LegalName: "X", Owner: person("x")})
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Regexp(t, `^tenancy\.RegisterAffiliate: `, err.Error())

	_, err = e.svc.RenameUser(ctx, w.operator, w.c.ID, w.admin.UserID, tenancy.PersonName{FirstName: "A", LastName: "B"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.Regexp(t, `^tenancy\.RenameUser: forbidden: user \S+ \(operator in company \S+\) may not `, err.Error())

	_, err = e.svc.GetCompany(ctx, w.operator, "no-such-company")
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.Equal(t, "tenancy.GetCompany: company no-such-company: not found", err.Error())

	_, err = e.svc.GetCompany(ctx, tenancy.Actor{}, w.c.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.True(t, errors.Is(err, tenancy.ErrNoActor))
	require.Equal(t, "tenancy.GetCompany: forbidden: no actor given", err.Error())
}
