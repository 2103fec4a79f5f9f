package account_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

func errorsIsInvalid(err error) bool { return errors.Is(err, storage.ErrInvalid) }

type fixture struct {
	st      *memory.Store
	dir     *tenancytest.Directory
	log     *audit.Log
	keys    *account.StaticKeys
	clock   *storage.ManualClock
	logs    *bytes.Buffer
	company tenancy.CompanyRef
	owner   tenancy.Actor
	admin   tenancy.Actor
	manager tenancy.Actor
	op      tenancy.Actor
	tester  *fakeTester
	reg     *fakeRegistry
	pw      fakePasswords
}

type fakeTester struct {
	calls []account.MailConnection
	err   error
}

func (f *fakeTester) TestMailConnection(_ context.Context, c account.MailConnection) error {
	f.calls = append(f.calls, c)
	return f.err
}

type fakeRegistry struct {
	recs map[string]account.RegistryRecord
}

func (f *fakeRegistry) LookupINN(_ context.Context, inn string) (account.RegistryRecord, error) {
	r, ok := f.recs[inn]
	if !ok {
		return r, storage.NotFound("registry", "inn", inn)
	}
	return r, nil
}

type fakePasswords map[string]string // user ID → password

func (f fakePasswords) CheckPassword(_ context.Context, _, userID string, pw account.Secret) error {
	if f[userID] != "" && f[userID] == pw.Reveal() {
		return nil
	}
	return storage.Forbidden("fake", "wrong password")
}

func newFixture(tb testing.TB, opts ...account.Option) (*account.Service, *fixture) {
	tb.Helper()
	keys, err := account.NewStaticKeys("k1", bytes.Repeat([]byte{1}, 32))
	require.NoError(tb, err)
	f := &fixture{st: memory.New(), dir: tenancytest.NewDirectory(), keys: keys,
		clock: storage.NewManualClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)), logs: &bytes.Buffer{},
		tester: &fakeTester{}, reg: &fakeRegistry{recs: map[string]account.RegistryRecord{}}, pw: fakePasswords{}}
	f.log = audit.NewLog(f.st.Audit(), audit.WithClock(f.clock))
	f.company = f.dir.AddCompany(tenancy.CompanyRef{})
	f.owner = f.dir.AddMember(f.company, tenancy.RoleOwner, "")
	f.admin = f.dir.AddMember(f.company, tenancy.RoleAdministrator, "")
	f.manager = f.dir.AddMember(f.company, tenancy.RoleManager, "sub-a")
	f.op = f.dir.AddMember(f.company, tenancy.RoleOperator, "sub-a")
	base := []account.Option{account.WithClock(f.clock), account.WithLanguages("en", "ru", "sv"),
		account.WithPBXTypes("asterisk"), account.WithConnectionTester(f.tester), account.WithRegistry(f.reg),
		account.WithPasswordChecker(f.pw), observe.WithLogger(slog.New(slog.NewTextHandler(f.logs, nil)))}
	return account.NewService(f.st, f.st.Account(), f.dir, f.log, keys, append(base, opts...)...), f
}

func (f *fixture) events(t *testing.T, action string) []*audit.Event {
	t.Helper()
	p, err := f.log.Query(context.Background(), audit.Scope{All: true}, audit.Filter{CompanyID: f.company.ID, Action: action}, storage.PageRequest{})
	require.NoError(t, err)
	return p.Items
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := account.NewSecret("hunter2")
	in := account.MailConnection{Host: "mail.example", Password: s}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", s, "conn", in)
	for _, out := range []string{s.String(), fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, in, in, s, s, s), buf.String()} {
		assert.NotContains(t, out, "hunter2")
	}
	b, err := jsonMarshal(in)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "hunter2")
	assert.Equal(t, "hunter2", s.Reveal())
	var decoded account.MailConnection
	require.NoError(t, json.Unmarshal([]byte(`{"host":"h","password":"from-request"}`), &decoded))
	assert.Equal(t, "from-request", decoded.Password.Reveal(), "secrets can be decoded from requests")
	require.Error(t, json.Unmarshal([]byte(`{"password":42}`), &decoded))
	require.NoError(t, json.Unmarshal([]byte(`{"password":null}`), &decoded))
	assert.True(t, decoded.Password.IsZero())
	assert.Equal(t, "[sealed]", account.Sealed{1, 2}.String())
}

