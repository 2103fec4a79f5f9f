package storagetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// hardLines are single-line strings every backend must store byte for
// byte: Cyrillic, 4-byte UTF-8 (emoji, a ZWJ family, a flag), combining
// marks left decomposed, right-to-left scripts with bidirectional marks,
// CJK, invisible format characters, and the characters SQL and LIKE treat
// specially.
var hardLines = []string{
	"ООО «Ромашка» — Ёлка и ёж",
	"😀🎉 👩‍👩‍👧‍👦 🇷🇺 𝕏",
	"e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353 й",
	"שלום עולם",
	"مرحبا بالعالم ١٢٣",
	"\u200fמימין\u200e left \u202bembedded\u202c",
	"名前・テスト 한국어",
	`O'Brien & "Sons" <b>x</b> 100% _ \ ;-- ' OR 1=1`,
	"\ufeffbom and zero\u200bwidth\u2060joiner",
}

// hardText are multi-line strings, kept as given (line ends aside).
var hardText = []string{
	"Line 1\nLine 2\n\tindented 😀\n",
	"  leading and trailing spaces stay  \n\n",
	"С уважением,\nИван Петров\n— отдел взыскания",
	"שורה\nسطر\n名前",
}

// textField is one string field of one use case, exercised on the backend.
type textField struct {
	name      string // use case and field, for messages
	field     string // the field a refusal names
	max       int
	multiline bool
	// put stores s through the use case and returns the value read back
	// from the backend afterwards.
	put func(t *testing.T, s string) (string, error)
	// state is what the backend holds for the use case; a refused put must
	// leave it unchanged.
	state func(t *testing.T) any
}

// textRoundTrip proves the text rule on every backend, through the real use
// cases of every domain: hard strings (4-byte UTF-8, combining marks,
// right-to-left text, exactly the maximum length in 2- and 4-byte
// characters) come back byte for byte; single-line fields are trimmed and
// multi-line ones keep their content (CRLF becomes LF); NUL, invalid
// UTF-8, control characters (and newlines in single-line fields) and
// over-long values are field errors that store nothing and audit nothing.
func textRoundTrip(t *testing.T, h *Harness) {
	for _, f := range textFields(t, h) {
		t.Run(f.name, func(t *testing.T) {
			good := []struct{ in, want string }{}
			for i, s := range hardLines {
				good = append(good, struct{ in, want string }{s, s})
				if !f.multiline {
					padded := fmt.Sprintf("%d %s", i, s)
					good = append(good, struct{ in, want string }{" \t\u00a0" + padded + "\u3000\n ", padded})
				}
			}
			if f.multiline {
				for _, s := range hardText {
					good = append(good, struct{ in, want string }{s, s})
				}
				good = append(good, struct{ in, want string }{"crlf\r\nline\rend", "crlf\nline\nend"})
			}
			good = append(good,
				struct{ in, want string }{strings.Repeat("я", f.max), strings.Repeat("я", f.max)},
				struct{ in, want string }{strings.Repeat("😀", f.max), strings.Repeat("😀", f.max)})
			for _, g := range good {
				got, err := f.put(t, g.in)
				require.NoError(t, err, "%q", g.in)
				if !bytes.Equal([]byte(g.want), []byte(got)) {
					t.Fatalf("stored %q (% x), want %q (% x)", got, []byte(got), g.want, []byte(g.want))
				}
			}

			bad := []string{"nul\x00inside", "invalid \xff\xfe utf-8", "escape \x1b[31m", "del\x7f", "c1 \u0085 inside",
				strings.Repeat("я", f.max+1), strings.Repeat("😀", f.max+1)}
			if !f.multiline {
				bad = append(bad, "new\nline", "tab\tinside", "cr\rinside", "line\u2028separator")
			}
			before := f.state(t)
			for _, s := range bad {
				_, err := f.put(t, s)
				require.Error(t, err, "%q", s)
				requireFieldError(t, err, f.field)
				assert.Equal(t, before, f.state(t), "a refused %q stores nothing", s)
			}
		})
	}
}

