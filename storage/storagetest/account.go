package storagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

type accountEnv struct {
	h       *Harness
	dir     *tenancytest.Directory
	log     *audit.Log
	keys    *account.StaticKeys
	svc     *account.Service
	company tenancy.CompanyRef
	admin   tenancy.Actor
	manager tenancy.Actor
	op      tenancy.Actor // an operator in the manager's sub-account
}

func newAccountEnv(t *testing.T, h *Harness) *accountEnv {
	t.Helper()
	keys, err := account.NewStaticKeys("k1", bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	e := &accountEnv{h: h, dir: tenancytest.NewDirectory(), log: audit.NewLog(h.Audit), keys: keys}
	e.svc = account.NewService(h.Tx, h.Account, e.dir, e.log, keys,
		account.WithLanguages("en", "ru"), account.WithPBXTypes("asterisk", "3cx"),
		account.WithConnectionTester(account.ConnectionTesterFunc(func(context.Context, account.MailConnection) error { return nil })))
	e.company = e.dir.AddCompany(tenancy.CompanyRef{})
	e.admin = e.dir.AddMember(e.company, tenancy.RoleAdministrator, "")
	e.manager = e.dir.AddMember(e.company, tenancy.RoleManager, "sub-a")
	e.op = e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-a")
	return e
}

func (e *accountEnv) events(t *testing.T, action string) []*audit.Event {
	t.Helper()
	p, err := e.log.Query(context.Background(), audit.Scope{All: true},
		audit.Filter{CompanyID: e.company.ID, Action: action}, storage.PageRequest{})
	require.NoError(t, err)
	return p.Items
}

func changeOf(ev *audit.Event, field string) (audit.Change, bool) {
	for _, c := range ev.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return audit.Change{}, false
}

func fieldNames(t *testing.T, err error) []string {
	t.Helper()
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Field)
	}
	return out
}

var goodRequisites = account.Requisites{
	INN: "7707083893", KPP: "773601001", BIK: "044525225",
	CorrespondentAccount: "30101810400000000225", SettlementAccount: "40702810138250123017", BankName: "ПАО Сбербанк",
}

func runAccount(t *testing.T, h *Harness) {
	if h.Account == nil || h.AccountRaw == nil {
		t.Skip("backend offers no account store")
	}
	t.Run("profile and requisites round trip with field-level audit", func(t *testing.T) { accountProfileRoundTrip(t, h) })
	t.Run("managers and operators may not edit", func(t *testing.T) { accountReadOnlyRoles(t, h) })
	t.Run("tenants are isolated; a reseller edits its affiliates", func(t *testing.T) { accountTenantIsolation(t, h) })
	t.Run("each invalid field is named and nothing is stored", func(t *testing.T) { accountInvalidFields(t, h) })
	t.Run("locale, user overrides and effective values", func(t *testing.T) { accountLocaleAndOverrides(t, h) })
	t.Run("secret is sealed at rest, decrypts, and is redacted in audit", func(t *testing.T) { accountSealedSecret(t, h) })
	t.Run("concurrent changes are not lost", func(t *testing.T) { accountConcurrentChanges(t, h) })
	t.Run("concurrent changes to one user's settings are not lost", func(t *testing.T) { accountConcurrentUserSettings(t, h) })
	t.Run("user settings are per company and versioned", func(t *testing.T) { accountUserSettingsPerCompany(t, h) })
	t.Run("organisational structure: categories, options, assignments", func(t *testing.T) { accountStructureSearch(t, h) })
	t.Run("organisation search: options with text, role and sub-account, in scope", func(t *testing.T) { accountOrgSearch(t, h) })
	t.Run("cost centres: rename, delete, purchases and spend", func(t *testing.T) { accountCostCentres(t, h) })
	t.Run("a user's effective mail connection", func(t *testing.T) { accountUserMail(t, h) })
	t.Run("key rotation re-seals users' mail passwords", func(t *testing.T) { accountRotateUserMail(t, h) })
	t.Run("failed use case stores nothing", func(t *testing.T) { accountFailedUseCase(t, h) })
	t.Run("store: rename to the same name", func(t *testing.T) { accountRenameToSameName(t, h) })
	t.Run("store: concurrent assign of one option", func(t *testing.T) { accountConcurrentAssign(t, h) })
}