func TestLocationAndEffective(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	loc, err := svc.Location(ctx, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, time.UTC, loc, "no zone anywhere: UTC")

	_, err = svc.SetLocale(ctx, f.admin, f.company.ID, account.Locale{TimeZone: "Europe/Stockholm", Language: "sv"})
	require.NoError(t, err)
	loc, err = svc.Location(ctx, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Stockholm", loc.String())

	_, err = svc.SetUserLocale(ctx, f.op, f.company.ID, f.op.UserID, account.UserLocale{TimeZone: "America/New_York", Language: "en"})
	require.NoError(t, err)
	loc, err = svc.Location(ctx, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "America/New_York", loc.String())
	loc, err = svc.Location(ctx, f.company.ID, "")
	require.NoError(t, err)
	assert.Equal(t, "Europe/Stockholm", loc.String(), `userID "" is the company's zone`)
	_, err = svc.Location(ctx, "no-such-company", "")
	require.ErrorIs(t, err, storage.ErrNotFound)
	eff, err := svc.Effective(ctx, f.op, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, account.FromUser, eff.LanguageFrom)

	// Clearing the override falls back to the company again.
	_, err = svc.SetUserLocale(ctx, f.op, f.company.ID, f.op.UserID, account.UserLocale{})
	require.NoError(t, err)
	loc, err = svc.Location(ctx, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "Europe/Stockholm", loc.String())

	// Another user may not set someone's override; a manager may view it in its sub-account.
	_, err = svc.SetUserLocale(ctx, f.op, f.company.ID, f.manager.UserID, account.UserLocale{TimeZone: "UTC"})
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = svc.Effective(ctx, f.manager, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	_, err = svc.Effective(ctx, f.op, f.company.ID, f.manager.UserID)
	require.ErrorIs(t, err, storage.ErrForbidden)

	for _, bad := range []string{"Local", "Mars/Base", "../../etc/passwd", strings.Repeat("A", 65)} {
		_, err = svc.SetUserLocale(ctx, f.op, f.company.ID, f.op.UserID, account.UserLocale{TimeZone: bad})
		require.ErrorIs(t, err, storage.ErrInvalid, bad)
	}
}

func TestSecondLanguageNeedsMultilingualPlatform(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t, account.WithLanguages("ru"))
	_, err := svc.SetLocale(ctx, f.admin, f.company.ID, account.Locale{Language: "ru", SecondLanguage: "en"})
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	fe, ok := ve.Field("second_language")
	require.True(t, ok)
	assert.Equal(t, "single_language_platform", fe.Rule)

	svc, f = newFixture(t)
	_, err = svc.SetLocale(ctx, f.admin, f.company.ID, account.Locale{Language: "ru", SecondLanguage: "ru"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.SetLocale(ctx, f.admin, f.company.ID, account.Locale{SecondLanguage: "en"})
	require.ErrorIs(t, err, storage.ErrInvalid, "the default first language is en")
	c, err := svc.SetLocale(ctx, f.admin, f.company.ID, account.Locale{Language: "ru", SecondLanguage: "en"})
	require.NoError(t, err)
	assert.Equal(t, "en", c.Locale.SecondLanguage)
}

func TestMaxDialogs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	for _, n := range []int{0, -1, 1_000_001} {
		_, err := svc.SetDefaultMaxDialogs(ctx, f.admin, f.company.ID, n)
		require.ErrorIs(t, err, storage.ErrInvalid)
		_, err = svc.SetUserMaxDialogs(ctx, f.admin, f.company.ID, f.op.UserID, &n)
		require.ErrorIs(t, err, storage.ErrInvalid)
	}
	_, err := svc.SetDefaultMaxDialogs(ctx, f.manager, f.company.ID, 10)
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = svc.SetDefaultMaxDialogs(ctx, f.admin, f.company.ID, 10)
	require.NoError(t, err)
	ev := f.events(t, "account.max_dialogs.update")
	require.Len(t, ev, 1)
	assert.JSONEq(t, `3000`, string(ev[0].Changes[0].Before))
	one := 1
	_, err = svc.SetUserMaxDialogs(ctx, f.admin, f.company.ID, f.op.UserID, &one)
	require.NoError(t, err)
	eff, err := svc.Effective(ctx, f.admin, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, 1, eff.MaxDialogs)
	eff, err = svc.Effective(ctx, f.admin, f.company.ID, f.manager.UserID)
	require.NoError(t, err)
	assert.Equal(t, 10, eff.MaxDialogs)
	assert.Equal(t, account.FromCompany, eff.MaxDialogsFrom)
	_, err = svc.SetUserMaxDialogs(ctx, f.admin, f.company.ID, f.op.UserID, nil)
	require.NoError(t, err)
	eff, err = svc.Effective(ctx, f.admin, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, 10, eff.MaxDialogs)
}

func TestBrandingPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	_, err := svc.SetBranding(ctx, f.admin, f.company.ID, account.Branding{AvatarRef: "co/avatar.png", CoverRef: "co/cover.png"})
	require.NoError(t, err)
	_, err = svc.SetUserImages(ctx, f.op, f.company.ID, f.op.UserID, account.UserImages{AvatarRef: "me.png"})
	require.ErrorIs(t, err, storage.ErrForbidden, "own avatar refused while the switch is off")
	_, err = svc.SetUserImages(ctx, f.op, f.company.ID, f.op.UserID, account.UserImages{CoverRef: "me-cover.png"})
	require.ErrorIs(t, err, storage.ErrForbidden)

	_, err = svc.SetBranding(ctx, f.admin, f.company.ID, account.Branding{AvatarRef: "co/avatar.png", CoverRef: "co/cover.png", UsersOwnAvatar: true})
	require.NoError(t, err)
	_, err = svc.SetUserImages(ctx, f.op, f.company.ID, f.op.UserID, account.UserImages{AvatarRef: "me.png"})
	require.NoError(t, err)
	eff, err := svc.Effective(ctx, f.op, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "me.png", eff.AvatarRef)
	assert.Equal(t, "co/cover.png", eff.CoverRef)

	// Switched off again: the company's avatar is shown, the user's is kept.
	_, err = svc.SetBranding(ctx, f.admin, f.company.ID, account.Branding{AvatarRef: "co/avatar.png"})
	require.NoError(t, err)
	eff, err = svc.Effective(ctx, f.op, f.company.ID, f.op.UserID)
	require.NoError(t, err)
	assert.Equal(t, "co/avatar.png", eff.AvatarRef)
	_, err = svc.SetUserImages(ctx, f.op, f.company.ID, f.op.UserID, account.UserImages{})
	require.NoError(t, err, "clearing is always allowed")
	ev := f.events(t, "account.branding.update")
	require.Len(t, ev, 3)
	require.Len(t, ev[0].Changes, 2)
	assert.Equal(t, "users_own_avatar", ev[1].Changes[0].Field)
}

func TestAIConsent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	require.Len(t, svc.AIFeatures(), 6)

	_, err := svc.SetAIFeature(ctx, f.admin, f.company.ID, account.AIVoicemailUsers, true, nil)
	require.NoError(t, err, "processed in the EU: no consent needed")
	_, err = svc.SetAIFeature(ctx, f.admin, f.company.ID, account.AIChatTranslate, true, nil)
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field("consent")
	assert.True(t, ok)
	_, err = svc.SetAIFeature(ctx, f.admin, f.company.ID, account.AIChatTranslate, true, &account.Consent{})
	require.ErrorIs(t, err, storage.ErrInvalid, "consent needs the text version")
	_, err = svc.SetAIFeature(ctx, f.admin, f.company.ID, "mind_reading", true, nil)
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.SetAIFeature(ctx, f.manager, f.company.ID, account.AIVoicemailGroups, true, nil)
	require.ErrorIs(t, err, storage.ErrForbidden)

	on, err := svc.AIFeatureEnabled(ctx, f.op, f.company.ID, account.AIChatTranslate)
	require.NoError(t, err)
	assert.False(t, on, "nothing stored by the refused calls")

	c, err := svc.SetAIFeature(ctx, f.admin, f.company.ID, account.AIChatTranslate, true, &account.Consent{TextVersion: "2026-10"})
	require.NoError(t, err)
	st := c.AIState(account.AIChatTranslate)
	require.NotNil(t, st.Consent)
	assert.Equal(t, account.ConsentRecord{UserID: f.admin.UserID, GivenAt: f.clock.Now(), TextVersion: "2026-10"}, *st.Consent)
	on, err = svc.AIFeatureEnabled(ctx, f.op, f.company.ID, account.AIChatTranslate)
	require.NoError(t, err)
	assert.True(t, on)

	ev := f.events(t, "account.ai.update")
	require.Len(t, ev, 2)
	assert.Equal(t, "chat_translation.enabled", ev[0].Changes[0].Field)
	assert.Contains(t, string(ev[0].Changes[1].After), "2026-10")

	c, err = svc.SetAIFeature(ctx, f.admin, f.company.ID, account.AIChatTranslate, false, nil)
	require.NoError(t, err)
	assert.False(t, c.AIState(account.AIChatTranslate).Enabled)
	assert.NotNil(t, c.AIState(account.AIChatTranslate).Consent, "the last consent is kept for reference")
}

