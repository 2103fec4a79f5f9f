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

// BenchmarkPresencePlatformApplyDue10000OperatorsSQLite: one
// ApplyPlatformDue switching 10 000 operators of 100 companies, SQLite.
func BenchmarkPresencePlatformApplyDue10000OperatorsSQLite(b *testing.B) {
	storagetest.BenchPresencePlatformApplyDue(b, storagetest.BunHarness(storagetest.OpenSQLite(b)), 10000)
}

// BenchmarkPresencePlatformApplyDue10000OperatorsPostgres is the same on
// PostgreSQL (skipped without SWITCHBOARD_POSTGRES_DSN).
func BenchmarkPresencePlatformApplyDue10000OperatorsPostgres(b *testing.B) {
	storagetest.BenchPresencePlatformApplyDue(b, storagetest.BunHarness(storagetest.OpenPostgres(b)), 10000)
}

// BenchmarkPresencePlatformApplyDue10000OperatorsMySQL is the same on
// MySQL/MariaDB (skipped without SWITCHBOARD_MYSQL_DSN).
func BenchmarkPresencePlatformApplyDue10000OperatorsMySQL(b *testing.B) {
	storagetest.BenchPresencePlatformApplyDue(b, storagetest.BunHarness(storagetest.OpenMySQL(b)), 10000)
}