func accountProfileRoundTrip(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	p := account.Profile{DisplayName: "New ways company", Address: "ул. Вавилова, 19", PostalCode: "117312",
		City: "Москва", Country: "RU", Email: "office@newways.example", Phone: "+74951234567",
		LegalAddress: "117312, Москва, ул. Вавилова, 19", PostalAddress: "а/я 1"}
	_, err := e.svc.UpdateProfile(ctx, e.admin, e.company.ID, p)
	require.NoError(t, err)
	_, err = e.svc.UpdateRequisites(ctx, e.admin, e.company.ID, goodRequisites)
	require.NoError(t, err)
	p.City = "Санкт-Петербург"
	_, err = e.svc.UpdateProfile(ctx, e.admin, e.company.ID, p)
	require.NoError(t, err)

	got, err := e.svc.Company(ctx, e.manager, e.company.ID) // managers read
	require.NoError(t, err)
	assert.Equal(t, p, got.Profile)
	assert.Equal(t, goodRequisites, got.Requisites)
	assert.EqualValues(t, 3, got.Version)

	evs := e.events(t, "account.profile.update")
	require.Len(t, evs, 2)
	require.Len(t, evs[0].Changes, 1, "only the changed field is recorded")
	c := evs[0].Changes[0]
	assert.Equal(t, "city", c.Field)
	assert.JSONEq(t, `"Москва"`, string(c.Before))
	assert.JSONEq(t, `"Санкт-Петербург"`, string(c.After))
	_, ok := changeOf(e.events(t, "account.requisites.update")[0], "inn")
	assert.True(t, ok)
}