func TestSMSZones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	may := func(user string, typ account.SMSType, zone string) bool {
		ok, err := svc.MaySendSystemSMS(ctx, f.admin, f.company.ID, user, typ, zone)
		require.NoError(t, err)
		return ok
	}
	assert.False(t, may(f.op.UserID, account.SMSSurvey, "ru"), "nothing configured: closed")
	_, err := svc.SetSMSTypes(ctx, f.admin, f.company.ID, []account.SMSType{account.SMSSurvey, account.SMSSurvey})
	require.NoError(t, err)
	_, err = svc.SetSMSTypes(ctx, f.admin, f.company.ID, []account.SMSType{"marketing"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "ru", Access: account.ZoneAll})
	require.NoError(t, err)
	_, err = svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "eu", Access: account.ZoneSelected, Users: []string{f.op.UserID}})
	require.NoError(t, err)
	_, err = svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "us", Access: account.ZoneSelected, Users: []string{"stranger"}})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "us", Access: "some"})
	require.ErrorIs(t, err, storage.ErrInvalid)

	assert.True(t, may(f.op.UserID, account.SMSSurvey, "ru"))
	assert.True(t, may(f.manager.UserID, account.SMSSurvey, "ru"))
	assert.True(t, may(f.op.UserID, account.SMSSurvey, "eu"))
	assert.False(t, may(f.manager.UserID, account.SMSSurvey, "eu"), "not selected")
	assert.False(t, may(f.op.UserID, account.SMSResponseGroup, "ru"), "type not available")
	assert.False(t, may(f.op.UserID, account.SMSSurvey, "us"), "unknown zone")

	_, err = svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "ru", Access: account.ZoneClosed})
	require.NoError(t, err)
	assert.False(t, may(f.op.UserID, account.SMSSurvey, "ru"))
	_, err = svc.MaySendSystemSMS(ctx, f.op, f.company.ID, f.manager.UserID, account.SMSSurvey, "ru")
	require.ErrorIs(t, err, storage.ErrForbidden, "an operator asks only for itself")
}

