package bunstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// AuditVolumeEnv must be "1" for BenchmarkAuditVolumePostgres to seed its
// million events: an ordinary benchmark run skips it.
const auditVolumeEnv = "SWITCHBOARD_BENCH_AUDIT_1M"

const (
	volumeEvents = 1_000_000 // events of the measured company
	volumeOthers = 9         // other companies on the same table …
	volumePer    = 20_000    // … with this many events each
	volumeActors = 200       // users acting in each company
	volumeStepUS = 2_500_003 // µs between two events of one company (≈ 29 days for 1M)
)

// volumeID is a UUIDv7-shaped ID (the shape storage.NewID gives) made
// deterministically from a label, so seeding SQL and the benchmark agree on
// the actors' and entities' IDs.
func volumeID(label string) string {
	h := sha256.Sum256([]byte(label))
	x := hex.EncodeToString(h[:])
	return x[0:8] + "-" + x[8:12] + "-7" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

// seedAuditVolume writes n events of company in one INSERT … SELECT over
// generate_series: the rows Log.Record writes (UUIDv7 IDs that grow with
// the time, microsecond UTC times, canonical change and metadata JSON,
// unsealed), with a skewed mix of actions, 200 actors, entities of which
// most recur a few dozen times, newest at base.
func seedAuditVolume(b *testing.B, st *bunstore.Store, company string, n int, base time.Time) {
	ctx := context.Background()
	actors := make([]string, volumeActors)
	for i := range actors {
		actors[i] = "'" + volumeID(company+"/actor/"+fmt.Sprint(i)) + "'"
	}
	// i = 0 is the newest event; occurred_at = base − i·step.
	//nolint:gosec // G202: only the actors' IDs, generated above, and constants are spliced in
	q := `INSERT INTO audit_events (id, company_id, seq, occurred_at, actor_user_id, actor_company_id, actor_role, action,
	entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash)
SELECT substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7' || substr(r, 1, 3) || '-8' || substr(r, 4, 3) || '-' || substr(r, 7, 12),
	$1, NULL, at, actor, $1, CASE WHEN actor_n < 4 THEN 'administrator' ELSE 'manager' END, action,
	split_part(action, '.', 2), entity,
	'[{"field":"status","before":"active","after":"suspended"},{"field":"note","after":"bench ' || i || '"}]',
	'{"ip":"10.0.' || (i % 250) || '.' || (i % 199) || '","request_id":"' || substr(r, 13, 16) || '"}',
	'', NULL, '', ''
FROM (
	SELECT i, at, actor_n, (ARRAY[` + strings.Join(actors, ",") + `])[1 + actor_n] AS actor,
		lpad(to_hex((extract(epoch FROM at) * 1000)::bigint), 12, '0') AS t,
		md5($1 || '/' || i) AS r,
		CASE
			WHEN i % 10000 = 7 THEN 'audit.export.run'
			WHEN i % 100 < 40 THEN 'account.user.update'
			WHEN i % 100 < 60 THEN 'presence.status.set'
			WHEN i % 100 < 75 THEN 'licensing.license.assign'
			WHEN i % 100 < 85 THEN 'tenancy.member.invite'
			WHEN i % 100 < 95 THEN 'compliance.call.reserve'
			WHEN i % 100 < 99 THEN 'tenancy.company.update'
			ELSE 'licensing.license.revoke'
		END AS action,
		(SELECT substr(m, 1, 8) || '-' || substr(m, 9, 4) || '-7' || substr(m, 14, 3) || '-8' || substr(m, 18, 3) || '-' || substr(m, 21, 12)
			FROM md5($1 || '/entity/' || (i % 20000)) AS m) AS entity
	FROM (SELECT i, $2::timestamptz - i * interval '` + fmt.Sprint(volumeStepUS) + ` microseconds' AS at, (i * 7919) % ` + fmt.Sprint(volumeActors) + ` AS actor_n
		FROM generate_series(0::bigint, $3 - 1) AS i) AS g
) AS s`
	if _, err := st.DB().DB.ExecContext(ctx, q, company, base, n); err != nil {
		b.Fatalf("seed %d events: %v", n, err)
	}
}

// volumeFilter is a filter BenchmarkAuditVolumePostgres times, by name.
type volumeFilter struct {
	name string
	f    audit.Filter
}

// BenchmarkAuditVolumePostgres is the audit log at volume: 1 000 000
// events of one company (and 180 000 of nine others) on PostgreSQL. It
// times, as the company's administrator sees them, a first page and a deep
// page (keyset, from the middle of the matches) of 50 events for each
// filter Query takes, and the JSON Lines export of the whole trail
// (bytes written and allocated per event, peak live heap). Set
// SWITCHBOARD_BENCH_AUDIT_1M=1 (seeding takes a minute); -benchtime=1x is
// enough for the export. SWITCHBOARD_BENCH_ROUNDS=n repeats the page
// timings n times over the same rows (strip the "#01" suffixes before
// benchstat, as for BenchmarkCompanySearchSQL).
func BenchmarkAuditVolumePostgres(b *testing.B) {
	if os.Getenv(auditVolumeEnv) != "1" {
		b.Skipf("set %s=1 to seed 1 000 000 audit events and run this benchmark", auditVolumeEnv)
	}
	st := storagetest.OpenPostgres(b)
	ctx := context.Background()
	base := storage.Timestamp(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	company := volumeID("bench/company")
	start := time.Now()
	seedAuditVolume(b, st, company, volumeEvents, base)
	for i := range volumeOthers {
		seedAuditVolume(b, st, volumeID(fmt.Sprint("bench/other/", i)), volumePer, base.Add(-time.Duration(i)*time.Hour))
	}
	if _, err := st.DB().ExecContext(ctx, "ANALYZE audit_events"); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d events in %s", volumeEvents+volumeOthers*volumePer, time.Since(start).Round(time.Millisecond))

	log := audit.NewLog(st.Audit())
	scope := audit.Scope{CompanyIDs: []string{company}}
	oldest := base.Add(-time.Duration(volumeEvents-1) * volumeStepUS * time.Microsecond)
	dayFrom := base.Add(-15 * 24 * time.Hour)
	filters := []volumeFilter{
		{"all", audit.Filter{}},
		{"company", audit.Filter{CompanyID: company}},
		{"actor", audit.Filter{ActorID: volumeID(company + "/actor/7")}},                                            // 0.5 %
		{"action", audit.Filter{Action: "account.user.update"}},                                                     // 40 %
		{"rare-action", audit.Filter{Action: "audit.export.run"}},                                                   // 0.01 %
		{"entity", audit.Filter{EntityType: "user", EntityID: volumeID(company + "/entity/1234")}},                  // 50 events, 20 of them users
		{"time-range", audit.Filter{From: dayFrom, To: dayFrom.Add(24 * time.Hour)}},                                // 1 day ≈ 34 500
		{"actor-action", audit.Filter{ActorID: volumeID(company + "/actor/7"), Action: "licensing.license.revoke"}}, // actor 7 never does it
		{"actor-time", audit.Filter{ActorID: volumeID(company + "/actor/7"), From: dayFrom, To: dayFrom.Add(24 * time.Hour)}},
	}
	for range benchRounds(b) {
		benchAuditPages(b, log, scope, filters, oldest, base)
	}
	for _, tc := range []struct {
		name string
		f    audit.Filter
	}{{"all", audit.Filter{}}, {"action", audit.Filter{Action: "licensing.license.assign"}}} {
		b.Run("export/"+tc.name, func(b *testing.B) { benchExport(b, log, scope, tc.f) })
	}
}

// benchAuditPages times a first and a deep page of each filter.
func benchAuditPages(b *testing.B, log *audit.Log, scope audit.Scope, filters []volumeFilter, oldest, base time.Time) {
	ctx := context.Background()
	for _, tc := range filters {
		// the deep page starts from the middle of the trail (of the range)
		mid := oldest.Add(base.Sub(oldest) / 2)
		if !tc.f.From.IsZero() {
			mid = tc.f.From.Add(tc.f.To.Sub(tc.f.From) / 2)
		}
		deep := storage.EncodeCursor(audit.Cursor{At: mid, ID: "ffffffff-ffff-7fff-bfff-ffffffffffff"})
		for _, page := range []struct {
			name  string
			after string
		}{{"first", ""}, {"deep", deep}} {
			b.Run(tc.name+"/"+page.name, func(b *testing.B) {
				loopP50(b, func() error {
					_, err := log.Query(ctx, scope, tc.f, storage.PageRequest{Limit: 50, After: page.after})
					return err
				})
			})
		}
	}
}

// benchExport times ExportJSONL and reports the bytes written and the bytes
// allocated per event, and the peak of the live heap above what it was
// before the export (sampled every 256 writes of the export's buffer).
func benchExport(b *testing.B, log *audit.Log, scope audit.Scope, f audit.Filter) {
	ctx := context.Background()
	var events, written, allocated int
	var peak uint64
	for b.Loop() {
		runtime.GC()
		w := &heapWatch{}
		w.base = w.heap()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		n, err := log.ExportJSONL(ctx, scope, f, w)
		runtime.ReadMemStats(&after)
		if err != nil {
			b.Fatal(err)
		}
		events, written = events+n, written+int(w.n)
		allocated += int(after.TotalAlloc - before.TotalAlloc)
		peak = max(peak, w.peak-min(w.peak, w.base))
	}
	if events == 0 {
		b.Fatal("nothing exported")
	}
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
	b.ReportMetric(float64(written)/float64(events), "out-B/event")
	b.ReportMetric(float64(allocated)/float64(events), "alloc-B/event")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// heapWatch discards what is written and samples the live heap.
type heapWatch struct {
	n          int64
	writes     int
	base, peak uint64
	sample     [1]metrics.Sample
}

func (w *heapWatch) heap() uint64 {
	w.sample[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(w.sample[:])
	return w.sample[0].Value.Uint64()
}

func (w *heapWatch) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	if w.writes++; w.writes%256 == 0 {
		w.peak = max(w.peak, w.heap())
	}
	return len(p), nil
}
