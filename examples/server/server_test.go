package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil))) // request logs stay out of test output
	// The audit export is JSON Lines: the document says a string; each line
	// is checked by the test itself.
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
	code := m.Run()
	// A full run proves every route works: each answered a success at least
	// once, its request and response checked against the document.
	if f := flag.Lookup("test.run"); code == 0 && f != nil && f.Value.String() == "" && flag.Lookup("test.bench").Value.String() == "" {
		if missing := unexercised(&Server{}); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "routes no test succeeded on:\n  %s\n", strings.Join(missing, "\n  "))
			code = 1
		}
	}
	os.Exit(code)
}

const testPlatformToken = "test-platform-token-0123456789"

// mailbox is the test's mailer: the last password and reset token per address.
type mailbox struct {
	mu          sync.Mutex
	passwords   map[string]string
	resets      map[string]string
	invitations map[string]tenancy.Invitation
	changes     map[string]string // new address → e-mail change token
	notices     map[string]int    // old address → notices received
}

func (m *mailbox) EmailChange(_ context.Context, _ string, c tenancy.EmailChangeRequest) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.changes[c.NewEmail] = string(c.Token)
	return nil
}

func (m *mailbox) EmailChangeNotice(_ context.Context, _ string, n tenancy.EmailChangeNotice) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notices[n.OldEmail]++
	return nil
}

func (m *mailbox) Invitation(_ context.Context, _ string, i tenancy.Invitation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.invitations[i.Email] = i
	return nil
}

func (m *mailbox) Credentials(_ context.Context, _ string, c tenancy.Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.passwords[c.Email] = c.Password
	return nil
}

func (m *mailbox) PasswordReset(_ context.Context, _ string, p tenancy.PasswordReset) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets[p.Email] = string(p.Token)
	return nil
}

func (m *mailbox) password(t testing.TB, email string) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.passwords[email]
	if !ok {
		t.Fatalf("no password was mailed to %s", email)
	}
	return p
}

// env is one service on a store behind a real HTTP server.
type env struct {
	t     testing.TB
	srv   *Server
	http  *httptest.Server
	mail  *mailbox
	clock *storage.ManualClock
	valid *validator // every request and response checked against the OpenAPI document
}

// testStart is a Wednesday, 11:00 in Moscow: inside every preset's window.
var testStart = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

func newEnv(t testing.TB, store *bunstore.Store, opts ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	if err := migrateService(ctx, store.DB()); err != nil {
		t.Fatal(err)
	}
	keys, err := storage.NewStaticKeys("test", bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	pub, priv, err := audit.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := audit.NewSigner("test-audit", priv)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := audit.NewVerifier("test-audit", pub)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, mail: &mailbox{passwords: map[string]string{}, resets: map[string]string{}, invitations: map[string]tenancy.Invitation{},
		changes: map[string]string{}, notices: map[string]int{}}, clock: storage.NewManualClock(testStart)}
	cfg := Config{Store: store, Keys: keys, Signer: signer, Verifier: verifier, Mailer: e.mail, PlatformToken: testPlatformToken, Clock: e.clock,
		LoginRate: rate.Inf, PasswordCost: bcrypt.MinCost}
	for _, o := range opts {
		o(&cfg)
	}
	if e.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(e.srv)
	t.Cleanup(e.http.Close)
	e.valid = newValidator(t, e.srv, e.http.URL)
	return e
}

// deliver runs the outbox, as the service's dispatch loop does.
func (e *env) deliver() {
	e.t.Helper()
	if _, err := e.srv.dispatch.Drain(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

// reply is one HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return m
}

func (r reply) problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json (body %s)", ct, r.body)
	}
	var p Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// call sends method path with body (JSON-encoded unless a string) and the
