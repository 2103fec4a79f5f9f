package storagetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// identityTaxAndFilters: a company's INN and KPP live once on its Company,
// set by the company and the platform as the rules allow, found by partial
// match; company search filters by status and kind.
func identityTaxAndFilters(t *testing.T, h *Harness) {
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	r := w.Reseller(2)
	a0, a1 := r.Affiliates[0], r.Affiliates[1]
	set := func(by tenancy.Actor, id, inn, kpp string) (tenancy.Company, error) {
		return w.People.SetTaxIdentity(ctx, by, id, tenancy.TaxIdentity{INN: inn, KPP: kpp})
	}
	_, err := set(w.Platform, a0.ID, "", "")
	require.NoError(t, err)

	events := w.AuditOf(func() {
		c, err := set(a0.Owner, a0.ID, " 7707083893 ", "773601001")
		require.NoError(t, err, "the company gives its INN while it has none")
		assert.Equal(t, [2]string{"7707083893", "773601001"}, [2]string{c.TaxID, c.KPP})
	})
	assert.Equal(t, []string{"tenancy.company.tax_identity"}, events.In(a0.ID).Actions())
	events = w.AuditOf(func() {
		_, err := set(a0.Owner, a0.ID, "7707083893", "773601001")
		require.NoError(t, err)
	})
	assert.Empty(t, events.In(a0.ID).Actions(), "the same identity records nothing")

	// Bad input and the rules: field errors, nothing stored.
	for _, c := range []struct{ inn, kpp, field string }{
		{"7736123452", "773601001", "inn"}, // the company changes a set INN
		{"7707083894", "", "inn"},          // check digit
		{"7707083893", "77360100", "kpp"},  // too short
		{"7707083893", "7736o1001", "kpp"}, // lower-case letter
	} {
		_, err := set(a0.Owner, a0.ID, c.inn, c.kpp)
		RequireInvalid(t, err, c.field)
	}
	_, err = set(w.Platform, a0.ID, "", "773601001")
	RequireInvalid(t, err, "kpp") // a KPP alone
	_, err = set(w.Platform, a0.ID, "500100732259", "773601001")
	RequireInvalid(t, err, "kpp") // an individual's INN has no KPP
	_, err = set(a0.Owner, a0.ID, "", "")
	RequireInvalid(t, err, "inn")
	_, err = set(w.Employee(a0.Owner, a0.ID, tenancy.RoleOperator, ""), a0.ID, "7707083893", "773601002")
	require.ErrorIs(t, err, storage.ErrForbidden)
	got, err := w.People.GetCompany(ctx, w.Platform, a0.ID)
	require.NoError(t, err)
	assert.Equal(t, [2]string{"7707083893", "773601001"}, [2]string{got.TaxID, got.KPP}, "refused changes left nothing behind")

	// The company changes its KPP; its reseller and the platform too; only the platform changes the INN.
	_, err = set(a0.Owner, a0.ID, "7707083893", "773602001")
	require.NoError(t, err)
	_, err = set(r.Admin, a0.ID, "7707083893", "773603001")
	require.NoError(t, err)
	_, err = set(w.Platform, a1.ID, "7736123452", "")
	require.NoError(t, err)
	_, err = set(w.Platform, a1.ID, "500100732259", "")
	require.NoError(t, err, "the platform changes an INN")

	// Found by partial INN or KPP, in the reseller's scope.
	find := func(f tenancy.CompanyFilter) []string {
		t.Helper()
		var ids []string
		req := storage.PageRequest{Limit: 1}
		for {
			page, err := w.People.FindCompanies(ctx, r.Admin, f, req)
			require.NoError(t, err)
			for _, c := range page.Items {
				ids = append(ids, c.ID)
			}
			if page.NextCursor == "" {
				return ids
			}
			req.After = page.NextCursor
		}
	}
	assert.Equal(t, []string{a0.ID}, find(tenancy.CompanyFilter{Query: "708389"}))
	assert.Equal(t, []string{a0.ID}, find(tenancy.CompanyFilter{Query: "773603"}), "the KPP")
	assert.Equal(t, []string{a1.ID}, find(tenancy.CompanyFilter{Query: "0073225"}))
	assert.Empty(t, find(tenancy.CompanyFilter{Query: "7736123452"}), "a replaced INN is not found")
	page, err := w.People.SearchCompanies(ctx, r.Admin, "708389", storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, a0.ID, page.Items[0].ID)

	// The account's requisites keep no copy: they write to and read from the Company.
	if h.Account != nil {
		ac, err := w.Settings.UpdateRequisites(ctx, a0.Owner, a0.ID, account.Requisites{INN: "7707083893", KPP: "773604001"})
		require.NoError(t, err)
		assert.Equal(t, [2]string{"7707083893", "773604001"}, [2]string{ac.Requisites.INN, ac.Requisites.KPP})
		_, err = w.Settings.UpdateRequisites(ctx, a0.Owner, a0.ID, account.Requisites{INN: "7736123452"})
		RequireInvalid(t, err, "inn")
		assert.Equal(t, []string{a0.ID}, find(tenancy.CompanyFilter{Query: "773604"}), "search finds what the company saved")
		if h.AccountRaw != nil {
			raw, err := h.AccountRaw(ctx, a0.ID)
			require.NoError(t, err)
			assert.NotContains(t, string(raw), "773604001", "the account document keeps no copy")
		}
		ac, err = w.Settings.Company(ctx, a0.Owner, a0.ID)
		require.NoError(t, err)
		assert.Equal(t, "773604001", ac.Requisites.KPP)
	}

	// Status and kind.
	_, err = w.People.SetStatus(ctx, w.Platform, a1.ID, tenancy.StatusSuspended)
	require.NoError(t, err)
	assert.Equal(t, []string{a1.ID}, find(tenancy.CompanyFilter{Status: tenancy.StatusSuspended}))
	assert.ElementsMatch(t, []string{r.ID, a0.ID}, find(tenancy.CompanyFilter{Status: tenancy.StatusActive}))
	assert.Equal(t, []string{r.ID}, find(tenancy.CompanyFilter{Kind: tenancy.KindReseller}))
	assert.Equal(t, []string{a0.ID}, find(tenancy.CompanyFilter{Query: "7707", Kind: tenancy.KindRegular, Status: tenancy.StatusActive}))
	assert.Empty(t, find(tenancy.CompanyFilter{Query: "7707", Status: tenancy.StatusSuspended}))
	_, err = w.People.FindCompanies(ctx, r.Admin, tenancy.CompanyFilter{Status: "closed", Kind: "x"}, storage.PageRequest{})
	RequireInvalid(t, err, "status", "kind")
}
