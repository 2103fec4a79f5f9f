package storagetest

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// accountCostCentres: a cost centre is renamed, refused deletion while users
// hold it, deleted moving them to another, booked on purchases (the ledger
// carries it) and its spend totalled per period.
func accountCostCentres(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	c := w.Company()
	require.NoError(t, w.Credit.SetAgreement(ctx, w.Platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):              dec("9.90"),
		licensing.SubscriptionItem(licensing.SubscriptionMobile): dec("1.50"),
		licensing.AddOnItem("recording"):                         dec("0.25")}))
	create := func(code, name string) account.CostCentre {
		t.Helper()
		cc, err := w.Settings.CreateCostCentre(ctx, c.Admin, c.ID, account.CostCentreInput{Code: code, Name: name})
		require.NoError(t, err)
		_, err = w.Settings.SetCostCentreActive(ctx, c.Admin, c.ID, cc.ID, true)
		require.NoError(t, err)
		return cc
	}
	sales, support := create("CC-S", "Sales"), create("CC-T", "Support")
	dormant, err := w.Settings.CreateCostCentre(ctx, c.Admin, c.ID, account.CostCentreInput{Code: "CC-D", Name: "Dormant"})
	require.NoError(t, err)
	centre := func(id string) (account.CostCentre, bool) {
		t.Helper()
		all, err := w.Settings.CostCentres(ctx, c.Admin, c.ID)
		require.NoError(t, err)
		for _, cc := range all {
			if cc.ID == id {
				return cc, true
			}
		}
		return account.CostCentre{}, false
	}

	// Rename: the name changes, the code stays; bad input changes nothing.
	events := w.AuditOf(func() {
		_, err := w.Settings.RenameCostCentre(ctx, c.Admin, c.ID, sales.ID, account.CostCentreName{Name: " Sales EMEA "})
		require.NoError(t, err)
	})
	assert.Equal(t, []string{"account.cost_centre.update"}, events.In(c.ID).Actions())
	got, _ := centre(sales.ID)
	assert.Equal(t, account.CostCentre{ID: sales.ID, Code: "CC-S", Name: "Sales EMEA", Active: true}, got)
	_, err = w.Settings.RenameCostCentre(ctx, c.Admin, c.ID, sales.ID, account.CostCentreName{Name: ""})
	RequireInvalid(t, err, "name")
	_, err = w.Settings.RenameCostCentre(ctx, c.Admin, c.ID, storage.NewID(), account.CostCentreName{Name: "X"})
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = w.Settings.RenameCostCentre(ctx, c.Operator, c.ID, sales.ID, account.CostCentreName{Name: "X"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	got, _ = centre(sales.ID)
	assert.Equal(t, "Sales EMEA", got.Name, "refused renames left nothing behind")

	// Purchases are booked to an active centre of the company.
	start := w.Clock.Now()
	_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 2,
		IdempotencyKey: "l1", CostCentreID: sales.ID})
	require.NoError(t, err)
	_, err = w.Credit.PurchaseSubscriptions(ctx, c.Admin, c.ID, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile, Quantity: 3,
		IdempotencyKey: "s1", CostCentreID: support.ID})
	require.NoError(t, err)
	w.Clock.Advance(48 * time.Hour)
	mid := w.Clock.Now()
	p, err := w.Credit.PurchaseAddOn(ctx, c.Admin, c.ID, licensing.AddOnPurchase{Code: "recording", Quantity: 4,
		IdempotencyKey: "a1", CostCentreID: sales.ID})
	require.NoError(t, err)
	assert.Equal(t, sales.ID, p.CostCentreID)
	_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: "l2"})
	require.NoError(t, err)
	_, err = w.Credit.RecordPayment(ctx, w.Platform, c.ID, licensing.MoneyInput{Amount: dec("100"), IdempotencyKey: "pay"})
	require.NoError(t, err)
	before, err := w.Credit.Ledger(ctx, c.Admin, c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	for _, bad := range []string{dormant.ID, storage.NewID()} {
		_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1,
			IdempotencyKey: "bad-" + bad, CostCentreID: bad})
		RequireInvalid(t, err, "cost_centre_id")
	}
	after, err := w.Credit.Ledger(ctx, c.Admin, c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	assert.Len(t, after.Items, len(before.Items), "a refused purchase charged nothing")
	booked := map[string]int{}
	for _, e := range after.Items {
		booked[e.CostCentreID]++
	}
	assert.Equal(t, map[string]int{sales.ID: 2, support.ID: 1, "": 2}, booked, "the ledger carries the cost centre")

	spend := func(from, to time.Time) map[string]string {
		t.Helper()
		rows, err := w.Credit.CostCentreSpend(ctx, c.Admin, c.ID, from, to)
		require.NoError(t, err)
		out := map[string]string{}
		for _, r := range rows {
			out[r.CostCentreID] = r.Spent.StringFixed(2) + "/" + strconv.Itoa(r.Purchases)
		}
		return out
	}
	assert.Equal(t, map[string]string{sales.ID: "20.80/2", support.ID: "4.50/1", "": "9.90/1"}, spend(time.Time{}, time.Time{}))
	assert.Equal(t, map[string]string{sales.ID: "19.80/1", support.ID: "4.50/1"}, spend(start, mid))
	assert.Equal(t, map[string]string{sales.ID: "1.00/1", "": "9.90/1"}, spend(mid, time.Time{}))
	_, err = w.Credit.CostCentreSpend(ctx, c.Admin, c.ID, mid, start)
	RequireInvalid(t, err, "to")

	// Delete: refused while users hold it, or moving them to another.
	_, err = w.Settings.AssignCostCentre(ctx, c.Admin, c.ID, c.Operator.UserID, sales.ID)
	require.NoError(t, err)
	_, err = w.Settings.AssignCostCentre(ctx, c.Admin, c.ID, c.Manager.UserID, sales.ID)
	require.NoError(t, err)
	_, err = w.Settings.DeleteCostCentre(ctx, c.Admin, c.ID, sales.ID, "")
	require.ErrorIs(t, err, storage.ErrConflict, "in use")
	for _, to := range []string{sales.ID, dormant.ID, storage.NewID()} {
		_, err = w.Settings.DeleteCostCentre(ctx, c.Admin, c.ID, sales.ID, to)
		RequireInvalid(t, err, "reassign_to")
	}
	_, err = w.Settings.DeleteCostCentre(ctx, c.Operator, c.ID, sales.ID, support.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, ok := centre(sales.ID)
	require.True(t, ok, "refused deletions left the centre")
	events = w.AuditOf(func() {
		_, err := w.Settings.DeleteCostCentre(ctx, c.Admin, c.ID, sales.ID, support.ID)
		require.NoError(t, err)
	})
	assert.ElementsMatch(t, []string{"account.user.cost_centre.update", "account.user.cost_centre.update", "account.cost_centre.delete"}, events.In(c.ID).Actions())
	// The deletion's event keeps what the ledger's ID stood for.
	del := events.In(c.ID)[slices.IndexFunc(events.In(c.ID), func(e *audit.Event) bool { return e.Action == "account.cost_centre.delete" })]
	named := map[string]string{}
	for _, ch := range del.Changes {
		named[ch.Field] = string(ch.Before)
	}
	assert.Equal(t, `"CC-S"`, named["code"])
	assert.Equal(t, `"Sales EMEA"`, named["name"])
	_, ok = centre(sales.ID)
	assert.False(t, ok)
	for _, u := range []string{c.Operator.UserID, c.Manager.UserID} {
		us, err := w.Settings.UserSettings(ctx, c.Admin, c.ID, u)
		require.NoError(t, err)
		assert.Equal(t, support.ID, us.CostCentreID, "moved to the reassignment")
	}
	_, err = w.Settings.DeleteCostCentre(ctx, c.Admin, c.ID, sales.ID, "")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = w.Settings.DeleteCostCentre(ctx, c.Admin, c.ID, dormant.ID, "")
	require.NoError(t, err, "a centre nobody holds is deleted outright")
	assert.Equal(t, map[string]string{sales.ID: "20.80/2", support.ID: "4.50/1", "": "9.90/1"}, spend(time.Time{}, time.Time{}),
		"a deleted centre keeps its spend: the reassignment moved the users, not the ledger")
	kept, err := w.Credit.Ledger(ctx, c.Admin, c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	booked = map[string]int{}
	for _, e := range kept.Items {
		booked[e.CostCentreID]++
	}
	assert.Equal(t, map[string]int{sales.ID: 2, support.ID: 1, "": 2}, booked, "ledger entries keep the deleted centre's ID")
	_, err = w.Credit.PurchaseLicenses(ctx, c.Admin, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1,
		IdempotencyKey: "after-delete", CostCentreID: sales.ID})
	RequireInvalid(t, err, "cost_centre_id")
}
