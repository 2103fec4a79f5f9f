package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// runAtomicity proves the transaction boundary across domains: a host use
// case that creates a company (tenancy rows and events), prices it
// (licensing rows and events) and then fails leaves no row, no audit event
// and sends no notification; the same use case without the failure stores
// everything.
//
// It does not call t.Parallel: Run's own subtests are sequential, so the
// closed-backend test that ends Run cannot overtake it.
func runAtomicity(t *testing.T, h *Harness) {
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	people, credit, platform := w.People, w.Credit, w.Platform

	onboard := func(ctx context.Context, email string, fail error) (tenancy.Company, error) {
		var company tenancy.Company
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			c, _, err := people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
				LegalName: "Atomic " + email, Owner: tenancy.Person{FirstName: "A", LastName: "B", Email: email}})
			if err != nil {
				return err
			}
			company = c
			if err := credit.SetAgreement(ctx, platform, c.ID, map[licensing.Item]decimal.Decimal{
				licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}); err != nil {
				return err
			}
			return fail
		})
		return company, err
	}

	boom := errors.New("payment provider said no")
	email := storage.NewID() + "@atomic.example"
	var c tenancy.Company
	// No row in any table (on SQL), no audit event, no password sent.
	err := w.RequireNoTrace(func() error {
		var err error
		c, err = onboard(ctx, email, boom)
		return err
	})
	require.ErrorIs(t, err, boom)
	require.NotEmpty(t, c.ID, "the use case got as far as creating the company")
	_, err = people.Company(ctx, c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "no company row")
	_, err = h.Licensing.Account(ctx, c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "no licensing row")
	assert.Empty(t, w.Credentials(email), "no password sent for a rolled-back registration")

	events := w.AuditOf(func() {
		c, err = onboard(ctx, email, nil)
		require.NoError(t, err, "the same e-mail is free again")
	})
	_, err = people.Company(ctx, c.ID)
	require.NoError(t, err)
	assert.Contains(t, events.Actions(), "tenancy.company.create", events)
	assert.Len(t, w.Credentials(email), 1)
	v, err := w.Trail.Verify(ctx, audit.Scope{All: true}, c.ID)
	require.NoError(t, err)
	assert.True(t, v.OK)
}
