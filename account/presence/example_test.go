package presence_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// A pause budget runs out during the pause; the host's job, running late,
// applies the switch at the instant it was due.
func ExampleService_ApplyDue() {
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	company := dir.AddCompany(tenancy.CompanyRef{})
	admin := dir.AddMember(company, tenancy.RoleAdministrator, "")
	op := dir.AddMember(company, tenancy.RoleOperator, "")
	clock := storage.NewManualClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	svc := presence.NewService(st, st.Presence(), dir, presence.FixedLocation(time.UTC),
		audit.NewLog(st.Audit()), st.Outbox(), presence.WithClock(clock))
	// The host's dispatch loop shows each automatic switch to its operator.
	d := storage.NewDispatcher(st.Outbox(), storage.WithDispatchClock(clock))
	presence.OnSwitch(d, func(_ context.Context, _ string, s presence.Switch) error {
		fmt.Println("notified: switched at", s.At.Format("15:04"))
		return nil
	})

	rest, _ := svc.CreatePauseType(ctx, admin, company.ID, presence.PauseTypeInput{Name: "Rest"})
	alloc := 15 * time.Minute
	coffee, _ := svc.CreatePauseType(ctx, admin, company.ID, presence.PauseTypeInput{Name: "Coffee", DailyAllocation: &alloc, FallbackID: rest.ID})
	_, _ = svc.SetStatus(ctx, op, company.ID, op.UserID, presence.Change{State: presence.Away, PauseTypeID: coffee.ID})

	next, _, _ := svc.NextTransition(ctx, company.ID)
	fmt.Println("next transition:", next.Format("15:04"))
	clock.Advance(time.Hour)
	n, _ := svc.ApplyDue(ctx, company.ID, clock.Now())
	fmt.Println("applied:", n)
	_, _ = d.Drain(ctx)
	cur, _ := svc.Status(ctx, op, company.ID, op.UserID)
	fmt.Println("now:", cur.State, cur.PauseTypeID == rest.ID, "since", cur.Since.Format("15:04"))
	// Output:
	// next transition: 09:15
	// applied: 1
	// notified: switched at 09:15
	// now: away true since 09:15
}