// given token; headers are name, value pairs.
func (e *env) call(method, path, token string, body any, headers ...string) reply {
	e.t.Helper()
	var rd io.Reader
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
		rd = bytes.NewReader(sent)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		sent = raw
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	// Answers of the mux itself (text/plain 404 and 405) are outside the document.
	if e.valid != nil && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		e.valid.check(e.t, req, sent, resp.StatusCode, resp.Header, raw)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// must checks the status and returns the decoded body.
func (e *env) must(status int, r reply) map[string]any {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(e.t)
}

func (e *env) login(email string) string {
	e.t.Helper()
	out := e.must(http.StatusCreated, e.call("POST", "/v1/sessions", "", map[string]string{
		"email": email, "password": e.mail.password(e.t, email)}))
	return out["token"].(string)
}

// register adds an employee through the API and returns its user id.
func (e *env) register(token, company, email, role, sub string) string {
	e.t.Helper()
	out := e.must(http.StatusCreated, e.call("POST", "/v1/companies/"+company+"/employees", token, map[string]string{
		"first_name": "Test", "last_name": "Person", "email": email, "role": role, "sub_account_id": sub}))
	return out["user_id"].(string)
}

// backends runs fn on SQLite, and on PostgreSQL and MySQL/MariaDB when
// their DSNs are set.
func backends(t *testing.T, fn func(t *testing.T, store *bunstore.Store)) {
	t.Run("SQLite", func(t *testing.T) { fn(t, storagetest.OpenSQLite(t)) })
	t.Run("Postgres", func(t *testing.T) {
		if os.Getenv("SWITCHBOARD_POSTGRES_DSN") == "" {
			t.Skip("set SWITCHBOARD_POSTGRES_DSN")
		}
		fn(t, storagetest.OpenPostgres(t))
	})
	t.Run("MySQL", func(t *testing.T) {
		if os.Getenv("SWITCHBOARD_MYSQL_DSN") == "" {
			t.Skip("set SWITCHBOARD_MYSQL_DSN")
		}
		fn(t, storagetest.OpenMySQL(t))
	})
}

// tenant is a reseller with an affiliate, as the platform and the
// registration link make them.
type tenant struct {
	reseller, affiliate string
	vera, anna          string // the reseller's and the affiliate's owners' tokens
}

func (e *env) tenant(slug string) tenant {
	e.t.Helper()
	var tn tenant
	out := e.must(http.StatusCreated, e.call("POST", "/v1/companies", testPlatformToken, map[string]any{
		"kind": "reseller", "legal_name": "VAR " + slug, "slug": slug,
		"owner": map[string]string{"first_name": "Vera", "last_name": "Petrova", "email": "vera@" + slug + ".example"}}))
	tn.reseller = out["company"].(map[string]any)["id"].(string)
	e.deliver()
	tn.vera = e.login("vera@" + slug + ".example")
	// The reseller's link admits invited companies only: Vera invites Anna.
	anna := "anna@" + slug + ".example"
	affiliate := map[string]any{"legal_name": "Affiliate of " + slug,
		"owner": map[string]string{"first_name": "Anna", "last_name": "Ivanova", "email": anna}}
	if r := e.call("POST", "/v1/registrations/"+slug, "", affiliate); r.status != http.StatusUnprocessableEntity {
		e.t.Fatalf("registration without an invitation: %d %s", r.status, r.body)
	}
	e.must(http.StatusCreated, e.call("POST", "/v1/companies/"+tn.reseller+"/invitations", tn.vera, map[string]string{"email": anna}))
	e.deliver()
	e.mail.mu.Lock()
	inv := e.mail.invitations[anna]
	e.mail.mu.Unlock()
	if inv.Slug != slug || inv.Token == "" {
		e.t.Fatalf("invitation mailed: %+v", inv)
	}
	affiliate["invitation"] = string(inv.Token)
	out = e.must(http.StatusCreated, e.call("POST", "/v1/registrations/"+slug, "", affiliate))
	tn.affiliate = out["company"].(map[string]any)["id"].(string)
	if got := out["company"].(map[string]any)["reseller_id"]; got != tn.reseller {
		e.t.Fatalf("registered affiliate's reseller is %v, want %s", got, tn.reseller)
	}
	e.deliver()
	tn.anna = e.login(anna)
	return tn
}

func TestEndToEnd(t *testing.T) {
	backends(t, func(t *testing.T, store *bunstore.Store) {
		e := newEnv(t, store)
		tn := e.tenant("var-one")
		aff := "/v1/companies/" + tn.affiliate

		// Without a token, with a bad one, with a wrong password or an
		// unknown e-mail: the same 401.
		noToken := e.call("GET", aff, "", nil)
		if noToken.status != http.StatusUnauthorized {
			t.Fatalf("no token: %d", noToken.status)
		}
		p401 := noToken.problem(t)
		for _, r := range []reply{
			e.call("GET", aff, "not-a-session", nil),
			e.call("POST", "/v1/sessions", "", map[string]string{"email": "anna@var-one.example", "password": "wrong password!"}),
			e.call("POST", "/v1/sessions", "", map[string]string{"email": "nobody@var-one.example", "password": "wrong password!"}),
		} {
			p := r.problem(t)
			p.RequestID = p401.RequestID
			if r.status != http.StatusUnauthorized || !reflect.DeepEqual(p, p401) {
				t.Fatalf("got %d %+v, want %+v", r.status, p, p401)
			}
		}

		// The affiliate's owner builds its team.
		north := e.must(http.StatusCreated, e.call("POST", aff+"/sub-accounts", tn.anna, map[string]string{"name": "North"}))["id"].(string)
		south := e.must(http.StatusCreated, e.call("POST", aff+"/sub-accounts", tn.anna, map[string]string{"name": "South"}))["id"].(string)
		adam := e.register(tn.anna, tn.affiliate, "adam@aff.example", "administrator", "")
		e.deliver()
		adamTok := e.login("adam@aff.example")
		e.register(adamTok, tn.affiliate, "max@aff.example", "manager", north)
		olga := e.register(tn.anna, tn.affiliate, "olga@aff.example", "operator", south)
		oleg := e.register(tn.anna, tn.affiliate, "oleg@aff.example", "operator", north)
		e.deliver()
		maxTok, olegTok := e.login("max@aff.example"), e.login("oleg@aff.example")

		// The manager acts in its sub-account only.
		e.must(http.StatusCreated, e.call("POST", aff+"/employees", maxTok, map[string]string{
			"first_name": "Nik", "last_name": "North", "email": "nik@aff.example", "role": "manager", "sub_account_id": north}))
		if r := e.call("POST", aff+"/employees", maxTok, map[string]string{
			"first_name": "Sam", "last_name": "South", "email": "sam@aff.example", "role": "manager", "sub_account_id": south}); r.status != http.StatusForbidden {
			t.Fatalf("manager registering in another sub-account: %d %s", r.status, r.body)
		}
		if r := e.call("DELETE", aff+"/employees/"+olga, maxTok, nil); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Fatalf("manager removing a member of another sub-account: %d %s", r.status, r.body)
		}
		// An operator of the affiliate does not see the reseller at all.
		if r := e.call("GET", "/v1/companies/"+tn.reseller, olegTok, nil); r.status != http.StatusNotFound {
			t.Fatalf("affiliate operator reading the reseller: %d %s", r.status, r.body)
		}

		// The reseller prices the affiliate and gives it credit, acting
		// through its own membership on the affiliate's path.
		e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{
			"prices": map[string]string{"license.pro": "12.90", "license.mobile": "4.50"}}))
		e.must(http.StatusOK, e.call("PUT", aff+"/credit-terms", tn.vera, map[string]any{"credit_limit": "100"}))

		// Licenses bought with a retried Idempotency-Key: one purchase.
		order := map[string]any{"kind": "pro", "quantity": 3}
		first := e.must(http.StatusCreated, e.call("POST", aff+"/license-purchases", tn.anna, order, "Idempotency-Key", "order-1"))
		retry := e.must(http.StatusCreated, e.call("POST", aff+"/license-purchases", tn.anna, order, "Idempotency-Key", "order-1"))
		if first["id"] != retry["id"] || first["total"] != "38.7" {
			t.Fatalf("retried purchase: %v then %v", first, retry)
		}
		if r := e.call("POST", aff+"/license-purchases", tn.anna, map[string]any{"kind": "pro", "quantity": 4}, "Idempotency-Key", "order-1"); r.status != http.StatusConflict {
			t.Fatalf("same key, other quantity: %d %s", r.status, r.body)
		}
		pools := e.must(http.StatusOK, e.call("GET", aff+"/license-pools", tn.anna, nil))["items"].([]any)
		if p := pools[0].(map[string]any); p["kind"] != "pro" || p["bought"] != float64(3) {
			t.Fatalf("pools after one purchase of 3: %v", pools)
		}
		for _, u := range []string{adam, oleg, olga} {
			e.must(http.StatusOK, e.call("PUT", aff+"/employees/"+u+"/licenses/pro", tn.anna, nil))
		}
		nik := ""
		for _, emp := range e.must(http.StatusOK, e.call("GET", aff+"/employees", tn.anna, nil))["items"].([]any) {
			if m := emp.(map[string]any); m["email"] == "nik@aff.example" {
				nik = m["user_id"].(string)
			}
		}
		if r := e.call("PUT", aff+"/employees/"+nik+"/licenses/pro", tn.anna, nil); r.status != http.StatusConflict ||
			r.problem(t).Type != problemBase+"limit-exceeded" {
			t.Fatalf("fourth pro license: %d %s", r.status, r.body)
		}
		if r := e.call("POST", aff+"/license-reductions", tn.anna, map[string]any{"kind": "pro", "quantity": 1}); r.status != http.StatusConflict {
			t.Fatalf("reducing below the assigned count: %d %s", r.status, r.body)
		}
		// Olga moves to North and gives her license back: Nik gets it.
		if subs := e.must(http.StatusOK, e.call("GET", aff+"/sub-accounts", maxTok, nil))["items"].([]any); len(subs) != 1 {
			t.Fatalf("a manager sees its own sub-account only: %v", subs)
		}
		if subs := e.must(http.StatusOK, e.call("GET", aff+"/sub-accounts", tn.anna, nil))["items"].([]any); len(subs) != 2 {
			t.Fatalf("the owner sees every sub-account: %v", subs)
		}
		if m := e.must(http.StatusOK, e.call("PUT", aff+"/employees/"+olga, tn.anna, map[string]string{"role": "operator", "sub_account_id": north})); m["sub_account_id"] != north {
			t.Fatalf("moved: %v", m)
		}
		e.must(http.StatusNoContent, e.call("DELETE", aff+"/employees/"+olga+"/licenses/pro", tn.anna, nil))
		e.must(http.StatusOK, e.call("PUT", aff+"/employees/"+nik+"/licenses/pro", tn.anna, nil))
		e.must(http.StatusNoContent, e.call("DELETE", aff+"/employees/"+nik+"/licenses/pro", tn.anna, nil))
		if p := e.must(http.StatusOK, e.call("POST", aff+"/license-reductions", tn.anna, map[string]any{"kind": "pro", "quantity": 1})); p["bought"] != float64(2) {
			t.Fatalf("after giving one back: %v", p)
		}

		// A dialer: policy, check, batch check, reserve, complete.
		e.must(http.StatusOK, e.call("PUT", aff+"/call-policy", tn.anna, map[string]any{"fz230": true, "preset": "fz230_calls"}))
		call := map[string]any{"phone": "+7 916 123-45-67"}
		if d := e.must(http.StatusOK, e.call("POST", aff+"/call-checks", olegTok, call)); d["allowed"] != true {
			t.Fatalf("check: %v", d)
		}
		batch := e.must(http.StatusOK, e.call("POST", aff+"/call-checks/batch", olegTok, map[string]any{
			"calls": []any{call, map[string]any{"phone": "not a number"}}}))["items"].([]any)
		if batch[0].(map[string]any)["allowed"] != true || batch[1].(map[string]any)["problem"] == nil {
			t.Fatalf("batch: %v", batch)
		}
		res := e.must(http.StatusCreated, e.call("POST", aff+"/reservations", olegTok, call))
		rid := res["reservation"].(map[string]any)["id"].(string)
		// The reservation is addressed under its own company only.
		if r := e.call("POST", "/v1/companies/"+tn.reseller+"/reservations/"+rid+"/release", tn.vera, nil); r.status != http.StatusNotFound {
			t.Fatalf("reservation through another company's path: %d %s", r.status, r.body)
		}
		done := e.must(http.StatusOK, e.call("POST", aff+"/reservations/"+rid+"/complete", olegTok, map[string]any{"outcome": "answered_human"}))
		if done["status"] != "completed" {
			t.Fatalf("completed reservation: %v", done)
		}
		other := e.must(http.StatusCreated, e.call("POST", aff+"/reservations", olegTok, map[string]any{"phone": "+7 916 765-43-21"}))
		oid := other["reservation"].(map[string]any)["id"].(string)
		if rel := e.must(http.StatusOK, e.call("POST", aff+"/reservations/"+oid+"/release", olegTok, nil)); rel["status"] != "released" {
			t.Fatalf("released: %v", rel)
		}
		again := e.must(http.StatusOK, e.call("POST", aff+"/reservations", olegTok, call)) // 1 conversation a day
		if again["decision"].(map[string]any)["allowed"] != false || again["reservation"] != nil {
			t.Fatalf("second call of the day: %v", again)
		}

		// Credit: a charge within the limit, then the reseller lowers the
		// limit below the debt: calls are suspended, purchases refused.
		e.must(http.StatusCreated, e.call("POST", aff+"/charges", tn.vera, map[string]any{"amount": "50", "description": "usage"}, "Idempotency-Key", "usage-1"))
		if c := e.must(http.StatusOK, e.call("PUT", aff+"/credit-terms", tn.vera, map[string]any{"credit_limit": "50"})); c["suspended"] != true {
			t.Fatalf("limit under the debt: %v", c)
		}
		d := e.must(http.StatusOK, e.call("POST", aff+"/call-checks", olegTok, map[string]any{"phone": "+7 495 123-45-67"}))
		if d["allowed"] != false || !strings.Contains(fmt.Sprint(d["reasons"]), "suspended") {
			t.Fatalf("check while suspended: %v", d)
		}
		if r := e.call("POST", aff+"/license-purchases", tn.anna, map[string]any{"kind": "mobile", "quantity": 1}, "Idempotency-Key", "order-2"); r.status != http.StatusForbidden ||
			r.problem(t).Type != problemBase+"suspended" {
			t.Fatalf("purchase while suspended: %d %s", r.status, r.body)
		}
		e.must(http.StatusCreated, e.call("POST", aff+"/payments", tn.vera, map[string]any{"amount": "100"}, "Idempotency-Key", "pay-1"))
		if c := e.must(http.StatusOK, e.call("GET", aff+"/credit", tn.anna, nil)); c["suspended"] != false {
			t.Fatalf("after the payment: %v", c)
		}

		// Subscriptions: bought once under a retried key, assigned, taken back.
		e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{
			"prices": map[string]string{"license.pro": "12.90", "license.mobile": "4.50", "subscription.mobile": "3"}}))
		subs := e.must(http.StatusCreated, e.call("POST", aff+"/subscription-purchases", tn.anna, map[string]any{"kind": "mobile", "quantity": 2}, "Idempotency-Key", "sims-1"))
		again2 := e.must(http.StatusCreated, e.call("POST", aff+"/subscription-purchases", tn.anna, map[string]any{"kind": "mobile", "quantity": 2}, "Idempotency-Key", "sims-1"))
		if subs["id"] != again2["id"] || len(subs["subscription_ids"].([]any)) != 2 {
			t.Fatalf("subscriptions: %v then %v", subs, again2)
		}
		sim := subs["subscription_ids"].([]any)[0].(string)
		e.must(http.StatusNoContent, e.call("PUT", aff+"/subscriptions/"+sim+"/assignee", tn.anna, map[string]string{"user_id": adam}))
		if held := e.must(http.StatusOK, e.call("GET", aff+"/subscriptions?assigned=true", tn.anna, nil))["items"].([]any); len(held) != 1 || held[0].(map[string]any)["user_id"] != adam {
			t.Fatalf("assigned subscriptions: %v", held)
		}
		e.must(http.StatusNoContent, e.call("DELETE", aff+"/subscriptions/"+sim+"/assignee", tn.anna, nil))
		if free := e.must(http.StatusOK, e.call("GET", aff+"/subscriptions?assigned=false&kind=mobile", tn.anna, nil))["items"].([]any); len(free) != 2 {
			t.Fatalf("unassigned subscriptions: %v", free)
		}

		// The ledger, the contract and the plan.
		if entries := e.must(http.StatusOK, e.call("GET", aff+"/ledger?limit=2", tn.anna, nil)); len(entries["items"].([]any)) != 2 || entries["next_cursor"] == nil {
			t.Fatalf("ledger page: %v", entries)
		}
		e.must(http.StatusNoContent, e.call("PUT", aff+"/contract", tn.vera, map[string]any{"kind": "fixed_term", "ends_at": testStart.AddDate(1, 0, 0)}))
		if d := e.must(http.StatusOK, e.call("GET", aff+"/plan-change?tier=unlimited", tn.anna, nil)); d["allowed"] != true {
			t.Fatalf("upgrade preview: %v", d)
		}
		e.must(http.StatusOK, e.call("PUT", aff+"/plan", tn.anna, map[string]string{"tier": "unlimited"}))
		if r := e.call("PUT", aff+"/plan", tn.anna, map[string]string{"tier": "light"}); r.status != http.StatusConflict {
			t.Fatalf("downgrade during a fixed term: %d %s", r.status, r.body)
		}

		// The previous dialer's history, imported once under its key.
		if st := e.must(http.StatusOK, e.call("GET", aff+"/call-policy", tn.anna, nil)); st["policy"].(map[string]any)["name"] != "fz230_calls" {
			t.Fatalf("call policy: %v", st)
		}
		past := map[string]any{"calls": []any{map[string]any{"phone": "+7 916 000-11-22", "at": testStart.Add(-48 * time.Hour), "outcome": "answered_human"}}}
		if r := e.call("POST", aff+"/call-history", tn.anna, past); r.status != http.StatusUnprocessableEntity {
			t.Fatalf("import without a key: %d %s", r.status, r.body)
		}
		e.must(http.StatusOK, e.call("POST", aff+"/call-history", tn.anna, past, "Idempotency-Key", "import-1"))
		if res := e.must(http.StatusOK, e.call("POST", aff+"/call-history", tn.anna, past, "Idempotency-Key", "import-1")); res["replayed"] != true || res["calls"] != float64(1) {
			t.Fatalf("replayed import: %v", res)
		}

		// A removed member's Actor is refused at once; its sessions end
		// when the removal is delivered.
		e.must(http.StatusNoContent, e.call("DELETE", aff+"/employees/"+oleg, tn.anna, nil))
		if r := e.call("POST", aff+"/call-checks", olegTok, call); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
			t.Fatalf("removed member before delivery: %d %s", r.status, r.body)
		}
		e.deliver()
		if r := e.call("POST", aff+"/call-checks", olegTok, call); r.status != http.StatusUnauthorized {
			t.Fatalf("removed member's session after delivery: %d %s", r.status, r.body)
		}

		// A password change ends the user's other sessions, not this one.
		adamOther := e.login("adam@aff.example")
		e.must(http.StatusNoContent, e.call("PUT", aff+"/me/password", adamTok, map[string]string{
			"current": e.mail.password(t, "adam@aff.example"), "new": "a new long password", "repeat": "a new long password"}))
		e.must(http.StatusOK, e.call("GET", aff, adamTok, nil))
		if r := e.call("GET", aff, adamOther, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("other session after a password change: %d", r.status)
		}

		// The audit trail: sealed by the host, exported, verified against a
		// checkpoint a witness kept; each event carries its request's id.
		if _, err := e.srv.trail.Seal(context.Background(), store); err != nil {
			t.Fatal(err)
		}
		if r := e.call("GET", aff+"/audit/events", maxTok, nil); r.status != http.StatusForbidden {
			t.Fatalf("manager reading the audit trail: %d %s", r.status, r.body)
		}
		cp := e.must(http.StatusOK, e.call("GET", aff+"/audit/checkpoint", tn.anna, nil))["checkpoint"].(string)
		export := e.call("GET", aff+"/audit/export", tn.vera, nil) // the reseller reads its affiliate's
		if export.status != http.StatusOK || export.header.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("export: %d %v", export.status, export.header)
		}
		lines := strings.Split(strings.TrimSpace(string(export.body)), "\n")
		for _, line := range lines {
			var ev audit.Event
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			if ev.CompanyID != tn.affiliate || ev.Metadata["request_id"] == "" {
				t.Fatalf("exported event %s: company %s, metadata %v", ev.ID, ev.CompanyID, ev.Metadata)
			}
		}
		page := e.must(http.StatusOK, e.call("GET", aff+"/audit/events?limit=1000", tn.anna, nil))["items"].([]any)
		if len(page) != len(lines) || len(lines) < 10 {
			t.Fatalf("%d events exported, %d listed", len(lines), len(page))
		}
		v := e.must(http.StatusOK, e.call("POST", aff+"/audit/verifications", tn.anna, map[string]string{"checkpoint": cp}))
		if v["ok"] != true || v["company_id"] != tn.affiliate {
			t.Fatalf("verification against the checkpoint: %v", v)
		}
		forged := strings.Replace(cp, "\n", "\n0", 1) // the size line changed: the signature fails
		if r := e.call("POST", aff+"/audit/verifications", tn.anna, map[string]string{"checkpoint": forged}); r.status < 400 {
			t.Fatalf("forged checkpoint: %d %s", r.status, r.body)
		}

		// Logout; then the idle expiry.
		e.must(http.StatusNoContent, e.call("DELETE", "/v1/sessions/current", adamTok, nil))
		if r := e.call("GET", aff, adamTok, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("after logout: %d", r.status)
		}
		e.must(http.StatusOK, e.call("GET", aff, tn.anna, nil))
		e.clock.Advance(DefaultIdleTTL)
		if r := e.call("GET", aff, tn.anna, nil); r.status != http.StatusUnauthorized {
			t.Fatalf("after the idle timeout: %d", r.status)
		}
	})
}

