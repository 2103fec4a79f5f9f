package main

import (
	"crypto/tls"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// consoleClient is a browser without JavaScript: a cookie jar, no
// redirects followed.
type consoleClient struct {
	t    *testing.T
	e    *env
	http *http.Client
}

func newConsoleClient(t *testing.T, e *env) *consoleClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &consoleClient{t: t, e: e, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (c *consoleClient) do(method, path string, form url.Values) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.e.http.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.send(req)
}

// send sends req with the client's cookies and reads the whole answer.
func (c *consoleClient) send(req *http.Request) page {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the first form of path.
func (c *consoleClient) csrf(path string) string {
	c.t.Helper()
	p := c.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no form token in %s", path, p.status, p.body)
	}
	return m[1]
}

func cookieNamed(h http.Header, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// The console's security holds without a browser: headers on every page,
// cookie flags, CSRF refusal, the SDK's authorisation and its field
// messages in the chosen language.
func TestConsoleSecurity(t *testing.T) {
	e := newEnv(t, storagetest.OpenSQLite(t))
	tn := e.tenant("cons")
	anna := "anna@cons.example"
	c := newConsoleClient(t, e)

	for _, path := range []string{"/console/sign-in", "/console/companies", "/console/static/console.js", "/console/nope"} {
		p := c.do("GET", path, nil)
		csp := p.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", path, p.header)
		}
	}
	if p := c.do("GET", "/console/companies", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/sign-in" {
		t.Fatalf("a page without a session: %d %s", p.status, p.header.Get("Location"))
	}

	// CSRF: the sign-in form without its token, or with another one, is 403.
	tok := c.csrf("/console/sign-in")
	creds := url.Values{"email": {anna}, "password": {e.mail.password(t, anna)}}
	for _, bad := range []string{"", "not-the-token", strings.ToUpper(tok)} {
		f := maps.Clone(creds)
		if bad != "" {
			f.Set("csrf", bad)
		}
		if p := c.do("POST", "/console/sign-in", f); p.status != http.StatusForbidden {
			t.Fatalf("sign-in with csrf %q: %d", bad, p.status)
		}
	}
	// Another browser's token (its own sb_pre) is refused too.
	other := newConsoleClient(t, e)
	f := maps.Clone(creds)
	f.Set("csrf", other.csrf("/console/sign-in"))
	if p := c.do("POST", "/console/sign-in", f); p.status != http.StatusForbidden {
		t.Fatalf("sign-in with another browser's token: %d", p.status)
	}
	// A wrong password: the form again, the same answer as an unknown e-mail.
	f = url.Values{"csrf": {tok}, "email": {anna}, "password": {"wrong password!"}}
	if p := c.do("POST", "/console/sign-in", f); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Wrong e-mail or password") {
		t.Fatalf("wrong password: %d %s", p.status, p.body)
	}

	f = maps.Clone(creds)
	f.Set("csrf", tok)
	p := c.do("POST", "/console/sign-in", f)
	ck := cookieNamed(p.header, cookieSession)
	if p.status != http.StatusSeeOther || ck == nil {
		t.Fatalf("sign-in: %d %v", p.status, p.header)
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/console/" {
		t.Fatalf("session cookie over plain HTTP: %+v", ck)
	}
	// The cookie holds the session token; the table holds its hash only.
	if _, err := e.srv.sessions.Lookup(t.Context(), ck.Value); err != nil {
		t.Fatalf("the cookie is not a service session: %v", err)
	}
	var n int
	if err := e.srv.store.DB().NewRaw("SELECT COUNT(*) FROM server_sessions WHERE token_hash = ?", ck.Value).Scan(t.Context(), &n); err != nil || n != 0 {
		t.Fatalf("a session stored in clear: %d %v", n, err)
	}

	// One company: the picker goes straight to its profile.
	if p := c.do("GET", "/console/companies", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/c/"+tn.affiliate+"/profile" {
		t.Fatalf("picker with one company: %d %s", p.status, p.header.Get("Location"))
	}

	// An authenticated form without or with a wrong token: 403, nothing saved.
	profile := "/console/c/" + tn.affiliate + "/profile"
	good := c.csrf(profile)
	save := url.Values{"section": {"profile"}, "display_name": {"Renamed"}}
	for _, bad := range []string{"", tok, good + "x"} {
		f := maps.Clone(save)
		if bad != "" {
			f.Set("csrf", bad)
		}
		if p := c.do("POST", profile, f); p.status != http.StatusForbidden {
			t.Fatalf("profile save with csrf %q: %d", bad, p.status)
		}
	}
	if p := c.do("GET", profile, nil); strings.Contains(p.body, "Renamed") {
		t.Fatal("a refused form was saved")
	}
	save.Set("csrf", good)
	if p := c.do("POST", profile, save); p.status != http.StatusSeeOther {
		t.Fatalf("profile save: %d %s", p.status, p.body)
	}
	if p := c.do("GET", profile, nil); !strings.Contains(p.body, `value="Renamed"`) {
		t.Fatalf("saved profile not shown: %s", p.body)
	}

	// The SDK's field messages next to the field, in the chosen language.
	bad := url.Values{"csrf": {good}, "section": {"profile"}, "display_name": {"X"}, "email": {"not an e-mail"}}
	p = c.do("POST", profile+"?lang=ru", bad)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="email-error"`) || !strings.Contains(p.body, `lang="ru"`) {
		t.Fatalf("invalid e-mail: %d %s", p.status, p.body)
	}
	msg := regexp.MustCompile(`id="email-error">([^<]+)<`).FindStringSubmatch(p.body)
	if msg == nil || !regexp.MustCompile(`\p{Cyrillic}`).MatchString(msg[1]) {
		t.Fatalf("the e-mail's message is not in Russian: %v", msg)
	}

	// A company the actor does not see is the 404 page, like one that does
	// not exist.
	for _, id := range []string{tn.reseller, "no-such-company"} {
		if p := c.do("GET", "/console/c/"+id+"/profile", nil); p.status != http.StatusNotFound || !strings.Contains(p.body, `id="error-title"`) {
			t.Fatalf("GET another company's profile (%s): %d", id, p.status)
		}
	}

	// Sign-out ends the service session.
	out := url.Values{"csrf": {good}}
	if p := c.do("POST", "/console/sign-out", out); p.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", p.status)
	}
	if _, err := e.srv.sessions.Lookup(t.Context(), ck.Value); err == nil {
		t.Fatal("the session outlived the sign-out")
	}

	// Over TLS every console cookie is Secure.
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "https://console.example/console/sign-in?lang=ru", nil)
	req.TLS = &tls.ConnectionState{}
	e.srv.ServeHTTP(w, req)
	for _, name := range []string{cookiePre, cookieLang} {
		ck := cookieNamed(w.Header(), name)
		if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Fatalf("cookie %s over TLS: %+v", name, ck)
		}
	}
	pre := cookieNamed(w.Header(), cookiePre)
	form := url.Values{"csrf": {csrfField.FindStringSubmatch(w.Body.String())[1]}, "email": {anna}, "password": {e.mail.password(t, anna)}}
	req = httptest.NewRequest("POST", "https://console.example/console/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(pre)
	req.TLS = &tls.ConnectionState{}
	w = httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	if ck := cookieNamed(w.Header(), cookieSession); w.Code != http.StatusSeeOther || ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Fatalf("sign-in over TLS: %d %+v", w.Code, ck)
	}
}

// Both languages have every text of the catalogue.
func TestConsoleCatalogue(t *testing.T) {
	en := slices.Sorted(maps.Keys(consoleMessages[storage.LocaleEnglish]))
	ru := slices.Sorted(maps.Keys(consoleMessages[storage.LocaleRussian]))
	if !slices.Equal(en, ru) {
		for _, k := range en {
			if _, ok := consoleMessages[storage.LocaleRussian][k]; !ok {
				t.Errorf("no Russian text for %q", k)
			}
		}
		for _, k := range ru {
			if _, ok := consoleMessages[storage.LocaleEnglish][k]; !ok {
				t.Errorf("no English text for %q", k)
			}
		}
	}
}

// Every catalogue key the templates and the handlers name exists.
func TestConsoleKeys(t *testing.T) {
	literal := regexp.MustCompile(`\bt \$?\.Lang "([^"]+)"|c\.t\("([^"]+)"|"(nav\.[a-z]+|flash\.[a-z]+)"`)
	var sources []string
	names, err := fs.Glob(webFiles, "web/templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(webFiles, n)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, string(b))
	}
	for _, n := range []string{"console.go", "console_pages.go", "console_requisites.go", "console_subscriptions.go",
		"console_org.go", "console_ai.go", "console_sms.go", "console_audit.go", "console_calls.go"} {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, string(b))
	}
	found := 0
	for _, src := range sources {
		for _, m := range literal.FindAllStringSubmatch(src, -1) {
			key := m[1] + m[2] + m[3]
			if key == "key" || strings.HasSuffix(key, ".") { // the doc's example; a prefix completed at run time
				continue
			}
			found++
			if !hasMessage(key) {
				t.Errorf("no text for %q", key)
			}
		}
	}
	if found < 100 {
		t.Fatalf("only %d keys found: the pattern no longer matches the templates", found)
	}
}
