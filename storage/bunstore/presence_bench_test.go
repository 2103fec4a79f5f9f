package bunstore_test

import (
	"testing"

	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// BenchmarkPresenceBudget1000IntervalsSQLite: the budget view of an
// operator with 1 000 intervals that day, SQLite file database.
func BenchmarkPresenceBudget1000IntervalsSQLite(b *testing.B) {
	storagetest.BenchPresenceBudget(b, storagetest.BunHarness(storagetest.OpenSQLite(b)), 1000)
}

// BenchmarkPresenceApplyDue10000OperatorsSQLite: one ApplyDue switching
// 10 000 operators, SQLite file database.
func BenchmarkPresenceApplyDue10000OperatorsSQLite(b *testing.B) {
	storagetest.BenchPresenceApplyDue(b, storagetest.BunHarness(storagetest.OpenSQLite(b)), 10000)
}

// BenchmarkPresenceBudget1000IntervalsPostgres is the same on PostgreSQL
// (skipped without SWITCHBOARD_POSTGRES_DSN).
func BenchmarkPresenceBudget1000IntervalsPostgres(b *testing.B) {
	storagetest.BenchPresenceBudget(b, storagetest.BunHarness(storagetest.OpenPostgres(b)), 1000)
}
