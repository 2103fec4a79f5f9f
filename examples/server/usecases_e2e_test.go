package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
)

// registry is the test's "fill by INN" registry: one company.
type registry struct{}

func (registry) LookupINN(_ context.Context, inn string) (account.RegistryRecord, error) {
	if inn != "7707083893" {
		return account.RegistryRecord{}, storage.NotFound("test.registry", "inn", inn)
	}
	return account.RegistryRecord{LegalName: "ПАО Сбербанк", INN: inn, KPP: "773601001", LegalAddress: "ул. Вавилова, 19",
		PostalCode: "117312", City: "Москва"}, nil
}

// mailServers accepts every connection to mail.example.com.
type mailServers struct{}

func (mailServers) TestMailConnection(_ context.Context, c account.MailConnection) error {
	if c.Host != "mail.example.com" {
		return fmt.Errorf("cannot connect to %s", c.Host)
	}
	return nil
}

// step is one request of the tour: each route added for the account,
// licensing, presence, compliance, tenancy and audit use cases answers a
// success once, its request and answer checked against the document.
type step struct {
	method, path, token string
	body                any
	status              int
	headers             []string
	check               func(t *testing.T, out map[string]any)
}

func TestEveryUseCaseOverHTTP(t *testing.T) {
	backends(t, func(t *testing.T, store *bunstore.Store) {
		e := newEnv(t, store, func(c *Config) { c.Registry, c.MailTester = registry{}, mailServers{} })
		tn := e.tenant("var-tour")
		aff := "/v1/companies/" + tn.affiliate
		res := "/v1/companies/" + tn.reseller
		op := e.register(tn.anna, tn.affiliate, "op@tour.example", "operator", "")
		e.deliver()
		opTok := e.login("op@tour.example")
		if ms := e.must(http.StatusOK, e.call("GET", "/v1/me/memberships", tn.anna, nil))["items"].([]any); len(ms) != 1 || ms[0].(map[string]any)["company_id"] != tn.affiliate {
			t.Fatalf("memberships: %v", ms)
		}
		e.must(http.StatusNoContent, e.call("PUT", aff+"/agreement", tn.vera, map[string]any{
			"prices": map[string]string{"license.pro": "10", "subscription.mobile": "3", "addon.recording": "2"}}))
		e.must(http.StatusOK, e.call("PUT", aff+"/credit-terms", tn.vera, map[string]any{"credit_limit": "1000"}))
		e.must(http.StatusOK, e.call("PUT", aff+"/call-policy", tn.anna, map[string]any{"fz230": true, "preset": "fz230_calls"}))

		ids := map[string]string{} // filled as the tour goes
		id := func(key string) func(t *testing.T, out map[string]any) {
			return func(t *testing.T, out map[string]any) {
				v, ok := out["id"].(string)
				if !ok || v == "" {
					t.Fatalf("no id in %v", out)
				}
				ids[key] = v
			}
		}
		p := func(format string, keys ...string) string { // a path with ids filled in
			args := make([]any, len(keys))
			for i, k := range keys {
				args[i] = ids[k]
			}
			return fmt.Sprintf(format, args...)
		}
		from, to := url.QueryEscape(testStart.Add(-time.Hour).Format(time.RFC3339)), url.QueryEscape(testStart.Add(time.Hour).Format(time.RFC3339))
		day := testStart.Format(time.DateOnly)
		run := func(steps []step) {
			t.Helper()
			for _, s := range steps {
				// The maintenance prunes are platform-wide, and a SQL test
				// database is shared with other packages' tests running at
				// the same time: they run on a clock before anyone's data,
				// so they delete nothing another test still needs.
				resume := e.clock.Now()
				if strings.HasPrefix(s.path, "/v1/maintenance/") {
					e.clock.Set(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
				}
				r := e.call(s.method, s.path, s.token, s.body, s.headers...)
				e.clock.Set(resume)
				if r.status != s.status {
					t.Fatalf("%s %s: status %d, want %d: %s", s.method, s.path, r.status, s.status, r.body)
				}
				var out map[string]any
				if len(r.body) > 0 {
					out = r.json(t)
				}
				if s.check != nil {
					s.check(t, out)
				}
			}
		}

		// Tenancy: the platform's list, filters, pages, tax identity, picker, pruning.
		run([]step{
			{method: "GET", path: "/v1/companies?kind=reseller&limit=10", token: testPlatformToken, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if n := len(out["items"].([]any)); n != 1 {
					t.Fatalf("resellers: %v", out)
				}
			}},
			{method: "GET", path: res + "/search?status=active&kind=regular", token: tn.vera, status: http.StatusOK},
			{method: "GET", path: aff + "/employees?role=operator", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if items := out["items"].([]any); len(items) != 1 || items[0].(map[string]any)["user_id"] != op {
					t.Fatalf("operators: %v", out)
				}
			}},
			{method: "GET", path: aff + "/sub-accounts?limit=5", token: tn.anna, status: http.StatusOK},
			{method: "GET", path: aff + "/visible-sub-accounts", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if out["all"] != true {
					t.Fatalf("the owner sees all: %v", out)
				}
			}},
			{method: "PUT", path: aff + "/tax-identity", token: tn.anna, body: map[string]string{"inn": "7707083893", "kpp": "773601001"}, status: http.StatusOK},
			{method: "POST", path: "/v1/maintenance/token-prunes", token: testPlatformToken, status: http.StatusOK},
		})

		// Account: the company's document.
		run([]step{
			{method: "PUT", path: aff + "/settings/profile", token: tn.anna, body: account.Profile{DisplayName: "Tour", City: "Москва", Country: "RU"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/requisites", token: tn.anna, body: account.Requisites{INN: "7707083893", KPP: "773601001", BIK: "044525225",
				CorrespondentAccount: "30101810400000000225", SettlementAccount: "40702810138250123017", BankName: "ПАО Сбербанк"}, status: http.StatusOK},
			{method: "POST", path: aff + "/settings/requisites/fill-by-inn", token: tn.anna, body: map[string]string{"inn": "7707083893"}, status: http.StatusOK,
				check: func(t *testing.T, out map[string]any) {
					if out["registry"].(map[string]any)["City"] != "Москва" {
						t.Fatalf("filled: %v", out)
					}
				}},
			{method: "POST", path: "/v1/requisites-validations", token: tn.anna, body: account.Requisites{INN: "7707083893"}, status: http.StatusNoContent},
			{method: "PUT", path: aff + "/settings/branding", token: tn.anna, body: account.Branding{AvatarRef: "img/a.png", UsersOwnAvatar: true, UsersOwnCover: true}, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/assistant", token: tn.anna, body: account.Assistant{Name: "Ada", Email: "ada@tour.example"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/max-dialogs", token: tn.anna, body: map[string]int{"max_dialogs": 5}, status: http.StatusOK},
			{method: "GET", path: "/v1/ai-features", token: tn.anna, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/ai-features/chat_translation", token: tn.anna, body: map[string]any{"enabled": true, "consent": map[string]string{"text_version": "v1"}}, status: http.StatusOK},
			{method: "GET", path: aff + "/settings/ai-features/chat_translation", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if out["enabled"] != true {
					t.Fatalf("enabled: %v", out)
				}
			}},
			{method: "PUT", path: aff + "/settings/sms-types", token: tn.anna, body: map[string]any{"types": []string{"survey"}}, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/sms-zones/ru", token: tn.anna, body: map[string]any{"access": "all"}, status: http.StatusOK},
			{method: "GET", path: aff + "/employees/" + op + "/sms-permission?type=survey&zone=ru", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if out["allowed"] != true {
					t.Fatalf("sms: %v", out)
				}
			}},
			{method: "PUT", path: aff + "/settings/pbx", token: tn.vera, body: map[string]string{"type": "asterisk", "account_id": "100", "password": "pbx secret"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/settings/mail-access", token: tn.anna, body: map[string]any{"host": "mail.example.com", "port": 993, "security": "tls",
				"username": "office", "password": "mail secret"}, status: http.StatusOK},
			{method: "POST", path: aff + "/settings/secret-rotations", token: tn.anna, status: http.StatusOK},
			{method: "POST", path: "/v1/maintenance/secret-rotations", token: testPlatformToken, body: map[string]int{"limit": 10}, status: http.StatusOK},
			{method: "POST", path: aff + "/bill-grants", token: tn.anna, body: map[string]string{"password": e.mail.password(t, "anna@var-tour.example")}, status: http.StatusCreated,
				check: func(t *testing.T, out map[string]any) { ids["grant"] = out["token"].(string) }},
		})
		run([]step{
			{method: "POST", path: aff + "/bill-grants/verify", token: tn.anna, body: map[string]string{"token": ids["grant"]}, status: http.StatusNoContent},
			// Organisation structure.
			{method: "POST", path: aff + "/settings/categories", token: tn.anna, body: map[string]any{"name": "Region", "options": []string{"North"}}, status: http.StatusCreated, check: id("category")},
			{method: "GET", path: aff + "/settings/categories", token: tn.anna, status: http.StatusOK},
		})
		run([]step{
			{method: "PUT", path: p(aff+"/settings/categories/%s/name", "category"), token: tn.anna, body: map[string]string{"name": "Regions"}, status: http.StatusNoContent},
			{method: "POST", path: p(aff+"/settings/categories/%s/options", "category"), token: tn.anna, body: map[string]string{"name": "South"}, status: http.StatusCreated, check: id("option")},
		})
		run([]step{
			{method: "PUT", path: p(aff+"/settings/options/%s/name", "option"), token: tn.anna, body: map[string]string{"name": "Far South"}, status: http.StatusNoContent},
			{method: "POST", path: p(aff+"/settings/options/%s/assignments", "option"), token: tn.anna, body: map[string]any{"user_ids": []string{op}}, status: http.StatusNoContent},
			{method: "POST", path: aff + "/user-searches?limit=10", token: tn.anna, body: map[string]any{"criteria": []any{map[string]any{"category_id": ids["category"], "option_ids": []string{ids["option"]}}}},
				status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
					items := out["items"].([]any)
					if len(items) != 1 || items[0].(map[string]any)["user_id"] != op {
						t.Fatalf("search: %v", out)
					}
					if opts := items[0].(map[string]any)["options"].([]any); len(opts) != 1 || opts[0].(map[string]any)["id"] != ids["option"] {
						t.Fatalf("search's matched options: %v", out)
					}
				}},
			{method: "POST", path: p(aff+"/settings/options/%s/unassignments", "option"), token: tn.anna, body: map[string]any{"user_ids": []string{op}}, status: http.StatusNoContent},
			{method: "DELETE", path: p(aff+"/settings/options/%s", "option"), token: tn.anna, status: http.StatusNoContent},
			{method: "DELETE", path: p(aff+"/settings/categories/%s", "category"), token: tn.anna, status: http.StatusNoContent},
			// Cost centres.
			{method: "POST", path: aff + "/cost-centres", token: tn.anna, body: account.CostCentreInput{Code: "CC-1", Name: "Sales"}, status: http.StatusCreated, check: id("cc")},
			{method: "POST", path: aff + "/cost-centres", token: tn.anna, body: account.CostCentreInput{Code: "CC-2", Name: "Support"}, status: http.StatusCreated, check: id("cc2")},
			{method: "GET", path: aff + "/cost-centres", token: tn.anna, status: http.StatusOK},
		})
		run([]step{
			{method: "PUT", path: p(aff+"/cost-centres/%s/name", "cc"), token: tn.anna, body: account.CostCentreName{Name: "Sales team"}, status: http.StatusOK},
			{method: "PUT", path: p(aff+"/cost-centres/%s/active", "cc"), token: tn.anna, body: map[string]bool{"active": true}, status: http.StatusOK},
			{method: "PUT", path: p(aff+"/cost-centres/%s/active", "cc2"), token: tn.anna, body: map[string]bool{"active": true}, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/cost-centre", token: tn.anna, body: map[string]string{"cost_centre_id": ids["cc2"]}, status: http.StatusOK},
			{method: "POST", path: aff + "/add-on-purchases", token: tn.anna, body: map[string]any{"code": "recording", "quantity": 2, "cost_centre_id": ids["cc"]},
				headers: []string{"Idempotency-Key", "addon-1"}, status: http.StatusCreated},
			{method: "GET", path: aff + "/cost-centre-spend?from=" + from + "&to=" + to, token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if len(out["items"].([]any)) == 0 {
					t.Fatalf("spend: %v", out)
				}
			}},
			{method: "DELETE", path: p(aff+"/cost-centres/%s?reassign_to=%s", "cc2", "cc"), token: tn.anna, status: http.StatusOK},
			// A user's own settings.
			{method: "GET", path: aff + "/employees/" + op + "/own-settings", token: opTok, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/operator-profile", token: opTok, body: account.OperatorProfile{Nickname: "Op", Position: "Agent"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/images", token: opTok, body: account.UserImages{AvatarRef: "img/op.png"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/locale", token: opTok, body: account.UserLocale{TimeZone: "Asia/Vladivostok"}, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/max-dialogs", token: tn.anna, body: map[string]any{"max_dialogs": 3}, status: http.StatusOK},
			{method: "PUT", path: aff + "/employees/" + op + "/mail-login", token: opTok, body: map[string]string{"username": "op", "password": "op mail secret"}, status: http.StatusOK},
			{method: "GET", path: aff + "/employees/" + op + "/mail-connection", token: opTok, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if out["username"] != "op" || out["password"] != "[redacted]" {
					t.Fatalf("mail connection: %v", out)
				}
			}},
		})

		// Licensing: the account, add-ons, packages, subscriptions, keys.
		run([]step{
			{method: "GET", path: aff + "/billing-account", token: tn.anna, status: http.StatusOK},
			{method: "GET", path: aff + "/add-ons", token: tn.anna, status: http.StatusOK},
			{method: "POST", path: aff + "/add-on-reductions", token: tn.anna, body: map[string]any{"code": "recording", "quantity": 1}, status: http.StatusOK},
			{method: "POST", path: aff + "/adjustments", token: tn.vera, body: map[string]string{"amount": "-1.5", "description": "goodwill"}, headers: []string{"Idempotency-Key", "adj-1"}, status: http.StatusCreated},
			{method: "GET", path: aff + "/ledger/balance", token: tn.anna, status: http.StatusOK},
			{method: "GET", path: aff + "/ledger?from=" + from + "&to=" + to + "&limit=1", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if len(out["items"].([]any)) != 1 || out["next_cursor"] == nil {
					t.Fatalf("ledger range: %v", out)
				}
			}},
			{method: "POST", path: aff + "/license-purchases", token: tn.anna, body: map[string]any{"kind": "pro", "quantity": 1}, headers: []string{"Idempotency-Key", "lic-1"}, status: http.StatusCreated},
			{method: "PUT", path: aff + "/employees/" + op + "/licenses/pro", token: tn.anna, status: http.StatusOK},
			{method: "GET", path: aff + "/license-assignments", token: tn.anna, status: http.StatusOK},
			{method: "POST", path: res + "/service-packages", token: tn.vera, body: map[string]string{"name": "Call recording"}, status: http.StatusCreated, check: id("package")},
		})
		run([]step{
			{method: "PUT", path: p(res+"/service-packages/%s", "package"), token: tn.vera, body: map[string]string{"name": "Call recording+"}, status: http.StatusOK},
			{method: "GET", path: aff + "/service-packages", token: tn.anna, status: http.StatusOK},
			{method: "PUT", path: p(aff+"/service-packages/%s/offer", "package"), token: tn.anna, body: map[string]bool{"offered": true}, status: http.StatusNoContent},
			{method: "PUT", path: p(aff+"/employees/"+op+"/packages/%s", "package"), token: tn.anna, status: http.StatusNoContent},
			{method: "GET", path: aff + "/employees/" + op + "/packages", token: tn.anna, status: http.StatusOK, check: func(t *testing.T, out map[string]any) {
				if len(out["items"].([]any)) != 1 {
					t.Fatalf("packages: %v", out)
				}
			}},
			{method: "DELETE", path: p(aff+"/employees/"+op+"/packages/%s", "package"), token: tn.anna, status: http.StatusNoContent},
			{method: "DELETE", path: p(res+"/service-packages/%s", "package"), token: tn.vera, status: http.StatusOK},
			{method: "POST", path: aff + "/subscription-purchases", token: tn.anna, body: map[string]any{"kind": "mobile", "quantity": 1}, headers: []string{"Idempotency-Key", "sim-1"},
				status: http.StatusCreated, check: func(t *testing.T, out map[string]any) { ids["sub"] = out["subscription_ids"].([]any)[0].(string) }},
		})
		run([]step{
			{method: "PUT", path: p(aff+"/subscriptions/%s/phone", "sub"), token: tn.anna, body: map[string]string{"phone": "+79161234567"}, status: http.StatusOK},
			{method: "DELETE", path: p(aff+"/subscriptions/%s", "sub"), token: tn.anna, status: http.StatusNoContent},
			{method: "POST", path: aff + "/subscription-keys", token: tn.vera, body: map[string]string{"code": "KEY-1"}, status: http.StatusCreated, check: id("key")},
			{method: "GET", path: aff + "/subscription-keys", token: tn.anna, status: http.StatusOK},
		})
		run([]step{
			{method: "DELETE", path: p(aff+"/subscription-keys/%s", "key"), token: tn.vera, status: http.StatusNoContent},
		})

		// Compliance: a check at an instant, a schedule, pruning.
		run([]step{
			{method: "POST", path: aff + "/call-checks", token: opTok, body: map[string]any{"phone": "+7 916 123-45-67", "at": testStart.Add(time.Hour)}, status: http.StatusOK,
				check: func(t *testing.T, out map[string]any) {
					if out["at"] != testStart.Add(time.Hour).Format(time.RFC3339) {
						t.Fatalf("checked at: %v", out)
					}
				}},
			{method: "POST", path: aff + "/call-schedules", token: opTok, body: map[string]any{"calls": []any{
				map[string]any{"phone": "+7 916 123-45-67"}, map[string]any{"phone": "not a number"}}}, status: http.StatusOK,
				check: func(t *testing.T, out map[string]any) {
					if len(out["slots"].([]any)) != 1 || len(out["skipped"].([]any)) != 1 {
						t.Fatalf("schedule: %v", out)
					}
				}},
			{method: "POST", path: "/v1/maintenance/call-history-prunes", token: testPlatformToken, status: http.StatusOK},
		})

		// Presence: the report.
		run([]step{
			{method: "PUT", path: aff + "/employees/" + op + "/status", token: opTok, body: map[string]string{"state": "online"}, headers: []string{"If-Match", `"0"`}, status: http.StatusOK},
		})
		e.clock.Advance(5 * time.Minute)
		run([]step{
			{method: "GET", path: aff + "/presence-report?from=" + day + "&to=" + day, token: tn.anna, status: http.StatusOK},
		})

		// Audit: one event, its inclusion proof, the log's consistency.
		if _, err := e.srv.trail.Seal(context.Background(), store); err != nil {
			t.Fatal(err)
		}
		ev := e.must(http.StatusOK, e.call("GET", aff+"/audit/events?limit=1", tn.anna, nil))["items"].([]any)[0].(map[string]any)
		ids["event"] = ev["id"].(string)
		run([]step{
			{method: "GET", path: p(aff+"/audit/events/%s", "event"), token: tn.anna, status: http.StatusOK},
			{method: "GET", path: p(aff+"/audit/events/%s/proof", "event"), token: tn.anna, status: http.StatusOK},
			{method: "GET", path: fmt.Sprintf("%s/audit/consistency?old=1&new=%d", aff, int64(ev["seq"].(float64))), token: tn.anna, status: http.StatusOK},
		})
		// Refusals: the platform's routes to a user, the picker to the
		// platform token, the reseller's catalogue rights to an owner.
		for _, r := range []struct {
			method, path, token string
			body                any
			status              int
		}{
			{"GET", "/v1/companies", tn.anna, nil, http.StatusForbidden},
			{"POST", "/v1/maintenance/token-prunes", tn.vera, nil, http.StatusForbidden},
			{"POST", "/v1/maintenance/call-history-prunes", tn.anna, nil, http.StatusForbidden},
			{"GET", "/v1/me/memberships", testPlatformToken, nil, http.StatusUnprocessableEntity},
			{"PUT", aff + "/settings/pbx", tn.anna, map[string]string{"type": "asterisk"}, http.StatusForbidden},
			{"PUT", aff + "/settings/profile", opTok, account.Profile{DisplayName: "Mine"}, http.StatusForbidden},
			{"POST", aff + "/bill-grants", tn.anna, map[string]string{"password": "not the password"}, http.StatusForbidden},
			{"POST", aff + "/settings/requisites/fill-by-inn", tn.anna, map[string]string{"inn": "7736207543"}, http.StatusNotFound},
		} {
			if got := e.call(r.method, r.path, r.token, r.body); got.status != r.status {
				t.Fatalf("%s %s: %d, want %d: %s", r.method, r.path, got.status, r.status, got.body)
			}
		}
		// An event is addressed under its own company only.
		if r := e.call("GET", p(res+"/audit/events/%s", "event"), tn.vera, nil); r.status != http.StatusNotFound {
			t.Fatalf("event through another company's path: %d %s", r.status, r.body)
		}
	})
}
