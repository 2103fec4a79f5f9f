package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/tenancy"
)

// The load test (-loadtest) measures the service the way a dialer uses it:
// a fixed count of compliance checks and of Reserve+Complete cycles over
// HTTP with N concurrent workers, then the same SDK calls in process, and
// prints throughput, p50 and p99 per operation and how much the HTTP layer
// costs (HTTP time over in-process time). It stops by itself: after the
// count, or at the maximum duration, whichever comes first.

// loadClock is the instant the load test's service lives at, still: a
// Wednesday, 11:00 in Moscow, inside the policy's calling window, so the
// figures do not depend on the hour the test is run at.
var loadClock = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

// loadTenant is a company with the FZ-230 call policy and one operator,
// reachable over HTTP (a session token) and in process (its Actor). The
// benchmarks and the load test share it.
type loadTenant struct {
	company string
	token   string
	actor   tenancy.Actor
}

// newLoadTenant creates name's company as the platform, chooses its call
// policy as the owner and registers an operator with an open session.
func newLoadTenant(ctx context.Context, s *Server, name string) (loadTenant, error) {
	c, owner, err := s.people.CreateCompany(ctx, tenancy.Platform(platformUser), tenancy.NewCompany{Kind: tenancy.KindRegular,
		LegalName: "Load " + name, Owner: tenancy.Person{FirstName: "Lena", LastName: "Load", Email: "owner@" + name + ".example"}})
	if err != nil {
		return loadTenant{}, err
	}
	by, err := s.people.ActorFor(ctx, owner.ID, c.ID)
	if err != nil {
		return loadTenant{}, err
	}
	policy, _ := compliance.Preset(compliance.PresetFZ230Calls)
	if _, err := s.calls.SetSettings(ctx, by, c.ID, true, policy); err != nil {
		return loadTenant{}, err
	}
	emp, err := s.people.RegisterEmployee(ctx, by, c.ID, tenancy.NewEmployee{FirstName: "Dan", LastName: "Dialer",
		Email: "dialer@" + name + ".example", Role: tenancy.RoleOperator})
	if err != nil {
		return loadTenant{}, err
	}
	a, err := s.people.ActorFor(ctx, emp.UserID, c.ID)
	if err != nil {
		return loadTenant{}, err
	}
	token, _, err := s.sessions.Create(ctx, emp.UserID)
	if err != nil {
		return loadTenant{}, err
	}
	return loadTenant{company: c.ID, token: token, actor: a}, nil
}

// loadPhone is the number every call of the load dials; each reservation
// has its own subscriber key, so no cap refuses it.
const loadPhone = "+7 916 123-45-67"

// loadConfig bounds a load run.
type loadConfig struct {
	Count   int           // operations of each kind
	Workers int           // concurrent callers
	Max     time.Duration // the whole run stops after this long
}

// loadResult is one operation's figures.
type loadResult struct {
	Name     string
	Done     int
	Elapsed  time.Duration
	P50, P99 time.Duration
}

func (r loadResult) perSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done) / r.Elapsed.Seconds()
}

// loadOp runs op count times on workers goroutines until ctx ends; it
// returns what was done and the first error.
func loadOp(ctx context.Context, name string, count, workers int, op func(ctx context.Context, n int64) error) (loadResult, error) {
	var (
		next  atomic.Int64
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, count)
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				n := next.Add(1)
				if n > int64(count) {
					return
				}
				t := time.Now()
				err := op(ctx, n)
				d := time.Since(t)
				mu.Lock()
				if err != nil {
					if first == nil && ctx.Err() == nil {
						first = fmt.Errorf("%s #%d: %w", name, n, err)
					}
					mu.Unlock()
					return
				}
				lat = append(lat, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	res := loadResult{Name: name, Done: len(lat), Elapsed: time.Since(start)}
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50, res.P99 = lat[(len(lat)-1)/2], lat[(len(lat)-1)*99/100]
	}
	return res, first
}

// loadClient calls the service over HTTP as the tenant's operator.
type loadClient struct {
	http *http.Client
	base string // the company's URL
	auth string
}