func TestCostCentres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	cc, err := svc.CreateCostCentre(ctx, f.admin, f.company.ID, account.CostCentreInput{Code: "CC-1", Name: "Sales"})
	require.NoError(t, err)
	_, err = svc.CreateCostCentre(ctx, f.admin, f.company.ID, account.CostCentreInput{Code: "CC-1", Name: "Dup"})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = svc.CreateCostCentre(ctx, f.admin, f.company.ID, account.CostCentreInput{Code: "", Name: ""})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.AssignCostCentre(ctx, f.admin, f.company.ID, f.op.UserID, cc.ID)
	require.ErrorIs(t, err, storage.ErrInvalid, "inactive")
	_, err = svc.SetCostCentreActive(ctx, f.admin, f.company.ID, cc.ID, true)
	require.NoError(t, err)
	_, err = svc.SetCostCentreActive(ctx, f.admin, f.company.ID, "nope", true)
	require.ErrorIs(t, err, storage.ErrNotFound)
	u, err := svc.AssignCostCentre(ctx, f.admin, f.company.ID, f.op.UserID, cc.ID)
	require.NoError(t, err)
	assert.Equal(t, cc.ID, u.CostCentreID)
	_, err = svc.AssignCostCentre(ctx, f.manager, f.company.ID, f.op.UserID, cc.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)
	list, err := svc.CostCentres(ctx, f.manager, f.company.ID)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.True(t, list[0].Active)
}