// 50 clients assign 10 seats at once: exactly 10 get one.
func TestParallelAssignments(t *testing.T) {
	backends(t, func(t *testing.T, store *bunstore.Store) {
		e := newEnv(t, store)
		tn := e.tenant("var-par")
		aff := "/v1/companies/" + tn.affiliate
		e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{"prices": map[string]string{"license.mobile": "1"}}))
		e.must(http.StatusCreated, e.call("POST", aff+"/license-purchases", tn.anna, map[string]any{"kind": "mobile", "quantity": 10}, "Idempotency-Key", "seats"))
		users := make([]string, 50)
		for i := range users {
			users[i] = e.register(tn.anna, tn.affiliate, fmt.Sprintf("op%02d@par.example", i), "operator", "")
		}
		var wg sync.WaitGroup
		statuses := make([]int, len(users))
		for i, u := range users {
			wg.Go(func() {
				req, _ := http.NewRequest("PUT", e.http.URL+aff+"/employees/"+u+"/licenses/mobile", nil)
				req.Header.Set("Authorization", "Bearer "+tn.anna)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[http.StatusOK] != 10 || count[http.StatusConflict] != 40 {
			t.Fatalf("statuses: %v, want 10×200 and 40×409", count)
		}
		assigned := -1.0
		for _, p := range e.must(http.StatusOK, e.call("GET", aff+"/license-pools", tn.anna, nil))["items"].([]any) {
			if p := p.(map[string]any); p["kind"] == "mobile" {
				assigned = p["assigned"].(float64)
			}
		}
		if assigned != 10 {
			t.Fatalf("mobile licenses assigned: %v, want 10", assigned)
		}
	})
}

// Deactivating a member ends its sessions; a password reset ends them all.
func TestSessionRevocation(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	tn := e.tenant("var-rev")
	aff := "/v1/companies/" + tn.affiliate
	ivan := e.register(tn.anna, tn.affiliate, "ivan@rev.example", "administrator", "")
	e.deliver()
	ivanTok := e.login("ivan@rev.example")
	e.must(http.StatusOK, e.call("GET", aff, ivanTok, nil))
	e.must(http.StatusNoContent, e.call("POST", aff+"/employees/"+ivan+"/deactivate", tn.anna, nil))
	if r := e.call("GET", aff, ivanTok, nil); r.status != http.StatusForbidden {
		t.Fatalf("deactivated member before delivery: %d %s", r.status, r.body)
	}
	e.deliver()
	if r := e.call("GET", aff, ivanTok, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("deactivated member's session after delivery: %d", r.status)
	}
	e.must(http.StatusNoContent, e.call("POST", aff+"/employees/"+ivan+"/reactivate", tn.anna, nil))
	e.must(http.StatusOK, e.call("GET", aff, e.login("ivan@rev.example"), nil))

	// A password reset: anonymous, same answer for an unknown address.
	e.must(http.StatusAccepted, e.call("POST", "/v1/password-resets", "", map[string]string{"email": "nobody@rev.example"}))
	e.must(http.StatusAccepted, e.call("POST", "/v1/password-resets", "", map[string]string{"email": "anna@var-rev.example"}))
	e.deliver()
	e.mail.mu.Lock()
	token := e.mail.resets["anna@var-rev.example"]
	_, unknown := e.mail.resets["nobody@rev.example"]
	e.mail.mu.Unlock()
	if token == "" || unknown {
		t.Fatalf("reset token %q, unknown address mailed: %v", token, unknown)
	}
	e.must(http.StatusNoContent, e.call("POST", "/v1/password-resets/confirm", "", map[string]string{
		"token": token, "password": "reset long password", "repeat": "reset long password"}))
	if r := e.call("GET", aff, tn.anna, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("session after a password reset: %d", r.status)
	}
	e.must(http.StatusCreated, e.call("POST", "/v1/sessions", "", map[string]string{"email": "anna@var-rev.example", "password": "reset long password"}))
	if r := e.call("POST", "/v1/password-resets/confirm", "", map[string]string{
		"token": token, "password": "another long password", "repeat": "another long password"}); r.status < 400 {
		t.Fatalf("reset token used twice: %d", r.status)
	}
}

// The Actor of a request is built from the membership read with its
// session, on every request: a demotion, a deactivation or a removal shows
// on the very next request (before the outbox ends the sessions), a
// reseller's people act on an affiliate through their membership there,
// and a company the caller belongs to neither way is not found.
func TestRequestActorIsFresh(t *testing.T) {
	backends(t, func(t *testing.T, store *bunstore.Store) {
		e := newEnv(t, store)
		tn := e.tenant("var-fresh")
		aff := "/v1/companies/" + tn.affiliate
		ivan := e.register(tn.anna, tn.affiliate, "ivan@fresh.example", "administrator", "")
		e.deliver()
		ivanTok := e.login("ivan@fresh.example")
		e.must(http.StatusCreated, e.call("POST", aff+"/sub-accounts", ivanTok, map[string]string{"name": "East"}))
		e.must(http.StatusOK, e.call("PUT", aff+"/employees/"+ivan, tn.anna, map[string]string{"role": "operator"}))
		if r := e.call("POST", aff+"/sub-accounts", ivanTok, map[string]string{"name": "West"}); r.status != http.StatusForbidden {
			t.Fatalf("demoted administrator creates a sub-account: %d %s", r.status, r.body)
		}
		e.must(http.StatusNoContent, e.call("POST", aff+"/employees/"+ivan+"/deactivate", tn.anna, nil))
		if r := e.call("GET", aff+"/employees/"+ivan+"/status", ivanTok, nil); r.status != http.StatusForbidden {
			t.Fatalf("deactivated member: %d %s", r.status, r.body)
		}
		e.must(http.StatusNoContent, e.call("POST", aff+"/employees/"+ivan+"/reactivate", tn.anna, nil))
		e.must(http.StatusOK, e.call("GET", aff+"/employees/"+ivan+"/status", ivanTok, nil))
		e.must(http.StatusNoContent, e.call("DELETE", aff+"/employees/"+ivan, tn.anna, nil))
		if r := e.call("GET", aff+"/employees/"+ivan+"/status", ivanTok, nil); r.status != http.StatusNotFound {
			t.Fatalf("removed member, its session not revoked yet: %d %s", r.status, r.body)
		}
		// The reseller's owner acts on its affiliate through its own
		// membership; the affiliate's owner does not see the reseller.
		if c := e.must(http.StatusOK, e.call("GET", aff, tn.vera, nil)); c["id"] != tn.affiliate {
			t.Fatalf("reseller owner reads the affiliate: %v", c)
		}
		if r := e.call("GET", "/v1/companies/"+tn.reseller, tn.anna, nil); r.status != http.StatusNotFound {
			t.Fatalf("affiliate owner reads the reseller: %d %s", r.status, r.body)
		}
		if r := e.call("GET", "/v1/companies/no-such-company", tn.anna, nil); r.status != http.StatusNotFound {
			t.Fatalf("unknown company: %d %s", r.status, r.body)
		}
		// A revoked session is 401 on the next request, company or not.
		e.must(http.StatusNoContent, e.call("DELETE", "/v1/sessions/current", tn.vera, nil))
		for _, path := range []string{aff, "/v1/me/memberships"} {
			if r := e.call("GET", path, tn.vera, nil); r.status != http.StatusUnauthorized ||
				!strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("GET %s after logout: %d %s", path, r.status, r.header.Get("Content-Type"))
			}
		}
	})
}