func (c loadClient) post(ctx context.Context, path string, body any, want int, out any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", c.auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// reserveComplete reserves a call on the subscriber key and completes it.
func (c loadClient) reserveComplete(ctx context.Context, key string) error {
	var out reserveOut
	if err := c.post(ctx, "/reservations", map[string]string{"phone": loadPhone, "key": key}, http.StatusCreated, &out); err != nil {
		return err
	}
	if out.Reservation == nil {
		return fmt.Errorf("reserve: refused: %v", out.Decision.Reasons)
	}
	return c.post(ctx, "/reservations/"+out.Reservation.ID+"/complete", map[string]string{"outcome": string(compliance.OutcomeAnsweredHuman)}, http.StatusOK, nil)
}

// runLoad runs the four operations in turn against baseURL (HTTP) and s
// (in process) and writes the report to w.
func runLoad(ctx context.Context, w io.Writer, s *Server, baseURL string, tn loadTenant, cfg loadConfig) error {
	if cfg.Count < 1 || cfg.Workers < 1 || cfg.Max <= 0 {
		return errors.New("loadtest: count, workers and max duration must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Max)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: cfg.Workers}
	defer tr.CloseIdleConnections()
	cl := loadClient{http: &http.Client{Transport: tr}, base: baseURL + "/v1/companies/" + tn.company, auth: "Bearer " + tn.token}
	call := func(key string) compliance.Call {
		return compliance.Call{CompanyID: tn.company, Phone: loadPhone, Key: key}
	}
	ops := []struct {
		name string
		op   func(ctx context.Context, n int64) error
	}{
		{"check/http", func(ctx context.Context, _ int64) error {
			var d compliance.Decision
			return cl.post(ctx, "/call-checks", map[string]string{"phone": loadPhone}, http.StatusOK, &d)
		}},
		{"check/sdk", func(ctx context.Context, _ int64) error {
			_, err := s.calls.Check(ctx, tn.actor, call(""))
			return err
		}},
		{"reserve+complete/http", func(ctx context.Context, n int64) error { return cl.reserveComplete(ctx, fmt.Sprint("http-", n)) }},
		{"reserve+complete/sdk", func(ctx context.Context, n int64) error {
			r, d, err := s.calls.Reserve(ctx, tn.actor, call(fmt.Sprint("sdk-", n)))
			if err != nil {
				return err
			}
			if !d.Allowed {
				return fmt.Errorf("refused: %v", d.Reasons)
			}
			_, err = s.calls.Complete(ctx, tn.actor, r.ID, compliance.OutcomeAnsweredHuman)
			return err
		}},
	}
	_, _ = fmt.Fprintf(w, "load: %d of each operation, %d workers, at most %s\n", cfg.Count, cfg.Workers, cfg.Max)
	_, _ = fmt.Fprintf(w, "%-22s %7s %10s %10s %10s\n", "operation", "done", "ops/s", "p50", "p99")
	results := map[string]loadResult{}
	for _, o := range ops {
		res, err := loadOp(ctx, o.name, cfg.Count, cfg.Workers, o.op)
		results[o.name] = res
		_, _ = fmt.Fprintf(w, "%-22s %7d %10.1f %10s %10s\n", res.Name, res.Done, res.perSecond(),
			res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond))
		if err != nil {
			return err
		}
	}
	for _, kind := range []string{"check", "reserve+complete"} {
		h, p := results[kind+"/http"], results[kind+"/sdk"]
		if h.P50 > 0 && p.P50 > 0 && p.perSecond() > 0 {
			_, _ = fmt.Fprintf(w, "%s HTTP/in-process: p50 %.2fx, p99 %.2fx, throughput %.2fx\n", kind,
				float64(h.P50)/float64(p.P50), float64(h.P99)/float64(p.P99), h.perSecond()/p.perSecond())
		}
	}
	if ctx.Err() != nil {
		_, _ = fmt.Fprintf(w, "stopped at the maximum duration (%s) before the count\n", cfg.Max)
	}
	return nil
}