func TestMailAccessIsTestedBeforeSave(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	conn := account.MailConnection{Host: "imap.example.com", Port: 993, Security: account.MailTLS, Username: "va", Password: account.NewSecret("mail-s3cret")}

	f.tester.err = errors.New("login failed for va with password mail-s3cret")
	_, err := svc.SetMailAccess(ctx, f.admin, f.company.ID, conn)
	require.ErrorIs(t, err, storage.ErrInvalid)
	assert.NotContains(t, err.Error(), "mail-s3cret", "the tester's message is scrubbed")
	_, err = f.st.Account().Company(ctx, f.company.ID)
	require.ErrorIs(t, err, storage.ErrNotFound, "nothing stored after a failed test")

	f.tester.err = nil
	bad := conn
	bad.Port, bad.Security, bad.Host = 0, "ssl3", "bad host!"
	_, err = svc.SetMailAccess(ctx, f.admin, f.company.ID, bad)
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Len(t, ve.Fields, 3)
	assert.Len(t, f.tester.calls, 1, "invalid input is not tested")
	_, err = svc.SetMailAccess(ctx, f.manager, f.company.ID, conn)
	require.ErrorIs(t, err, storage.ErrForbidden)

	c, err := svc.SetMailAccess(ctx, f.admin, f.company.ID, conn)
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now(), c.Mail.TestedAt)
	assert.True(t, c.Mail.HasPassword)
	assert.Nil(t, c.Mail.Password, "callers never get the sealed bytes")
	c, err = svc.Company(ctx, f.admin, f.company.ID)
	require.NoError(t, err)
	assert.True(t, c.Mail.HasPassword)
	assert.Nil(t, c.Mail.Password)
	assert.Equal(t, "mail-s3cret", f.tester.calls[1].Password.Reveal())
	pw, err := svc.MailPassword(ctx, f.admin, f.company.ID)
	require.NoError(t, err)
	assert.Equal(t, "mail-s3cret", pw.Reveal())
	_, err = svc.MailPassword(ctx, f.manager, f.company.ID)
	require.ErrorIs(t, err, storage.ErrForbidden)

	// A change without a password keeps the stored one and tests with it.
	conn.Password, conn.Port = account.Secret{}, 143
	conn.Security = account.MailSTARTTLS
	_, err = svc.SetMailAccess(ctx, f.admin, f.company.ID, conn)
	require.NoError(t, err)
	assert.Equal(t, "mail-s3cret", f.tester.calls[2].Password.Reveal())
	pw, err = svc.MailPassword(ctx, f.admin, f.company.ID)
	require.NoError(t, err)
	assert.Equal(t, "mail-s3cret", pw.Reveal())
	ev := f.events(t, "account.mail.update")
	require.Len(t, ev, 2)
	for _, c := range ev[0].Changes {
		assert.NotEqual(t, "password", c.Field, "unchanged password is not recorded")
	}
	js, _ := jsonMarshal(ev)
	assert.NotContains(t, string(js), "mail-s3cret")
	assert.NotContains(t, f.logs.String(), "mail-s3cret")
	assert.NotContains(t, string(f.st.AccountRaw(f.company.ID)), "mail-s3cret")
}

