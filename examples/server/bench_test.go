package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

// benchEnv is a tenant with a call policy and an operator, reachable over
// HTTP (its token) and in process (its Actor).
type benchEnv struct {
	*env
	company string
	token   string
	actor   tenancy.Actor
}

func newBenchEnv(b *testing.B, store *bunstore.Store) benchEnv {
	e := newEnv(b, store)
	// The tests check every call against the OpenAPI document; a client in
	// production does not, so the benchmarks time the service alone.
	e.valid = nil
	tn, err := newLoadTenant(context.Background(), e.srv, "bench")
	if err != nil {
		b.Fatal(err)
	}
	return benchEnv{env: e, company: tn.company, token: tn.token, actor: tn.actor}
}

func benchStores(b *testing.B, fn func(b *testing.B, store func() *bunstore.Store)) {
	b.Run("SQLite", func(b *testing.B) { fn(b, func() *bunstore.Store { return storagetest.OpenSQLite(b) }) })
	if os.Getenv("SWITCHBOARD_POSTGRES_DSN") != "" {
		b.Run("Postgres", func(b *testing.B) { fn(b, func() *bunstore.Store { return storagetest.OpenPostgres(b) }) })
	}
}

// tripsPerOp runs the benchmark's loop and reports, next to its time, two
// figures a loaded machine does not blur as it blurs timings: the
// PostgreSQL round trips each iteration costs (trips/op: both requests of
// a cycle, the session reads included; other stores count none) and the
// process's CPU time per iteration (cpu-µs/op: the test's client and the
// server, or the SDK alone in process; the database server's not included).
func tripsPerOp(b *testing.B, store *bunstore.Store, run func()) {
	before := store.RoundTrips()
	cpu, cpuOK := processCPU()
	run()
	if b.N == 0 {
		return
	}
	if before >= 0 {
		b.ReportMetric(float64(store.RoundTrips()-before)/float64(b.N), "trips/op")
	}
	if now, ok := processCPU(); ok && cpuOK {
		b.ReportMetric(float64((now-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	}
}

// serve hands one request to the service's handler directly, without the
// network: the HTTP layer's own cost (session, Actor, JSON, middleware)
// apart from the transport's. It returns the status and the body.
func (be benchEnv) serve(method, path, body string) (int, []byte) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+be.token)
	rec := httptest.NewRecorder()
	be.srv.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// BenchmarkCheck is one compliance check over HTTP, through the handler
// alone (Handler: no network) and in process, on one store.
func BenchmarkCheck(b *testing.B) {
	benchStores(b, func(b *testing.B, open func() *bunstore.Store) {
		store := open()
		be := newBenchEnv(b, store)
		call := map[string]any{"phone": "+7 916 123-45-67"}
		b.Run("HTTP", func(b *testing.B) {
			tripsPerOp(b, store, func() {
				for b.Loop() {
					be.must(http.StatusOK, be.call("POST", "/v1/companies/"+be.company+"/call-checks", be.token, call))
				}
			})
		})
		b.Run("Handler", func(b *testing.B) {
			tripsPerOp(b, store, func() {
				for b.Loop() {
					if code, out := be.serve("POST", "/v1/companies/"+be.company+"/call-checks", `{"phone":"+7 916 123-45-67"}`); code != http.StatusOK {
						b.Fatalf("check: %d %s", code, out)
					}
				}
			})
		})
		b.Run("InProcess", func(b *testing.B) {
			ctx := context.Background()
			tripsPerOp(b, store, func() {
				for b.Loop() {
					if _, err := be.srv.calls.Check(ctx, be.actor, compliance.Call{CompanyID: be.company, Phone: "+7 916 123-45-67"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	})
}

// BenchmarkReserveComplete is a reservation and its completion, each on
// its own subscriber key, over HTTP, through the handler alone (Handler)
// and in process.
func BenchmarkReserveComplete(b *testing.B) {
	benchStores(b, func(b *testing.B, open func() *bunstore.Store) {
		store := open()
		be := newBenchEnv(b, store)
		base := "/v1/companies/" + be.company
		n := 0
		b.Run("HTTP", func(b *testing.B) {
			tripsPerOp(b, store, func() {
				for b.Loop() {
					n++
					res := be.must(http.StatusCreated, be.call("POST", base+"/reservations", be.token,
						map[string]any{"phone": "+7 916 123-45-67", "key": fmt.Sprint("http-", n)}))
					id := res["reservation"].(map[string]any)["id"].(string)
					be.must(http.StatusOK, be.call("POST", base+"/reservations/"+id+"/complete", be.token, map[string]any{"outcome": "answered_human"}))
				}
			})
		})
		b.Run("Handler", func(b *testing.B) {
			tripsPerOp(b, store, func() {
				for b.Loop() {
					n++
					code, out := be.serve("POST", base+"/reservations", fmt.Sprintf(`{"phone":"+7 916 123-45-67","key":"handler-%d"}`, n))
					var res reserveOut
					if err := json.Unmarshal(out, &res); code != http.StatusCreated || err != nil || res.Reservation == nil {
						b.Fatalf("reserve: %d %s", code, out)
					}
					if code, out := be.serve("POST", base+"/reservations/"+res.Reservation.ID+"/complete", `{"outcome":"answered_human"}`); code != http.StatusOK {
						b.Fatalf("complete: %d %s", code, out)
					}
				}
			})
		})
		b.Run("InProcess", func(b *testing.B) {
			ctx := context.Background()
			tripsPerOp(b, store, func() {
				for b.Loop() {
					n++
					r, d, err := be.srv.calls.Reserve(ctx, be.actor, compliance.Call{CompanyID: be.company, Phone: "+7 916 123-45-67", Key: fmt.Sprint("sdk-", n)})
					if err != nil || !d.Allowed {
						b.Fatal(err, d.Reasons)
					}
					if _, err := be.srv.calls.Complete(ctx, be.actor, r.ID, compliance.OutcomeAnsweredHuman); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	})
}

// BenchmarkLoad runs 8 concurrent dialers, each doing Reserve then Complete
// over HTTP on keys of its own, and reports the latency percentiles of one
// Reserve+Complete pair next to ns/op (the time per pair at that
// concurrency). It stops after b.N pairs. It is the load test's HTTP
// reserve+complete operation (-loadtest) under the benchmark's count.
func BenchmarkLoad(b *testing.B) {
	benchStores(b, func(b *testing.B, open func() *bunstore.Store) {
		be := newBenchEnv(b, open())
		cl := loadClient{http: be.http.Client(), base: be.http.URL + "/v1/companies/" + be.company, auth: "Bearer " + be.token}
		b.ResetTimer()
		res, err := loadOp(context.Background(), "reserve+complete/http", b.N, 8, func(ctx context.Context, n int64) error {
			return cl.reserveComplete(ctx, fmt.Sprint("load-", n))
		})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.P50.Microseconds()), "p50-µs")
		b.ReportMetric(float64(res.P99.Microseconds()), "p99-µs")
	})
}
