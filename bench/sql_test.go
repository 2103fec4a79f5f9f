package bench

import (
	"context"
	"database/sql"
	"os"
	"strconv"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// BenchmarkAuditAppend is one audited append — a transaction in which
// audit.Log.Record chains, hashes and writes one event — against one raw
// INSERT of the same row in a transaction, on PostgreSQL.
func BenchmarkAuditAppend(b *testing.B) {
	st := storagetest.OpenPostgres(b)
	b.Run("impl=raw", func(b *testing.B) {
		b.ReportAllocs()
		storagetest.BenchAuditInsert(b, st, true)
	})
	b.Run("impl=sdk", func(b *testing.B) {
		b.ReportAllocs()
		storagetest.BenchmarkAuditAppend(b, storagetest.BunHarness(st))
	})
}

// searchQueries are a common substring, a phrase about a hundred companies
// match, a rare word and a miss.
var searchQueries = []string{"comp", "new ways", "kamiro", "zzzz-nothing"}

// BenchmarkSearch is one page of 50 by tenancy.Service.SearchCompanies (as
// the platform, which sees every company) against the raw query PostgreSQL
// answers from the same pg_trgm index — search_text ILIKE '%q%' ORDER BY id
// LIMIT 50, every column read — over the same companies
// (storagetest.InsertCompanies: 100 000 unless SWITCHBOARD_BENCH_COMPANIES
// says otherwise).
func BenchmarkSearch(b *testing.B) {
	n := 100_000
	if v := os.Getenv("SWITCHBOARD_BENCH_COMPANIES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 100 {
			b.Fatalf("SWITCHBOARD_BENCH_COMPANIES=%q: want a number ≥ 100", v)
		}
	}
	// Sub-benchmarks repeat -count times inside this one call: the
	// companies are inserted once.
	st := storagetest.OpenPostgres(b)
	storagetest.InsertCompanies(b, st, n)
	ctx := context.Background()
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), tenancytest.Keys())
	platform := tenancy.Platform("bench")
	for _, q := range searchQueries {
		b.Run("q="+q+"/impl=raw", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := rawSearch(ctx, st, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("q="+q+"/impl=sdk", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.SearchCompanies(ctx, platform, q, storage.PageRequest{Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// rawSearch reads one page of companies whose search text contains q,
// every column as raw bytes: the least a program can do for that page.
func rawSearch(ctx context.Context, st *bunstore.Store, q string) error {
	rows, err := st.DB().QueryContext(ctx, "SELECT * FROM tenancy_companies WHERE search_text ILIKE ? ORDER BY id LIMIT 50", "%"+q+"%")
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BenchmarkReserveComplete is the dialer cycle with 32 workers on
// PostgreSQL (storagetest.BenchReserveComplete); bench/run sets its
// cycles/s against pgbench's tps for the minimal reservation transaction
// (storage/bunstore/bench/pgbench/reserve_minimal.sql) and for the SDK's
// own statements without the Go (reserve_complete.sql). pgbench runs 32
// clients, each on its own connection, so the store's pool is sized to 32
// here too (its default is 8 on two cores): the two sides get the same
// number of connections.
func BenchmarkReserveComplete(b *testing.B) {
	b.Run("impl=sdk", func(b *testing.B) {
		st := storagetest.OpenPostgres(b)
		st.DB().SetMaxOpenConns(32)
		before := st.RoundTrips()
		storagetest.BenchReserveComplete(b, storagetest.BunHarness(st))
		// Each of the 32 connections prepares the hot statements once,
		// which a long run spreads thin.
		b.ReportMetric(float64(st.RoundTrips()-before)/float64(b.N), "trips/cycle")
	})
}

// BenchmarkHotPaths reports the allocations of Reserve, Complete, Check and
// AssignLicense, one call at a time, on SQLite and PostgreSQL
// (storagetest.BenchHotPaths).
func BenchmarkHotPaths(b *testing.B) {
	b.Run("db=sqlite", func(b *testing.B) { storagetest.BenchHotPaths(b, storagetest.BunHarness(storagetest.OpenSQLite(b))) })
	b.Run("db=postgres", func(b *testing.B) { storagetest.BenchHotPaths(b, storagetest.BunHarness(storagetest.OpenPostgres(b))) })
}
