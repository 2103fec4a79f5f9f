package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

// tourCompliance shows the dialer's side of compliance: choosing the
// statute's call policy, asking before calls to subscribers in different
// time zones, holding and completing a call, and being refused by a cap with
// the next allowed instant.
//
// It runs in the tenancy tour's affiliate, as its owner, and asks the
// licensing tour's credit service whether the company is suspended.
func tourCompliance(ctx context.Context, env *tourEnv) error {
	company, err := env.Tenancy.Company(ctx, env.CompanyID)
	if err != nil {
		return err
	}
	owner := env.Owner
	// 05:30 UTC on Wednesday 18 March 2026: 08:30 in Moscow, 15:30 in Vladivostok, 07:30 in Kaliningrad.
	clock := storage.NewManualClock(time.Date(2026, 3, 18, 5, 30, 0, 0, time.UTC))
	svc := compliance.NewService(env.Tx, env.Store.Compliance(), env.Tenancy, env.Audit,
		compliance.WithClock(clock), compliance.WithSuspensions(env.Credit))

	fmt.Fprintln(env.Out, "The manual's profile caps 2/4/16 are the statute's MESSAGE caps; for debt-collection calls use 230-FZ's 1/2/8:")
	for _, p := range compliance.Presets() {
		fmt.Fprintf(env.Out, "  %-15s %s\n", p.Name, p.Source)
	}
	if _, err := svc.SetSettings(ctx, owner, company.ID, true, compliance.FZ230Calls()); err != nil {
		return err
	}

	for _, phone := range []string{"+7 495 123-45-67", "+7 423 222-33-44", "+7 4012 12-34-56", "+7 916 123-45-67"} {
		d, err := svc.Check(ctx, owner, compliance.Call{CompanyID: company.ID, Phone: phone})
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Out, "  %-18s zones %v (%s): allowed=%v %s next=%s\n", phone, d.Zones, d.ZoneSource, d.Allowed, d.Reasons,
			d.NextAllowed.UTC().Format(time.RFC3339))
	}

	call := compliance.Call{CompanyID: company.ID, Phone: "+74951234567", Key: "debt-42"}
	r, _, err := svc.Reserve(ctx, owner, call)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  reserved %s until %s\n", r.ID, r.ExpiresAt.Format(time.TimeOnly))
	if _, err := svc.Complete(ctx, owner, r.ID, compliance.OutcomeAnsweredHuman); err != nil {
		return err
	}
	fmt.Fprintln(env.Out, "  completed: a conversation took place")
	_, d, err := svc.Reserve(ctx, owner, call)
	if err != nil {
		return err
	}
	if d.Allowed {
		return errors.New("expected a refusal by the daily cap")
	}
	fmt.Fprintf(env.Out, "  second call today refused: %s; next allowed %s (Moscow)\n", d.Reasons.Blocking(),
		d.NextAllowed.In(time.FixedZone("MSK", 3*3600)).Format("Mon 02 Jan 15:04"))

	// The reseller drops the credit limit to zero: the affiliate owes 3.70, so it
	// is suspended, and compliance refuses its calls until it pays.
	zero := decimal.NewNullDecimal(decimal.Zero)
	if _, err := env.Credit.SetCreditTerms(ctx, env.ResellerAdmin, company.ID, licensing.CreditTerms{CreditLimit: zero}); err != nil {
		return err
	}
	d, err = svc.Check(ctx, owner, compliance.Call{CompanyID: company.ID, Phone: "+7 423 222-33-44"})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  credit limit 0 with a debt: allowed=%v %s\n", d.Allowed, d.Reasons.Blocking())
	if _, err := env.Credit.RecordPayment(ctx, env.ResellerAdmin, company.ID, licensing.MoneyInput{
		Amount: decimal.RequireFromString("3.70"), Description: "settles the debt", IdempotencyKey: "pay-" + storage.NewID()}); err != nil {
		return err
	}
	d, err = svc.Check(ctx, owner, compliance.Call{CompanyID: company.ID, Phone: "+7 423 222-33-44"})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  after the payment: allowed=%v\n", d.Allowed)
	return nil
}