// textFields are the use cases textRoundTrip drives, over one reseller
// (with its owner) created through tenancy on the backend under test.
func textFields(t *testing.T, h *Harness) []textField {
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	trail, people, credit, settings, pauses, calls, platform := w.Trail, w.People, w.Credit, w.Settings, w.Operators, w.Calls, w.Platform
	r := w.Tenant(tenancy.KindReseller)
	co, admin := r.Company, r.Owner // the reseller's owner

	events := func(t *testing.T) int {
		t.Helper()
		n := 0
		p := storage.PageRequest{Limit: 500}
		for {
			page, err := trail.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: co.ID}, p)
			require.NoError(t, err)
			n += len(page.Items)
			if page.NextCursor == "" {
				return n
			}
			p.After = page.NextCursor
		}
	}
	company := func(t *testing.T) tenancy.Company {
		t.Helper()
		c, err := people.GetCompany(ctx, platform, co.ID)
		require.NoError(t, err)
		return c
	}
	ownerName := func(t *testing.T) string {
		t.Helper()
		page, err := people.ListEmployees(ctx, platform, co.ID, storage.PageRequest{})
		require.NoError(t, err)
		for _, e := range page.Items {
			if e.UserID == admin.UserID {
				return e.FirstName
			}
		}
		t.Fatal("the owner is not listed")
		return ""
	}
	accountCompany := func(t *testing.T) *account.Company {
		t.Helper()
		c, err := settings.Company(ctx, admin, co.ID)
		require.NoError(t, err)
		return c
	}
	n := 0
	unique := func() string { n++; return fmt.Sprint(n) }

	return []textField{
		{name: "tenancy legal name", field: "legal_name", max: 255,
			put: func(t *testing.T, s string) (string, error) {
				_, err := people.SetLegalIdentity(ctx, platform, co.ID, tenancy.LegalIdentity{LegalName: s})
				return company(t).LegalName, err
			},
			state: func(t *testing.T) any { return []any{company(t).LegalName, events(t)} }},
		{name: "tenancy display name", field: "display_name", max: 255,
			put: func(t *testing.T, s string) (string, error) {
				_, err := people.SetDisplayName(ctx, admin, co.ID, s)
				return company(t).DisplayName, err
			},
			state: func(t *testing.T) any { return []any{company(t).DisplayName, events(t)} }},
		{name: "tenancy first name", field: "first_name", max: 100,
			put: func(t *testing.T, s string) (string, error) {
				_, err := people.RenameUser(ctx, admin, co.ID, admin.UserID, tenancy.PersonName{FirstName: s, LastName: "К"})
				return ownerName(t), err
			},
			state: func(t *testing.T) any { return []any{ownerName(t), events(t)} }},
		{name: "tenancy sub-account name", field: "name", max: 100,
			put: func(t *testing.T, s string) (string, error) {
				sa, err := people.CreateSubAccount(ctx, admin, co.ID, s)
				if err != nil {
					return "", err
				}
				all, err := people.ListSubAccounts(ctx, admin, co.ID)
				require.NoError(t, err)
				for _, x := range all {
					if x.ID == sa.ID {
						return x.Name, nil
					}
				}
				return "", fmt.Errorf("sub-account %s not listed", sa.ID)
			},
			state: func(t *testing.T) any {
				all, err := people.ListSubAccounts(ctx, admin, co.ID)
				require.NoError(t, err)
				return []any{len(all), events(t)}
			}},
		{name: "licensing package name", field: "name", max: 120,
			put: func(t *testing.T, s string) (string, error) {
				p, err := credit.DefinePackage(ctx, platform, co.ID, licensing.PackageInput{Name: s})
				if err != nil {
					return "", err
				}
				got, err := h.Licensing.Package(ctx, p.ID)
				require.NoError(t, err)
				return got.Name, nil
			},
			state: func(t *testing.T) any {
				ps, err := h.Licensing.Packages(ctx, []string{co.ID})
				require.NoError(t, err)
				return []any{len(ps), events(t)}
			}},
		{name: "licensing package description", field: "description", max: 1000, multiline: true,
			put: func(t *testing.T, s string) (string, error) {
				p, err := credit.DefinePackage(ctx, platform, co.ID, licensing.PackageInput{Name: "described " + unique(), Description: s})
				if err != nil {
					return "", err
				}
				got, err := h.Licensing.Package(ctx, p.ID)
				require.NoError(t, err)
				return got.Description, nil
			},
			state: func(t *testing.T) any {
				ps, err := h.Licensing.Packages(ctx, []string{co.ID})
				require.NoError(t, err)
				return []any{len(ps), events(t)}
			}},
		{name: "licensing ledger description", field: "description", max: 500,
			put: func(t *testing.T, s string) (string, error) {
				e, err := credit.RecordPayment(ctx, platform, co.ID, licensing.MoneyInput{Amount: decimal.NewFromInt(1),
					Description: s, IdempotencyKey: "text-" + unique()})
				if err != nil {
					return "", err
				}
				page, err := credit.Ledger(ctx, platform, co.ID, storage.PageRequest{})
				require.NoError(t, err)
				for _, x := range page.Items {
					if x.ID == e.ID {
						return x.Description, nil
					}
				}
				return "", fmt.Errorf("entry %s not on the first page", e.ID)
			},
			state: func(t *testing.T) any {
				b, err := credit.LedgerBalance(ctx, platform, co.ID)
				require.NoError(t, err)
				return []any{b.String(), events(t)}
			}},
		{name: "licensing idempotency key", field: "idempotency_key", max: 200,
			// A key is stored as it was normalised: the same key (as given,
			// or with surrounding spaces) replays the first entry.
			put: func(t *testing.T, s string) (string, error) {
				in := licensing.MoneyInput{Amount: decimal.NewFromInt(2), Description: "keyed", IdempotencyKey: s}
				first, err := credit.RecordPayment(ctx, platform, co.ID, in)
				if err != nil {
					return "", err
				}
				in.IdempotencyKey = "  " + s + " "
				again, err := credit.RecordPayment(ctx, platform, co.ID, in)
				require.NoError(t, err)
				if again.ID != first.ID {
					return "", fmt.Errorf("key %q was not recognised: entries %s and %s", s, first.ID, again.ID)
				}
				return storage.NormalizeText(s), nil
			},
			state: func(t *testing.T) any {
				b, err := credit.LedgerBalance(ctx, platform, co.ID)
				require.NoError(t, err)
				return []any{b.String(), events(t)}
			}},
		{name: "account profile display name", field: "display_name", max: 200,
			put: func(t *testing.T, s string) (string, error) {
				_, err := settings.UpdateProfile(ctx, admin, co.ID, account.Profile{DisplayName: s})
				return accountCompany(t).Profile.DisplayName, err
			},
			state: func(t *testing.T) any { return []any{accountCompany(t).Profile, events(t)} }},
		{name: "account profile address", field: "address", max: 500, multiline: true,
			put: func(t *testing.T, s string) (string, error) {
				_, err := settings.UpdateProfile(ctx, admin, co.ID, account.Profile{DisplayName: "Addressed", Address: s})
				return accountCompany(t).Profile.Address, err
			},
			state: func(t *testing.T) any { return []any{accountCompany(t).Profile, events(t)} }},
		{name: "account e-mail signature", field: "email_signature", max: 10000, multiline: true,
			put: func(t *testing.T, s string) (string, error) {
				_, err := settings.SetOperatorProfile(ctx, admin, co.ID, admin.UserID, account.OperatorProfile{EmailSignature: s})
				u, gerr := settings.UserSettings(ctx, admin, co.ID, admin.UserID)
				require.NoError(t, gerr)
				return u.Operator.EmailSignature, err
			},
			state: func(t *testing.T) any {
				u, err := settings.UserSettings(ctx, admin, co.ID, admin.UserID)
				require.NoError(t, err)
				return []any{u.Operator, events(t)}
			}},
		{name: "presence pause type name", field: "name", max: 100,
			put: func(t *testing.T, s string) (string, error) {
				p, err := pauses.CreatePauseType(ctx, admin, co.ID, presence.PauseTypeInput{Name: s})
				if err != nil {
					return "", err
				}
				all, err := h.Presence.PauseTypes(ctx, co.ID)
				require.NoError(t, err)
				for _, x := range all {
					if x.ID == p.ID {
						return x.Name, nil
					}
				}
				return "", fmt.Errorf("pause type %s not stored", p.ID)
			},
			state: func(t *testing.T) any {
				all, err := h.Presence.PauseTypes(ctx, co.ID)
				require.NoError(t, err)
				return []any{len(all), events(t)}
			}},
		{name: "compliance policy name", field: "policy.name", max: compliance.MaxPolicyNameLength,
			put: func(t *testing.T, s string) (string, error) {
				p := compliance.FZ230Calls()
				p.Name = s
				_, err := calls.SetSettings(ctx, admin, co.ID, true, p)
				st, gerr := h.Compliance.Settings(ctx, co.ID)
				require.NoError(t, gerr)
				return st.Policy.Name, err
			},
			state: func(t *testing.T) any {
				st, err := h.Compliance.Settings(ctx, co.ID)
				require.NoError(t, err)
				return []any{st.Version, st.Policy.Name, events(t)}
			}},
	}
}
