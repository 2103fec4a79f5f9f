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
	trail := audit.NewLog(h.Audit)
	mail := h.credentials()
	people := tenancy.NewService(h.Tx, h.Tenancy, trail, h.Outbox, TestKeys, tenancy.WithPasswordCost(4))
	credit := licensing.NewService(h.Tx, h.Licensing, people, trail, h.Outbox)
	platform := tenancy.Platform("support")

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
	c, err := onboard(ctx, email, boom)
	require.ErrorIs(t, err, boom)
	require.NotEmpty(t, c.ID, "the use case got as far as creating the company")
	_, err = people.Company(ctx, c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "no company row")
	_, err = h.Licensing.Account(ctx, c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "no licensing row")
	page, err := trail.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: c.ID}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "no audit event")
	_, n := mail.For(email)
	assert.Zero(t, n, "no password sent for a rolled-back registration")

	c, err = onboard(ctx, email, nil)
	require.NoError(t, err, "the same e-mail is free again")
	_, err = people.Company(ctx, c.ID)
	require.NoError(t, err)
	page, err = trail.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: c.ID}, storage.PageRequest{})
	require.NoError(t, err)
	assert.NotEmpty(t, page.Items)
	_, n = mail.For(email)
	assert.Equal(t, 1, n)
	v, err := trail.Verify(ctx, audit.Scope{All: true}, c.ID)
	require.NoError(t, err)
	assert.True(t, v.OK)
}
