package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// One case per error kind: the status, the problem type and whether the
// detail is shown.
func TestProblemFor(t *testing.T) {
	secret := errors.New("dial tcp 10.0.0.5:5432: password authentication failed for user \"billing\"")
	ve := storage.Invalid("tenancy.RegisterEmployee", "email", "email", "must be a valid email address")
	ve.Add("role", "required", "is a required field")
	cases := []struct {
		name   string
		err    error
		status int
		kind   string
	}{
		{"validation", fmt.Errorf("wrapped: %w", ve), http.StatusUnprocessableEntity, "validation"},
		{"invalid without fields", storage.E("op", storage.ErrInvalid, "bad"), http.StatusUnprocessableEntity, "validation"},
		{"not found", storage.NotFound("tenancy.GetCompany", "company", "c1"), http.StatusNotFound, "not-found"},
		{"forbidden", storage.Forbidden("op", "user u may not"), http.StatusForbidden, "forbidden"},
		{"conflict", storage.Conflict("op", "e-mail taken"), http.StatusConflict, "conflict"},
		{"limit exceeded", storage.LimitExceeded("op", "no free license"), http.StatusConflict, "limit-exceeded"},
		{"suspended", storage.Suspended("op", "company suspended"), http.StatusForbidden, "suspended"},
		{"precondition", storage.Precondition("op", "set a plan first"), http.StatusConflict, "precondition"},
		{"unavailable", storage.Unavailable("op", secret), http.StatusServiceUnavailable, "unavailable"},
		{"internal", storage.Internal("op", secret), http.StatusInternalServerError, "internal"},
		{"unknown", secret, http.StatusInternalServerError, "internal"},
		{"unauthorized", errUnauthorized, http.StatusUnauthorized, "unauthorized"},
		{"rate limited", errRateLimited, http.StatusTooManyRequests, "rate-limited"},
		{"media type", errUnsupportedMedia, http.StatusUnsupportedMediaType, "unsupported-media-type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeError(w, httptest.NewRequest("GET", "/x", nil), c.err)
			if w.Code != c.status {
				t.Fatalf("status %d, want %d", w.Code, c.status)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != problemBase+c.kind || p.Status != c.status || p.Title == "" {
				t.Fatalf("problem %+v, want type %s", p, c.kind)
			}
			if strings.Contains(w.Body.String(), "billing") || strings.Contains(w.Body.String(), "10.0.0.5") {
				t.Fatalf("the cause leaked: %s", w.Body)
			}
			switch c.status {
			case http.StatusServiceUnavailable, http.StatusTooManyRequests:
				if w.Header().Get("Retry-After") == "" {
					t.Fatal("no Retry-After")
				}
			case http.StatusInternalServerError:
				if p.Detail != "" {
					t.Fatalf("internal error with a detail: %q", p.Detail)
				}
			}
			if c.name == "validation" {
				if len(p.Errors) != 2 || p.Errors[0].Field != "email" || p.Errors[1].Rule != "required" {
					t.Fatalf("field errors: %+v", p.Errors)
				}
			}
		})
	}
}

func TestDecodeStrict(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	post := func(ct, body string) reply {
		req, _ := http.NewRequest("POST", e.http.URL+"/v1/sessions", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		raw, _ := io.ReadAll(resp.Body)
		return reply{status: resp.StatusCode, header: resp.Header, body: raw}
	}
	login := `{"email":"a@b.example","password":"x"}`
	for _, c := range []struct {
		name, ct, body string
		status         int
	}{
		{"other content type", "text/plain", login, http.StatusUnsupportedMediaType},
		{"no content type", "", login, http.StatusUnsupportedMediaType},
		{"unknown field", "application/json", `{"email":"a@b.example","password":"x","admin":true}`, http.StatusBadRequest},
		{"two values", "application/json", login + login, http.StatusBadRequest},
		{"trailing garbage", "application/json", login + " x", http.StatusBadRequest},
		{"not JSON", "application/json", `{"email":`, http.StatusBadRequest},
		{"over 1 MiB", "application/json", `{"email":"` + strings.Repeat("a", maxBody) + `"}`, http.StatusRequestEntityTooLarge},
		{"charset allowed", "application/json; charset=utf-8", login, http.StatusUnauthorized},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := post(c.ct, c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			r.problem(t)
		})
	}
}

// Field errors come in the request's language.
func TestValidationLocale(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	out := e.must(http.StatusCreated, e.call("POST", "/v1/companies", testPlatformToken, map[string]any{
		"kind": "regular", "legal_name": "Locale Co",
		"owner": map[string]string{"first_name": "Lena", "last_name": "Orlova", "email": "lena@locale.example"}}))
	company := out["company"].(map[string]any)["id"].(string)
	for lang, want := range map[string]string{"": "required", "en-US,en;q=0.8": "required", "ru-RU,ru;q=0.9": "обязательное"} {
		r := e.call("POST", "/v1/companies/"+company+"/employees", testPlatformToken, map[string]string{"email": "x@locale.example", "role": "operator"},
			"Accept-Language", lang)
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("%q: status %d: %s", lang, r.status, r.body)
		}
		p := r.problem(t)
		var first *FieldIssue
		for i := range p.Errors {
			if p.Errors[i].Field == "first_name" {
				first = &p.Errors[i]
			}
		}
		if first == nil || first.Rule != "required" || !strings.Contains(first.Message, want) {
			t.Fatalf("%q: errors %+v, want first_name %q", lang, p.Errors, want)
		}
	}
}

