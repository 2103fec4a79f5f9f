package bunstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchReserveComplete measures one dialer cycle — Reserve (subscriber lock,
// history read, decision, insert, audit event) then Complete (update, audit
// event), two transactions — with 32 concurrent workers on one company, each
// call to a fresh subscriber. On PostgreSQL a cycle is 6 round trips:
// BEGIN with the lock upsert, the settings and history read, the call
// INSERT with the audit INSERT and COMMIT; BEGIN, the UPDATE … RETURNING of
// the pending call, the audit INSERT with COMMIT (the directory is in
// memory here; see the package doc, "Round trips on PostgreSQL").
// Audit events are sealed later (audit.Log.Seal), so no company-wide row is
// locked. The workers share the store's own pool (8 connections on 2
// cores) unless SWITCHBOARD_BENCH_POOL sets its size: 32 gives each worker
// a connection, as pgbench's 32 clients have (bench/pgbench/run.sh).
func benchReserveComplete(b *testing.B, st *bunstore.Store) {
	benchReserveCompleteOn(b, []*bunstore.Store{st})
}

// benchReserveCompleteOn is benchReserveComplete with the workers spread
// over stores (one per node of a cluster, one database): worker i runs on
// stores[i % len(stores)], Reserve and Complete on the same node.
func benchReserveCompleteOn(b *testing.B, stores []*bunstore.Store) {
	ctx := context.Background()
	st := stores[0]
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
	svcs := make([]*compliance.Service, len(stores))
	for i, st := range stores {
		svcs[i] = compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()))
	}
	var seq, workers atomic.Int64
	if n := os.Getenv("SWITCHBOARD_BENCH_POOL"); n != "" { // one connection per worker, as pgbench's clients
		size, err := strconv.Atoi(n)
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range stores {
			st.DB().SetMaxOpenConns(size)
		}
	}
	b.SetParallelism(32 / max(1, runtimeProcs()))
	b.ReportAllocs()
	b.ResetTimer()
	// Across nodes a cycle may exhaust its retry budget (a certification
	// conflict or an abort by a replicated write on neighbouring index
	// keys, error 1213, eight times running): counted, not a failure.
	var done, gaveUp atomic.Int64
	spread := len(stores) > 1
	b.RunParallel(func(pb *testing.PB) {
		svc := svcs[int(workers.Add(1))%len(svcs)]
		for pb.Next() {
			n := seq.Add(1)
			call := compliance.Call{CompanyID: co.ID, Phone: fmt.Sprintf("+7495%07d", n), Zone: "Europe/Moscow"}
			r, _, err := svc.Reserve(ctx, owner, call)
			if err == nil {
				_, err = svc.Complete(ctx, owner, r.ID, compliance.OutcomeNoAnswer)
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

// BenchmarkComplianceReserveCompleteGalera runs the cycle against the Galera
// cluster of SWITCHBOARD_GALERA_DSNS: all 32 workers on one node, then
// spread over every node, then spread with causal reads (wsrep_sync_wait=1).
func BenchmarkComplianceReserveCompleteGalera(b *testing.B) {
	c := storagetest.OpenGalera(b)
	stores := make([]*bunstore.Store, len(c.Nodes))
	for i, h := range c.Nodes {
		stores[i] = h.Tx.(*bunstore.Store)
	}
	b.Run("one node", func(b *testing.B) { benchReserveCompleteOn(b, stores[:1]) })
	b.Run(fmt.Sprintf("%d nodes", len(stores)), func(b *testing.B) { benchReserveCompleteOn(b, stores) })
	causal := make([]*bunstore.Store, len(c.Causal))
	for i, h := range c.Causal {
		causal[i] = h.Tx.(*bunstore.Store)
	}
	b.Run(fmt.Sprintf("%d nodes wsrep_sync_wait=1", len(causal)), func(b *testing.B) { benchReserveCompleteOn(b, causal) })
}
