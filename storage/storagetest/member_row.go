package storagetest

import (
	"context"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// memberRowDeleted proves the second guard of the SQL backends: a
// membership row deleted directly in the database, past the SDK and its
// member-removed hooks, takes the user's per-user rows with it — its
// licenses (the pool's assigned count goes down with them), its
// subscriptions (unassigned, still bought), its service packages, its
// organisation options and its presence status unless offline (as the
// SDK's release leaves it) — and leaves another member's alone.
func memberRowDeleted(t *testing.T, h *Harness) {
	if h.DeleteMemberRow == nil {
		t.Skip("the backend keeps no rows behind the SDK")
	}
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	o := w.Operator()
	gone, kept := o.Operator, o.Manager
	owner := o.Owner
	require.NoError(t, w.Credit.SetAgreement(ctx, w.Platform, o.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):              decimal.RequireFromString("9.90"),
		licensing.SubscriptionItem(licensing.SubscriptionMobile): decimal.RequireFromString("1.50")}))
	_, err := w.Credit.PurchaseLicenses(ctx, owner, o.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 3, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	subs, err := w.Credit.PurchaseSubscriptions(ctx, owner, o.ID, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile,
		Quantity: 2, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	pkg, err := w.Credit.DefinePackage(ctx, w.Platform, "", licensing.PackageInput{Name: "Guard " + storage.NewID()})
	require.NoError(t, err)
	require.NoError(t, w.Credit.SetPackageOffer(ctx, owner, o.ID, pkg.ID, true, false))
	cat, err := w.Settings.CreateCategory(ctx, owner, o.ID, "City", []string{"Moscow"})
	require.NoError(t, err)
	option := cat.Options[0].ID
	for i, u := range []tenancy.Actor{gone, kept} {
		_, err = w.Credit.AssignLicense(ctx, owner, o.ID, u.UserID, licensing.LicensePro)
		require.NoError(t, err)
		require.NoError(t, w.Credit.AssignSubscription(ctx, owner, o.ID, subs.SubscriptionIDs[i], u.UserID))
		require.NoError(t, w.Credit.GrantPackage(ctx, owner, o.ID, u.UserID, pkg.ID))
		require.NoError(t, w.Settings.AssignOption(ctx, owner, o.ID, option, []string{u.UserID}))
		_, err = w.Operators.SetStatus(ctx, owner, o.ID, u.UserID, presence.Change{State: presence.Online})
		require.NoError(t, err)
	}

	require.NoError(t, h.DeleteMemberRow(ctx, o.ID, gone.UserID))

	_, err = w.People.Member(ctx, o.ID, gone.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound, "the membership row is gone")
	pools, err := w.Credit.Pools(ctx, owner, o.ID)
	require.NoError(t, err)
	i := slices.IndexFunc(pools, func(p licensing.Pool) bool { return p.Kind == licensing.LicensePro })
	require.GreaterOrEqual(t, i, 0, "the pro pool: %v", pools)
	assert.Equal(t, 3, pools[i].Bought)
	assert.Equal(t, 1, pools[i].Assigned, "the pool counts the remaining member's license only")
	as, err := w.Credit.Assignments(ctx, owner, o.ID, storage.PageRequest{})
	require.NoError(t, err)
	var holders []string
	for _, a := range as.Items {
		holders = append(holders, a.UserID)
	}
	assert.Equal(t, []string{kept.UserID}, holders, "licenses")
	all, err := w.Credit.Subscriptions(ctx, owner, o.ID, licensing.SubscriptionFilter{}, storage.PageRequest{})
	require.NoError(t, err)
	byID := map[string]string{}
	for _, s := range all.Items {
		byID[s.ID] = s.UserID
	}
	assert.Equal(t, map[string]string{subs.SubscriptionIDs[0]: "", subs.SubscriptionIDs[1]: kept.UserID}, byID,
		"the removed member's subscription is unassigned, still bought")
	for _, c := range []struct {
		user string
		want int
	}{{gone.UserID, 0}, {kept.UserID, 1}} {
		pkgs, err := h.Licensing.UserPackages(ctx, o.ID, c.user)
		require.NoError(t, err)
		assert.Len(t, pkgs, c.want, "packages of %s", c.user)
		opts, err := h.Account.UserOptions(ctx, o.ID, c.user)
		require.NoError(t, err)
		assert.Len(t, opts, c.want, "options of %s", c.user)
	}
	_, err = h.Presence.Current(ctx, o.ID, gone.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound, "the removed member's status")
	_, err = h.Presence.Current(ctx, o.ID, kept.UserID)
	require.NoError(t, err, "the remaining member's status")
}
