package compliance_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// The evaluator on its own: 230-FZ on the transferred working Saturday of
// 1 November 2025 and on the holiday after it.
func ExampleRules_Evaluate() {
	rules, _ := compliance.Compile(compliance.FZ230Calls())
	moscow, _ := time.LoadLocation("Europe/Moscow")
	s := &compliance.Subject{Zones: []*time.Location{moscow}, Calendar: calendar.Russia()}
	for _, at := range []time.Time{
		time.Date(2025, 11, 1, 8, 30, 0, 0, moscow), // Saturday made a working day: 08–22
		time.Date(2025, 11, 3, 8, 30, 0, 0, moscow), // Monday, a day off: 09–20
	} {
		d := rules.Evaluate(at, s)
		fmt.Println(at.Format("Mon 02 Jan 15:04"), d.Allowed, d.Reasons, d.Next.In(moscow).Format("15:04"))
	}
	// Output:
	// Sat 01 Nov 08:30 true  08:30
	// Mon 03 Nov 08:30 false outside_window 09:00
}

// The dialer's cycle: Reserve, Complete, and the refusal that follows with
// its reasons and the next allowed instant.
func ExampleService_Reserve() {
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	clock := storage.NewManualClock(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)) // 12:00 in Moscow
	svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), compliance.WithClock(clock))
	_, _ = svc.SetSettings(ctx, owner, co.ID, true, compliance.FZ230Calls())

	call := compliance.Call{CompanyID: co.ID, Phone: "+7 495 123-45-67"}
	r, d, _ := svc.Reserve(ctx, owner, call)
	fmt.Println(d.Allowed, d.Zones, r.Status)
	_, _ = svc.Complete(ctx, owner, r.ID, compliance.OutcomeAnsweredHuman)

	_, d, err := svc.Reserve(ctx, owner, call) // a refusal is a decision, not an error
	fmt.Println(err, d.Allowed, d.Reasons, d.NextAllowed.UTC().Format(time.RFC3339))
	// Output:
	// true [Europe/Moscow] pending
	// <nil> false cap_day 2026-03-19T05:00:00Z
}
