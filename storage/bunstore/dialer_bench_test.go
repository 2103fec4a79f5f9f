package bunstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// dialerWorld is one company on the FZ-230 statute's policy, opened around
// the clock so the benchmarks may run at any hour, with subjects whose
// histories were imported.
type dialerWorld struct {
	dir   *tenancytest.Directory
	clock *storage.ManualClock
	svc   *compliance.Service
	owner tenancy.Actor
	co    tenancy.CompanyRef
	now   time.Time
	calls []compliance.Call
}

func newDialerWorld(b testing.TB, st *bunstore.Store) *dialerWorld {
	b.Helper()
	ctx := context.Background()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	owner := dir.AddMember(co, tenancy.RoleOwner, "")
	clock := storage.NewManualClock(time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC))
	svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), compliance.WithClock(clock))
	w := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	p := compliance.FZ230Calls()
	p.Windows = compliance.Windows{Working: w, Weekend: w, Holiday: w}
	if _, err := svc.SetSettings(ctx, owner, co.ID, true, p); err != nil {
		b.Fatal(err)
	}
	return &dialerWorld{dir: dir, clock: clock, svc: svc, owner: owner, co: co, now: clock.Now()}
}

// history gives subjects [from, to) perSubject past calls each over the 50
// days before now (two a day, alternating outcomes), imported in batches
// of compliance.MaxImportBatch; it returns the rows imported per second.
func (w *dialerWorld) history(b testing.TB, from, to, perSubject int) float64 {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	batch := make([]compliance.PastCall, 0, compliance.MaxImportBatch)
	n, imported := 0, 0
	flush := func() {
		n++
		if _, err := w.svc.ImportHistory(ctx, w.owner, w.co.ID, fmt.Sprintf("bench-%d-%d", from, n), batch); err != nil {
			b.Fatal(err)
		}
		imported += len(batch)
		batch = batch[:0]
	}
	for i := from; i < to; i++ {
		phone := fmt.Sprintf("+7495%07d", i)
		w.calls = append(w.calls, compliance.Call{CompanyID: w.co.ID, Phone: phone, Zone: "Europe/Moscow"})
		for j := range perSubject {
			o := compliance.OutcomeNoAnswer
			if j%3 == 0 {
				o = compliance.OutcomeAnsweringMachine
			}
			batch = append(batch, compliance.PastCall{Phone: phone, At: w.now.Add(-time.Duration(j*12+1) * time.Hour), Outcome: o})
			if len(batch) == cap(batch) {
				flush()
			}
		}
	}
	if len(batch) > 0 {
		flush()
	}
	return float64(imported) / time.Since(start).Seconds()
}

// benchBatchCheck: CheckBatch of 10 000 records whose subjects have 100
// calls of history each (one million rows imported first).
func benchBatchCheck(b *testing.B, st *bunstore.Store) {
	w := newDialerWorld(b, st)
	rate := w.history(b, 0, 10_000, 100)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := w.svc.CheckBatch(ctx, w.owner, w.calls, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res) != len(w.calls) || res[0].Err != nil {
			b.Fatalf("unexpected result %+v", res[0])
		}
	}
	b.ReportMetric(rate, "imported-rows/s")
}

func BenchmarkDialerBatchCheck10000SQLite(b *testing.B) {
	benchBatchCheck(b, storagetest.OpenSQLite(b))
}

func BenchmarkDialerBatchCheck10000Postgres(b *testing.B) {
	benchBatchCheck(b, storagetest.OpenPostgres(b))
}

