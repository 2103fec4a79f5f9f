// Command dialer simulates an outbound campaign against the compliance
// service: a 10 000-record call list across Russia's time zones, written as
// a Windows-1251 CSV file and read back with the call-list reader (bad rows
// reported and skipped), the previous dialer's history brought in with
// ImportHistory, and 16 dialer workers reserving and completing calls in
// parallel on one company, on an embedded SQLite database (PostgreSQL when
// -dsn or SWITCHBOARD_DIALER_DSN names one). Simulated time runs from
// Wednesday 00:00 UTC in half-hour ticks; each tick batch-checks its due
// records in one call, and a refused record is rescheduled for the
// decision's NextAllowed, so the dialer never polls. At the end it prints how many calls each rule
// blocked and replays every granted call against the history before it to
// prove no window, cap or in-flight limit was passed.
//
//	go run ./examples/dialer                 # SQLite in a temp dir
//	go run ./examples/dialer -dsn postgres://postgres@127.0.0.1:5432/dialer?sslmode=disable
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/compliance/calllist"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dialer:", err)
		os.Exit(1)
	}
}

// record is one line of the call list.
type record struct {
	call     compliance.Call
	due      time.Time // when to try next
	attempts int
	done     bool
}

// areaCodes spread landlines over Russia's zones, UTC+2 … UTC+12.
var areaCodes = []string{"4012", "495", "812", "846", "343", "381", "383", "391", "395", "4112", "423", "4132", "4152"}

