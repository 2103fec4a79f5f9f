package bunstore_test

import (
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