// Logins are rate-limited per client address.
func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t), func(c *Config) { c.LoginRate, c.LoginBurst = rate.Every(time.Hour), 3 })
	body := map[string]string{"email": "nobody@x.example", "password": "wrong password"}
	for i := range 3 {
		if r := e.call("POST", "/v1/sessions", "", body); r.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, r.status)
		}
	}
	r := e.call("POST", "/v1/sessions", "", body)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("fourth attempt: %d %v", r.status, r.header)
	}
	r.problem(t)
}

// Listings page with a cursor in the body and a Link header.
func TestEmployeesPagination(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	tn := e.tenant("var-page")
	for i := range 3 {
		e.register(tn.anna, tn.affiliate, fmt.Sprintf("p%d@page.example", i), "operator", "")
	}
	seen := map[string]bool{}
	path := "/v1/companies/" + tn.affiliate + "/employees?limit=2"
	for range 3 {
		r := e.call("GET", path, tn.anna, nil)
		out := e.must(http.StatusOK, r)
		for _, it := range out["items"].([]any) {
			seen[it.(map[string]any)["user_id"].(string)] = true
		}
		link := r.header.Get("Link")
		if out["next_cursor"] == nil {
			if link != "" {
				t.Fatalf("last page with a Link: %s", link)
			}
			break
		}
		next, ok := strings.CutPrefix(strings.Split(link, ">")[0], "<")
		if !ok || !strings.Contains(link, `rel="next"`) {
			t.Fatalf("Link %q", link)
		}
		path = next
	}
	if len(seen) != 4 { // the owner and three operators
		t.Fatalf("saw %d employees across pages, want 4", len(seen))
	}
}

// The host loops deliver the outbox on their own tickers and stop with
// their context.
func TestRunLoops(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		e.srv.RunLoops(ctx, Loops{Dispatch: 5 * time.Millisecond, Seal: 5 * time.Millisecond, Presence: 5 * time.Millisecond, Sessions: 5 * time.Millisecond})
		close(stopped)
	}()
	e.must(http.StatusCreated, e.call("POST", "/v1/companies", testPlatformToken, map[string]any{
		"kind": "regular", "legal_name": "Loop Co",
		"owner": map[string]string{"first_name": "Lev", "last_name": "Popov", "email": "lev@loop.example"}}))
	deadline := time.Now().Add(10 * time.Second)
	for {
		e.mail.mu.Lock()
		_, ok := e.mail.passwords["lev@loop.example"]
		e.mail.mu.Unlock()
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dispatch loop delivered nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-stopped
}

// run starts, migrates, prints its URL and token, serves, and stops on
// cancellation.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	env := map[string]string{"SWITCHBOARD_PLATFORM_TOKEN": "run-test-token-0123456789"}
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir()}, pw, func(k string) string { return env[k] })
		_ = pw.Close()
	}()
	buf := make([]byte, 4096)
	var out bytes.Buffer
	for !strings.Contains(out.String(), "platform token") {
		n, err := pr.Read(buf)
		if err != nil {
			t.Fatalf("output %q: %v", out.String(), err)
		}
		out.Write(buf[:n])
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	var url string
	_, first, _ := strings.Cut(out.String(), "\n") // after the database line
	if _, err := fmt.Sscanf(first, "switchboard server on %s", &url); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", url+"/v1/companies/none", nil)
	req.Header.Set("Authorization", "Bearer run-test-token-0123456789")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound { // the platform sees all: a missing company is 404
		t.Fatalf("platform token: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A request in flight when the signal comes is answered before run returns.
func TestRunDrains(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-data", t.TempDir(), "-platform-token", "drain-test-token-0123456789"}, pw,
			func(string) string { return "" })
		_ = pw.Close()
	}()
	lines := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		var acc string
		for {
			n, err := pr.Read(buf)
			acc += string(buf[:n])
			for {
				line, rest, ok := strings.Cut(acc, "\n")
				if !ok {
					break
				}
				lines <- line
				acc = rest
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	var addr string
	<-lines // the database file
	if _, err := fmt.Sscanf(<-lines, "switchboard server on http://%s", &addr); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	body := `{"email":"nobody@drain.example","password":"wrong password"}`
	// Expect: 100-continue makes the server say when the handler starts
	// reading the body: from then on the request is in flight.
	if _, err := fmt.Fprintf(conn, "POST /v1/sessions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", addr, len(body)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	status, err := br.ReadString('\n')
	if err != nil || !strings.Contains(status, "100") {
		t.Fatalf("want 100 Continue, got %q %v", status, err)
	}
	if _, err := br.ReadString('\n'); err != nil { // the blank line after it
		t.Fatal(err)
	}
	cancel() // SIGINT
	for line := range lines {
		if strings.HasPrefix(line, "shutting down") {
			break
		}
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("in-flight request answered %d, want 401", resp.StatusCode)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A caller's request id is kept when plain, replaced otherwise.
func TestRequestID(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	if got := e.call("GET", "/healthz", "", nil, "X-Request-Id", "abc-123").header.Get("X-Request-Id"); got != "abc-123" {
		t.Fatalf("plain id: %q", got)
	}
	if got := e.call("GET", "/healthz", "", nil, "X-Request-Id", "a b;c").header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " ;") {
		t.Fatalf("unsafe id kept: %q", got)
	}
}