func TestSealedValueIsBoundToCompany(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	reseller := f.dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
	aff := f.dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
	varAdmin := f.dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
	platform := tenancy.Platform("root")
	_, err := svc.SetPBX(ctx, varAdmin, aff.ID, account.PBXInput{Type: "asterisk", AccountID: "a", Password: account.NewSecret("p1")})
	require.NoError(t, err)
	_, err = svc.SetPBX(ctx, platform, f.company.ID, account.PBXInput{Type: "asterisk", AccountID: "b", Password: account.NewSecret("p2")})
	require.NoError(t, err)
	_, err = svc.SetPBX(ctx, platform, f.company.ID, account.PBXInput{Type: "freeswitch"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = svc.SetPBX(ctx, f.owner, f.company.ID, account.PBXInput{Type: "asterisk"})
	require.ErrorIs(t, err, storage.ErrForbidden, "the company's own owner does not set provisioning")

	// Copy the affiliate's sealed password into the other company behind the SDK's back.
	src, err := f.st.Account().Company(ctx, aff.ID)
	require.NoError(t, err)
	dst, err := f.st.Account().Company(ctx, f.company.ID)
	require.NoError(t, err)
	dst.PBX.Password = src.PBX.Password
	require.NoError(t, f.st.Account().SaveCompany(ctx, dst))
	_, err = svc.PBXPassword(ctx, platform, f.company.ID)
	require.ErrorIs(t, err, storage.ErrInternal, "AAD binds the value to its company")
}

func TestRotateAllSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	platform := tenancy.Platform("root")
	var ids []string
	for i := range 3 {
		c := f.dir.AddCompany(tenancy.CompanyRef{})
		ids = append(ids, c.ID)
		_, err := svc.SetPBX(ctx, platform, c.ID, account.PBXInput{Type: "asterisk", Password: account.NewSecret(fmt.Sprint("pw", i))})
		require.NoError(t, err)
	}
	_, err := svc.RotateAllSecrets(ctx, f.admin, 10)
	require.ErrorIs(t, err, storage.ErrForbidden)
	require.NoError(t, f.keys.Rotate("k2", bytes.Repeat([]byte{2}, 32)))
	n, err := svc.RotateAllSecrets(ctx, platform, 2)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	n, err = svc.RotateAllSecrets(ctx, platform, 2)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	n, err = svc.RotateAllSecrets(ctx, platform, 2)
	require.NoError(t, err)
	assert.Zero(t, n)
	for i, id := range ids {
		pw, err := svc.PBXPassword(ctx, platform, id)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprint("pw", i), pw.Reveal())
		doc, err := f.st.Account().Company(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, "k2", doc.PBX.Password.KeyID())
	}
}

func TestFillByINN(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	f.reg.recs["7707083893"] = account.RegistryRecord{LegalName: `ПАО "Сбербанк"`, INN: "7707083893", KPP: "773601001",
		LegalAddress: "117312, г. Москва, ул. Вавилова, д. 19", PostalCode: "117312", City: "Москва"}
	f.reg.recs["7736207543"] = account.RegistryRecord{INN: "7736207543", KPP: "bogus"}
	f.reg.recs["7830002293"] = account.RegistryRecord{INN: "7707083893"}

	_, _, err := svc.FillByINN(ctx, f.admin, f.company.ID, "7707083894")
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, _, err = svc.FillByINN(ctx, f.admin, f.company.ID, "7736207543")
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field("registry.kpp")
	assert.True(t, ok, "the registry's answer is validated")
	_, _, err = svc.FillByINN(ctx, f.admin, f.company.ID, "7830002293")
	require.ErrorIs(t, err, storage.ErrInvalid, "answer for another INN")
	_, _, err = svc.FillByINN(ctx, f.admin, f.company.ID, "500100732259")
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, _, err = svc.FillByINN(ctx, f.manager, f.company.ID, "7707083893")
	require.ErrorIs(t, err, storage.ErrForbidden)
	assert.Empty(t, f.events(t, ""))

	c, rec, err := svc.FillByINN(ctx, f.admin, f.company.ID, "7707083893")
	require.NoError(t, err)
	assert.Equal(t, `ПАО "Сбербанк"`, rec.LegalName)
	assert.Equal(t, "773601001", c.Requisites.KPP)
	assert.Equal(t, "Москва", c.Profile.City)
	require.Len(t, f.events(t, "account.requisites.fill_by_inn"), 1)
}

