package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// The console's requisites, subscriptions, organisation, AI, SMS, audit
// and call-checker pages in a real browser, on SQLite: one browser, one
// company, one subtest per page doing the page's main action (and a refusal
// shown next to its field), each writing screenshots.

// registryBook is the test's company registry: the host's external lookup.
type registryBook map[string]account.RegistryRecord

func (b registryBook) LookupINN(_ context.Context, inn string) (account.RegistryRecord, error) {
	if r, ok := b[inn]; ok {
		return r, nil
	}
	return account.RegistryRecord{}, storage.NotFound("registry", "inn", inn)
}

// textOf is the text of the element sel, "" when there is none; read in
// the page itself, so a node chromedp cached from the page before is never
// asked for.
func (b *tab) textOf(sel string) string {
	b.t.Helper()
	return get(b, "text of "+sel, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ""`, sel)))
}

// valueOf is the value of the form control sel.
func (b *tab) valueOf(sel string) string {
	b.t.Helper()
	return get(b, "value of "+sel, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).value || ""`, sel)))
}

// click clicks sel in the page's script (a checkbox, a radio button: no
// new page loads).
func (b *tab) click(sel string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
}

// labelled fails when a visible form control of the page has no label (a
// <label for>, a wrapping label or aria-label): every control can be
// reached by keyboard and named by a screen reader.
func (b *tab) labelled() {
	b.t.Helper()
	bad := get(b, "labels", chromedp.Evaluate[string](`[...document.querySelectorAll("main input:not([type=hidden]), main select, main textarea")]
		.filter(e => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map(e => e.outerHTML).join("\n")`))
	if bad != "" {
		b.t.Fatalf("%s: controls without a label:\n%s", b.location(), bad)
	}
}

// tabTo presses Tab until sel has the focus (at most 200 times): the
// control is reachable by keyboard.
func (b *tab) tabTo(sel string) {
	b.t.Helper()
	for range 200 {
		b.run("tab", chromedp.KeyEvent("\t"))
		if get(b, "focus", chromedp.Evaluate[bool](fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel))) {
			return
		}
	}
	b.t.Fatalf("%s: %s is not reachable with Tab", b.location(), sel)
}

