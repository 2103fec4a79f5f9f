package main

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// signedIn is a console client signed in as email.
func signedIn(t *testing.T, e *env, email string) *consoleClient {
	t.Helper()
	c := newConsoleClient(t, e)
	tok := c.csrf("/console/sign-in")
	if p := c.do("POST", "/console/sign-in", url.Values{"csrf": {tok}, "email": {email}, "password": {e.mail.password(t, email)}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in of %s: %d %s", email, p.status, p.body)
	}
	return c
}

// upload posts a history file to the call checker's import form.
func (c *consoleClient) upload(path, csrf, key, content string) page {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"csrf": csrf, "key": key} {
		if v != "" {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", "history.csv")
	if err != nil {
		c.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, err := http.NewRequest("POST", c.e.http.URL+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

// The part B pages without a browser: who may open them, the token on
// every form (an upload's too), an audit event shown under its own company
// only, and a replayed import counted once.
func TestConsolePagesAccess(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	tn := e.tenant("acc")
	e.register(tn.anna, tn.affiliate, "oleg@acc.example", "operator", "")
	e.deliver()
	aff := "/console/c/" + tn.affiliate + "/"
	anna := signedIn(t, e, "anna@acc.example")

	pages := []string{"requisites", "subscriptions", "org", "ai", "sms", "audit", "call-check"}
	for _, pg := range pages {
		if p := anna.do("GET", aff+pg, nil); p.status != http.StatusOK {
			t.Errorf("the owner's GET %s: %d", pg, p.status)
		}
		if pg == "audit" {
			continue // no form to post
		}
		if p := anna.do("POST", aff+pg, url.Values{"section": {"requisites"}, "action": {"buy"}, "bank_name": {"x"}}); p.status != http.StatusForbidden {
			t.Errorf("POST %s without the form token: %d", pg, p.status)
		}
	}

	// An upload carries its token in the multipart body.
	csv := "phone,at,outcome\n+79161234567,2026-12-01T07:00:00Z,busy\n"
	if p := anna.upload(aff+"call-check", "", "k1", csv); p.status != http.StatusForbidden {
		t.Fatalf("an upload without the token: %d", p.status)
	}
	tok := anna.csrf(aff + "call-check")
	p := anna.upload(aff+"call-check", tok, "k1", csv)
	if p.status != http.StatusOK || !strings.Contains(p.body, "1 calls imported in 1 of 1 batches.") {
		t.Fatalf("the import: %d %s", p.status, p.body)
	}
	if p = anna.upload(aff+"call-check", tok, "k1", csv); !strings.Contains(p.body, "already imported before") {
		t.Fatalf("the same file with the same form key is not reported as a replay: %s", p.body)
	}

	// The SDK's refusal of a call names the file's line.
	bad := "phone,at,outcome\n+79161234567,2026-12-01T08:00:00Z,busy\n+79161234568,2026-12-01T09:00:00Z,maybe\n"
	if p = anna.upload(aff+"call-check", tok, "k2", bad); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Line 3, outcome:") {
		t.Fatalf("an unknown outcome: %d %s", p.status, p.body)
	}

	// An event is shown under its own company's path only.
	ctx := context.Background()
	ev := func(company string) string {
		pg, err := e.srv.trail.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: company}, storage.PageRequest{Limit: 1})
		if err != nil || len(pg.Items) == 0 {
			t.Fatalf("an event of %s: %v", company, err)
		}
		return pg.Items[0].ID
	}
	affEvent, resEvent := ev(tn.affiliate), ev(tn.reseller)
	if p := anna.do("GET", aff+"audit/"+affEvent, nil); p.status != http.StatusOK {
		t.Fatalf("the owner's own event: %d", p.status)
	}
	if p := anna.do("GET", aff+"audit/"+resEvent, nil); p.status != http.StatusNotFound {
		t.Fatalf("the reseller's event under the affiliate: %d", p.status)
	}
	vera := signedIn(t, e, "vera@acc.example")
	if p := vera.do("GET", "/console/c/"+tn.reseller+"/audit/"+affEvent, nil); p.status != http.StatusNotFound {
		t.Fatalf("the affiliate's event under the reseller's path: %d", p.status)
	}

	// An operator dials: the checker answers; the audit log and the settings pages are refused.
	oleg := signedIn(t, e, "oleg@acc.example")
	if p := oleg.do("GET", aff+"call-check?check=1&phone=%2B79161234567", nil); p.status != http.StatusOK || !strings.Contains(p.body, `id="decision"`) {
		t.Fatalf("an operator's check: %d %s", p.status, p.body)
	}
	for _, pg := range []string{"audit", "requisites", "ai"} {
		if p := oleg.do("GET", aff+pg, nil); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
			t.Errorf("an operator's GET %s: %d", pg, p.status)
		}
	}
}