func TestBillAccessNeedsPassword(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t, account.WithBillGrantTTL(time.Minute))
	f.pw[f.admin.UserID] = "right"
	_, err := svc.OpenBill(ctx, f.admin, f.company.ID, account.NewSecret("wrong"))
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = svc.OpenBill(ctx, f.manager, f.company.ID, account.NewSecret("right"))
	require.ErrorIs(t, err, storage.ErrForbidden)
	g, err := svc.OpenBill(ctx, f.admin, f.company.ID, account.NewSecret("right"))
	require.NoError(t, err)
	assert.Equal(t, f.clock.Now().Add(time.Minute), g.ExpiresAt)
	require.NoError(t, svc.VerifyBillGrant(ctx, f.company.ID, f.admin.UserID, g.Token))
	require.ErrorIs(t, svc.VerifyBillGrant(ctx, f.company.ID, f.owner.UserID, g.Token), storage.ErrForbidden, "another user")
	require.ErrorIs(t, svc.VerifyBillGrant(ctx, "other", f.admin.UserID, g.Token), storage.ErrForbidden, "another company")
	// Change one full character of the MAC (the last one also carries
	// padding bits a decoder may ignore, so it is not a reliable tamper).
	i := len(g.Token) - 5
	flip := byte('A')
	if g.Token[i] == 'A' {
		flip = 'B'
	}
	tampered := g.Token[:i] + string(flip) + g.Token[i+1:]
	require.ErrorIs(t, svc.VerifyBillGrant(ctx, f.company.ID, f.admin.UserID, tampered), storage.ErrForbidden)
	require.ErrorIs(t, svc.VerifyBillGrant(ctx, f.company.ID, f.admin.UserID, "garbage"), storage.ErrForbidden)
	f.clock.Advance(time.Minute)
	require.ErrorIs(t, svc.VerifyBillGrant(ctx, f.company.ID, f.admin.UserID, g.Token), storage.ErrForbidden, "expired")
	assert.Len(t, f.events(t, "account.bill.open"), 1)
}

func TestAssistantAndOperatorProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, f := newFixture(t)
	_, err := svc.SetAssistant(ctx, f.admin, f.company.ID, account.Assistant{Name: "Eva", Email: "not-mail"})
	require.ErrorIs(t, err, storage.ErrInvalid)
	c, err := svc.SetAssistant(ctx, f.admin, f.company.ID, account.Assistant{Name: "Eva", Email: "eva@newways.example"})
	require.NoError(t, err)
	assert.Equal(t, "Eva", c.Assistant.Name)
	_, err = svc.SetOperatorProfile(ctx, f.op, f.company.ID, f.op.UserID, account.OperatorProfile{Nickname: strings.Repeat("n", 101)})
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field("nickname")
	assert.True(t, ok)
	_, err = svc.SetOperatorProfile(ctx, f.admin, f.company.ID, f.op.UserID, account.OperatorProfile{Nickname: "Ann"})
	require.NoError(t, err, "administrators may edit a member's profile")
	// The same person in another company has a separate profile.
	other := f.dir.AddCompany(tenancy.CompanyRef{})
	u, err := svc.UserSettings(ctx, tenancy.Platform("root"), other.ID, f.op.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound, "not a member there")
	assert.Nil(t, u)
}

