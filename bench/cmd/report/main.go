// Command report reads the directory bench/run writes — raw.txt (go test
// -bench output), pgbench-*.txt (pgbench's output) and machine.txt — and
// writes BENCHMARKS.md: the machine, how to rerun, the SDK's ratio to each
// anchor against its target, and the hot paths' allocations against their
// budgets. Every figure is the median of the runs in raw.txt; a pair with
// a side missing (a skipped backend) is listed as not measured.
//
// Usage: go run ./cmd/report [-out BENCHMARKS.md] bench/out
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	out := fs.String("out", "", "file to write (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: report [-out FILE] DIR")
	}
	dir := fs.Arg(0)
	raw, err := os.Open(filepath.Join(dir, "raw.txt")) //nolint:gosec // G304: the directory named on the command line
	if err != nil {
		return err
	}
	defer func() { _ = raw.Close() }()
	res, err := parseBench(raw)
	if err != nil {
		return err
	}
	machine, err := parseMachine(filepath.Join(dir, "machine.txt"))
	if err != nil {
		return err
	}
	tps := map[string][]float64{}
	for _, script := range []string{"reserve_minimal", "reserve_complete"} {
		b, err := os.ReadFile(filepath.Join(dir, "pgbench-"+script+".txt")) //nolint:gosec // G304: as raw.txt
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		v, err := parseTPS(string(b))
		if err != nil {
			return fmt.Errorf("pgbench-%s.txt: %w", script, err)
		}
		tps[script] = v
	}
	w := stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		w = f
	}
	return write(w, machine, res, tps)
}

// results holds every benchmark's values by name (GOMAXPROCS suffix
// removed) and unit, one per run.
type results map[string]map[string][]float64

var procSuffix = regexp.MustCompile(`-\d+$`)

// parseBench reads the Go benchmark format: "BenchmarkName-N  iters
// value unit [value unit …]".
func parseBench(r io.Reader) (results, error) {
	res := results{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if res[name] == nil {
			res[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: value %q: %w", name, f[i], err)
			}
			res[name][f[i+1]] = append(res[name][f[i+1]], v)
		}
	}
	return res, sc.Err()
}

// median returns the median of name's values in unit, and how many runs
// there were (0: not measured).
func (r results) median(name, unit string) (float64, int) {
	vs := r[name][unit]
	return medianOf(vs), len(vs)
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

func parseTPS(s string) ([]float64, error) {
	var out []float64
	for _, m := range tpsLine.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("no tps line")
	}
	return out, nil
}

// medianOf is the median of vs (0 for none).
func medianOf(vs []float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	switch n := len(vs); {
	case n == 0:
		return 0
	case n%2 == 1:
		return vs[n/2]
	default:
		return (vs[n/2-1] + vs[n/2]) / 2
	}
}

// machine is machine.txt's "key: value" lines, in order.
type machine [][2]string

func parseMachine(path string) (machine, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: as raw.txt
	if err != nil {
		return nil, err
	}
	var m machine
	for line := range strings.SplitSeq(strings.TrimSpace(string(b)), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if ok {
			m = append(m, [2]string{k, v})
		}
	}
	return m, nil
}

func (m machine) get(k string) string {
	for _, kv := range m {
		if kv[0] == k {
			return kv[1]
		}
	}
	return ""
}

// ratio is one row of the ratio table. higher says whether the ratio is a
// speed (higher is better, target is a floor) or a time (target is a
// ceiling); target 0 means no target.
type ratio struct {
	pair, anchor, sdk string
	value             float64
	measured          bool
	target            float64
	higher            bool
}

func (r ratio) cells() (string, string, string) {
	if !r.measured {
		return "not measured", "", ""
	}
	v := fmt.Sprintf("%.3g×", r.value)
	if r.value < 0.01 {
		v = fmt.Sprintf("1/%.0f", 1/r.value) // 1/223 reads better than 0.00448×
	}
	if r.target == 0 {
		return v, "—", ""
	}
	op := "≤"
	met := r.value <= r.target
	if r.higher {
		op, met = "≥", r.value >= r.target
	}
	verdict := "met"
	if !met {
		verdict = "**not met**"
	}
	return v, fmt.Sprintf("%s %g×", op, r.target), verdict
}

func ns(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	default:
		return fmt.Sprintf("%.0f ns", v)
	}
}