func accountReadOnlyRoles(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	for _, by := range []tenancy.Actor{e.manager, e.op} {
		_, err := e.svc.UpdateProfile(ctx, by, e.company.ID, account.Profile{DisplayName: "x"})
		require.ErrorIs(t, err, storage.ErrForbidden)
	}
	other := e.dir.AddCompany(tenancy.CompanyRef{})
	_, err := e.svc.UpdateProfile(ctx, e.admin, other.ID, account.Profile{DisplayName: "x"})
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = e.svc.Company(ctx, e.op, e.company.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	assert.Empty(t, e.events(t, ""))
}

func accountTenantIsolation(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	reseller := e.dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
	aff := e.dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
	varAdmin := e.dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
	affAdmin := e.dir.AddMember(aff, tenancy.RoleAdministrator, "")
	_, err := e.svc.UpdateRequisites(ctx, varAdmin, aff.ID, goodRequisites)
	require.NoError(t, err)
	_, err = e.svc.UpdateProfile(ctx, affAdmin, aff.ID, account.Profile{DisplayName: "Affiliate"})
	require.NoError(t, err)
	for _, by := range []tenancy.Actor{e.admin, affAdmin} {
		other := e.company.ID
		if by == e.admin {
			other = aff.ID
		}
		_, err = e.svc.Company(ctx, by, other)
		require.ErrorIs(t, err, storage.ErrNotFound)
		_, err = e.svc.Categories(ctx, by, other)
		require.ErrorIs(t, err, storage.ErrNotFound)
	}
	_, err = e.svc.Company(ctx, varAdmin, e.company.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "not its affiliate")
	got, err := e.svc.Company(ctx, varAdmin, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, "Affiliate", got.Profile.DisplayName)
	assert.Equal(t, goodRequisites, got.Requisites)
	_, err = e.svc.Effective(ctx, e.admin, aff.ID, affAdmin.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound, "another tenant's member")
	_, err = e.svc.Effective(ctx, e.admin, e.company.ID, affAdmin.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound, "not a member of the admin's company")
}

func accountInvalidFields(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	good := account.Profile{DisplayName: "Good", Email: "a@b.example", Phone: "+74951234567", Country: "RU"}
	_, err := e.svc.UpdateProfile(ctx, e.admin, e.company.ID, good)
	require.NoError(t, err)
	long := string(bytes.Repeat([]byte("x"), 501))
	cases := map[string]func(p *account.Profile){
		"display_name":   func(p *account.Profile) { p.DisplayName = "" },
		"email":          func(p *account.Profile) { p.Email = "not-an-email" },
		"phone":          func(p *account.Profile) { p.Phone = "8 (495) 123" },
		"country":        func(p *account.Profile) { p.Country = "RUS" },
		"address":        func(p *account.Profile) { p.Address = long },
		"postal_code":    func(p *account.Profile) { p.PostalCode = long[:21] },
		"city":           func(p *account.Profile) { p.City = long[:101] },
		"legal_address":  func(p *account.Profile) { p.LegalAddress = long },
		"postal_address": func(p *account.Profile) { p.PostalAddress = long },
	}
	for field, mutate := range cases {
		p := good
		p.City = "changed too" // a valid change next to the bad one must not be stored either
		mutate(&p)
		_, err := e.svc.UpdateProfile(ctx, e.admin, e.company.ID, p)
		require.ErrorIs(t, err, storage.ErrInvalid, field)
		assert.Equal(t, []string{field}, fieldNames(t, err), field)
	}
	rq := map[string]func(r *account.Requisites){
		"inn":                   func(r *account.Requisites) { r.INN = "7707083894" },
		"kpp":                   func(r *account.Requisites) { r.KPP = "77360100" },
		"bik":                   func(r *account.Requisites) { r.BIK = "04452522"; r.CorrespondentAccount, r.SettlementAccount = "", "" },
		"correspondent_account": func(r *account.Requisites) { r.CorrespondentAccount = "30101810400000000226" },
		"settlement_account":    func(r *account.Requisites) { r.SettlementAccount = "40702810138250123018" },
		"bank_name":             func(r *account.Requisites) { r.BankName = long },
	}
	for field, mutate := range rq {
		r := goodRequisites
		mutate(&r)
		_, err := e.svc.UpdateRequisites(ctx, e.admin, e.company.ID, r)
		require.ErrorIs(t, err, storage.ErrInvalid, field)
		assert.Equal(t, []string{field}, fieldNames(t, err), field)
	}
	got, err := e.svc.Company(ctx, e.admin, e.company.ID)
	require.NoError(t, err)
	assert.Equal(t, good, got.Profile)
	assert.Equal(t, account.Requisites{}, got.Requisites)
	assert.EqualValues(t, 1, got.Version)
	assert.Len(t, e.events(t, ""), 1)
}

func accountLocaleAndOverrides(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	eff, err := e.svc.Effective(ctx, e.op, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "UTC", eff.TimeZone)
	assert.Equal(t, account.FromDefault, eff.TimeZoneFrom)
	assert.Equal(t, "en", eff.Language)
	assert.Equal(t, account.DefaultMaxDialogs, eff.MaxDialogs)

	_, err = e.svc.SetLocale(ctx, e.admin, e.company.ID, account.Locale{TimeZone: "Europe/Moscow", Language: "ru", SecondLanguage: "en"})
	require.NoError(t, err)
	_, err = e.svc.SetDefaultMaxDialogs(ctx, e.admin, e.company.ID, 40)
	require.NoError(t, err)
	_, err = e.svc.SetUserLocale(ctx, e.op, e.company.ID, e.op.UserID, account.UserLocale{TimeZone: "Asia/Vladivostok"})
	require.NoError(t, err)
	n := 5
	_, err = e.svc.SetUserMaxDialogs(ctx, e.admin, e.company.ID, e.op.UserID, &n)
	require.NoError(t, err)
	_, err = e.svc.SetUserMaxDialogs(ctx, e.op, e.company.ID, e.op.UserID, &n)
	require.ErrorIs(t, err, storage.ErrForbidden, "operators do not raise their own limit")

	eff, err = e.svc.Effective(ctx, e.op, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Asia/Vladivostok", eff.TimeZone)
	assert.Equal(t, account.FromUser, eff.TimeZoneFrom)
	assert.Equal(t, "ru", eff.Language)
	assert.Equal(t, account.FromCompany, eff.LanguageFrom)
	assert.Equal(t, 5, eff.MaxDialogs)
	assert.Equal(t, []string{"ru", "en"}, eff.CompanyLanguages)

	loc, err := e.svc.Location(ctx, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Asia/Vladivostok", loc.String())
	loc, err = e.svc.Location(ctx, e.company.ID, e.manager.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Moscow", loc.String())
	_, err = e.svc.Location(ctx, e.company.ID, storage.NewID())
	require.ErrorIs(t, err, storage.ErrNotFound)

	_, err = e.svc.SetLocale(ctx, e.admin, e.company.ID, account.Locale{TimeZone: "Mars/Olympus", Language: "xx", SecondLanguage: "xx"})
	assert.ElementsMatch(t, []string{"time_zone", "language", "second_language"}, fieldNames(t, err))
}

func accountSealedSecret(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	reseller := e.dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
	aff := e.dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
	var_ := e.dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
	affAdmin := e.dir.AddMember(aff, tenancy.RoleAdministrator, "")
	const plain = "pbx-Pa55-" + "s3cr3t-ÄÖ"
	in := account.PBXInput{Type: "asterisk", AccountID: "acct-1", Password: account.NewSecret(plain)}
	_, err := e.svc.SetPBX(ctx, affAdmin, aff.ID, in)
	require.ErrorIs(t, err, storage.ErrForbidden, "PBX credentials are the provider's")
	_, err = e.svc.SetPBX(ctx, var_, aff.ID, in)
	require.NoError(t, err)

	got, err := e.svc.PBXPassword(ctx, var_, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, plain, got.Reveal())
	assert.NotContains(t, fmt.Sprintf("%v %+v %#v %s", got, in, in, got), plain)

	raw, err := h.AccountRaw(ctx, aff.ID)
	require.NoError(t, err)
	require.NotEmpty(t, raw)
	assert.NotContains(t, string(raw), plain)
	assert.NotContains(t, string(raw), "s3cr3t")

	p, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: aff.ID, Action: "account.pbx.update"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	c, ok := changeOf(p.Items[0], "password")
	require.True(t, ok)
	assert.True(t, c.Redacted)
	assert.Equal(t, string(audit.Redacted), string(c.After))
	js, _ := json.Marshal(p.Items[0])
	assert.NotContains(t, string(js), "s3cr3t")

	// The mail password too, side by side with the PBX one.
	const mailPlain = "mail-" + "s3cr3t-42"
	_, err = e.svc.SetMailAccess(ctx, affAdmin, aff.ID, account.MailConnection{Host: "imap.example.com", Port: 993,
		Security: account.MailTLS, Username: "va", Password: account.NewSecret(mailPlain)})
	require.NoError(t, err)
	mp, err := e.svc.MailPassword(ctx, affAdmin, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, mailPlain, mp.Reveal())
	got, err = e.svc.PBXPassword(ctx, var_, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, plain, got.Reveal(), "setting one secret keeps the other")
	raw, err = h.AccountRaw(ctx, aff.ID)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), mailPlain)
	p, err = e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: aff.ID, Action: "account.mail.update"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, p.Items, 1)
	c, ok = changeOf(p.Items[0], "password")
	require.True(t, ok)
	assert.True(t, c.Redacted)
	js, _ = json.Marshal(p.Items[0])
	assert.NotContains(t, string(js), mailPlain)

	// Every read of a secret is audited: who read which, when; never the value.
	_, err = e.svc.PBXPassword(ctx, affAdmin, aff.ID)
	require.ErrorIs(t, err, storage.ErrForbidden, "a refused read records nothing")
	p, err = e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: aff.ID, Action: "account.secret.read"}, storage.PageRequest{})
	require.NoError(t, err)
	reads := map[string][]string{}
	for _, ev := range p.Items {
		require.Equal(t, "secret", ev.EntityType)
		require.False(t, ev.OccurredAt.IsZero())
		reads[ev.EntityID] = append(reads[ev.EntityID], ev.Actor.UserID)
		js, _ := json.Marshal(ev)
		assert.NotContains(t, string(js), mailPlain)
		assert.NotContains(t, string(js), "s3cr3t")
	}
	assert.Equal(t, map[string][]string{"pbx.password": {var_.UserID, var_.UserID}, "mail.password": {affAdmin.UserID}}, reads)

	// Key rotation re-seals under the new key; the value still decrypts.
	require.NoError(t, e.keys.Rotate("k2", bytes.Repeat([]byte{9}, 32)))
	ids, err := h.Account.CompaniesNotUnderKey(ctx, "k2", "", 100000)
	require.NoError(t, err)
	assert.Contains(t, ids, aff.ID)
	changed, err := e.svc.RotateSecrets(ctx, var_, aff.ID)
	require.NoError(t, err)
	assert.True(t, changed)
	doc, err := h.Account.Company(ctx, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, "k2", doc.KeyID)
	assert.Equal(t, "k2", doc.PBX.Password.KeyID())
	assert.Equal(t, "k2", doc.Mail.Password.KeyID())
	got, err = e.svc.PBXPassword(ctx, var_, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, plain, got.Reveal())
	mp, err = e.svc.MailPassword(ctx, affAdmin, aff.ID)
	require.NoError(t, err)
	assert.Equal(t, mailPlain, mp.Reveal())
	ids, err = h.Account.CompaniesNotUnderKey(ctx, "k2", "", 100000)
	require.NoError(t, err)
	assert.NotContains(t, ids, aff.ID)
	changed, err = e.svc.RotateSecrets(ctx, var_, aff.ID)
	require.NoError(t, err)
	assert.False(t, changed)

	// Keyset listing of companies under another key.
	var mine []string
	for range 3 {
		c := e.dir.AddCompany(tenancy.CompanyRef{})
		_, err := e.svc.SetPBX(ctx, tenancy.Platform("root"), c.ID, account.PBXInput{Type: "3cx", Password: account.NewSecret("x")})
		require.NoError(t, err)
		mine = append(mine, c.ID)
	}
	key3 := "k3-" + storage.NewID()
	var seen []string
	after := ""
	for {
		ids, err := h.Account.CompaniesNotUnderKey(ctx, key3, after, 2)
		require.NoError(t, err)
		require.LessOrEqual(t, len(ids), 2)
		for i, id := range ids {
			require.Greater(t, id, after)
			if i > 0 {
				require.Greater(t, id, ids[i-1])
			}
		}
		seen = append(seen, ids...)
		if len(ids) < 2 {
			break
		}
		after = ids[len(ids)-1]
	}
	for _, id := range mine {
		assert.Contains(t, seen, id)
	}
}

