package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleRaw = `goos: linux
BenchmarkAuthz/tenants=10/impl=casbin-2   	    2092	    200000 ns/op	   45685 B/op	    1036 allocs/op
BenchmarkAuthz/tenants=10/impl=casbin-2   	    2092	    100000 ns/op	   45685 B/op	    1036 allocs/op
BenchmarkAuthz/tenants=10/impl=casbin-2   	    2092	    900000 ns/op	   45685 B/op	    1036 allocs/op
BenchmarkAuthz/tenants=10/impl=memory-2   	 1000000	       500 ns/op	     128 B/op	       1 allocs/op
BenchmarkAuditAppend/impl=raw-2    	     170	   2000000 ns/op	    2096 B/op	      20 allocs/op
BenchmarkAuditAppend/impl=sdk-2           	     290	   5000000 ns/op	    9757 B/op	      77 allocs/op
BenchmarkSearch/q=kamiro/impl=raw-2 	     122	   1000000 ns/op	    6551 B/op	     185 allocs/op
BenchmarkSearch/q=kamiro/impl=sdk-2       	     334	   1200000 ns/op	   23400 B/op	     205 allocs/op
BenchmarkReserveComplete/impl=sdk-2       	      25	  12393112 ns/op	       400.0 cycles/s	  103758 B/op	     458 allocs/op
BenchmarkHotPaths/db=sqlite/Reserve-2     	      50	    723951 ns/op	   45247 B/op	     289 allocs/op
BenchmarkHotPaths/db=sqlite/Check-2       	      50	    145442 ns/op	   99999 B/op	      66 allocs/op
PASS
`

const samplePgbench = `transaction type: reserve_minimal.sql
number of clients: 32
latency average = 40.000 ms
initial connection time = 30.000 ms
tps = 1000.000000 (without initial connection time)
`

func TestReport(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"raw.txt":                     sampleRaw,
		"pgbench-reserve_minimal.txt": samplePgbench,
		"machine.txt":                 "date: 2026-12-03 17:00 UTC\nmode: full\ncpus: 2\nload before: 1.00 2.00 3.00\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "BENCHMARKS.md")
	if err := run([]string{"-out", out, dir}, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out) //nolint:gosec // G304: the test's own temp file
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	for _, want := range []string{
		"| load before | 1.00 2.00 3.00 |",
		// casbin's median is 200 µs; memory 500 ns: 0.0025×, within 2×.
		"| authorise one request, 10 tenants: ActorFor+Can (memory) vs casbin Enforce — time | 200.0 µs/op | 500 ns/op | 1/400 | ≤ 2× | met |",
		"| authorise one request, 10 tenants: ActorFor+Can (sqlite) vs casbin Enforce — time |  |  | not measured |  |  |",
		// raw 2 ms against the SDK's 5 ms: 0.4× the speed, under 0.5×.
		"| 2.00 ms/op | 5.00 ms/op | 0.4× | ≥ 0.5× | **not met** |",
		"| 1.00 ms/op | 1.20 ms/op | 1.2× | ≤ 1.3× | met |",
		// 400 cycles/s against 1000 tps.
		"| 1000 tps | 400 cycles/s | 0.4× | ≥ 0.5× | **not met** |",
		"| Reserve | sqlite | 289 | 320 | 45247 | 51200 | 724.0 µs | within |",
		"| Check | sqlite | 66 | 90 | 99999 | 8192 | 145.4 µs | **over** |",
		"| Complete | postgres | not measured |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestMedian(t *testing.T) {
	r := results{"B": {"ns/op": {4, 1, 3, 2}}}
	if m, n := r.median("B", "ns/op"); m != 2.5 || n != 4 {
		t.Fatalf("median = %v of %d, want 2.5 of 4", m, n)
	}
	if _, n := r.median("B", "B/op"); n != 0 {
		t.Fatalf("a missing unit counted %d runs", n)
	}
}

func TestParseTPSRejectsOutputWithoutTPS(t *testing.T) {
	if _, err := parseTPS("pgbench: error: connection refused\n"); err == nil {
		t.Fatal("no error for output without a tps line")
	}
}

// Reserve+Complete measured in pairs (pgbench right before each SDK run)
// is the median of the pairs' ratios, not the ratio of the medians.
func TestReservePairs(t *testing.T) {
	res := results{"BenchmarkReserveComplete/impl=sdk": {"cycles/s": {500, 2000, 1800}}}
	tps := map[string][]float64{"reserve_minimal": {1000, 4000, 6000}}
	rows := pairs(res, tps)
	var got *ratio
	for i := range rows {
		if strings.HasPrefix(rows[i].pair, "Reserve+Complete cycles/s (PostgreSQL") {
			got = &rows[i]
		}
	}
	if got == nil || !got.measured {
		t.Fatalf("no measured Reserve+Complete row in %+v", rows)
	}
	// The pairs' ratios are 0.5, 0.5 and 0.3: median 0.5; the medians'
	// ratio would be 1800/4000 = 0.45.
	if got.value != 0.5 {
		t.Fatalf("ratio %v, want 0.5", got.value)
	}
	if !strings.Contains(got.anchor, "4000 tps (3 runs, each right before an SDK run)") {
		t.Fatalf("anchor %q", got.anchor)
	}
}