// benchImport: ImportHistory of one batch of compliance.MaxImportBatch calls
// (100 subjects × 100 calls) per iteration.
func benchImport(b *testing.B, st *bunstore.Store) {
	w := newDialerWorld(b, st)
	n := 0
	var rows int
	start := time.Now()
	for b.Loop() {
		w.history(b, n*100, n*100+100, 100)
		rows += 100 * 100
		n++
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
}

func BenchmarkDialerImportPostgres(b *testing.B) { benchImport(b, storagetest.OpenPostgres(b)) }
func BenchmarkDialerImportSQLite(b *testing.B)   { benchImport(b, storagetest.OpenSQLite(b)) }

// benchCheckSingle: one Check of a subject with 100 calls of history, next
// to the raw baseline: the very statements Check issues (the same SQL text
// and arguments, checked first through a query hook on both), sent through
// bun and scanned into plain variables, without the Go around them.
func benchCheckSingle(b *testing.B, st *bunstore.Store) {
	w := newDialerWorld(b, st)
	w.history(b, 0, 1, 100)
	ctx := context.Background()
	call := w.calls[0]
	sdk, raw := checkStatements(b, st, w)
	if !slices.Equal(sdk, raw) {
		b.Fatalf("the baseline is not Check's SQL:\nCheck:    %q\nbaseline: %q", sdk, raw)
	}
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.svc.Check(ctx, w.owner, call); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		db := st.DB()
		for b.Loop() {
			rawCheck(b, db, st, w)
		}
	})
	// paired: one Check then one raw read per iteration, each timed, so
	// both see the same machine load; sdk/raw is the ratio of their totals.
	b.Run("paired", func(b *testing.B) {
		db := st.DB()
		var sdkTime, rawTime time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := w.svc.Check(ctx, w.owner, call); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			rawCheck(b, db, st, w)
			sdkTime, rawTime = sdkTime+t1.Sub(t0), rawTime+time.Since(t1)
		}
		b.ReportMetric(float64(sdkTime)/float64(rawTime), "sdk/raw")
	})
}

// rawCheck issues Check's statements for w's first subject on db, scanned
// as the store scans them: on PostgreSQL one statement, the settings row
// next to the folded history since the policy's look-back (the FZ-230
// preset: a calendar month, 31 days, plus two); elsewhere the settings row,
// then the folded history.
func rawCheck(b testing.TB, db bun.IDB, st *bunstore.Store, w *dialerWorld) {
	ctx := context.Background()
	since := w.now.Add(-33 * 24 * time.Hour)
	if st.Dialect() == bunstore.Postgres {
		rows, err := db.QueryContext(ctx, bunstore.CheckQuery, w.co.ID, w.calls[0].Phone, since, w.co.ID)
		if err != nil {
			b.Fatal(err)
		}
		var fz sql.NullBool
		var policy, agg sql.RawBytes
		var updated sql.NullTime
		var version sql.NullInt64
		var n int
		for rows.Next() {
			if err := rows.Scan(&fz, &policy, &updated, &version, &n, &agg); err != nil {
				b.Fatal(err)
			}
		}
		if err := rows.Close(); err != nil || n == 0 || !version.Valid {
			b.Fatal(err, n)
		}
		return
	}
	rows, err := db.QueryContext(ctx, bunstore.SettingsQuery, w.co.ID)
	if err != nil {
		b.Fatal(err)
	}
	var fz bool
	var policy sql.RawBytes
	var updated time.Time
	var version int64
	if !rows.Next() {
		b.Fatal("no settings", rows.Err())
	}
	if err := rows.Scan(&fz, &policy, &updated, &version); err != nil {
		b.Fatal(err)
	}
	if err := rows.Close(); err != nil {
		b.Fatal(err)
	}
	rows, err = db.QueryContext(ctx, bunstore.HistoryQuery(st), bunstore.HistoryArgs(st, w.co.ID, w.calls[0].Phone, since)...)
	if err != nil {
		b.Fatal(err)
	}
	var key string
	var n int
	var agg sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&key, &n, &agg); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Close(); err != nil || n == 0 {
		b.Fatal(err, n)
	}
}

// checkStatements returns the statements (as sent, arguments formatted)
// of one Check of w's first subject and of one rawCheck, each run on a
// store sharing st's pool with a hook that records them.
func checkStatements(b testing.TB, st *bunstore.Store, w *dialerWorld) (sdk, raw []string) {
	ctx := context.Background()
	var log sqlLog
	hooked, err := bunstore.New(ctx, st.DB().WithQueryHook(&log))
	if err != nil {
		b.Fatal(err)
	}
	log.take() // New's own checks
	svc := compliance.NewService(hooked, hooked.Compliance(), w.dir, audit.NewLog(hooked.Audit()), compliance.WithClock(w.clock))
	for range 2 { // the second as every later one: the company's rules are compiled
		log.take()
		if _, err := svc.Check(ctx, w.owner, w.calls[0]); err != nil {
			b.Fatal(err)
		}
	}
	sdk = log.take()
	rawCheck(b, hooked.DB(), hooked, w)
	return sdk, log.take()
}

func BenchmarkDialerCheckSinglePostgres(b *testing.B) {
	benchCheckSingle(b, storagetest.OpenPostgres(b))
}
func BenchmarkDialerCheckSingleSQLite(b *testing.B) { benchCheckSingle(b, storagetest.OpenSQLite(b)) }
