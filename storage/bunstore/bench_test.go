package bunstore_test

import (
	"context"
	"testing"

	"github.com/switchboardkit/switchboard/storage"

	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// benchBackends runs fn on SQLite and, when their DSNs are set, PostgreSQL
// and MySQL/MariaDB (each sub-benchmark skips without its server).
func benchBackends(b *testing.B, fn func(b *testing.B, h *storagetest.Harness)) {
	for _, be := range []struct {
		name string
		open func(testing.TB) *bunstore.Store
	}{
		{"sqlite", storagetest.OpenSQLite},
		{"postgres", storagetest.OpenPostgres},
		{"mysql", storagetest.OpenMySQL},
	} {
		b.Run(be.name, func(b *testing.B) { fn(b, storagetest.BunHarness(be.open(b))) })
	}
}

func BenchmarkAuditAppend(b *testing.B) { benchBackends(b, storagetest.BenchmarkAuditAppend) }

func BenchmarkAuditQuery(b *testing.B) { benchBackends(b, storagetest.BenchmarkAuditQuery) }

func BenchmarkAuditSeal(b *testing.B) { benchBackends(b, storagetest.BenchmarkAuditSeal) }

// BenchmarkAuditInsertPostgres is the yardstick of BenchmarkAuditAppend: the
// same event row written by one raw INSERT, on its own (autocommit) and in
// an explicit transaction as a use case writes it.
func BenchmarkAuditInsertPostgres(b *testing.B) {
	st := storagetest.OpenPostgres(b)
	ctx := context.Background()
	q := "INSERT INTO audit_events (id, company_id, occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_prev_hash, v1_hash) " +
		"VALUES (?, ?, now(), 'user-1', 'platform', 'platform_admin', 'company.update', 'company', 'c', ?, '{\"request_id\":\"bench\"}', '', '', '')"
	changes := `[{"field":"display_name","before":"Old name","after":"New name"},{"field":"password","before":"[redacted]","after":"[redacted]","redacted":true}]`
	c := storage.NewID()
	b.Run("autocommit", func(b *testing.B) {
		for b.Loop() {
			if _, err := st.DB().ExecContext(ctx, q, storage.NewID(), c, changes); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in a transaction", func(b *testing.B) {
		for b.Loop() {
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
	})
}
