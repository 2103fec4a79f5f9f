package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
)

// tourCompliance shows the dialer's side of compliance: choosing the
// statute's call policy, asking before calls to subscribers in different
// time zones, holding and completing a call, and being refused by a cap with
// the next allowed instant.
//
// It uses env.tx, env.dir, env.audit (an *audit.Log), env.complianceStore,
// env.owner (an owner actor of env.company) and env.company.
func tourCompliance(ctx context.Context, env *tourEnv) error {
	fmt.Println("== compliance: FZ-230 call rules")
	// 05:30 UTC on Wednesday 18 March 2026: 08:30 in Moscow, 15:30 in Vladivostok, 07:30 in Kaliningrad.
	clock := storage.NewManualClock(time.Date(2026, 3, 18, 5, 30, 0, 0, time.UTC))
	svc := compliance.NewService(env.complianceStore, env.tx, env.dir, env.audit, compliance.WithClock(clock))

	fmt.Println("The manual's profile caps 2/4/16 are the statute's MESSAGE caps; for debt-collection calls use 230-FZ's 1/2/8:")
	for _, p := range compliance.Presets() {
		fmt.Printf("  %-15s %s\n", p.Name, p.Source)
	}
	if _, err := svc.SetSettings(ctx, env.owner, env.company.ID, true, compliance.FZ230Calls()); err != nil {
		return err
	}

	for _, phone := range []string{"+7 495 123-45-67", "+7 423 222-33-44", "+7 4012 12-34-56", "+7 916 123-45-67"} {
		d, err := svc.Check(ctx, env.owner, compliance.Call{CompanyID: env.company.ID, Phone: phone})
		if err != nil {
			return err
		}
		fmt.Printf("  %-18s zones %v (%s): allowed=%v %s next=%s\n", phone, d.Zones, d.ZoneSource, d.Allowed, d.Reasons,
			d.NextAllowed.UTC().Format(time.RFC3339))
	}

	call := compliance.Call{CompanyID: env.company.ID, Phone: "+74951234567", Key: "debt-42"}
	r, _, err := svc.Reserve(ctx, env.owner, call)
	if err != nil {
		return err
	}
	fmt.Printf("  reserved %s until %s\n", r.ID, r.ExpiresAt.Format(time.TimeOnly))
	if _, err := svc.Complete(ctx, env.owner, r.ID, compliance.OutcomeAnsweredHuman); err != nil {
		return err
	}
	fmt.Println("  completed: a conversation took place")
	_, d, err := svc.Reserve(ctx, env.owner, call)
	var refused *compliance.RefusedError
	if !errors.As(err, &refused) {
		return fmt.Errorf("expected a refusal by the daily cap, got %v", err)
	}
	fmt.Printf("  second call today refused: %s; next allowed %s (Moscow)\n", d.Reasons.Blocking(),
		d.NextAllowed.In(time.FixedZone("MSK", 3*3600)).Format("Mon 02 Jan 15:04"))
	return nil
}
