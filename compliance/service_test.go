package compliance_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/compliance/zone"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

type fakeSuspensions map[string]bool

func (f fakeSuspensions) Suspended(_ context.Context, id string) (bool, error) { return f[id], nil }

type env struct {
	svc    *compliance.Service
	clock  *storage.ManualClock
	dir    *tenancytest.Directory
	co     tenancy.CompanyRef
	owner  tenancy.Actor
	dialer tenancy.Actor
	susp   fakeSuspensions
	st     *memory.Store
}

func newEnv(t *testing.T, at time.Time, p compliance.Policy, opts ...compliance.Option) *env {
	t.Helper()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	co := dir.AddCompany(tenancy.CompanyRef{})
	e := &env{clock: storage.NewManualClock(at), dir: dir, co: co, susp: fakeSuspensions{}, st: st,
		owner: dir.AddMember(co, tenancy.RoleOwner, ""), dialer: dir.AddMember(co, tenancy.RoleOperator, "")}
	opts = append([]compliance.Option{compliance.WithClock(e.clock), compliance.WithSuspensions(e.susp)}, opts...)
	e.svc = compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), opts...)
	_, err := e.svc.SetSettings(context.Background(), e.owner, co.ID, true, p)
	require.NoError(t, err)
	return e
}

func TestTimeZonesFromNumbers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// 00:30 UTC = 03:30 in Moscow (night), 10:30 in Vladivostok.
	e := newEnv(t, time.Date(2026, 3, 18, 0, 30, 0, 0, time.UTC), compliance.ManualFZ230())
	d, err := e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+7 (423) 222-33-44"})
	require.NoError(t, err)
	assert.True(t, d.Allowed, "Vladivostok is callable while Moscow sleeps: %s", d.Reasons)
	assert.Equal(t, []string{"Asia/Vladivostok"}, d.Zones)
	assert.Equal(t, zone.SourceLandline, d.ZoneSource)
	d, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "84952223344"})
	require.NoError(t, err)
	assert.False(t, d.Allowed)

	// 08:30 in Moscow is 07:30 in Kaliningrad: not callable under the statute.
	e = newEnv(t, time.Date(2026, 3, 18, 5, 30, 0, 0, time.UTC), compliance.FZ230Calls())
	d, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+74012123456"})
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Equal(t, compliance.ReasonOutsideWindow, d.Reasons.Blocking())
	assert.Equal(t, time.Date(2026, 3, 18, 6, 0, 0, 0, time.UTC), d.NextAllowed.UTC())
	d, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+74952223344"})
	require.NoError(t, err)
	assert.True(t, d.Allowed)

	// A mobile number without a numbering plan: every Russian zone must allow.
	d, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+79161234567"})
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.True(t, d.Reasons.Has(compliance.ReasonZoneGuessed))
	assert.Equal(t, zone.SourceCountry, d.ZoneSource)
	// …and the explicit zone of the record wins.
	d, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+79161234567", Zone: "Europe/Moscow"})
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}

func TestFlagOffSuspendedAndErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, time.Date(2026, 3, 18, 23, 0, 0, 0, time.UTC), compliance.ManualFZ230())
	call := compliance.Call{CompanyID: e.co.ID, Phone: "+74952223344"}

	// Flag on, 02:00 in Moscow: refused with reasons and the next chance.
	res, d, err := e.svc.Reserve(ctx, e.dialer, call)
	require.NoError(t, err, "a refusal is a decision, not an error")
	assert.False(t, d.Allowed)
	assert.Empty(t, res.ID, "a refusal holds nothing")
	assert.Equal(t, compliance.ReasonOutsideWindow, d.Reasons.Blocking())

	// Flag off: allowed and still recorded.
	_, err = e.svc.SetSettings(ctx, e.owner, e.co.ID, false, compliance.ManualFZ230())
	require.NoError(t, err)
	r, d, err := e.svc.Reserve(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.True(t, d.Reasons.Has(compliance.ReasonFlagOff))
	assert.Equal(t, compliance.StatusPending, r.Status)

	// Suspended: refused with that reason, both ways of learning it.
	e.susp[e.co.ID] = true
	_, d, err = e.svc.Reserve(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Equal(t, compliance.ReasonSuspended, d.Reasons.Blocking())
	d, err = e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	// With the flag on, the rules' own reasons are reported beside the suspension.
	_, err = e.svc.SetSettings(ctx, e.owner, e.co.ID, true, compliance.ManualFZ230())
	require.NoError(t, err)
	d, err = e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.Equal(t, compliance.ReasonSuspended|compliance.ReasonOutsideWindow|compliance.ReasonInFlight, d.Reasons.Blocking(),
		"the flag-off reservation is still in flight")
	assert.True(t, d.NextAllowed.IsZero())
	e.susp[e.co.ID] = false
	co2 := e.dir.AddCompany(tenancy.CompanyRef{Status: tenancy.StatusSuspended})
	_, d, err = e.svc.Reserve(ctx, tenancy.Platform("root"), compliance.Call{CompanyID: co2.ID, Phone: "+74952223344"})
	require.NoError(t, err)
	assert.True(t, d.Reasons.Has(compliance.ReasonSuspended))

	// Bad input.
	for _, c := range []struct {
		call  compliance.Call
		field string
	}{
		{compliance.Call{CompanyID: e.co.ID, Phone: "12345"}, "phone"},
		{compliance.Call{CompanyID: e.co.ID, Phone: "+7 495 abc"}, "phone"},
		{compliance.Call{CompanyID: e.co.ID, Phone: "+7495123"}, "phone"},
		{compliance.Call{CompanyID: e.co.ID, Phone: "+74952223344", Zone: "Europe/Atlantis"}, "zone"},
		{compliance.Call{CompanyID: e.co.ID}, "phone"},
		{compliance.Call{Phone: "+74952223344"}, "company_id"},
	} {
		_, err := e.svc.Check(ctx, e.dialer, c.call)
		var ve *storage.ValidationError
		require.True(t, errors.As(err, &ve), "%+v: %v", c.call, err)
		_, ok := ve.Field(c.field)
		assert.True(t, ok, "%+v: %v", c.call, err)
	}
	_, err = e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: storage.NewID(), Phone: "+74952223344"})
	require.ErrorIs(t, err, storage.ErrNotFound)
	stranger := e.dir.AddMember(e.dir.AddCompany(tenancy.CompanyRef{}), tenancy.RoleOwner, "")
	_, err = e.svc.Check(ctx, stranger, call)
	require.ErrorIs(t, err, storage.ErrNotFound, "a foreign company is not found, as a missing one")

	// Bad policies: inverted window, zero and negative caps.
	bad := compliance.ManualFZ230()
	bad.Windows.Working = compliance.Window{Start: compliance.Clock(20, 0, 0), End: compliance.Clock(9, 0, 0)}
	bad.Caps[0].Limit = 0
	bad.Caps[1].Limit = -1
	bad.Caps[2].Period = "fortnight"
	_, err = e.svc.SetSettings(ctx, e.owner, e.co.ID, true, bad)
	var ve *storage.ValidationError
	require.True(t, errors.As(err, &ve))
	for _, f := range []string{"policy.windows.working.end", "policy.caps[0].limit", "policy.caps[1].limit", "policy.caps[2].period"} {
		_, ok := ve.Field(f)
		assert.True(t, ok, "missing %s in %v", f, err)
	}
	st, err := e.svc.Settings(ctx, e.owner, e.co.ID)
	require.NoError(t, err)
	assert.Equal(t, compliance.ManualFZ230(), st.Policy, "a rejected change leaves nothing behind")
	assert.EqualValues(t, 3, st.Version)
}

func TestPresetsValidateAndDocumentSources(t *testing.T) {
	t.Parallel()
	for _, p := range compliance.Presets() {
		require.NoError(t, p.Validate("test"), p.Name)
		assert.NotEmpty(t, p.Source, p.Name)
		q, ok := compliance.Preset(p.Name)
		require.True(t, ok)
		assert.Equal(t, p, q)
	}
	assert.Contains(t, compliance.ManualFZ230().Source, "message caps")
}