// The idle window moves only when the last touch is older than
// IdleTTL/touchFraction: a request sooner than that leaves it where it was.
func TestSessionIdleTouch(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	tn := e.tenant("var-touch")
	aff := "/v1/companies/" + tn.affiliate
	tok := e.login("anna@var-touch.example") // last touch: now
	step := DefaultIdleTTL / touchFraction
	e.clock.Advance(step / 2)
	e.must(http.StatusOK, e.call("GET", aff, tok, nil)) // too soon to touch
	e.clock.Advance(DefaultIdleTTL - step/2)
	if r := e.call("GET", aff, tok, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("IdleTTL after the login, used only before a touch was due: %d", r.status)
	}
	tok = e.login("anna@var-touch.example")
	e.clock.Advance(step)
	e.must(http.StatusOK, e.call("GET", aff, tok, nil)) // touched
	e.clock.Advance(DefaultIdleTTL - time.Second)
	e.must(http.StatusOK, e.call("GET", "/v1/me/memberships", tok, nil)) // touched again
	e.clock.Advance(DefaultIdleTTL - time.Second)
	e.must(http.StatusOK, e.call("GET", aff, tok, nil))
	e.clock.Advance(DefaultIdleTTL)
	if r := e.call("GET", aff, tok, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("IdleTTL after the last request: %d", r.status)
	}
}

