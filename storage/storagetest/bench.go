package storagetest

import (
	"context"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
)

// BenchmarkAuditAppend measures one audited use case: a transaction that
// appends one event to a company's chain. Companies rotate over 16 chains.
func BenchmarkAuditAppend(b *testing.B, h *Harness) {
	log := audit.NewLog(h.Audit)
	companies := make([]string, 16)
	for i := range companies {
		companies[i] = storage.NewID()
	}
	changes := []audit.Change{audit.Set("display_name", "Old name", "New name"), audit.Secret("password")}
	ctx := audit.WithRequest(context.Background(), "bench", "127.0.0.1", "go-test")
	i := 0
	for b.Loop() {
		c := companies[i%len(companies)]
		i++
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			_, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "company.update",
				EntityType: "company", EntityID: c, Changes: changes})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditQuery measures reading one 50-event page of a company's
// trail, newest first, from a trail of 10 000 events across 10 companies,
// following cursors so deeper pages are measured too.
func BenchmarkAuditQuery(b *testing.B, h *Harness) {
	log := audit.NewLog(h.Audit)
	companies := make([]string, 10)
	for i := range companies {
		companies[i] = storage.NewID()
	}
	ctx := context.Background()
	const perTx = 100
	for i := 0; i < 10000/perTx; i++ {
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			for j := range perTx {
				c := companies[(i*perTx+j)%len(companies)]
				if _, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "user.update",
					EntityType: "user", EntityID: storage.NewID(), Changes: []audit.Change{audit.Set("role", "manager", "administrator")}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	scope := audit.Scope{CompanyIDs: companies}
	filter := audit.Filter{CompanyID: companies[3]}
	req := storage.PageRequest{Limit: 50}
	for b.Loop() {
		page, err := log.Query(ctx, scope, filter, req)
		if err != nil {
			b.Fatal(err)
		}
		if len(page.Items) == 0 {
			b.Fatal("empty page")
		}
		req.After = page.NextCursor // walk down the trail; wrap to the top at the end
	}
}

// BenchmarkAuditSeal measures sealing: each round records 10 000 events of
// one company (untimed) and times the Seal that gives them their places and
// signs the checkpoint. It reports events/s.
func BenchmarkAuditSeal(b *testing.B, h *Harness) {
	key := newTestKey(b, "audit.bench")
	log := audit.NewLog(h.Audit, audit.WithSigner(key.signer))
	c := storage.NewID()
	ctx := context.Background()
	const perRound, perTx = 10000, 500
	total := 0
	for b.Loop() {
		b.StopTimer()
		for range perRound / perTx {
			err := h.Tx.InTx(ctx, func(ctx context.Context) error {
				for range perTx {
					if _, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "user.update",
						EntityType: "user", EntityID: "u-1", Changes: []audit.Change{audit.Set("role", "manager", "administrator")}}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		res, err := log.Seal(ctx, h.Tx, c)
		if err != nil || len(res) != 1 || res[0].Sealed != perRound {
			b.Fatal(res, err)
		}
		total += res[0].Sealed
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAuditVerify measures Verify recomputing a sealed log of 100 000
// events. It reports events/s.
func BenchmarkAuditVerify(b *testing.B, h *Harness) {
	log := audit.NewLog(h.Audit)
	c := storage.NewID()
	ctx := context.Background()
	const n = 100000
	for range n / 1000 {
		err := h.Tx.InTx(ctx, func(ctx context.Context) error {
			for range 1000 {
				if _, err := log.Record(ctx, audit.Entry{Actor: testActor, CompanyID: c, Action: "user.update",
					EntityType: "user", EntityID: "u-1", Changes: []audit.Change{audit.Set("role", "manager", "administrator")}}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := log.Seal(ctx, h.Tx, c); err != nil {
		b.Fatal(err)
	}
	checked := int64(0)
	for b.Loop() {
		v, err := log.Verify(ctx, audit.Scope{All: true}, c)
		if err != nil || !v.OK {
			b.Fatal(v, err)
		}
		checked += v.Checked
	}
	b.ReportMetric(float64(checked)/b.Elapsed().Seconds(), "events/s")
}

// BenchAuditInsert is the yardstick of BenchmarkAuditAppend on a SQL
// backend: the same event row written by one raw INSERT into the table the
// append writes (audit_unsealed), without the chain, hashing or encoding
// around it — in an explicit transaction as a
// use case writes it (inTx), or on its own (autocommit).
func BenchAuditInsert(b *testing.B, st *bunstore.Store, inTx bool) {
	ctx := context.Background()
	now := "now()"
	if st.Dialect() != bunstore.Postgres {
		now = "CURRENT_TIMESTAMP"
	}
	q := "INSERT INTO audit_unsealed (id, company_id, occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_prev_hash, v1_hash) " +
		"VALUES (?, ?, " + now + ", 'user-1', 'platform', 'platform_admin', 'company.update', 'company', 'c', ?, '{\"request_id\":\"bench\"}', '', '', '')"
	changes := `[{"field":"display_name","before":"Old name","after":"New name"},{"field":"password","before":"[redacted]","after":"[redacted]","redacted":true}]`
	c := storage.NewID()
	for b.Loop() {
		if !inTx {
			if _, err := st.DB().ExecContext(ctx, q, storage.NewID(), c, changes); err != nil {
				b.Fatal(err)
			}
			continue
		}
		tx, err := st.DB().BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, q, storage.NewID(), c, changes); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