func TestRegionalCalendar(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	kurban, err := calendar.NewTable(calendar.YearSpec{Year: 2026, DaysOff: []calendar.Date{calendar.DateOf(2026, 5, 27)}})
	require.NoError(t, err)
	tatarstan := calendar.Layered{Base: calendar.Russia(), Over: kurban}
	at := time.Date(2026, 5, 27, 5, 30, 0, 0, time.UTC) // Wednesday 08:30 in Kazan
	call := func(e *env) compliance.Decision {
		d, err := e.svc.Check(ctx, e.dialer, compliance.Call{CompanyID: e.co.ID, Phone: "+78432123456"})
		require.NoError(t, err)
		return d
	}
	assert.True(t, call(newEnv(t, at, compliance.FZ230Calls())).Allowed, "a working day federally")
	e := newEnv(t, at, compliance.FZ230Calls(), compliance.WithRegionalCalendars(func(country, region string) calendar.Calendar {
		if country == "RU" {
			return tatarstan
		}
		return nil
	}))
	d := call(e)
	assert.False(t, d.Allowed, "a republic's holiday: day-off hours")
	assert.Equal(t, time.Date(2026, 5, 27, 6, 0, 0, 0, time.UTC), d.NextAllowed.UTC())
}

func TestPolicyJSON(t *testing.T) {
	t.Parallel()
	for _, p := range compliance.Presets() {
		b, err := json.Marshal(p)
		require.NoError(t, err)
		var q compliance.Policy
		require.NoError(t, json.Unmarshal(b, &q))
		assert.Equal(t, p, q)
	}
	// A custom policy written by hand.
	doc := `{"name":"evening-off","windows":{"working":{"start":"09:00","end":"18:30:30"},"weekend":{"closed":true},
		"holiday":{"closed":true}},"end_buffer_seconds":300,
		"caps":[{"period":"rolling","days":3,"limit":2,"counts":["attempt"]}],"cool_off":{"days":2,"after":["conversation"]}}`
	var p compliance.Policy
	require.NoError(t, json.Unmarshal([]byte(doc), &p))
	require.NoError(t, p.Validate("test"))
	assert.Equal(t, compliance.Clock(18, 30, 30), p.Windows.Working.End)
	assert.Equal(t, compliance.ClassAttempt, p.Caps[0].Counts)
	for _, bad := range []string{`{"windows":{"working":{"start":"9:00"}}}`, `{"windows":{"working":{"start":"24:01"}}}`,
		`{"caps":[{"counts":["calls"]}]}`} {
		require.Error(t, json.Unmarshal([]byte(bad), &p), bad)
	}
}

// TestSeveralZonesPerRecord: a call list that knows two candidate zones gets
// a call only when both allow it, and the next allowed instant is when the
// later of them opens.
func TestSeveralZonesPerRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// 06:30 UTC: 09:30 in Moscow (open), 08:30 in Kaliningrad (closed before 09:10).
	e := newEnv(t, time.Date(2026, 3, 18, 6, 30, 0, 0, time.UTC), compliance.ManualFZ230())
	call := compliance.Call{CompanyID: e.co.ID, Phone: "+79161234567", Zone: "Europe/Moscow"}
	d, err := e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	require.True(t, d.Allowed)

	call.Zones = []string{"Europe/Kaliningrad", "Europe/Moscow"}
	d, err = e.svc.Check(ctx, e.dialer, call)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Equal(t, []string{"Europe/Moscow", "Europe/Kaliningrad"}, d.Zones, "Zone first, duplicates once")
	assert.Equal(t, zone.SourceExplicit, d.ZoneSource)
	assert.Equal(t, time.Date(2026, 3, 18, 7, 10, 0, 0, time.UTC), d.NextAllowed.UTC(), "09:10 in Kaliningrad")

	call.Zones = []string{"Europe/Kaliningrad", "Mars/Olympus"}
	_, err = e.svc.Check(ctx, e.dialer, call)
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field("zones")
	assert.True(t, ok)
}
