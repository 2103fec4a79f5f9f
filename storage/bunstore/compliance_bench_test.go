package bunstore_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// The dialer cycle (Reserve then Complete) with 32 concurrent workers on one
// company: storagetest.BenchReserveComplete.

func BenchmarkComplianceReserveCompleteSQLite(b *testing.B) {
	storagetest.BenchReserveComplete(b, storagetest.BunHarness(storagetest.OpenSQLite(b)))
}

// The workers share the store's own pool (8 connections on 2 cores) unless
// SWITCHBOARD_BENCH_POOL sets its size: 32 gives each worker a connection,
// as pgbench's 32 clients have (bench/pgbench/run.sh).
func BenchmarkComplianceReserveCompletePostgres(b *testing.B) {
	st := storagetest.OpenPostgres(b)
	if n := os.Getenv("SWITCHBOARD_BENCH_POOL"); n != "" {
		size, err := strconv.Atoi(n)
		if err != nil {
			b.Fatal(err)
		}
		st.DB().SetMaxOpenConns(size)
	}
	storagetest.BenchReserveComplete(b, storagetest.BunHarness(st))
}

func BenchmarkComplianceReserveCompleteMySQL(b *testing.B) {
	storagetest.BenchReserveComplete(b, storagetest.BunHarness(storagetest.OpenMySQL(b)))
}

// BenchmarkComplianceReserveCompleteGalera runs the cycle against the Galera
// cluster of SWITCHBOARD_GALERA_DSNS: all 32 workers on one node, then
// spread over every node, then spread with causal reads (wsrep_sync_wait=1).
func BenchmarkComplianceReserveCompleteGalera(b *testing.B) {
	c := storagetest.OpenGalera(b)
	b.Run("one node", func(b *testing.B) { storagetest.BenchReserveComplete(b, c.Nodes[0]) })
	b.Run(fmt.Sprintf("%d nodes", len(c.Nodes)), func(b *testing.B) { storagetest.BenchReserveComplete(b, c.Nodes...) })
	b.Run(fmt.Sprintf("%d nodes wsrep_sync_wait=1", len(c.Causal)), func(b *testing.B) {
		storagetest.BenchReserveComplete(b, c.Causal...)
	})
}

// BenchmarkHotPaths times Reserve, Complete, Check and AssignLicense one
// call at a time, for their allocations: storagetest.BenchHotPaths.
func BenchmarkHotPaths(b *testing.B) { benchBackends(b, storagetest.BenchHotPaths) }
