// The web console.
//
// The service serves, in the same binary as its JSON API, a server-rendered
// web console under /console/: html/template pages embedded with embed (no
// JavaScript build step; web/static/console.js only disables a submitted
// form's button and shows "working…"), in English and Russian.
//
// # One page = one handler + one template
//
// A page is a row of consoleTable (its method, its pattern under /console/,
// its handler) and a template web/templates/<name>.html defining "content"
// (and optionally "title"), rendered inside web/templates/layout.html. A
// handler has the signature
//
//	func (s *Server) cFoo(w http.ResponseWriter, r *http.Request, c *consoleCtx) error
//
// and ends with c.render(w, "foo", data) (a GET, or a POST whose input was
// refused: the form again, with c.fieldErrors next to the fields) or
// c.redirect(w, r, url, "flash-key") (a POST that succeeded: post, redirect,
// get). An error it returns becomes the error page with the status problemFor
// gives it: a company or a person the actor may not see is the 404 page,
// exactly as the API answers 404. Texts come from one catalogue
// (console_i18n.go) through the template function t ({{t $.Lang "key"}}); the SDK's validation
// messages already come in the request's language (storage.WithLocale).
// Rows marked anonymous need no session (sign-in, static files); the others
// redirect to the sign-in page without one.
//
// # What every page gets
//
//   - The language: ?lang=en|ru (remembered in the sb_lang cookie), else the
//     cookie, else Accept-Language; English by default.
//   - Sessions: the API's own (server_sessions: the token stored hashed, the
//     same idle and absolute expiry, revoked by sign-out, a password change
//     or a removal exactly as API sessions are). The token travels in the
//     sb_session cookie: HttpOnly, SameSite=Lax, Path=/console/, and Secure
//     when the request came over TLS (r.TLS: behind a proxy that ends TLS,
//     the cookies are not marked Secure; serve TLS to this process to have
//     them so).
//   - The Actor, rebuilt per request from the stored membership for the
//     company in the path (/console/c/{company}/…), as the API does
//     (Server.actor): the console never keeps a role or a company of its own.
//   - CSRF: every form carries a token, the HMAC-SHA256 of the session's
//     token hash under a key of the process (a fresh random one per start:
//     a form loaded before a restart must be reloaded). Before sign-in the
//     token is the HMAC of a random value in the sb_pre cookie. Every POST
//     without the right token is refused 403 before its handler runs.
//   - Headers: a Content-Security-Policy allowing only the console's own
//     scripts, styles and images (no inline script), no framing,
//     nosniff, a same-origin referrer and no caching.
//
// The console's routes are not part of the API: they are kept out of
// routeTable, so the OpenAPI document describes the JSON API alone.

package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

//go:embed web/templates/*.html web/static/*
var webFiles embed.FS

// Cookie names of the console.
const (
	cookieSession = "sb_session"
	cookiePre     = "sb_pre" // the pre-session CSRF value of the sign-in form
	cookieLang    = "sb_lang"
	consolePath   = "/console/"
)

// consoleCSP is the console's Content-Security-Policy.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// consoleHandler is one page's handler (see the comment at the top).
type consoleHandler func(w http.ResponseWriter, r *http.Request, c *consoleCtx) error

// consoleRoute is one console page.
type consoleRoute struct {
	method, path string // path under /console/, Go 1.22 pattern syntax; method "" is any
	handler      consoleHandler
	anonymous    bool // no session needed
}

// consoleTable declares every page of the console, in one place.
func (s *Server) consoleTable() []consoleRoute {
	return []consoleRoute{
		{"", "", s.cNotFound, true}, // any other address under /console/
		{"GET", "{$}", s.cHome, true},
		{"GET", "sign-in", s.cSignInForm, true},
		{"POST", "sign-in", s.cSignIn, true},
		{"POST", "sign-out", s.cSignOut, false},
		{"GET", "companies", s.cPicker, false},

		{"GET", "c/{company}/profile", s.cProfile, false},
		{"POST", "c/{company}/profile", s.cProfileSave, false},
		{"GET", "c/{company}/licenses", s.cLicenses, false},
		{"POST", "c/{company}/licenses", s.cLicensesPost, false},
		{"GET", "c/{company}/requisites", s.cRequisites, false},
		{"POST", "c/{company}/requisites", s.cRequisitesSave, false},
		{"GET", "c/{company}/users", s.cUsers, false},
		{"GET", "c/{company}/audit", s.cAudit, false},
		{"GET", "c/{company}/audit/{event}", s.cAuditEvent, false},
		{"GET", "c/{company}/subscriptions", s.cSubscriptions, false},
		{"POST", "c/{company}/subscriptions", s.cSubscriptionsPost, false},
		{"GET", "c/{company}/ai", s.cAI, false},
		{"POST", "c/{company}/ai", s.cAISet, false},
		{"GET", "c/{company}/org", s.cOrg, false},
		{"POST", "c/{company}/org", s.cOrgPost, false},
		{"GET", "c/{company}/sms", s.cSMS, false},
		{"POST", "c/{company}/sms", s.cSMSSave, false},
		{"GET", "c/{company}/call-check", s.cCalls, false},
		{"POST", "c/{company}/call-check", s.cCallsImport, false},
		{"GET", "c/{company}/status", s.cStatus, false},
		{"POST", "c/{company}/status", s.cStatusSet, false},
		{"GET", "c/{company}/companies", s.cCompanies, false},
		{"GET", "c/{company}/companies/{id}", s.cTerms, false},
		{"POST", "c/{company}/companies/{id}", s.cTermsSave, false},
	}
}

