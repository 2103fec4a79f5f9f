package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// tourLicensing shows licensing end to end: a reseller prices and limits an
// affiliate; the affiliate's admin buys licenses with a retried idempotent
// request and assigns them; a downgrade is refused under a fixed-term
// contract; charges run the affiliate into its credit limit (a reminder,
// then a refusal, then a suspension when the limit is lowered) and a
// payment brings it back.
//
// It uses env.Out, env.Tx, env.Licensing and env.Audit. Companies and users
// come from a tenancytest.Directory so the tour stands alone; with
// tenancy.Service in place, pass it as the directory instead.
func tourLicensing(ctx context.Context, env *tourEnv) error {
	out := env.Out
	licensing.OnReminder(env.Dispatch, func(_ context.Context, _ string, r licensing.Reminder) error {
		fmt.Fprintf(out, "  ✉ payment reminder to %s: balance %s reached threshold %s\n",
			short(r.CompanyID), r.Balance.StringFixed(2), r.Threshold.StringFixed(2))
		return nil
	})
	licensing.OnSuspension(env.Dispatch, func(_ context.Context, _ string, s licensing.Suspension) error {
		verb := "lifted"
		if s.Suspended {
			verb = "suspended"
		}
		fmt.Fprintf(out, "  ✉ %s: calls %s at balance %s\n", short(s.CompanyID), verb, s.Balance.StringFixed(2))
		return nil
	})
	// Purchases may be booked to the account's cost centres.
	svc := licensing.NewService(env.Tx, env.Licensing, env.Tenancy, env.Audit, env.Outbox, licensing.WithCostCentres(env.Account))
	env.Credit = svc

	reseller, err := env.Tenancy.Company(ctx, env.ResellerID)
	if err != nil {
		return err
	}
	company, err := env.Tenancy.Company(ctx, env.CompanyID)
	if err != nil {
		return err
	}
	varAdmin, admin := env.ResellerAdmin, env.Admin
	fmt.Fprintf(out, "licensing: reseller %s, affiliate %s\n", short(reseller.ID), short(company.ID))

	// The reseller sets the agreement, the contract and the credit terms.
	if err := svc.SetAgreement(ctx, varAdmin, company.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):    decimal.RequireFromString("12.90"),
		licensing.LicenseItem(licensing.LicenseMobile): decimal.RequireFromString("4.50"),
	}); err != nil {
		return err
	}
	ends := time.Now().AddDate(1, 0, 0)
	if err := svc.SetContract(ctx, varAdmin, company.ID, licensing.Contract{Kind: licensing.ContractFixedTerm, EndsAt: ends}); err != nil {
		return err
	}
	if _, err := svc.SetCreditTerms(ctx, varAdmin, company.ID, licensing.CreditTerms{
		CreditLimit:       decimal.NewNullDecimal(decimal.RequireFromString("100")),
		ReminderThreshold: decimal.NewNullDecimal(decimal.RequireFromString("-60")),
	}); err != nil {
		return err
	}
	fmt.Fprintln(out, "  agreement: pro 12.90, mobile 4.50; fixed-term contract for a year; credit limit 100, reminder at -60")

	// Buy 3 Pro licenses; the client times out and retries the same request.
	order := licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 3, IdempotencyKey: "order-" + storage.NewID()}
	first, err := svc.PurchaseLicenses(ctx, admin, company.ID, order)
	if err != nil {
		return err
	}
	retry, err := svc.PurchaseLicenses(ctx, admin, company.ID, order)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  bought 3 pro for %s; the retry returned the same purchase: %v\n", first.Total.StringFixed(2), first.ID == retry.ID)
	order.Quantity = 4
	if _, err := svc.PurchaseLicenses(ctx, admin, company.ID, order); errors.Is(err, storage.ErrConflict) {
		fmt.Fprintln(out, "  the same key with another quantity is refused:", err)
	}

	// Assign them; the fourth user finds none free.
	for i := range 4 {
		agent, err := env.NewOperator(ctx)
		if err != nil {
			return err
		}
		user := agent.UserID
		_, err = svc.AssignLicense(ctx, admin, company.ID, user, licensing.LicensePro)
		switch {
		case errors.Is(err, storage.ErrLimitExceeded):
			fmt.Fprintf(out, "  user %d: no free pro license\n", i+1)
		case err != nil:
			return err
		}
	}
	pools, err := svc.Pools(ctx, admin, company.ID)
	if err != nil {
		return err
	}
	for _, p := range pools {
		fmt.Fprintf(out, "  %-6s bought %d, assigned %d, unassigned %d\n", p.Kind, p.Bought, p.Assigned, p.Unassigned())
	}

	// Plans: upgrade at once, downgrade refused during the fixed term.
	d, err := svc.ChangePlan(ctx, admin, company.ID, licensing.TierUnlimited)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  plan %s → %s: allowed (%s)\n", d.From, d.To, d.Reason)
	d, err = svc.ChangePlan(ctx, admin, company.ID, licensing.TierLight)
	if !errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("downgrade during a fixed term: want a refusal, got %v", err)
	}
	fmt.Fprintf(out, "  plan %s → %s: refused (%s) until %s\n", d.From, d.To, d.Reason, d.NotBefore.Format(time.DateOnly))

	// Credit: usage charges pass the reminder threshold, then hit the limit.
	for i, amount := range []string{"25", "20", "30"} {
		_, err := svc.Charge(ctx, varAdmin, company.ID, licensing.MoneyInput{
			Amount: decimal.RequireFromString(amount), Description: "usage", IdempotencyKey: fmt.Sprint("usage-", i)})
		c, cerr := svc.Credit(ctx, admin, company.ID)
		if cerr != nil {
			return cerr
		}
		switch {
		case errors.Is(err, storage.ErrLimitExceeded):
			fmt.Fprintf(out, "  charge %s refused: past the credit limit (balance stays %s)\n", amount, c.Balance.StringFixed(2))
		case err != nil:
			return err
		default:
			fmt.Fprintf(out, "  charge %s: balance %s\n", amount, c.Balance.StringFixed(2))
		}
		if err := env.deliver(ctx); err != nil {
			return err
		}
	}
	// The reseller lowers the limit below the debt: the affiliate is suspended.
	if _, err := svc.SetCreditTerms(ctx, varAdmin, company.ID, licensing.CreditTerms{
		CreditLimit:       decimal.NewNullDecimal(decimal.RequireFromString("50")),
		ReminderThreshold: decimal.NewNullDecimal(decimal.RequireFromString("-60")),
	}); err != nil {
		return err
	}
	suspended, err := svc.Suspended(ctx, company.ID)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "  limit lowered to 50: suspended =", suspended)
	if err := env.deliver(ctx); err != nil {
		return err
	}
	if _, err := svc.PurchaseLicenses(ctx, admin, company.ID, licensing.LicensePurchase{
		Kind: licensing.LicenseMobile, Quantity: 1, IdempotencyKey: "order-" + storage.NewID()}); errors.Is(err, storage.ErrSuspended) {
		fmt.Fprintln(out, "  a purchase while suspended is refused")
	}
	// A payment brings it back.
	if _, err := svc.RecordPayment(ctx, varAdmin, company.ID, licensing.MoneyInput{
		Amount: decimal.RequireFromString("80"), Description: "bank transfer", IdempotencyKey: "pay-" + storage.NewID()}); err != nil {
		return err
	}
	suspended, err = svc.Suspended(ctx, company.ID)
	if err != nil {
		return err
	}
	c, err := svc.Credit(ctx, admin, company.ID)
	if err != nil {
		return err
	}
	derived, err := svc.LedgerBalance(ctx, admin, company.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  payment 80: balance %s (ledger sum %s), suspended = %v\n", c.Balance.StringFixed(2), derived.StringFixed(2), suspended)
	if err := env.deliver(ctx); err != nil {
		return err
	}
	return nil
}

// short abbreviates an ID for the tour's output.
func short(id string) string {
	if len(id) > 8 {
		return id[len(id)-8:]
	}
	return id
}
