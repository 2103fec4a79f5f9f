package bunstore_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchReserveComplete measures one dialer cycle — Reserve (subscriber lock,
// history read, decision, insert, audit event) then Complete (update, audit
// event), two transactions — with 32 concurrent workers on one company, each
// call to a fresh subscriber. On PostgreSQL a cycle is 10 round trips:
// BEGIN, the lock upsert returning the settings, the history read, the call
// INSERT, the audit INSERT, COMMIT; BEGIN, the UPDATE … RETURNING of the
// pending call, the audit INSERT, COMMIT (the directory is in memory here).
// Audit events are sealed later (audit.Log.Seal), so no company-wide row is
// locked.
func benchReserveComplete(b *testing.B, st *bunstore.Store) {
	ctx := context.Background()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()))
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	p := compliance.FZ230Calls()
	p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w} // the benchmark may run at any hour
	if _, err := svc.SetSettings(ctx, owner, co.ID, true, p); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	b.SetParallelism(32 / max(1, runtimeProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			call := compliance.Call{CompanyID: co.ID, Phone: fmt.Sprintf("+7495%07d", n), Zone: "Europe/Moscow"}
			r, _, err := svc.Reserve(ctx, owner, call)
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := svc.Complete(ctx, owner, r.ID, compliance.OutcomeNoAnswer); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cycles/s")
}

func BenchmarkComplianceReserveCompleteSQLite(b *testing.B) {
	benchReserveComplete(b, storagetest.OpenSQLite(b))
}

func BenchmarkComplianceReserveCompletePostgres(b *testing.B) {
	benchReserveComplete(b, storagetest.OpenPostgres(b))
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

func BenchmarkComplianceReserveCompleteMySQL(b *testing.B) {
	benchReserveComplete(b, storagetest.OpenMySQL(b))
}