// pairs builds the ratio table from the results.
func pairs(res results, tps map[string][]float64) []ratio {
	var rows []ratio
	timeRatio := func(pair, anchorName, sdkName string, target float64) ratio {
		a, na := res.median(anchorName, "ns/op")
		s, ns2 := res.median(sdkName, "ns/op")
		r := ratio{pair: pair, target: target, measured: na > 0 && ns2 > 0}
		if r.measured {
			r.anchor, r.sdk, r.value = ns(a)+"/op", ns(s)+"/op", s/a
		}
		return r
	}
	for _, n := range []int{10, 1000} {
		for _, be := range []struct {
			name   string
			target float64
		}{{"memory", 2}, {"sqlite", 0}, {"postgres", 0}} {
			base := fmt.Sprintf("BenchmarkAuthz/tenants=%d/impl=", n)
			rows = append(rows, timeRatio(fmt.Sprintf("authorise one request, %d tenants: ActorFor+Can (%s) vs casbin Enforce — time", n, be.name),
				base+"casbin", base+be.name, be.target))
		}
	}
	{
		a, na := res.median("BenchmarkAuditAppend/impl=raw", "ns/op")
		s, ns2 := res.median("BenchmarkAuditAppend/impl=sdk", "ns/op")
		r := ratio{pair: "audited append (PostgreSQL) vs raw single-row INSERT, each in a transaction — speed", target: 0.5, higher: true, measured: na > 0 && ns2 > 0}
		if r.measured {
			r.anchor, r.sdk, r.value = ns(a)+"/op", ns(s)+"/op", a/s
		}
		rows = append(rows, r)
	}
	for _, q := range []string{"comp", "new_ways", "kamiro", "zzzz-nothing"} {
		base := "BenchmarkSearch/q=" + q + "/impl="
		rows = append(rows, timeRatio(fmt.Sprintf("SearchCompanies %q (PostgreSQL) vs raw trigram ILIKE — time", strings.ReplaceAll(q, "_", " ")),
			base+"raw", base+"sdk", 1.3))
	}
	cycles := res["BenchmarkReserveComplete/impl=sdk"]["cycles/s"]
	for _, p := range []struct {
		script, pair string
		target       float64
	}{
		{"reserve_minimal", "Reserve+Complete cycles/s (PostgreSQL, 32 workers) vs pgbench minimal reservation tps — speed", 0.5},
		{"reserve_complete", "Reserve+Complete cycles/s vs pgbench running the SDK's own statements (reserve_complete.sql) — speed", 0},
	} {
		t := tps[p.script]
		r := ratio{pair: p.pair, target: p.target, higher: true, measured: len(t) > 0 && len(cycles) > 0}
		if r.measured {
			r.anchor, r.sdk = fmt.Sprintf("%.0f tps", medianOf(t)), fmt.Sprintf("%.0f cycles/s", medianOf(cycles))
			r.value = medianOf(cycles) / medianOf(t)
			if len(t) == len(cycles) && len(t) > 1 {
				// Measured in pairs, pgbench right before each SDK run:
				// the median of the pairs' ratios.
				each := make([]float64, len(t))
				for i := range t {
					each[i] = cycles[i] / t[i]
				}
				r.value = medianOf(each)
				r.anchor += fmt.Sprintf(" (%d runs, each right before an SDK run)", len(t))
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// budget is a hot path's allocation budget per call, on every SQL backend.
type budget struct {
	op     string
	allocs float64
	bytes  float64
}

// budgets are the ceilings a change to a hot path must stay under (or say
// why it moves them): the figures measured when they were set, plus about
// 10 %.
var budgets = []budget{
	{"Reserve", 320, 50 << 10},
	{"Complete", 180, 20 << 10},
	{"Check", 90, 8 << 10},
	{"AssignLicense", 100, 12 << 10},
}

// tripsCell is the median round trips per Reserve+Complete cycle the
// benchmark reported, or "not measured" when it reported none.
func tripsCell(res results) string {
	if v, n := res.median("BenchmarkReserveComplete/impl=sdk", "trips/cycle"); n > 0 {
		return fmt.Sprintf("%.2f a cycle measured", v)
	}
	return "not measured"
}

func write(w io.Writer, m machine, res results, tps map[string][]float64) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Benchmarks\n\n")
	p("Written by `bench/run`, started %s; %s. Do not edit: rerun. Figures are medians of the runs in\n", m.get("date"), m.get("mode"))
	p("[`bench/out/raw.txt`](bench/out/raw.txt) (Go benchmark format) and of pgbench's output next to it.\n\n")
	p("## Machine\n\n| | |\n|---|---|\n")
	for _, kv := range m {
		if kv[0] != "date" && kv[0] != "mode" {
			p("| %s | %s |\n", kv[0], kv[1])
		}
	}
	p("\nThe load average is the machine's; figures taken under load (above the number of CPUs) are noisy,\n")
	p("database round trips most of all.\n\n")
	p("## How to rerun\n\n```sh\n")
	p("export SWITCHBOARD_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable'\n")
	p("bench/run                 # everything, count 6: about 10 minutes; writes this file\n")
	p("BENCH_QUICK=1 bench/run   # one quick pass (count 1, 10 000 companies, about 2 minutes): checks the run, not the figures\n")
	p("# each pair side by side, with confidence intervals:\n")
	p("go run golang.org/x/perf/cmd/benchstat@latest -col /impl -filter .name:Authz bench/out/raw.txt\n")
	p("go run golang.org/x/perf/cmd/benchstat@latest -col /impl -filter '.name:/^(AuditAppend|Search)$/' bench/out/raw.txt\n")
	p("```\n\nWithout a reachable PostgreSQL the PostgreSQL parts are skipped (bench/run says so) and listed below as not measured.\n")
	p("`BENCH_COUNT`, `BENCH_TIME`, `BENCH_CYCLE_TIME`, `BENCH_HOT_TIME` and `PGBENCH_SECS` change the number of runs, the\n")
	p("time per benchmark (of Reserve+Complete, of the hot paths) and pgbench's duration.\n\n")

	p("## The SDK against its anchors\n\n")
	p("| pair | anchor | SDK | ratio | target | verdict |\n|---|---|---|---|---|---|\n")
	for _, r := range pairs(res, tps) {
		v, t, verdict := r.cells()
		p("| %s | %s | %s | %s | %s | %s |\n", r.pair, r.anchor, r.sdk, v, t, verdict)
	}
	p("\nA time ratio is the SDK's time over the anchor's (lower is better); a speed ratio is the SDK's\n")
	p("throughput over the anchor's (higher is better).\n\n")
	p("- **casbin**: the RBAC-with-domains model (`g(r.sub, p.sub, r.dom) && r.dom == p.dom && …`), one policy line\n")
	p("  per tenant, role and action that `tenancy.Can` allows on company-wide data, one grouping line per member;\n")
	p("  each tenant has an owner, an administrator, a manager and two operators; 4 096 random requests by a member\n")
	p("  about its own tenant, on which both sides are checked to agree before timing. The SDK's side reads the\n")
	p("  acting membership from the store (`ActorFor`) and decides with `Can`. The target is for the memory store,\n")
	p("  where both sides are in-process: ActorFor+Can within 2× of Enforce. On SQLite and PostgreSQL every decision\n")
	p("  is a database read while casbin holds its policy in memory: those rows have no target. casbin's Enforce\n")
	p("  evaluates its matcher over every policy line, so its time grows with the number of tenants.\n")
	p("- **audited append**: `audit.Log.Record` in a transaction (chain head, hash, encoding, one INSERT) against the\n")
	p("  same row by one raw INSERT in a transaction.\n")
	p("- **search**: `SearchCompanies` as the platform (every company visible), one page of 50, against\n")
	p("  `SELECT * FROM tenancy_companies WHERE search_text ILIKE '%%q%%' ORDER BY id LIMIT 50` over the same companies\n")
	p("  and the same pg_trgm GIN index (`storagetest.InsertCompanies`: two-word names with a suffix, INNs, about one\n")
	p("  in a thousand displayed as \"New ways …\").\n")
	p("- **Reserve+Complete**: 32 workers, one company, a fresh subscriber per cycle (two transactions, four round\n")
	p("  trips (%s): BEGIN, the subscriber lock and the settings and history read; the reservation, its\n", tripsCell(res))
	p("  audit event and COMMIT; BEGIN with the UPDATE … RETURNING; the audit event with COMMIT), its hot statements\n")
	p("  prepared on each connection. pgbench runs 32 clients of\n")
	p("  `storage/bunstore/bench/pgbench/reserve_minimal.sql` (the subscriber's counter row and the call insert, one\n")
	p("  transaction, four round trips) — the target — and of `reserve_complete.sql` (the SDK's statements in its\n")
	p("  four round trips without the Go, as text the server parses and plans each time: pgbench cannot prepare\n")
	p("  joined statements) for reference. pgbench holds 32 connections, and so does the SDK's store here (its\n")
	p("  default pool is max(8, 4×GOMAXPROCS), 8 on two CPUs). The minimal transaction is measured right before\n")
	p("  each SDK run, in turns, so each pair shares the machine's state; the ratio is the median of the pairs'.\n\n")

	p("## Allocation budgets on the hot SQL paths\n\n")
	p("One call at a time (`storagetest.BenchHotPaths`); the directory is in memory, so the figures are the\n")
	p("domain's and the store's. A change that goes over a budget says why, or is not merged.\n\n")
	p("| path | backend | allocs/op | budget | B/op | budget | time/op | verdict |\n|---|---|---|---|---|---|---|---|\n")
	for _, bu := range budgets {
		for _, db := range []string{"sqlite", "postgres"} {
			name := "BenchmarkHotPaths/db=" + db + "/" + bu.op
			a, n := res.median(name, "allocs/op")
			if n == 0 {
				p("| %s | %s | not measured | %.0f | | %.0f | | |\n", bu.op, db, bu.allocs, bu.bytes)
				continue
			}
			by, _ := res.median(name, "B/op")
			t, _ := res.median(name, "ns/op")
			verdict := "within"
			if a > bu.allocs || by > bu.bytes {
				verdict = "**over**"
			}
			p("| %s | %s | %.0f | %.0f | %.0f | %.0f | %s | %s |\n", bu.op, db, a, bu.allocs, by, bu.bytes, ns(t), verdict)
		}
	}
	p("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
