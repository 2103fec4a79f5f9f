package bunstore_test

import (
	"testing"

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
	b.Run("autocommit", func(b *testing.B) { storagetest.BenchAuditInsert(b, st, false) })
	b.Run("in a transaction", func(b *testing.B) { storagetest.BenchAuditInsert(b, st, true) })
}
