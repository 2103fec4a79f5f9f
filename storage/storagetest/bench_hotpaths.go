package storagetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// complianceBench is one company with FZ-230 switched on under a policy
// whose calling windows cover the whole day (a benchmark may run at any
// hour), its owner, and a compliance service per harness. The directory is
// in memory: what is timed is the compliance store's SQL.
type complianceBench struct {
	owner tenancy.Actor
	co    tenancy.CompanyRef
	svcs  []*compliance.Service
}

func newComplianceBench(b *testing.B, hs []*Harness) complianceBench {
	ctx := context.Background()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	svcs := make([]*compliance.Service, len(hs))
	for i, h := range hs {
		svcs[i] = compliance.NewService(h.Tx, h.Compliance, dir, audit.NewLog(h.Audit))
	}
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	p := compliance.FZ230Calls()
	p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}
	if _, err := svcs[0].SetSettings(ctx, owner, co.ID, true, p); err != nil {
		b.Fatal(err)
	}
	return complianceBench{owner: owner, co: co, svcs: svcs}
}

// BenchReserveComplete measures one dialer cycle — Reserve (subscriber
// lock, history read, decision, insert, audit event) then Complete (update,
// audit event), two transactions — with 32 concurrent workers on one
// company, each call to a fresh subscriber. On PostgreSQL (a bunstore pool
// it opened) a cycle is 6 round trips: BEGIN with the lock upsert, the
// settings and history read, the call INSERT with the audit INSERT and
// COMMIT; BEGIN, the UPDATE … RETURNING of the pending call, the audit
// INSERT with COMMIT (the directory is in memory here; bunstore's package
// doc, "Round trips on PostgreSQL"). Audit events are sealed later (audit.Log.Seal), so no
// company-wide row is locked. It reports cycles/s.
//
// With several harnesses (one per node of a cluster, one database) worker
// i runs on hs[i % len(hs)], Reserve and Complete on the same node; a cycle
// that exhausts its retry budget there (a certification conflict, or an
// abort by a replicated write on neighbouring index keys, eight times
// running) is counted in gaveup/op, not a failure.
func BenchReserveComplete(b *testing.B, hs ...*Harness) {
	ctx := context.Background()
	cb := newComplianceBench(b, hs)
	var seq, workers atomic.Int64
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	var done, gaveUp atomic.Int64
	spread := len(hs) > 1
	b.RunParallel(func(pb *testing.PB) {
		svc := cb.svcs[int(workers.Add(1))%len(cb.svcs)]
		for pb.Next() {
			n := seq.Add(1)
			call := compliance.Call{CompanyID: cb.co.ID, Phone: fmt.Sprintf("+7495%07d", n), Zone: "Europe/Moscow"}
			r, _, err := svc.Reserve(ctx, cb.owner, call)
			if err == nil {
				_, err = svc.Complete(ctx, cb.owner, r.ID, compliance.OutcomeNoAnswer)
			}
			switch {
			case err == nil:
				done.Add(1)
			case spread && errors.Is(err, storage.ErrRetryable):
				gaveUp.Add(1)
			default:
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(done.Load())/b.Elapsed().Seconds(), "cycles/s")
	if spread {
		b.ReportMetric(float64(gaveUp.Load())/float64(b.N), "gaveup/op")
	}
}

// BenchHotPaths times the hot SQL paths one call at a time, for their
// allocations (allocs/op, B/op) and latency: compliance Reserve, Complete
// and Check, and licensing AssignLicense. Each sub-benchmark prepares its
// b.N inputs untimed (fresh subscribers to reserve, pending reservations to
// complete, members to assign), so every timed call does the same work.
func BenchHotPaths(b *testing.B, h *Harness) {
	ctx := context.Background()
	cb := newComplianceBench(b, []*Harness{h})
	svc := cb.svcs[0]
	var seq atomic.Int64
	call := func() compliance.Call {
		return compliance.Call{CompanyID: cb.co.ID, Phone: fmt.Sprintf("+7496%07d", seq.Add(1)), Zone: "Europe/Moscow"}
	}
	b.Run("Reserve", func(b *testing.B) {
		calls := make([]compliance.Call, b.N)
		for i := range calls {
			calls[i] = call()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, d, err := svc.Reserve(ctx, cb.owner, calls[i]); err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
		}
	})
	b.Run("Complete", func(b *testing.B) {
		ids := make([]string, b.N)
		for i := range ids {
			r, d, err := svc.Reserve(ctx, cb.owner, call())
			if err != nil || !d.Allowed {
				b.Fatal(d, err)
			}
			ids[i] = r.ID
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := svc.Complete(ctx, cb.owner, ids[i], compliance.OutcomeNoAnswer); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Check", func(b *testing.B) {
		// A subscriber with three completed calls in its history: the
		// check reads the settings and the history and decides.
		c := call()
		for range 3 {
			r, _, err := svc.Reserve(ctx, cb.owner, c)
			if err == nil {
				_, err = svc.Complete(ctx, cb.owner, r.ID, compliance.OutcomeNoAnswer)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := svc.Check(ctx, cb.owner, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AssignLicense", func(b *testing.B) {
		dir := tenancytest.NewDirectory()
		lic := licensing.NewService(h.Tx, h.Licensing, dir, audit.NewLog(h.Audit), h.Outbox)
		co := dir.AddCompany(tenancy.CompanyRef{})
		admin := dir.AddMember(co, tenancy.RoleAdministrator, "")
		if err := lic.SetAgreement(ctx, tenancy.Platform("bench"), co.ID, map[licensing.Item]decimal.Decimal{
			licensing.LicenseItem(licensing.LicensePro): decimal.Zero}); err != nil {
			b.Fatal(err)
		}
		if _, err := lic.PurchaseLicenses(ctx, admin, co.ID, licensing.LicensePurchase{
			Kind: licensing.LicensePro, Quantity: licensing.MaxQuantity, IdempotencyKey: storage.NewID()}); err != nil {
			b.Fatal(err)
		}
		users := make([]string, b.N)
		for i := range users {
			users[i] = dir.AddMember(co, tenancy.RoleOperator, "").UserID
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := lic.AssignLicense(ctx, admin, co.ID, users[i], licensing.LicensePro); err != nil {
				b.Fatal(err)
			}
		}
	})
}