func accountConcurrentChanges(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.svc.SetSMSZone(ctx, e.admin, e.company.ID, account.SMSZone{Zone: fmt.Sprintf("zone-%d", i), Access: account.ZoneAll})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	c, err := e.svc.Company(ctx, e.admin, e.company.ID)
	require.NoError(t, err)
	assert.Len(t, c.SMS.Zones, n)
	assert.EqualValues(t, n, c.Version)
	assert.Len(t, e.events(t, "account.sms.zone.update"), n)
}

func accountConcurrentUserSettings(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	n := 7
	steps := []func() error{
		func() error {
			_, err := e.svc.SetUserLocale(ctx, e.op, e.company.ID, e.op.UserID, account.UserLocale{TimeZone: "Europe/Riga", Language: "ru"})
			return err
		},
		func() error {
			_, err := e.svc.SetUserMaxDialogs(ctx, e.admin, e.company.ID, e.op.UserID, &n)
			return err
		},
		func() error {
			_, err := e.svc.SetOperatorProfile(ctx, e.op, e.company.ID, e.op.UserID, account.OperatorProfile{Nickname: "Ola"})
			return err
		},
		func() error {
			_, err := e.svc.SetBranding(ctx, e.admin, e.company.ID, account.Branding{UsersOwnAvatar: true})
			return err
		},
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(steps))
	for _, step := range steps {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- step() }()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	u, err := e.svc.UserSettings(ctx, e.admin, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Riga", u.TimeZone)
	require.NotNil(t, u.MaxDialogs)
	assert.Equal(t, 7, *u.MaxDialogs)
	assert.Equal(t, "Ola", u.Operator.Nickname)
	assert.EqualValues(t, 3, u.Version)
}

func accountUserSettingsPerCompany(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	p := account.OperatorProfile{Nickname: "Anna", Position: "Support", PhotoRef: "img/anna.png", EmailSignature: "--\nAnna"}
	_, err := e.svc.SetOperatorProfile(ctx, e.op, e.company.ID, e.op.UserID, p)
	require.NoError(t, err)
	_, err = e.svc.SetOperatorProfile(ctx, e.op, e.company.ID, e.manager.UserID, p)
	require.ErrorIs(t, err, storage.ErrForbidden)
	u, err := e.svc.UserSettings(ctx, e.manager, e.company.ID, e.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, p, u.Operator)
	assert.EqualValues(t, 1, u.Version)
	_, err = h.Account.User(ctx, storage.NewID(), e.op.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	stale := *u
	stale.Version = 0
	err = h.Tx.InTx(ctx, func(ctx context.Context) error { return h.Account.SaveUser(ctx, &stale) })
	require.ErrorIs(t, err, storage.ErrRetryable, "a stale version is a lost race")
}

func accountStructureSearch(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	cc, err := e.svc.CreateCategory(ctx, e.admin, e.company.ID, "Cost centre", []string{"Sales", "Support"})
	require.NoError(t, err)
	city, err := e.svc.CreateCategory(ctx, e.admin, e.company.ID, "City", []string{"Moscow", "Kazan"})
	require.NoError(t, err)
	_, err = e.svc.CreateCategory(ctx, e.admin, e.company.ID, "City", nil)
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.CreateCategory(ctx, e.manager, e.company.ID, "X", nil)
	require.ErrorIs(t, err, storage.ErrForbidden)

	opt := func(c *account.Category, name string) string {
		for _, o := range c.Options {
			if o.Name == name {
				return o.ID
			}
		}
		t.Fatalf("no option %s", name)
		return ""
	}
	sales, support, moscow, kazan := opt(cc, "Sales"), opt(cc, "Support"), opt(city, "Moscow"), opt(city, "Kazan")
	u1 := e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-a")
	u2 := e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-b")
	u3 := e.dir.AddMember(e.company, tenancy.RoleOperator, "sub-a")
	require.NoError(t, e.svc.AssignOption(ctx, e.admin, e.company.ID, sales, []string{u1.UserID, u2.UserID}))
	require.NoError(t, e.svc.AssignOption(ctx, e.admin, e.company.ID, support, []string{u3.UserID}))
	require.NoError(t, e.svc.AssignOption(ctx, e.admin, e.company.ID, moscow, []string{u1.UserID, u3.UserID}))
	require.NoError(t, e.svc.AssignOption(ctx, e.admin, e.company.ID, kazan, []string{u2.UserID}))
	require.NoError(t, e.svc.AssignOption(ctx, e.admin, e.company.ID, kazan, []string{u2.UserID}), "re-assigning is harmless")
	err = e.svc.AssignOption(ctx, e.admin, e.company.ID, kazan, []string{storage.NewID()})
	assert.Equal(t, []string{"user_ids"}, fieldNames(t, err))

	// The store's search (SearchEmployees' option-driven path), one row a page.
	search := func(groups ...[]string) []string {
		var all []string
		after := ""
		for {
			ids, err := h.Account.SearchUsers(ctx, e.company.ID, groups, after, 1)
			require.NoError(t, err)
			if len(ids) == 0 {
				return all
			}
			all = append(all, ids...)
			after = ids[len(ids)-1]
		}
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	// OR within a category.
	assert.Equal(t, sorted(u1.UserID, u2.UserID, u3.UserID), search([]string{sales, support}))
	// AND across categories.
	assert.Equal(t, []string{u1.UserID}, search([]string{sales}, []string{moscow}))
	assert.Equal(t, sorted(u1.UserID, u3.UserID), search([]string{sales, support}, []string{moscow}))
	held, err := h.Account.HeldOptions(ctx, e.company.ID, []string{u1.UserID, u2.UserID, storage.NewID()}, []string{sales, kazan, support})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{u1.UserID: {sales}, u2.UserID: sorted(sales, kazan)}, held, "only the options asked, of the users asked")

	// Rename, delete an option, delete a category.
	require.NoError(t, e.svc.RenameCategory(ctx, e.admin, e.company.ID, cc.ID, "Department"))
	require.ErrorIs(t, e.svc.RenameCategory(ctx, e.admin, e.company.ID, cc.ID, "City"), storage.ErrConflict)
	require.NoError(t, e.svc.RenameOption(ctx, e.admin, e.company.ID, support, "Care"))
	require.ErrorIs(t, e.svc.RenameOption(ctx, e.admin, e.company.ID, support, "Sales"), storage.ErrConflict)
	o, err := e.svc.AddOption(ctx, e.admin, e.company.ID, cc.ID, "Billing")
	require.NoError(t, err)
	require.NoError(t, e.svc.DeleteOption(ctx, e.admin, e.company.ID, sales))
	assert.Equal(t, []string{u3.UserID}, search([]string{sales, support, o.ID}), "a deleted option's assignments are gone")
	cats, err := e.svc.Categories(ctx, e.manager, e.company.ID)
	require.NoError(t, err)
	require.Len(t, cats, 2)
	assert.Equal(t, "City", cats[0].Name)
	assert.Equal(t, "Department", cats[1].Name)
	assert.Equal(t, []account.CategoryOption{{ID: o.ID, CategoryID: cc.ID, Name: "Billing"}, {ID: support, CategoryID: cc.ID, Name: "Care"}}, cats[1].Options)
	require.NoError(t, e.svc.DeleteCategory(ctx, e.admin, e.company.ID, city.ID))
	require.ErrorIs(t, e.svc.DeleteCategory(ctx, e.admin, e.company.ID, city.ID), storage.ErrNotFound)
	opts, err := h.Account.UserOptions(ctx, e.company.ID, u1.UserID)
	require.NoError(t, err)
	assert.Empty(t, opts)
	opts, err = h.Account.UserOptions(ctx, e.company.ID, u3.UserID)
	require.NoError(t, err)
	assert.Equal(t, []string{support}, opts)
	assert.Len(t, e.events(t, "account.org.option.assign"), 5, "every accepted assignment call, none for the refused one")
}

func accountFailedUseCase(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	e := newAccountEnv(t, h)
	boom := errors.New("boom")
	err := h.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := e.svc.UpdateProfile(ctx, e.admin, e.company.ID, account.Profile{DisplayName: "A"}); err != nil {
			return err
		}
		if _, err := e.svc.CreateCategory(ctx, e.admin, e.company.ID, "C", []string{"o"}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = h.Account.Company(ctx, e.company.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	cats, err := h.Account.Categories(ctx, e.company.ID)
	require.NoError(t, err)
	assert.Empty(t, cats)
	assert.Empty(t, e.events(t, ""))
	_ = time.Second
}