func run() error {
	subscribers := flag.Int("subscribers", 10_000, "call-list records")
	debts := flag.Int("debts", 8_000, "distinct debts the records belong to (several numbers per debtor)")
	workers := flag.Int("workers", 16, "concurrent dialer workers")
	hours := flag.Int("hours", 10, "simulated campaign length in hours, from Wednesday 00:00 UTC")
	maxAttempts := flag.Int("attempts", 1, "attempts per record before giving up")
	policyName := flag.String("policy", compliance.PresetFZ230Calls, "preset: manual_fz230, fz230_calls, fz230_messages, us_reg_f")
	dsn := flag.String("dsn", os.Getenv("SWITCHBOARD_DIALER_DSN"), "PostgreSQL URL (or SWITCHBOARD_DIALER_DSN); empty: embedded SQLite")
	file := flag.Bool("file", false, "with SQLite: use a database file in a temp dir instead of memory")
	seed := flag.Uint64("seed", 1, "random seed")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(*seed, 0))

	var st *bunstore.Store
	var err error
	switch {
	case *dsn != "":
		st, err = bunstore.Open(ctx, *dsn)
	case !*file:
		st, err = bunstore.OpenSQLite(ctx, ":memory:")
	default:
		dir, derr := os.MkdirTemp("", "dialer-*")
		if derr != nil {
			return derr
		}
		defer func() { _ = os.RemoveAll(dir) }() // best effort: a leftover temp dir is harmless
		st, err = bunstore.OpenSQLite(ctx, filepath.Join(dir, "dialer.db"))
	}
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // the results are printed by then; closing the pool loses nothing
	if err := st.Migrate(ctx); err != nil {
		return err
	}

	policy, ok := compliance.Preset(*policyName)
	if !ok {
		return fmt.Errorf("unknown policy %q", *policyName)
	}
	start := time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC) // a Wednesday
	clock := storage.NewManualClock(start)
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	dialer := dir.AddMember(co, tenancy.RoleOperator, "")
	svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit(), audit.WithClock(clock)),
		compliance.WithClock(clock), compliance.WithReservationTTL(20*time.Minute))
	if _, err := svc.SetSettings(ctx, owner, co.ID, true, policy); err != nil {
		return err
	}

	// The call list: a CSV file as a spreadsheet on a Russian desktop saves
	// it (Windows-1251, ';'), read back with the call-list reader.
	work, err := os.MkdirTemp("", "dialer-list-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()
	listPath := filepath.Join(work, "candidates.csv")
	if err := writeCallList(listPath, *subscribers, *debts, rng); err != nil {
		return err
	}
	recs, rowErrs, err := readCallList(listPath, co.ID, start)
	if err != nil {
		return err
	}
	fmt.Printf("call list: %s read: %d records, %d bad rows reported and skipped (first: %v)\n",
		filepath.Base(listPath), len(recs), len(rowErrs), firstOf(rowErrs))

	// History from the previous dialer: for some debts, a conversation on
	// Monday and on Tuesday — their week cap (2) is used up. Imported through
	// the use case: validated, idempotent by its key, audited once per batch.
	var past []compliance.PastCall
	seen := map[string]bool{}
	for _, r := range recs {
		if seen[r.call.Key] {
			continue
		}
		seen[r.call.Key] = true
		if rng.IntN(12) != 0 {
			continue
		}
		for _, day := range []int{16, 17} {
			past = append(past, compliance.PastCall{Phone: r.call.Phone, Key: r.call.Key,
				At: time.Date(2026, 3, day, 9, 0, 0, 0, time.UTC), Outcome: compliance.OutcomeAnsweredHuman})
		}
	}
	for i := 0; i < len(past); i += compliance.MaxImportBatch {
		batch := past[i:min(i+compliance.MaxImportBatch, len(past))]
		if _, err := svc.ImportHistory(ctx, owner, co.ID, fmt.Sprintf("previous-dialer-%d", i), batch); err != nil {
			return err
		}
	}
	seeded := len(past) / 2

	var blocked [16]atomic.Int64 // by reason bit
	var granted, answered, expiredLeft, refusedAtReserve atomic.Int64
	countReasons := func(r compliance.Reasons) {
		for i := range blocked {
			if r.Blocking()&(1<<i) != 0 {
				blocked[i].Add(1)
			}
		}
	}
	outcomes := []compliance.Outcome{compliance.OutcomeAnsweredHuman, compliance.OutcomeAnsweredHuman, compliance.OutcomeAnsweredHuman,
		compliance.OutcomeAnsweringMachine, compliance.OutcomeNoAnswer, compliance.OutcomeNoAnswer, compliance.OutcomeNoAnswer,
		compliance.OutcomeBusy, compliance.OutcomeFailed, ""} // "" = never reported: the reservation expires and counts

	began := time.Now()
	end := start.Add(time.Duration(*hours) * time.Hour)
	for now := start; now.Before(end); now = now.Add(30 * time.Minute) {
		clock.Set(now)
		var due []*record
		for _, r := range recs {
			if !r.done && !r.due.After(now) {
				due = append(due, r)
			}
		}
		// One batch check for the tick's due records: their company facts once,
		// their histories in one query per thousand; only the allowed go to
		// the workers, who reserve (and may still lose a race).
		calls := make([]compliance.Call, len(due))
		for i, r := range due {
			calls[i] = r.call
		}
		checked, err := svc.CheckBatch(ctx, dialer, calls, now)
		if err != nil {
			return err
		}
		allowed := due[:0]
		for i, r := range due {
			switch c := checked[i]; {
			case c.Err != nil:
				return c.Err
			case !c.Allowed:
				countReasons(c.Reasons)
				r.reschedule(c.Decision)
			default:
				allowed = append(allowed, r)
			}
		}
		due = allowed
		work := make(chan *record)
		var wg sync.WaitGroup
		var firstErr error
		var errMu sync.Mutex
		for w := range *workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wr := rand.New(rand.NewPCG(*seed, uint64(now.Unix())*64+uint64(w)))
				for r := range work {
					if err := dial(ctx, svc, dialer, r, wr, outcomes, *maxAttempts, countReasons, &granted, &answered, &expiredLeft, &refusedAtReserve); err != nil {
						errMu.Lock()
						firstErr = errors.Join(firstErr, err)
						errMu.Unlock()
					}
				}
			}()
		}
		for _, r := range due {
			work <- r
		}
		close(work)
		wg.Wait()
		if firstErr != nil {
			return firstErr
		}
	}
	elapsed := time.Since(began)

	fmt.Printf("campaign: %d records, %d debts, %d workers, policy %s, backend %s, %s simulated in %s\n",
		*subscribers, *debts, *workers, policy.Name, st.Dialect(), time.Duration(*hours)*time.Hour, elapsed.Round(time.Millisecond))
	fmt.Printf("imported history: %d debts with conversations on Monday and Tuesday (ImportHistory)\n", seeded)
	fmt.Printf("granted %d reservations (%d answered by a person, %d left to expire); %d refused at Reserve after an allowed batch check\n",
		granted.Load(), answered.Load(), expiredLeft.Load(), refusedAtReserve.Load())
	fmt.Println("calls blocked, by rule (a refusal may name several):")
	names := (compliance.Reasons(0xffff)).Blocking().List()
	for i, n := range names {
		fmt.Printf("  %-15s %7d\n", n, blocked[i].Load())
	}
	return verify(ctx, st, co.ID, owner.UserID, recs, policy, clock.Now())
}

func dial(ctx context.Context, svc *compliance.Service, by tenancy.Actor, r *record, rng *rand.Rand, outcomes []compliance.Outcome,
	maxAttempts int, count func(compliance.Reasons), granted, answered, expired, refusedAtReserve *atomic.Int64) error {
	res, d, err := svc.Reserve(ctx, by, r.call)
	if err != nil {
		return err
	}
	if !d.Allowed {
		refusedAtReserve.Add(1) // another worker got the same debtor first
		count(d.Reasons)
		r.reschedule(d)
		return nil
	}
	granted.Add(1)
	r.attempts++
	o := outcomes[rng.IntN(len(outcomes))]
	switch o {
	case "":
		expired.Add(1)
	default:
		if _, err := svc.Complete(ctx, by, res.ID, o); err != nil {
			return err
		}
	}
	if o == compliance.OutcomeAnsweredHuman {
		answered.Add(1)
		r.done = true
	}
	if r.attempts >= maxAttempts {
		r.done = true
	}
	r.due = d.At.Add(time.Hour) // retry an unanswered number an hour later
	return nil
}

