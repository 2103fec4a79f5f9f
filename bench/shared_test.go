package bench

import (
	"os"
	"sync"
	"testing"

	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// shared holds PostgreSQL databases that live as long as the test binary,
// so what a benchmark inserts before timing (100 000 companies, 1 000
// tenants) is inserted once, not once per -count run. They are dropped
// when the benchmarks end (TestMain).
var shared struct {
	mu       sync.Mutex
	stores   map[string]*bunstore.Store
	cleanups []func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(shared.cleanups) - 1; i >= 0; i-- {
		shared.cleanups[i]()
	}
	os.Exit(code)
}

// binaryTB is a benchmark's testing.TB whose Cleanup runs when the test
// binary ends rather than when the benchmark does; everything else (Fatal,
// Skip, Helper…) goes to the benchmark.
type binaryTB struct{ testing.TB }

func (binaryTB) Cleanup(f func()) { shared.cleanups = append(shared.cleanups, f) }

// sharedPostgres returns the database named key, opening a fresh migrated
// one (storagetest.OpenPostgres) and running fill on it the first time.
// It skips b, as OpenPostgres does, without a PostgreSQL DSN.
func sharedPostgres(b *testing.B, key string, fill func(st *bunstore.Store)) *bunstore.Store {
	b.Helper()
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if st := shared.stores[key]; st != nil {
		return st
	}
	st := storagetest.OpenPostgres(binaryTB{b})
	fill(st)
	if shared.stores == nil {
		shared.stores = map[string]*bunstore.Store{}
	}
	shared.stores[key] = st
	return st
}