func TestConsoleBrowserPages(t *testing.T) {
	ctx := browser(t)
	registry := registryBook{"7707083893": {LegalName: "PAO Sberbank", INN: "7707083893", KPP: "773601001",
		LegalAddress: "117312, Moscow, Vavilova st. 19", PostalCode: "117312", City: "Moscow"}}
	e := newEnv(t, storagetest.OpenSQLite(t), func(c *Config) { c.Registry = registry })
	b := &tab{t: t, ctx: ctx, base: e.http.URL, dir: artifacts(t)}

	tn := e.tenant("pgs")
	aff := "/v1/companies/" + tn.affiliate
	page := "/console/c/" + tn.affiliate + "/"
	e.register(tn.anna, tn.affiliate, "oleg@pgs.example", "operator", "")
	e.deliver()
	e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{"prices": map[string]string{
		"subscription.mobile": "3.00", "addon.call_recording": "1.50"}}))
	e.must(http.StatusOK, e.call("PUT", aff+"/call-policy", tn.vera, map[string]any{"fz230": true, "preset": "fz230_calls"}))

	b.signIn("anna@pgs.example", e.mail.password(t, "anna@pgs.example"))

	t.Run("requisites: checks and fill by INN", func(t *testing.T) {
		b.t = t
		b.submit(`nav a[href$="/requisites"]`)
		b.labelled()
		b.fill("#inn", "1234567890")
		b.fill("#kpp", "773601001")
		b.submit("#save-requisites")
		if msg := b.textOf("#inn-error"); msg == "" {
			t.Fatal("no message next to the INN")
		}
		b.screenshot("requisites-inn-error")
		b.fill("#fill_inn", "7707083893")
		b.submit("#fill")
		b.must("Filled from the registry.", "PAO Sberbank", "117312, Moscow, Vavilova st. 19")
		if got := b.valueOf("#kpp"); got != "773601001" {
			t.Fatalf("KPP after fill by INN: %q", got)
		}
		b.screenshot("requisites-filled")
		b.fill("#bank_name", `<b>Bank & Co</b>`)
		b.submit("#save-requisites")
		b.must("Saved.")
		if got := b.valueOf("#inn"); got != "7707083893" {
			t.Fatalf("INN after saving: %q", got)
		}
		// In Russian the SDK's message is Russian.
		b.open(page + "requisites?lang=ru")
		b.fill("#kpp", "12")
		b.submit("#save-requisites")
		ru := b.textOf("#kpp-error")
		if !strings.ContainsAny(ru, "абвгдеёжзийклмнопрстуфхцчшщыьэюя") {
			t.Fatalf("the KPP message in Russian: %q", ru)
		}
		b.screenshot("requisites-error-ru")
		b.open(page + "requisites?lang=en")

		b.fill("#fill_inn", "7736207543")
		b.submit("#fill")
		b.must("the registry does not know this INN")
	})

	t.Run("subscriptions: buy, number, assign, cancel; add-ons", func(t *testing.T) {
		b.t = t
		b.open(page + "subscriptions")
		b.fill("#quantity", "2")
		b.submit("#subs-buy")
		b.must("Subscriptions bought.")
		if n := get(b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("#subscriptions tbody tr").length`)); n != 2 {
			t.Fatalf("%d subscriptions after buying 2", n)
		}
		b.labelled()
		first := `#subscriptions tr[data-index="0"] `
		b.fill(first+`input[name=phone]`, "12345")
		b.submit(first + ".save-phone")
		if msg := b.textOf(first + ".field-error"); msg == "" {
			t.Fatal("no message next to the subscription's number")
		}
		b.screenshot("subscriptions-phone-error")
		b.fill(first+`input[name=phone]`, "+79161234567")
		b.submit(first + ".save-phone")
		b.must("Saved.", "+79161234567")
		oleg := get(b, "oleg", chromedp.Evaluate[string](`[...document.querySelectorAll('`+first+`select option')].find(o => o.text.includes("oleg@")).value`))
		b.fill(first+"select", oleg)
		b.submit(first + ".assign")
		b.must("Subscription assigned.", "oleg@pgs.example")
		b.submit(`#subscriptions tr[data-index="1"] .cancel`)
		b.must("Subscription cancelled.")
		if n := get(b, "rows", chromedp.Evaluate[int](`document.querySelectorAll("#subscriptions tbody tr").length`)); n != 1 {
			t.Fatalf("%d subscriptions after cancelling one of 2", n)
		}

		b.fill("#code", "call_recording")
		b.fill("#addon_quantity", "3")
		b.submit("#addon-buy")
		b.must("Add-on bought.")
		row := `#addons tr[data-addon="call_recording"] `
		b.fill(row+"input[name=reduce]", "5")
		b.submit(row + ".reduce")
		if get(b, "refusal", chromedp.Evaluate[string](`(document.querySelector("#form-error")||document.querySelector('`+row+`.field-error')||{}).textContent||""`)) == "" {
			t.Fatal("reducing by more than held was not refused on the page")
		}
		b.fill(row+"input[name=reduce]", "1")
		b.submit(row + ".reduce")
		b.must("Add-on reduced.")
		if q := b.textOf(row + ".qty"); q != "2" {
			t.Fatalf("add-on quantity after 3 - 1: %s", q)
		}
		b.screenshot("subscriptions")
	})

	t.Run("organisation: categories and the combined search", func(t *testing.T) {
		b.t = t
		b.open(page + "org")
		b.fill("#name", "Team")
		b.fill("#options", "Red\nBlue")
		b.submit("#create-category")
		b.must("Saved.", "Team", "Red", "Blue")
		b.submit("#create-category") // an empty name: the SDK's message next to the field
		if msg := b.textOf("#name-error"); msg == "" {
			t.Fatal("no message next to the category's name")
		}
		red := get(b, "red", chromedp.Evaluate[string](`[...document.querySelectorAll("#give-option option")].find(o => o.text.endsWith("Red")).value`))
		oleg := get(b, "oleg", chromedp.Evaluate[string](`[...document.querySelectorAll("#give-user option")].find(o => o.text.includes("oleg@")).value`))
		b.fill("#give-option", red)
		b.fill("#give-user", oleg)
		b.submit("#give")
		b.must("Option given.")
		b.labelled()

		b.click(`#org-search input[data-name="Red"]`)
		b.fill("#q", "OLEG")
		b.submit("#search")
		if got := b.textOf("#results tbody"); !strings.Contains(got, "oleg@pgs.example") || strings.Contains(got, "anna@") {
			t.Fatalf("Red and OLEG found: %q", got)
		}
		if got := b.textOf("#results tbody .matched"); got != "Red" {
			t.Fatalf("the option that matched: %q", got)
		}
		b.screenshot("org-search")
		b.fill("#q", "anna")
		b.submit("#search")
		b.must("No employee matches.")
		b.click(`#org-search input[data-name="Red"]`) // Blue instead
		b.click(`#org-search input[data-name="Blue"]`)
		b.run("clear", chromedp.Evaluate[chromedp.Void](`document.querySelector("#q").value = ""`))
		b.submit("#search")
		b.must("No employee matches.")
	})

	t.Run("AI features: the consent step", func(t *testing.T) {
		b.t = t
		b.open(page + "ai")
		b.labelled()
		b.submit(`tr[data-feature="chat_translation"] .enable`) // a link to the consent step
		b.submit("#confirm")                                    // without agreeing
		if msg := b.textOf("#agree-error"); msg == "" {
			t.Fatal("no message next to the consent box")
		}
		b.screenshot("ai-consent-refused")
		b.tabTo("#agree")
		b.run("agree", chromedp.KeyEvent(" "))
		b.submit("#confirm")
		b.must("Feature enabled.")
		row := `tr[data-feature="chat_translation"] `
		if st := b.textOf(row + ".state"); st != "on" {
			t.Fatalf("state after consent: %q", st)
		}
		if c := b.textOf(row + ".consent"); !strings.Contains(c, aiConsentVersion) {
			t.Fatalf("consent shown: %q", c)
		}
		b.screenshot("ai-enabled")
		// A feature processed inside the EU needs no consent step.
		b.submit(`tr[data-feature="voicemail_transcription_users"] .enable`)
		b.must("Feature enabled.")
	})

	t.Run("SMS: types, a zone for selected users, the check", func(t *testing.T) {
		b.t = t
		b.open(page + "sms")
		b.labelled()
		b.click("#type-survey")
		b.submit("#save-types")
		b.must("Saved.")
		b.fill("#zone", "RU")
		b.fill("#access", "selected")
		b.click(`input[data-email="oleg@pgs.example"]`)
		b.submit("#save-zone")
		b.must("Saved.", "selected users")
		b.fill("#zone", "Зона")
		b.submit("#save-zone")
		if msg := b.textOf("#zone-error"); msg == "" {
			t.Fatal("no message next to the zone")
		}
		b.open(page + "sms")
		who := func(email string) string {
			return get(b, "user", chromedp.Evaluate[string](`[...document.querySelectorAll("#check-user option")].find(o => o.text.includes("`+email+`")).value`))
		}
		b.fill("#check-user", who("oleg@"))
		b.fill("#check-type", "survey")
		b.fill("#check-zone", "RU")
		b.submit("#check")
		b.must("Yes: this member may send")
		b.screenshot("sms")
		b.fill("#check-user", who("anna@"))
		b.submit("#check")
		b.must("No: this member may not send")
	})

	t.Run("call checker and history import", func(t *testing.T) {
		b.t = t
		b.open(page + "call-check")
		b.labelled()
		b.fill("#phone", "12")
		b.submit("#check")
		if msg := b.textOf("#phone-error"); msg == "" {
			t.Fatal("no message next to the number")
		}
		b.fill("#phone", "+79161234567")
		b.submit("#check")
		b.must("Allowed now.")
		b.screenshot("calls-allowed")

		csv := filepath.Join(t.TempDir(), "history.csv")
		if err := os.WriteFile(csv, []byte("phone,key,at,outcome\n+79161234567,,2026-12-02T07:00:00Z,answered_human\n+79161234568,,2026-12-01T07:00:00Z,busy\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		b.run("file", chromedp.SetUploadFiles(css("#file"), []string{csv}))
		b.submit("#import")
		b.must("2 calls imported in 1 of 1 batches.")
		b.screenshot("calls-imported")
		b.open(page + "call-check?check=1&phone=%2B79161234567")
		b.must("Not allowed now.", "the daily cap is reached")
		if next := b.textOf("#next-allowed"); !strings.Contains(next, "2026-12-03") {
			t.Fatalf("next allowed after today's conversation: %q", next)
		}
		b.screenshot("calls-blocked")

		bad := filepath.Join(t.TempDir(), "bad.csv")
		if err := os.WriteFile(bad, []byte("phone,at,outcome\n+79161234567,yesterday,busy\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		b.run("bad file", chromedp.SetUploadFiles(css("#file"), []string{bad}))
		b.submit("#import")
		b.must("Nothing was imported", "Line 2, at")
	})

	t.Run("audit log: filters and the event view", func(t *testing.T) {
		b.t = t
		b.open(page + "audit")
		b.labelled()
		b.fill("#action", "account.requisites.update")
		b.submit("#filter")
		actions := get(b, "actions", chromedp.Evaluate[string](`[...document.querySelectorAll("#events .action")].map(e => e.textContent).join(",")`))
		if actions == "" || strings.Trim(strings.ReplaceAll(actions, "account.requisites.update", ""), ",") != "" {
			t.Fatalf("filtered actions: %q", actions)
		}
		b.screenshot("audit-filtered")
		b.submit("#events a.event")
		b.must("account.requisites.update", "bank_name")
		if n := get(b, "markup", chromedp.Evaluate[int](`document.querySelectorAll("#changes b").length`)); n != 0 {
			t.Fatal("the event's values were rendered as markup")
		}
		b.must(`<b>Bank & Co</b>`)
		b.screenshot("audit-event")
		b.open(page + "audit?from=2030-01-01T00:00")
		b.must("No event matches.")
		b.open(page + "audit?from=tomorrow")
		if msg := b.textOf("#from-error"); msg == "" {
			t.Fatal("no message next to the bad time")
		}
		// Another company's event is not found.
		b.open("/console/c/" + tn.reseller + "/audit")
		b.must("Not found")
		b.signOut()
	})
}