// consoleSite is what the console is built from once: its templates and
// its CSRF key.
type consoleSite struct {
	pages   map[string]*template.Template
	csrfKey []byte
	static  http.Handler
}

func newConsoleSite() (*consoleSite, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	layout, err := template.New("layout.html").Funcs(consoleFuncs).ParseFS(webFiles, "web/templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(webFiles, "web/templates/*.html")
	if err != nil {
		return nil, err
	}
	site := &consoleSite{pages: map[string]*template.Template{}, csrfKey: key}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "web/templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(webFiles, n)
		if err != nil {
			return nil, err
		}
		site.pages[name] = t
	}
	static, err := fs.Sub(webFiles, "web/static")
	if err != nil {
		return nil, err
	}
	site.static = http.StripPrefix(consolePath+"static/", http.FileServerFS(static))
	return site, nil
}

// mountConsole registers the console's pages on mux, and / redirects to
// the console.
func (s *Server) mountConsole(mux *http.ServeMux) {
	for _, rt := range s.consoleTable() {
		mux.Handle(strings.TrimSpace(rt.method+" "+consolePath+rt.path), s.consolePage(rt))
	}
	mux.Handle("GET "+consolePath+"static/", consoleHeaders(s.console.static))
	mux.Handle("GET /{$}", http.RedirectHandler(consolePath, http.StatusSeeOther))
}

// consoleHeaders sets the console's security headers.
func consoleHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", consoleCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// consoleCtx is what a page's handler works with.
type consoleCtx struct {
	s      *Server
	r      *http.Request
	lang   string
	user   string // the signed-in user, "" on anonymous pages
	csrf   string // the token this request's forms carry
	actor  tenancy.Actor
	hasAct bool
	// seesAffiliates: the actor acts for a reseller as its owner or an
	// administrator (the companies page is in its menu).
	seesAffiliates bool
	// fieldErrors are the SDK's field messages of a refused form, by field.
	fieldErrors map[string]string
	formError   string // a refusal that names no field
}

// consolePage wraps a page's handler: headers, language, session, CSRF
// check, Actor, and the error page.
func (s *Server) consolePage(rt consoleRoute) http.Handler {
	return consoleHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &consoleCtx{s: s, lang: consoleLang(w, r)}
		ctx := storage.WithLocale(r.Context(), c.lang)
		ctx = context.WithValue(ctx, keyLocale, c.lang)
		r = r.WithContext(ctx)
		if ck, err := r.Cookie(cookieSession); err == nil && ck.Value != "" {
			p, err := s.authenticate(ctx, ck.Value, r.PathValue("company"))
			switch {
			case errors.Is(err, ErrNoSession):
				clearCookie(w, r, cookieSession)
			case err != nil:
				c.r = r
				c.fail(w, storage.Unavailable("console.session", err))
				return
			default:
				c.user = p.userID
				c.csrf = s.console.token("s:" + p.session)
				r = r.WithContext(context.WithValue(ctx, keyPrincipal, p))
			}
		}
		c.r = r
		if c.user == "" {
			if !rt.anonymous {
				http.Redirect(w, r, consolePath+"sign-in", http.StatusSeeOther)
				return
			}
			c.csrf = s.console.token("p:" + preValue(w, r))
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			parse := r.ParseForm
			if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") { // an upload: its fields land in PostForm too
				parse = func() error { return r.ParseMultipartForm(maxBody) }
			}
			if err := parse(); err != nil {
				c.fail(w, storage.Invalid("console.form", "form", "form", "the form could not be read"))
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostForm.Get("csrf")), []byte(c.csrf)) != 1 {
				c.failStatus(w, http.StatusForbidden, c.t("err.csrf"))
				return
			}
		}
		if r.PathValue("company") != "" {
			a, err := s.actor(r)
			if err != nil {
				c.fail(w, err)
				return
			}
			c.actor, c.hasAct = a, true
			if canEditSettings(a) && !a.IsPlatform() {
				if ref, err := s.people.Company(ctx, a.CompanyID); err == nil && ref.Kind == tenancy.KindReseller {
					c.seesAffiliates = true
				}
			}
		}
		if err := rt.handler(w, r, c); err != nil {
			c.fail(w, err)
		}
	}))
}

// token is the CSRF token bound to v.
func (cs *consoleSite) token(v string) string {
	m := hmac.New(sha256.New, cs.csrfKey)
	m.Write([]byte(v))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// preValue is the sb_pre cookie's value, set when missing.
func preValue(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(cookiePre); err == nil && len(ck.Value) >= 16 {
		return ck.Value
	}
	v := randomToken()
	setCookie(w, r, cookiePre, v, 0)
	return v
}

// setCookie sets a console cookie: HttpOnly, SameSite=Lax, Secure over TLS.
// maxAge 0 is a browser-session cookie.
func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: consolePath, MaxAge: maxAge, //nolint:gosec // G124: Secure whenever the request came over TLS; a browser drops a Secure cookie sent over plain HTTP (a development server)
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) { setCookie(w, r, name, "", -1) }

var consoleLangs = language.NewMatcher([]language.Tag{language.English, language.Russian})

// consoleLang picks the page's language: ?lang=, the sb_lang cookie, then
// Accept-Language. A ?lang= choice is remembered for a year.
func consoleLang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == storage.LocaleEnglish || l == storage.LocaleRussian {
		setCookie(w, r, cookieLang, l, 365*24*3600)
		return l
	}
	if ck, err := r.Cookie(cookieLang); err == nil && (ck.Value == storage.LocaleEnglish || ck.Value == storage.LocaleRussian) {
		return ck.Value
	}
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil && len(tags) > 0 {
		if _, i, conf := consoleLangs.Match(tags...); conf != language.No && i == 1 {
			return storage.LocaleRussian
		}
	}
	return storage.LocaleEnglish
}

// t translates a catalogue key into the page's language.
func (c *consoleCtx) t(key string, args ...any) string { return translate(c.lang, key, args...) }

// view is what the layout renders: the page's own data is Data.
type view struct {
	Lang      string
	CSRF      string
	User      string
	Company   string // the company in the path, "" elsewhere
	Role      tenancy.Role
	Nav       []navItem
	Flash     string
	Errors    map[string]string
	FormError string
	Path      string // the page's path, for the language switch
	Data      any
}

type navItem struct {
	Key, Href string
	Current   bool
}

// nav is the menu of a company's pages, by what the actor's role may open
// (the SDK still decides on every page).
func (c *consoleCtx) nav() []navItem {
	if !c.hasAct {
		return nil
	}
	base := consolePath + "c/" + url.PathEscape(c.r.PathValue("company")) + "/"
	items := []navItem{{Key: "nav.status", Href: base + "status"}}
	if c.actor.Role != tenancy.RoleOperator { // an operator sees its own user only
		items = append([]navItem{{Key: "nav.profile", Href: base + "profile"}, {Key: "nav.requisites", Href: base + "requisites"},
			{Key: "nav.licenses", Href: base + "licenses"}, {Key: "nav.subscriptions", Href: base + "subscriptions"},
			{Key: "nav.users", Href: base + "users"}, {Key: "nav.org", Href: base + "org"}, {Key: "nav.ai", Href: base + "ai"},
			{Key: "nav.sms", Href: base + "sms"}}, items...)
	}
	items = append(items, navItem{Key: "nav.check", Href: base + "call-check"}) // every role may dial
	if canEditSettings(c.actor) {
		items = append(items, navItem{Key: "nav.audit", Href: base + "audit"})
	}
	if c.seesAffiliates {
		items = append(items, navItem{Key: "nav.companies", Href: companyPath(c.actor.CompanyID, "companies")})
	}
	for i := range items {
		items[i].Current = items[i].Href == c.r.URL.Path
	}
	return items
}

// render writes page name with data; a refused form (fieldErrors or
// formError set) is answered 422.
func (c *consoleCtx) render(w http.ResponseWriter, name string, data any) error {
	status := http.StatusOK
	if len(c.fieldErrors) > 0 || c.formError != "" {
		status = http.StatusUnprocessableEntity
	}
	return c.renderStatus(w, status, name, data)
}

func (c *consoleCtx) renderStatus(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := c.s.console.pages[name]
	if !ok {
		return errors.New("console: no template " + name)
	}
	v := view{Lang: c.lang, CSRF: c.csrf, User: c.user, Company: c.r.PathValue("company"), Nav: c.nav(),
		Errors: c.fieldErrors, FormError: c.formError, Path: c.r.URL.Path, Data: data}
	if c.hasAct {
		v.Role = c.actor.Role
	}
	if f := c.r.URL.Query().Get("done"); f != "" && hasMessage("flash."+f) {
		v.Flash = c.t("flash." + f)
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", c.lang)
	w.WriteHeader(status)
	_, err := w.Write([]byte(buf.String()))
	return err
}

// refused keeps err's field messages for the form to show next to its
// fields and reports true, or reports false for an error that is not a
// refusal of the input (the handler returns it: the error page).
func (c *consoleCtx) refused(err error) bool {
	var ve *storage.ValidationError
	switch {
	case errors.As(err, &ve):
		c.fieldErrors = map[string]string{}
		for _, f := range ve.Fields {
			c.fieldErrors[f.Field] = f.Message
		}
		return true
	case errors.Is(err, storage.ErrForbidden):
		c.formError = c.t("err.forbidden")
		return true
	case errors.Is(err, storage.ErrInvalid), errors.Is(err, storage.ErrLimitExceeded),
		errors.Is(err, storage.ErrPrecondition), errors.Is(err, storage.ErrConflict):
		c.formError = problemFor(err).Detail
		return true
	}
	return false
}

// redirect ends a successful POST: the browser gets url, with a flash
// message key.
func (c *consoleCtx) redirect(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		to += "?done=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// errorView is the error page's data.
type errorView struct {
	Status int
	Title  string
	Detail string
}

// fail answers err as the error page with problemFor's status.
func (c *consoleCtx) fail(w http.ResponseWriter, err error) {
	pr := problemFor(err)
	if pr.Status >= 500 {
		logFailure(c.r, err)
	}
	detail := ""
	switch pr.Status {
	case http.StatusNotFound:
		detail = c.t("err.notfound")
	case http.StatusForbidden, http.StatusConflict, http.StatusUnprocessableEntity:
		detail = pr.Detail
	}
	c.failStatus(w, pr.Status, detail)
}

func (c *consoleCtx) failStatus(w http.ResponseWriter, status int, detail string) {
	title := c.t("err.title", status)
	if hasMessage("err." + http.StatusText(status)) {
		title = c.t("err." + http.StatusText(status))
	}
	if err := c.renderStatus(w, status, "error", errorView{Status: status, Title: title, Detail: detail}); err != nil {
		slog.ErrorContext(c.r.Context(), "console error page", "err", err)
		http.Error(w, http.StatusText(status), status)
	}
}

// fieldView is one labelled form field with the SDK's message next to it
// (the "input" template of layout.html).
type fieldView struct {
	ID, Name, Label, Value, Type, Error string
	ReadOnly                            bool
}

// newField builds a field of page v: name is the form name and the SDK's
// field name, label a catalogue key; opts is "readonly" and/or an input
// type ("textarea", "tel", "number"; "text" by default).
func newField(v view, name, label, value string, opts ...string) fieldView {
	f := fieldView{ID: name, Name: name, Label: translate(v.Lang, label), Value: value, Type: "text", Error: v.Errors[name]}
	for _, o := range opts {
		if o == "readonly" {
			f.ReadOnly = true
		} else {
			f.Type = o
		}
	}
	return f
}

// capsView is a policy's caps, written out in the page's language.
type capsView struct {
	Lines []string
	None  string
}

func capsOf(v view, p compliance.Policy) capsView {
	cv := capsView{None: translate(v.Lang, "terms.nocaps")}
	for _, c := range p.Caps {
		if c.Period == compliance.PeriodRolling {
			cv.Lines = append(cv.Lines, translate(v.Lang, "terms.cap.rolling", c.Limit, c.Days, c.Counts))
		} else {
			cv.Lines = append(cv.Lines, translate(v.Lang, "terms.cap", c.Limit, c.Period, c.Counts))
		}
	}
	return cv
}

// consoleFuncs are the templates' functions: {{t $.Lang "key" args…}}
// translates a catalogue key; {{err $ "field"}} is a field's SDK message.
var consoleFuncs = template.FuncMap{
	"t":      translate,
	"err":    func(v view, field string) string { return v.Errors[field] },
	"role":   hasRole,
	"field":  newField,
	"capsOf": capsOf,
	"dur":    shortDuration,
	"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
}
