package bunstore_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/storage/storagetest"
)

func TestConformanceSQLite(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return storagetest.BunHarness(storagetest.OpenSQLite(t))
	})
}

func TestConformancePostgres(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return storagetest.BunHarness(storagetest.OpenPostgres(t))
	})
}

func TestConformanceMySQL(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return storagetest.BunHarness(storagetest.OpenMySQL(t))
	})
}

// TestConformanceGalera runs the conformance suite against the first node
// of the Galera cluster named by SWITCHBOARD_GALERA_DSNS (comma-separated
// DSNs, as .ci/galera dsns prints). Skipped when unset, failed under CI=true.
func TestConformanceGalera(t *testing.T) {
	dsns := strings.Split(storagetest.RequireDSN(t, "SWITCHBOARD_GALERA_DSNS", "Galera"), ",")
	t.Setenv(storagetest.MySQLEnv, dsns[0])
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		return storagetest.BunHarness(storagetest.OpenMySQL(t))
	})
}

// TestGaleraMultiNode runs the limits with clients on the three nodes of the
// Galera cluster at once. Skipped when SWITCHBOARD_GALERA_DSNS is unset,
// failed under CI=true.
func TestGaleraMultiNode(t *testing.T) {
	storagetest.RunMultiNode(t, storagetest.OpenGalera(t))
}

// TestGaleraNodeLoss kills the last node of the Galera cluster mid-load with
// .ci/galera kill and brings it back with .ci/galera rejoin (the cluster
// .ci/galera start made; GALERA_DIR as there). Skipped when
// SWITCHBOARD_GALERA_DSNS is unset, failed under CI=true.
func TestGaleraNodeLoss(t *testing.T) {
	c := storagetest.OpenGalera(t)
	script, err := filepath.Abs(filepath.Join("..", "..", ".ci", "galera"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, verb string, node int) string {
		out, err := exec.Command(script, verb, strconv.Itoa(node+1)).CombinedOutput() //nolint:gosec // G204: the repository's own .ci script
		if err != nil {
			t.Fatalf("%s %s %d: %v\n%s", script, verb, node+1, err, out)
		}
		return string(out)
	}
	storagetest.RunNodeLoss(t, c, storagetest.NodeLoss{
		Kill: func(t *testing.T, node int) { run(t, "kill", node) },
		Rejoin: func(t *testing.T, node int) {
			out := run(t, "rejoin", node)
			t.Log(strings.TrimSpace(out))
			if !strings.Contains(out, "by IST") {
				t.Errorf("node %d did not rejoin by incremental state transfer: %s", node+1, out)
			}
		},
	})
}

// TestPostgresFailover runs RunFailover against the primary and replica
// .ci/pgfailover started (SWITCHBOARD_PG_FAILOVER_DSN, what .ci/pgfailover
// dsn prints), failing over with .ci/pgfailover failover. The pair is left
// with one server, the promoted replica: run .ci/pgfailover start again
// before the next run. Skipped when the variable is unset, failed under
// CI=true.
func TestPostgresFailover(t *testing.T) {
	dsn := storagetest.RequireDSN(t, "SWITCHBOARD_PG_FAILOVER_DSN", "PostgreSQL failover")
	script, err := filepath.Abs(filepath.Join("..", "..", ".ci", "pgfailover"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(script, "status").CombinedOutput(); err != nil || //nolint:gosec // G204: the repository's own .ci script
		!strings.Contains(string(out), "primary") || !strings.Contains(string(out), "replica") {
		t.Fatalf("no primary with a replica (run %s start): %v\n%s", script, err, out)
	}
	t.Setenv(storagetest.PostgresEnv, dsn)
	h := storagetest.BunHarness(storagetest.OpenPostgres(t))
	storagetest.RunFailover(t, h, func(t *testing.T) {
		out, err := exec.Command(script, "failover").CombinedOutput()
		if err != nil {
			t.Fatalf("%s failover: %v\n%s", script, err, out)
		}
		t.Log(strings.TrimSpace(string(out)))
	})
}
