package storagetest

import (
	"context"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
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