// downDirectory is a tenancy.Directory whose Member fails with err for one
// user: the directory (tenancy's database) being unavailable.
type downDirectory struct {
	tenancy.Directory
	userID string
	err    error
}

func (d downDirectory) Member(ctx context.Context, companyID, userID string) (tenancy.MemberRef, error) {
	if userID == d.userID {
		return tenancy.MemberRef{}, d.err
	}
	return d.Directory.Member(ctx, companyID, userID)
}

func (d downDirectory) LockMember(ctx context.Context, companyID, userID string) (tenancy.MemberRef, error) {
	if userID == d.userID {
		return tenancy.MemberRef{}, d.err
	}
	return d.Directory.LockMember(ctx, companyID, userID)
}

// Checking that listed users are members: a user who is not one is invalid
// input; a directory that fails is that failure (ErrUnavailable for the host,
// ErrRetryable for InTx), never "not a member".
func TestMembershipChecksKeepDirectoryErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, f := newFixture(t)
	for _, kind := range []error{storage.ErrUnavailable, storage.ErrRetryable} {
		dir := downDirectory{Directory: f.dir, userID: "flaky", err: storage.E("test", kind, "directory down")}
		svc := account.NewService(f.st, f.st.Account(), dir, f.log, f.keys, account.WithClock(f.clock))
		_, err := svc.SetSMSZone(ctx, f.admin, f.company.ID, account.SMSZone{Zone: "eu", Access: account.ZoneSelected, Users: []string{"flaky"}})
		require.ErrorIs(t, err, kind)
		require.NotErrorIs(t, err, storage.ErrInvalid)

		c, err := svc.CreateCategory(ctx, f.admin, f.company.ID, "Team "+kind.Error(), []string{"Red"})
		require.NoError(t, err)
		err = svc.AssignOption(ctx, f.admin, f.company.ID, c.Options[0].ID, []string{"flaky"})
		require.ErrorIs(t, err, kind)
		require.NotErrorIs(t, err, storage.ErrInvalid)
		err = svc.AssignOption(ctx, f.admin, f.company.ID, c.Options[0].ID, []string{"stranger"})
		require.ErrorIs(t, err, storage.ErrInvalid)
	}
	_, err := account.NewService(f.st, f.st.Account(), f.dir, f.log, f.keys).SetSMSZone(ctx, f.admin, f.company.ID,
		account.SMSZone{Zone: "eu", Access: account.ZoneSelected, Users: []string{"stranger"}})
	require.ErrorIs(t, err, storage.ErrInvalid)
	assert.Empty(t, f.events(t, "account.sms.zone.update"), "nothing stored")
}

// keysDown is a KeyProvider whose keys cannot be fetched (a KMS outage).
type keysDown struct{}

func (keysDown) CurrentKeyID(context.Context) (string, error) { return "k1", nil }
func (keysDown) Key(context.Context, string) ([]byte, error) {
	return nil, storage.E("kms", storage.ErrUnavailable, "down")
}

// A bill grant that cannot be signed is not granted, and so not audited as
// opened.
func TestBillOpenIsAuditedOnlyWhenGranted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, f := newFixture(t)
	f.pw[f.admin.UserID] = "right"
	svc := account.NewService(f.st, f.st.Account(), f.dir, f.log, keysDown{}, account.WithClock(f.clock), account.WithPasswordChecker(f.pw))
	g, err := svc.OpenBill(ctx, f.admin, f.company.ID, account.NewSecret("right"))
	require.Error(t, err)
	assert.Empty(t, g.Token)
	assert.Empty(t, f.events(t, "account.bill.open"))
}

func TestBillGrantNeverPrintsItsToken(t *testing.T) {
	g := account.BillGrant{Token: "bearer-secret-token", CompanyID: "c", UserID: "u", ExpiresAt: time.Unix(0, 0)}
	for _, s := range []string{fmt.Sprint(g), fmt.Sprintf("%v %+v %#v %s", g, g, g, g), fmt.Sprint(&g)} {
		assert.NotContains(t, s, "bearer-secret-token")
	}
}