// /readyz is 503 while the service's schema is behind.
func TestReadyzSchema(t *testing.T) {
	store := storagetest.OpenSQLite(t)
	e := newEnv(t, store)
	e.must(http.StatusOK, e.call("GET", "/readyz", "", nil))
	m, err := serviceMigrator(store.DB())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := e.call("GET", "/readyz", "", nil)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
		t.Fatalf("readyz with a pending migration: %d %s", r.status, r.body)
	}
	r.problem(t)
}

// An open link admits anyone, at a limited rate (per address and per link): 429 past it.
func TestOpenRegistration(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t), func(c *Config) { c.LoginRate, c.LoginBurst = rate.Every(time.Hour), 2 })
	out := e.must(http.StatusCreated, e.call("POST", "/v1/companies", testPlatformToken, map[string]any{
		"kind": "reseller", "legal_name": "Open VAR", "slug": "open-var",
		"owner": map[string]string{"first_name": "Olga", "last_name": "Open", "email": "olga@open.example"}}))
	reseller := out["company"].(map[string]any)["id"].(string)
	if c := e.must(http.StatusOK, e.call("PUT", "/v1/companies/"+reseller+"/registration", testPlatformToken, map[string]bool{"open": true})); c["open_registration"] != true {
		t.Fatalf("registration: %v", c)
	}
	register := func(i int) reply {
		return e.call("POST", "/v1/registrations/open-var", "", map[string]any{"legal_name": fmt.Sprint("Walk-in ", i),
			"owner": map[string]string{"first_name": "Walk", "last_name": "In", "email": fmt.Sprintf("walk%d@in.example", i)}})
	}
	for i := range 2 {
		if r := register(i); r.status != http.StatusCreated {
			t.Fatalf("registration %d: %d %s", i, r.status, r.body)
		}
	}
	if r := register(2); r.status != http.StatusTooManyRequests {
		t.Fatalf("third registration within the limit's period: %d %s", r.status, r.body)
	}
}

