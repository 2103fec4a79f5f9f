package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// The console in a real browser: a headless Chromium driven with chromedp
// through the whole scenario of the console's pages, on SQLite. Outside CI
// the test skips when no browser is found; under CI=true it fails.

// chromiumPath finds a browser: $SWITCHBOARD_CHROMIUM, else the usual names
// on $PATH.
func chromiumPath() (string, error) {
	names := []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"}
	if p := os.Getenv("SWITCHBOARD_CHROMIUM"); p != "" {
		names = append([]string{p}, names...)
	}
	var err error
	for _, n := range names {
		var p string
		if p, err = exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", err
}

// browser starts one headless Chromium for the calling test and closes it
// when the test ends; its subtests share it (one browser per test binary:
// the scenario is one test).
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no chromium found (CI=true makes the browser tests mandatory): %v", err)
		}
		t.Skipf("no chromium found: %v (install Debian's chromium or set SWITCHBOARD_CHROMIUM)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // root in a container
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1000),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, for as long as ctx lives
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// artifacts is the screenshot directory: $SWITCHBOARD_ARTIFACTS, else one
// under the test's temporary directory.
func artifacts(t *testing.T) string {
	dir := os.Getenv("SWITCHBOARD_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	dir = filepath.Join(dir, "console-screenshots")
	if err := os.MkdirAll(dir, 0o750); err != nil { //nolint:gosec // G703: the directory the person running the tests chose
		t.Fatal(err)
	}
	t.Logf("console screenshots in %s", dir)
	return dir
}

// tab is the browser on the test's server.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	dir  string
	shot int
}

// actionTimeout bounds each step, so a page that never comes fails the
// step instead of hanging the test.
const actionTimeout = 30 * time.Second

func (b *tab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that returns a value.
func get[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func (b *tab) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path))
	b.waitLoaded("open " + path)
}

// submit clicks sel (in the page's script, so no DOM node of chromedp's
// can go stale under it) and waits until the form's answer has loaded: a
// new document, complete.
func (b *tab) submit(sel string) {
	b.t.Helper()
	b.run("submit "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.body.dataset.old = "1"; document.querySelector(%q).click()`, sel)))
	b.waitLoaded("the answer to " + sel)
}

// waitLoaded waits for a complete document that is not the one submit
// marked. While the browser navigates an evaluation may fail (the page's
// context is gone): it is retried.
func (b *tab) waitLoaded(what string) {
	b.t.Helper()
	deadline := time.Now().Add(actionTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!document.querySelector("main") && !document.body.dataset.old`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page (%v)", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fill sets a field's value as typing would.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.run("fill "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`(() => { const e = document.querySelector(%q); e.value = %q; e.dispatchEvent(new Event("input", {bubbles: true})); })()`, sel, value)))
}

// text is the visible text of the page's main part, and its fields' values.
func (b *tab) text() string {
	b.t.Helper()
	return get(b, "read the page", chromedp.Evaluate[string](`(() => { const m = document.querySelector("main");
		return m.innerText + "\n" + [...m.querySelectorAll("input:not([type=hidden]), textarea")].map(e => e.value).join("\n"); })()`))
}

func (b *tab) location() string {
	b.t.Helper()
	return strings.TrimPrefix(get(b, "read the location", chromedp.Location()), b.base)
}

func (b *tab) must(contains ...string) {
	b.t.Helper()
	txt := b.text()
	for _, c := range contains {
		if !strings.Contains(txt, c) {
			b.t.Fatalf("%s: no %q in:\n%s", b.location(), c, txt)
		}
	}
}

func (b *tab) mustNot(absent ...string) {
	b.t.Helper()
	txt := b.text()
	for _, c := range absent {
		if strings.Contains(txt, c) {
			b.t.Fatalf("%s: %q should not be shown:\n%s", b.location(), c, txt)
		}
	}
}

// screenshot writes the whole page as NN-name.png.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	png := get(b, "screenshot "+name, chromedp.FullScreenshot(100))
	b.shot++
	file := filepath.Join(b.dir, strings.Join([]string{twoDigits(b.shot), name}, "-")+".png")
	if err := os.WriteFile(file, png, 0o600); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.open("/console/sign-in")
	b.fill("#email", email)
	b.fill("#password", password)
	b.submit("#sign-in")
}

func (b *tab) signOut() {
	b.t.Helper()
	b.submit("#sign-out")
	b.must("Sign in")
}

func TestConsoleBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storagetest.OpenSQLite(t))
	b := &tab{t: t, ctx: ctx, base: e.http.URL, dir: artifacts(t)}

	// The world, made through the API: a reseller (Vera) with an affiliate
	// (Anna), two sub-accounts, a manager and two operators, prices, pause
	// types.
	tn := e.tenant("brw")
	aff := "/v1/companies/" + tn.affiliate
	north := e.must(http.StatusCreated, e.call("POST", aff+"/sub-accounts", tn.anna, map[string]string{"name": "North"}))["id"].(string)
	south := e.must(http.StatusCreated, e.call("POST", aff+"/sub-accounts", tn.anna, map[string]string{"name": "South"}))["id"].(string)
	e.register(tn.anna, tn.affiliate, "max@brw.example", "manager", north)
	e.register(tn.anna, tn.affiliate, "oleg@brw.example", "operator", north)
	e.register(tn.anna, tn.affiliate, "olga@brw.example", "operator", south)
	e.deliver()
	e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{"prices": map[string]string{"license.pro": "12.90", "license.mobile": "4.50", "subscription.mobile": "3.00", "addon.recording": "9.00"}}))
	technical := e.must(http.StatusCreated, e.call("POST", aff+"/pause-types", tn.anna, map[string]any{"name": "Technical"}))["id"].(string)
	e.must(http.StatusCreated, e.call("POST", aff+"/pause-types", tn.anna, map[string]any{
		"name": "Lunch", "paid": true, "daily_allocation": int64(10 * time.Minute), "fallback_id": technical}))
	// Vera also administers the affiliate: she has two companies to pick from.
	e.must(http.StatusCreated, e.call("POST", aff+"/members", tn.anna, map[string]string{"email": "vera@brw.example", "role": "administrator"}))
	// A second reseller's affiliate the search must never show.
	e.tenant("other")

	if !t.Run("sign in and edit the profile", func(t *testing.T) {
		b.t = t
		b.open("/console/")
		b.screenshot("sign-in")
		b.signIn("anna@brw.example", e.mail.password(t, "anna@brw.example"))
		if loc := b.location(); loc != "/console/c/"+tn.affiliate+"/profile" {
			t.Fatalf("after sign-in: %s", loc)
		}
		b.must("Affiliate of brw", "Anna Ivanova")
		if !get(b, "legal name locked", chromedp.Evaluate[bool](`document.querySelector("#legal_name").readOnly && document.querySelector("#registration_number").readOnly`)) {
			t.Fatal("the legal name and registration number are editable")
		}
		b.screenshot("profile")

		// A wrong phone: the SDK's message next to the field, nothing saved.
		b.fill("#display_name", "Anna's Contact Centre")
		b.fill("#phone", "12345")
		b.submit("#save-profile")
		if msg := get(b, "phone error", chromedp.Text(css("#phone-error"))); msg == "" {
			t.Fatal("no message next to the phone field")
		}
		b.screenshot("profile-field-error")
		b.fill("#phone", "+74951234567")
		b.fill("#city", "Kazan")
		b.submit("#save-profile")
		b.must("Saved.")
		if city := get(b, "city", chromedp.Value(css("#city"))); city != "Kazan" {
			t.Fatalf("city after saving: %q", city)
		}
		b.fill("#time_zone", "Europe/Moscow")
		b.submit("#save-locale")
		b.must("Saved.")
		b.run("avatar switch", chromedp.Click(css("#users_own_avatar")))
		b.submit("#save-branding")
		if !get(b, "avatar switch saved", chromedp.Evaluate[bool](`document.querySelector("#users_own_avatar").checked`)) {
			t.Fatal("the avatar switch was not saved")
		}
		b.screenshot("profile-saved")

		// The requisites: the SDK's check rules, their message next to the field.
		b.submit(`nav a[href$="/requisites"]`)
		b.fill("#inn", "1234567890")
		b.submit("#save-requisites")
		if msg := get(b, "INN error", chromedp.Text(css("#inn-error"))); msg == "" {
			t.Fatal("no message next to a wrong INN")
		}
		b.screenshot("requisites-error")
		b.fill("#inn", "7707083893")
		b.fill("#kpp", "773601001")
		b.submit("#save-requisites")
		b.must("Saved.", "7707083893")
		b.screenshot("requisites")

		// The call checker answers as the dialer's check would.
		b.submit(`nav a[href$="/call-check"]`)
		b.fill("#phone", "+74951234567")
		b.submit("#check")
		b.must("Allowed now", "the FZ-230 flag is off")
		b.screenshot("call-check")

		// A previous dialer's calls imported, with the progress shown while
		// the form is sent; a bad line is refused next to the field.
		// The page's script: a sent form shows "working…" and its progress
		// bar and disables its buttons (the submission held back here).
		busy := get(b, "busy form", chromedp.Evaluate[bool](`new Promise(done => {
			const f = document.querySelector("#import-form");
			f.addEventListener("submit", e => e.preventDefault());
			f.requestSubmit(f.querySelector("#import"));
			setTimeout(() => done(f.getAttribute("aria-busy") === "true" && !f.querySelector("progress").hidden &&
				!f.querySelector("span.busy").hidden && f.querySelector("#import").disabled), 50);
		})`, chromedp.EvalAwaitPromise))
		if !busy {
			t.Fatal("a sent form shows no progress")
		}
		b.open("/console/c/" + tn.affiliate + "/call-check")
		history := func(content string) {
			file := filepath.Join(t.TempDir(), "history.csv")
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			b.run("choose the file", chromedp.SetUploadFiles(css("#file"), []string{file}))
			b.submit("#import")
		}
		history("phone,at,outcome\n+74951234567,yesterday,busy\n")
		b.must("Nothing was imported", "Line 2, at")
		history("phone,at,outcome\n+74951234567,2026-12-01T08:00:00Z,answered_human\n+74951234567,2026-12-01T09:00:00Z,no_answer\n")
		b.must("2 calls imported in 1 of 1 batches.")
		b.screenshot("history-import")

		// The audit log shows what was just changed.
		b.submit(`nav a[href$="/audit"]`)
		b.must("account.profile.update", "tenancy.company.tax_identity")
		b.screenshot("audit")
	}) {
		return
	}

	if !t.Run("buy and assign licenses", func(t *testing.T) {
		b.t = t
		b.submit(`nav a[href$="/licenses"]`)
		b.fill("#quantity", "3")
		b.submit("#buy")
		b.must("Licenses bought.")
		pool := func() (bought, assigned string) {
			return get(b, "bought", chromedp.Text(css(`#pools tr[data-kind="pro"] .bought`))),
				get(b, "assigned", chromedp.Text(css(`#pools tr[data-kind="pro"] .assigned`)))
		}
		bought, before := pool()
		if bought != "3" {
			t.Fatalf("pro bought after buying 3: %s", bought)
		}
		olga := get(b, "olga's option", chromedp.Evaluate[string](`[...document.querySelectorAll("#assign-user option")].find(o => o.text.includes("olga@")).value`))
		b.run("choose", chromedp.SetValue(css("#assign-user"), olga), chromedp.SetValue(css("#assign-kind"), "pro"))
		b.submit("#assign")
		b.must("License assigned.", "olga@brw.example")
		if _, after := pool(); after == before {
			t.Fatalf("assigned count did not change: %s", after)
		}
		b.screenshot("licenses")

		// The plan: to the same tier is refused, to the other one taken.
		b.submit("#change-plan")
		b.must("Light")
		if get(b, "refusal", chromedp.Evaluate[bool](`!!document.querySelector("#form-error")`)) != true {
			t.Fatal("changing to the same plan was not refused")
		}
		b.run("tier", chromedp.SetValue(css("#tier"), "unlimited"))
		b.submit("#change-plan")
		b.must("Plan changed.", "Plan: Unlimited")

		// Subscriptions: buy two, give one to Olga.
		b.submit(`nav a[href$="/subscriptions"]`)
		b.fill("#quantity", "2")
		b.submit("#subs-buy")
		b.must("Subscriptions bought.")
		olgaSub := get(b, "olga's option", chromedp.Evaluate[string](`[...document.querySelector("#subscriptions select").options].find(o => o.text.includes("olga@")).value`))
		b.run("choose", chromedp.SetValue(css("#subscriptions select"), olgaSub))
		b.submit("#subscriptions .assign")
		b.must("Subscription assigned.", "olga@brw.example")
		b.fill("#code", "recording")
		b.submit("#addon-buy")
		b.must("Add-on bought.", "recording")
		b.screenshot("subscriptions")

		// AI features: one processed outside the EU needs the consent box.
		b.submit(`nav a[href$="/ai"]`)
		row := `#ai tr[data-feature="chat_translation"]`
		b.submit(row + " .enable") // the consent step
		b.submit("#confirm")       // the consent box not ticked
		if get(b, "state", chromedp.Text(css(row+" .state"))) != "off" {
			t.Fatal("a feature processed outside the EU was enabled without consent")
		}
		if msg := get(b, "consent error", chromedp.Evaluate[string](`document.querySelector("#agree-error").textContent`)); msg == "" {
			t.Fatal("no message next to the consent box")
		}
		b.screenshot("ai-no-consent")
		b.run("consent", chromedp.Click(css("#agree")))
		b.submit("#confirm")
		b.must("Feature enabled.", aiConsentVersion)
		b.screenshot("ai")

		// System SMS: a zone open to selected users.
		b.submit(`nav a[href$="/sms"]`)
		b.fill("#zone", "RU")
		b.run("access", chromedp.SetValue(css("#access"), "all"))
		b.submit("#save-zone")
		b.must("Saved.", "every user")
		b.screenshot("sms")

		// The organisational structure: a category with two options.
		b.submit(`nav a[href$="/org"]`)
		b.fill("#name", "Region")
		b.fill("#options", "Volga\nUrals")
		b.submit("#create-category")
		b.must("Saved.", "Region", "Volga", "Urals")
		b.screenshot("org")

		// The owner sees every user and every sub-account.
		b.submit(`nav a[href$="/users"]`)
		b.must("You see every user", "max@brw.example", "oleg@brw.example", "olga@brw.example", "North", "South")
		b.screenshot("users-owner")
		b.signOut()
	}) {
		return // the scenario's steps build on each other
	}

	if !t.Run("a manager sees its sub-account only", func(t *testing.T) {
		b.t = t
		b.signIn("max@brw.example", e.mail.password(t, "max@brw.example"))
		b.open("/console/c/" + tn.affiliate + "/users")
		b.must("max@brw.example", "oleg@brw.example", "your own sub-account")
		b.mustNot("olga@brw.example", "anna@brw.example")
		b.screenshot("users-manager")
		// Another company's pages are not found, as in the API.
		b.open("/console/c/" + tn.reseller + "/users")
		b.must("Not found")
		b.screenshot("not-found")
		b.signOut()
	}) {
		return // the scenario's steps build on each other
	}

	if !t.Run("a pause runs out and the status switches", func(t *testing.T) {
		b.t = t
		b.signIn("olga@brw.example", e.mail.password(t, "olga@brw.example"))
		if loc := b.location(); !strings.HasSuffix(loc, "/status") {
			t.Fatalf("an operator lands on %s", loc)
		}
		b.submit("#choose-online")
		b.must("Status changed.")
		b.submit(`button[data-pause="Lunch"]`)
		b.must("Away: Lunch", "Time left in this pause: 0:10:00")
		b.screenshot("status-away")

		e.clock.Advance(11 * time.Minute)
		if n, err := e.srv.operators.ApplyDue(context.Background(), tn.affiliate, e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("ApplyDue: %d %v", n, err)
		}
		b.open("/console/c/" + tn.affiliate + "/status")
		b.must("Your pause ran out", "Away: Technical", "Lunch used up")
		if !get(b, "lunch disabled", chromedp.Evaluate[bool](`document.querySelector('button[data-pause="Lunch"]').disabled`)) {
			t.Fatal("the used-up pause can still be chosen")
		}
		b.screenshot("status-auto-switch")
		b.submit("#lang-switch")
		b.must("Время паузы истекло")
		b.screenshot("status-auto-switch-ru")
		b.submit("#lang-switch")
		b.signOut()
	}) {
		return // the scenario's steps build on each other
	}

	t.Run("the reseller searches its companies", func(t *testing.T) {
		b.t = t
		b.signIn("vera@brw.example", e.mail.password(t, "vera@brw.example"))
		b.must("Choose a company", "VAR brw", "Affiliate of brw")
		b.screenshot("company-picker")
		b.submit(`#picker a[href="/console/c/` + tn.reseller + `/profile"]`)
		b.submit(`nav a[href$="/companies"]`)
		b.fill("#q", "FFILIATE")
		b.submit("#search")
		b.must("Affiliate of brw")
		b.mustNot("VAR brw", "Affiliate of other")
		b.screenshot("companies-search")

		b.submit(`#companies tr[data-company="` + tn.affiliate + `"] a`)
		b.fill("#credit_limit", "500")
		b.fill("#reminder_threshold", "50")
		b.submit("#save-credit")
		b.must("Saved.")
		b.run("fz230", chromedp.Click(css("#fz230")), chromedp.SetValue(css("#preset"), "fz230_calls"))
		b.submit("#save-policy")
		b.must("Saved.")
		b.screenshot("terms")

		b.open("/console/c/" + tn.reseller + "/companies?q=ffil")
		row := `#companies tr[data-company="` + tn.affiliate + `"]`
		credit, fz := get(b, "credit", chromedp.Text(css(row+" .credit"))), get(b, "fz230", chromedp.Text(css(row+" .fz230")))
		if credit != "500" || fz != "yes" {
			t.Fatalf("the companies page shows credit %q, FZ-230 %q", credit, fz)
		}
		b.screenshot("companies-after")
		b.signOut()
	})
}
