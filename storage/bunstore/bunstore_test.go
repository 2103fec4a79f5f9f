package bunstore_test

import (
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