// An operator's pause runs out and the host's loop switches it to the
// fallback; versioned writes go through ETag and If-Match.
func TestPauseFallsBack(t *testing.T) {
	backends(t, func(t *testing.T, store *bunstore.Store) {
		e := newEnv(t, store)
		tn := e.tenant("var-pause")
		aff := "/v1/companies/" + tn.affiliate
		overtime := e.must(http.StatusCreated, e.call("POST", aff+"/pause-types", tn.anna, map[string]any{"name": "Overtime"}))["id"].(string)
		lunchReply := e.call("POST", aff+"/pause-types", tn.anna, map[string]any{
			"name": "Lunch", "paid": true, "daily_allocation": int64(10 * time.Minute), "fallback_id": overtime})
		lunch := e.must(http.StatusCreated, lunchReply)["id"].(string)
		// The company's time zone is the operator's, for its budget days.
		if c := e.must(http.StatusOK, e.call("PUT", aff+"/settings/locale", tn.anna, map[string]string{"time_zone": "Europe/Moscow"})); c["locale"].(map[string]any)["time_zone"] != "Europe/Moscow" {
			t.Fatalf("locale: %v", c)
		}
		e.must(http.StatusOK, e.call("GET", aff+"/settings", tn.anna, nil))
		pavel := e.register(tn.anna, tn.affiliate, "pavel@pause.example", "operator", "")
		if eff := e.must(http.StatusOK, e.call("GET", aff+"/employees/"+pavel+"/settings", tn.anna, nil)); eff["time_zone"] != "Europe/Moscow" {
			t.Fatalf("effective settings: %v", eff)
		}
		e.deliver()
		pavelTok := e.login("pavel@pause.example")
		me := aff + "/employees/" + pavel + "/status"

		r := e.call("GET", me, pavelTok, nil)
		if e.must(http.StatusOK, r)["state"] != "offline" || r.header.Get("ETag") != `"0"` {
			t.Fatalf("first status: %s %v", r.body, r.header)
		}
		away := map[string]string{"state": "away", "pause_type_id": lunch}
		if r := e.call("PUT", me, pavelTok, away); r.status != http.StatusPreconditionRequired {
			t.Fatalf("without If-Match: %d %s", r.status, r.body)
		}
		r = e.call("PUT", me, pavelTok, away, "If-Match", `"0"`)
		if st := e.must(http.StatusOK, r); st["due_at"] == nil || r.header.Get("ETag") != `"1"` {
			t.Fatalf("away for lunch: %v %v", st, r.header)
		}
		if r := e.call("PUT", me, pavelTok, map[string]string{"state": "online"}, "If-Match", `"0"`); r.status != http.StatusConflict {
			t.Fatalf("stale If-Match: %d %s", r.status, r.body)
		}

		e.clock.Advance(11 * time.Minute)
		if n, err := e.srv.operators.ApplyPlatformDue(context.Background(), e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("the presence loop's job: %d switches, %v", n, err)
		}
		r = e.call("GET", me, pavelTok, nil)
		if st := e.must(http.StatusOK, r); st["pause_type_id"] != overtime || r.header.Get("ETag") != `"2"` {
			t.Fatalf("after the allocation ran out: %v %v", st, r.header)
		}
		window := "?from=" + testStart.Format(time.RFC3339) + "&to=" + e.clock.Now().Format(time.RFC3339)
		ivs := e.must(http.StatusOK, e.call("GET", aff+"/employees/"+pavel+"/status-ledger"+window, pavelTok, nil))["items"].([]any)
		if len(ivs) != 1 || ivs[0].(map[string]any)["pause_type_id"] != lunch || ivs[0].(map[string]any)["end"] != "2026-12-02T08:10:00Z" { // the lunch, to its allocation's end
			t.Fatalf("status ledger: %v", ivs)
		}
		budget := e.call("GET", aff+"/employees/"+pavel+"/budget?day=2026-12-02", pavelTok, nil)
		e.must(http.StatusOK, budget)

		if ts := e.must(http.StatusOK, e.call("GET", aff+"/pause-types", pavelTok, nil))["items"].([]any); len(ts) != 2 {
			t.Fatalf("pause types: %v", ts)
		}
		training := e.call("POST", aff+"/pause-types", tn.anna, map[string]any{"name": "Training"})
		tid := e.must(http.StatusCreated, training)["id"].(string)
		if a := e.must(http.StatusOK, e.call("DELETE", aff+"/pause-types/"+tid, tn.anna, nil, "If-Match", training.header.Get("ETag"))); a["archived"] != true {
			t.Fatalf("archived: %v", a)
		}

		// A pause type changes under If-Match too.
		tag := lunchReply.header.Get("ETag")
		change := map[string]any{"name": "Long lunch", "paid": true, "daily_allocation": int64(20 * time.Minute), "fallback_id": overtime}
		e.must(http.StatusOK, e.call("PUT", aff+"/pause-types/"+lunch, tn.anna, change, "If-Match", tag))
		if r := e.call("PUT", aff+"/pause-types/"+lunch, tn.anna, change, "If-Match", tag); r.status != http.StatusConflict {
			t.Fatalf("pause type with a stale If-Match: %d %s", r.status, r.body)
		}
	})
}

