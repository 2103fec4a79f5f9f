package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/storage"
)

// tourPresence shows a pause budget running out in the middle of a pause and
// the status switching to the fallback pause at that exact instant, with one
// notification, driven by the host calling NextTransition/ApplyDue (the SDK
// starts no goroutine).
//
// It uses env.Store (the tour's *bunstore.Store) and env.Audit, and keeps its
// own company in a tenancytest.Directory and its own manual clock, so time
// can jump.
func tourPresence(ctx context.Context, env *tourEnv) error {
	st := env.Store
	company, err := env.Tenancy.Company(ctx, env.CompanyID)
	if err != nil {
		return err
	}
	admin, op := env.Admin, env.Operator
	moscow, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		return err
	}
	clock := storage.NewManualClock(time.Date(2026, 11, 20, 10, 0, 0, 0, moscow))
	presence.OnSwitch(env.Dispatch, func(_ context.Context, _ string, s presence.Switch) error {
		fmt.Fprintf(env.Out, "  notification: pause switched at %s (recorded at %s)\n",
			s.At.In(moscow).Format("15:04:05"), s.AppliedAt.In(moscow).Format("15:04:05"))
		return nil
	})
	svc := presence.NewService(st, st.Presence(), env.Tenancy, env.Account, env.Audit, env.Outbox,
		presence.WithClock(clock))

	fmt.Fprintln(env.Out, "presence: pause budgets with an automatic fallback")
	opZone, err := env.Account.Location(ctx, company.ID, op.UserID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  budgets count the operator's own day (%s, from account settings); times below are Moscow time\n", opZone)
	rest, err := svc.CreatePauseType(ctx, admin, company.ID, presence.PauseTypeInput{Name: "Rest"})
	if err != nil {
		return err
	}
	quarter := 15 * time.Minute
	coffee, err := svc.CreatePauseType(ctx, admin, company.ID, presence.PauseTypeInput{
		Name: "Coffee", Paid: true, DailyAllocation: &quarter, FallbackID: rest.ID})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  admin defined %q (paid, 15m a day, falls back to %q) and %q (unpaid, unlimited)\n", coffee.Name, rest.Name, rest.Name)

	cur, err := svc.SetStatus(ctx, op, company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  10:00 operator goes Away (%s); the switch is due at %s\n", coffee.Name, cur.DueAt.In(moscow).Format("15:04"))

	clock.Advance(10 * time.Minute)
	b, err := svc.Budget(ctx, op, company.ID, op.UserID, "")
	if err != nil {
		return err
	}
	for _, l := range b.Lines {
		if l.PauseTypeID == coffee.ID {
			fmt.Fprintf(env.Out, "  10:10 budget %s: spent %v, left %v\n", l.Name, l.Spent, l.Left)
		}
	}

	next, ok, err := svc.NextTransition(ctx, company.ID)
	if err != nil || !ok {
		return errors.Join(err, errors.New("no transition scheduled"))
	}
	fmt.Fprintf(env.Out, "  host asks when to wake up: %s\n", next.In(moscow).Format("15:04"))
	clock.Advance(25 * time.Minute) // the host's job runs 20 minutes late
	n, err := svc.ApplyDue(ctx, company.ID, clock.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  10:35 host runs ApplyDue: %d switch(es)\n", n)
	if err := env.deliver(ctx); err != nil {
		return err
	}

	cur, err = svc.Status(ctx, op, company.ID, op.UserID)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "  status: %s (%s) since %s, the instant the budget ran out\n", cur.State, rest.Name, cur.Since.In(moscow).Format("15:04"))
	_, err = svc.SetStatus(ctx, op, company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version})
	fmt.Fprintf(env.Out, "  operator picks %s again: %v (limit exceeded: %t)\n", coffee.Name, err, errors.Is(err, storage.ErrLimitExceeded))
	if _, err := svc.SetStatus(ctx, admin, company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID, Version: cur.Version}); err != nil {
		return err
	}
	fmt.Fprintln(env.Out, "  an administrator can still set it (audited as an override)")
	return nil
}