func (r *record) reschedule(d compliance.Decision) {
	if d.NextAllowed.IsZero() {
		r.done = true // never allowed within the horizon
		return
	}
	r.due = d.NextAllowed
}

// verify replays every granted reservation, in order, against the history
// before it with the real in-flight intervals: each must have been allowed.
func verify(ctx context.Context, st *bunstore.Store, companyID, importer string, recs []*record, p compliance.Policy, now time.Time) error {
	rules, err := compliance.Compile(p)
	if err != nil {
		return err
	}
	// The zones of each number as the service saw them: the record's zone,
	// else the number's.
	resolver := &zone.Default{}
	zonesOf := map[string][]*time.Location{}
	keys := map[string]bool{}
	for _, r := range recs {
		keys[r.call.Key] = true
		names := r.call.Zones
		if len(names) == 0 {
			res, err := resolver.Resolve(r.call.Phone)
			if err != nil {
				return err
			}
			names = res.Zones
		}
		var ls []*time.Location
		for _, z := range names {
			l, err := time.LoadLocation(z)
			if err != nil {
				return err
			}
			ls = append(ls, l)
		}
		e164, _ := zone.Normalize(r.call.Phone)
		zonesOf[e164+"|"+r.call.Key] = ls
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	checked := 0
	for _, key := range sorted {
		hist, err := st.Compliance().History(ctx, companyID, key, time.Time{})
		if err != nil {
			return err
		}
		var prior []compliance.Record
		for _, h := range hist {
			if h.ReservedBy != importer { // imported history was not granted here
				v := rules.Evaluate(h.ReservedAt, &compliance.Subject{Zones: zonesOf[h.Phone+"|"+key], Calendar: calendar.Russia(), History: prior})
				if !v.Allowed {
					return fmt.Errorf("VIOLATION: call %s to %s at %s was granted but the rules say %s", h.ID, key, h.ReservedAt, v.Reasons)
				}
				checked++
			}
			rec := h.Record()
			if h.Status == compliance.StatusCompleted {
				rec.Until = h.CompletedAt.UnixMicro()
			}
			prior = append(prior, rec)
		}
	}
	fmt.Printf("verified: %d granted calls replayed against the history before each; no window, cap or in-flight limit was passed\n", checked)
	return nil
}

// twoZones are pairs of candidate zones, for records whose list knows two
// candidate zones.
var twoZones = [][]string{{"Europe/Moscow", "Europe/Samara"}, {"Asia/Yekaterinburg", "Asia/Omsk"}, {"Asia/Krasnoyarsk", "Asia/Irkutsk"}}

// writeCallList writes n records for debts debts: landlines by area code,
// mobiles with the zone (or two) the list knows, mobiles with none; a
// caps column (every record marked, the statute's caps on); a few broken
// rows a real export would have. Windows-1251 with ';', as a spreadsheet
// on a Russian desktop saves CSV.
func writeCallList(path string, n, debts int, rng *rand.Rand) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := transform.NewWriter(f, charmap.Windows1251.NewEncoder())
	if _, err := fmt.Fprintln(w, "телефон;ключ;часовой пояс;лимиты;ФИО"); err != nil {
		return errors.Join(err, f.Close())
	}
	for i := range n {
		phone, zones := "", ""
		switch k := rng.IntN(10); {
		case k < 7:
			code := areaCodes[rng.IntN(len(areaCodes))]
			phone = fmt.Sprintf("8 (%s) %0*d", code, 10-len(code), rng.IntN(1_000_000))
		case k < 8:
			phone = fmt.Sprintf("+79%09d", rng.IntN(1_000_000_000))
			zones = strings.Join(twoZones[rng.IntN(len(twoZones))], "|")
		case k < 9:
			phone = fmt.Sprintf("+79%09d", rng.IntN(1_000_000_000))
			zones = []string{"Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk", "Asia/Vladivostok"}[rng.IntN(4)]
		default:
			phone = fmt.Sprintf("+79%09d", rng.IntN(1_000_000_000))
		}
		if i%2500 == 1249 {
			phone = "нет номера" // a broken row: reported, skipped
		}
		if _, err := fmt.Fprintf(w, "%s;debt-%05d;%s;да;Должник %d\n", phone, rng.IntN(debts), zones, i); err != nil {
			return errors.Join(err, f.Close())
		}
	}
	if err := w.Close(); err != nil {
		return errors.Join(err, f.Close())
	}
	return f.Close()
}

// readCallList streams the file through the call-list reader.
func readCallList(path, companyID string, due time.Time) ([]*record, []error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = f.Close() }() // read-only
	rd, err := calllist.NewReader(f, calllist.Options{})
	if err != nil {
		return nil, nil, err
	}
	var recs []*record
	var bad []error
	for rec, err := range rd.All() {
		var re *calllist.RowError
		switch {
		case errors.As(err, &re):
			bad = append(bad, err)
		case err != nil:
			return nil, nil, err
		default:
			recs = append(recs, &record{call: rec.Call(companyID), due: due})
		}
	}
	return recs, bad, nil
}

func firstOf(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}