// Company administration and identity over HTTP.
func TestTenancyAdministration(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	create := func(name, email string) string {
		out := e.must(http.StatusCreated, e.call("POST", "/v1/companies", testPlatformToken, map[string]any{
			"kind": "regular", "legal_name": name,
			"owner": map[string]string{"first_name": "Owner", "last_name": "Of " + name, "email": email}}))
		return out["company"].(map[string]any)["id"].(string)
	}
	company := create("Admin Works", "olga@admin.example")
	create("Other Works", "shared@other.example")
	e.deliver()
	olga := e.login("olga@admin.example")
	co := "/v1/companies/" + company

	if c := e.must(http.StatusOK, e.call("PUT", co+"/display-name", olga, map[string]string{"display_name": "AdminWorks"})); c["display_name"] != "AdminWorks" {
		t.Fatalf("display name: %v", c)
	}
	found := e.must(http.StatusOK, e.call("GET", co+"/search?q=adminw", olga, nil))["items"].([]any)
	if len(found) != 1 || found[0].(map[string]any)["id"] != company {
		t.Fatalf("search: %v", found)
	}
	sub := e.must(http.StatusCreated, e.call("POST", co+"/sub-accounts", olga, map[string]string{"name": "East"}))["id"].(string)
	if s := e.must(http.StatusOK, e.call("PUT", co+"/sub-accounts/"+sub, olga, map[string]string{"name": "Far East"})); s["name"] != "Far East" {
		t.Fatalf("renamed sub-account: %v", s)
	}
	igor := e.register(olga, company, "igor@admin.example", "operator", sub)
	e.deliver()
	igorTok := e.login("igor@admin.example")
	if u := e.must(http.StatusOK, e.call("PUT", co+"/employees/"+igor+"/name", olga, map[string]string{"first_name": "Igor", "last_name": "Petrov"})); u["last_name"] != "Petrov" {
		t.Fatalf("renamed: %v", u)
	}
	if u := e.must(http.StatusOK, e.call("PUT", co+"/employees/"+igor+"/phone", igorTok, map[string]string{"phone": "+79161234567"})); u["phone"] != "+79161234567" {
		t.Fatalf("phone: %v", u)
	}
	if m := e.must(http.StatusCreated, e.call("POST", co+"/members", olga, map[string]string{"email": "shared@other.example", "role": "administrator"})); m["role"] != "administrator" {
		t.Fatalf("added member: %v", m)
	}

	// An administrator changes a member's login: the token goes to the new
	// address, the old one hears of it, and the member's sessions end.
	e.must(http.StatusAccepted, e.call("POST", co+"/employees/"+igor+"/email-changes", olga, map[string]string{"new_email": "igor.petrov@admin.example"}))
	e.deliver()
	e.mail.mu.Lock()
	token := e.mail.changes["igor.petrov@admin.example"]
	e.mail.mu.Unlock()
	if token == "" {
		t.Fatal("no e-mail change token mailed")
	}
	if u := e.must(http.StatusOK, e.call("POST", "/v1/email-changes/confirm", "", map[string]string{"token": token})); u["email"] != "igor.petrov@admin.example" {
		t.Fatalf("confirmed: %v", u)
	}
	e.deliver()
	e.mail.mu.Lock()
	notices := e.mail.notices["igor@admin.example"]
	e.mail.mu.Unlock()
	if notices != 2 {
		t.Fatalf("the old address got %d notices, want 2 (requested, confirmed)", notices)
	}
	if r := e.call("PUT", co+"/employees/"+igor+"/phone", igorTok, map[string]string{"phone": ""}); r.status != http.StatusUnauthorized {
		t.Fatalf("session after the login changed: %d", r.status)
	}

	// The platform's operations: legal identity, owner, kind, reseller.
	if c := e.must(http.StatusOK, e.call("PUT", co+"/legal-identity", testPlatformToken, map[string]string{"legal_name": "Admin Works LLC"})); c["legal_name"] != "Admin Works LLC" {
		t.Fatalf("legal identity: %v", c)
	}
	if r := e.call("PUT", co+"/legal-identity", olga, map[string]string{"legal_name": "Mine"}); r.status != http.StatusForbidden {
		t.Fatalf("owner setting the legal identity: %d %s", r.status, r.body)
	}
	admin := ""
	for _, emp := range e.must(http.StatusOK, e.call("GET", co+"/employees", olga, nil))["items"].([]any) {
		if m := emp.(map[string]any); m["email"] == "shared@other.example" {
			admin = m["user_id"].(string)
		}
	}
	if c := e.must(http.StatusOK, e.call("PUT", co+"/owner", testPlatformToken, map[string]string{"user_id": admin})); c["owner_user_id"] != admin {
		t.Fatalf("new owner: %v", c)
	}
	if c := e.must(http.StatusOK, e.call("PUT", co+"/kind", testPlatformToken, map[string]string{"kind": "reseller", "slug": "admin-works"})); c["slug"] != "admin-works" {
		t.Fatalf("made a reseller: %v", c)
	}
	other := create("Third Works", "third@other.example")
	if c := e.must(http.StatusOK, e.call("PUT", "/v1/companies/"+other+"/reseller", testPlatformToken, map[string]string{"reseller_id": company})); c["reseller_id"] != company {
		t.Fatalf("attached: %v", c)
	}

	// The platform suspends the company.
	if c := e.must(http.StatusOK, e.call("PUT", co+"/status", testPlatformToken, map[string]string{"status": "suspended"})); c["status"] != "suspended" {
		t.Fatalf("suspended: %v", c)
	}
	if r := e.call("PUT", co+"/status", olga, map[string]string{"status": "active"}); r.status != http.StatusForbidden {
		t.Fatalf("owner lifting a suspension: %d %s", r.status, r.body)
	}
}
