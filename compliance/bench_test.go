package compliance_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// history100 is 100 calls over the 50 days before now: two a day, one in
// seven answered by a person.
func history100(now time.Time) []compliance.Record {
	h := make([]compliance.Record, 0, 100)
	for i := 100; i > 0; i-- {
		o := compliance.OutcomeNoAnswer
		if i%7 == 0 {
			o = compliance.OutcomeAnsweredHuman
		}
		h = append(h, compliance.Record{At: now.Add(-time.Duration(i) * 12 * time.Hour).UnixMicro(), Classes: o.Classes()})
	}
	return h
}

func benchEvaluate(b *testing.B, p compliance.Policy, at time.Time, wantAllowed bool) {
	r, err := compliance.Compile(p)
	if err != nil {
		b.Fatal(err)
	}
	s := &compliance.Subject{Zones: []*time.Location{loc(b, "Europe/Moscow")}, Calendar: calendar.Russia(), History: history100(at)}
	if v := r.Evaluate(at, s); v.Allowed != wantAllowed {
		b.Fatalf("allowed = %v, reasons %s", v.Allowed, v.Reasons)
	}
	b.ReportAllocs()
	for b.Loop() {
		r.Evaluate(at, s)
	}
}

// BenchmarkCheckHotPath is the in-memory decision for a subscriber with 100
// calls of history, zone resolved and policy compiled in advance.
func BenchmarkCheckHotPath(b *testing.B) {
	at := local(b, "Europe/Moscow", "2026-03-18 12:00:00")
	b.Run("manual/allowed", func(b *testing.B) { benchEvaluate(b, compliance.ManualFZ230(), at, true) })
	b.Run("fz230calls/allowed", func(b *testing.B) { benchEvaluate(b, compliance.FZ230Calls(), at, true) })
	b.Run("manual/blocked-with-next", func(b *testing.B) {
		benchEvaluate(b, compliance.ManualFZ230(), local(b, "Europe/Moscow", "2026-03-18 21:00:00"), false)
	})
	b.Run("regf/cooloff-with-next", func(b *testing.B) {
		p := compliance.RegF()
		p.Caps = nil
		benchEvaluate(b, p, at.Add(-8*time.Hour), false)
	})
}

// BenchmarkServiceCheck is Service.Check end to end on the memory backend:
// directory, number resolution, settings and history reads included. The
// "into" cases are CheckInto reusing one Decision, the zero-allocation path;
// "explicit-zone" gives the zone with the call-list record.
func BenchmarkServiceCheck(b *testing.B) {
	b.Run("check", func(b *testing.B) { benchServiceCheck(b, false, "") })
	b.Run("into", func(b *testing.B) { benchServiceCheck(b, true, "") })
	b.Run("into/explicit-zone", func(b *testing.B) { benchServiceCheck(b, true, "Asia/Vladivostok") })
	b.Run("into/parallel", func(b *testing.B) { benchServiceCheck(b, true, "", true) })
}

func benchServiceCheck(b *testing.B, into bool, zoneName string, parallel ...bool) {
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	now := local(b, "Europe/Moscow", "2026-03-18 12:00:00")
	svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), compliance.WithClock(storage.NewManualClock(now)))
	if _, err := svc.SetSettings(ctx, owner, co.ID, true, compliance.ManualFZ230()); err != nil {
		b.Fatal(err)
	}
	err := st.InTx(ctx, func(ctx context.Context) error {
		for i, r := range history100(now) {
			res := compliance.Reservation{ID: storage.NewID(), CompanyID: co.ID, Key: "+74951234567", Phone: "+74951234567",
				ReservedAt: time.UnixMicro(r.At).UTC(), ExpiresAt: time.UnixMicro(r.At).UTC().Add(time.Minute),
				Status: compliance.StatusCompleted, Outcome: compliance.OutcomeNoAnswer}
			if i%7 == 0 {
				res.Outcome = compliance.OutcomeAnsweredHuman
			}
			if err := st.Compliance().InsertReservation(ctx, res); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	call := compliance.Call{CompanyID: co.ID, Phone: "+74951234567", Zone: zoneName}
	if d, err := svc.Check(ctx, owner, call); err != nil || !d.Allowed {
		b.Fatal(d, err)
	}
	b.ReportAllocs()
	if len(parallel) > 0 { // every worker with its own Decision
		b.RunParallel(func(pb *testing.PB) {
			var d compliance.Decision
			for pb.Next() {
				if err := svc.CheckInto(ctx, owner, call, &d); err != nil || !d.Allowed {
					b.Error(d, err)
					return
				}
			}
		})
		return
	}
	if into {
		var d compliance.Decision
		for b.Loop() {
			if err := svc.CheckInto(ctx, owner, call, &d); err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
		}
		return
	}
	for b.Loop() {
		if d, err := svc.Check(ctx, owner, call); err != nil || !d.Allowed {
			b.Fatal(d, err)
		}
	}
}
