package compliance_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	require.NoError(t, err)
	return l
}

// local parses "2006-01-02 15:04:05" in zone.
func local(t testing.TB, zone, s string) time.Time {
	t.Helper()
	tm, err := time.ParseInLocation(time.DateTime, s, loc(t, zone))
	require.NoError(t, err)
	return tm
}

func rec(at time.Time, o compliance.Outcome) compliance.Record {
	return compliance.Record{At: at.UnixMicro(), Classes: o.Classes()}
}

func TestPresetBoundaries(t *testing.T) {
	t.Parallel()
	const msk, ny, vvo = "Europe/Moscow", "America/New_York", "Asia/Vladivostok"
	type tc struct {
		name    string
		policy  compliance.Policy
		zone    string
		at      string
		hist    []compliance.Record
		allowed bool
		reasons compliance.Reasons // blocking reasons expected (exactly)
		next    string             // local time of NextAllowed in zone; "" = same as at
		notes   compliance.Reasons
	}
	answered := func(zone string, times ...string) []compliance.Record {
		var out []compliance.Record
		for _, s := range times {
			out = append(out, rec(local(t, zone, s), compliance.OutcomeAnsweredHuman))
		}
		return out
	}
	attempts := func(zone string, times ...string) []compliance.Record {
		var out []compliance.Record
		for _, s := range times {
			out = append(out, rec(local(t, zone, s), compliance.OutcomeNoAnswer))
		}
		return out
	}
	manual, calls, msgs, regf := compliance.ManualFZ230(), compliance.FZ230Calls(), compliance.FZ230Messages(), compliance.RegF()
	W := compliance.ReasonOutsideWindow
	cases := []tc{
		// The manual's profile: 09:10–19:50 half-open, every day.
		{name: "manual 09:09:59", policy: manual, zone: msk, at: "2026-03-18 09:09:59", reasons: W, next: "2026-03-18 09:10:00"},
		{name: "manual 09:10:00", policy: manual, zone: msk, at: "2026-03-18 09:10:00", allowed: true},
		{name: "manual 19:49:59", policy: manual, zone: msk, at: "2026-03-18 19:49:59", allowed: true},
		{name: "manual 19:50:00", policy: manual, zone: msk, at: "2026-03-18 19:50:00", reasons: W, next: "2026-03-19 09:10:00"},
		{name: "manual Sunday same hours", policy: manual, zone: msk, at: "2026-03-22 09:10:00", allowed: true},
		{name: "manual in Vladivostok", policy: manual, zone: vvo, at: "2026-03-18 09:10:00", allowed: true},
		{name: "manual day cap counts answered only", policy: manual, zone: msk, at: "2026-03-18 15:00:00",
			hist: append(answered(msk, "2026-03-18 10:00:00"), attempts(msk, "2026-03-18 11:00:00", "2026-03-18 12:00:00")...), allowed: true},
		{name: "manual day cap 2", policy: manual, zone: msk, at: "2026-03-18 15:00:00",
			hist: answered(msk, "2026-03-18 10:00:00", "2026-03-18 11:00:00"), reasons: compliance.ReasonCapDay, next: "2026-03-19 09:10:00"},
		{name: "manual every reason at once", policy: manual, zone: msk, at: "2026-03-18 20:00:00",
			hist:    answered(msk, "2026-03-16 10:00:00", "2026-03-17 10:00:00", "2026-03-18 10:00:00", "2026-03-18 11:00:00"),
			reasons: W | compliance.ReasonCapDay | compliance.ReasonCapWeek, next: "2026-03-23 09:10:00"},
		{name: "manual Feb 29 day cap rolls into March", policy: manual, zone: msk, at: "2028-02-29 12:00:00",
			hist: answered(msk, "2028-02-29 10:00:00", "2028-02-29 11:00:00"), reasons: compliance.ReasonCapDay, next: "2028-03-01 09:10:00"},

		// 230-FZ calls: 08–22 working days, 09–20 days off, 1/2/8 conversations.
		{name: "calls working 07:59:59", policy: calls, zone: msk, at: "2026-03-18 07:59:59", reasons: W, next: "2026-03-18 08:00:00"},
		{name: "calls working 21:59:59", policy: calls, zone: msk, at: "2026-03-18 21:59:59", allowed: true},
		{name: "calls Friday 22:00 → Saturday 09:00", policy: calls, zone: msk, at: "2026-03-20 22:00:00", reasons: W, next: "2026-03-21 09:00:00"},
		{name: "calls Saturday 08:30", policy: calls, zone: msk, at: "2026-03-21 08:30:00", reasons: W, next: "2026-03-21 09:00:00"},
		{name: "calls Saturday 19:59:59", policy: calls, zone: msk, at: "2026-03-21 19:59:59", allowed: true},
		{name: "calls Sunday 20:00 → Monday 08:00", policy: calls, zone: msk, at: "2026-03-22 20:00:00", reasons: W, next: "2026-03-23 08:00:00"},
		{name: "calls transferred working Saturday Nov 1 2025", policy: calls, zone: msk, at: "2025-11-01 08:30:00", allowed: true},
		{name: "calls Nov 3 2025 is a day off", policy: calls, zone: msk, at: "2025-11-03 08:30:00", reasons: W, next: "2025-11-03 09:00:00"},
		{name: "calls holidays Jan 2026 → first working day", policy: calls, zone: msk, at: "2026-01-11 20:30:00", reasons: W, next: "2026-01-12 08:00:00"},
		{name: "calls 2027 has no calendar: day-off rules", policy: calls, zone: msk, at: "2027-03-17 08:30:00", reasons: W,
			next: "2027-03-17 09:00:00", notes: compliance.ReasonCalendarMissing},
		{name: "calls day cap 1, Sunday → Monday", policy: calls, zone: msk, at: "2026-03-22 12:00:00",
			hist: answered(msk, "2026-03-22 10:00:00"), reasons: compliance.ReasonCapDay, next: "2026-03-23 08:00:00"},
		{name: "calls robot conversation counts, machine does not", policy: calls, zone: msk, at: "2026-03-18 12:00:00",
			hist: []compliance.Record{rec(local(t, msk, "2026-03-18 09:00:00"), compliance.OutcomeAnsweringMachine)}, allowed: true},
		{name: "calls week cap across month boundary", policy: calls, zone: msk, at: "2026-02-01 12:00:00",
			hist: answered(msk, "2026-01-29 10:00:00", "2026-01-30 10:00:00"), reasons: compliance.ReasonCapWeek, next: "2026-02-02 08:00:00"},
		{name: "calls week cap resets Monday", policy: calls, zone: msk, at: "2026-02-02 08:00:00",
			hist: answered(msk, "2026-01-31 10:00:00", "2026-02-01 10:00:00"), allowed: true},
		{name: "calls month cap across week boundary", policy: calls, zone: msk, at: "2026-03-31 10:00:00",
			hist: answered(msk, "2026-03-02 10:00:00", "2026-03-05 10:00:00", "2026-03-10 10:00:00", "2026-03-12 10:00:00",
				"2026-03-16 10:00:00", "2026-03-19 10:00:00", "2026-03-23 10:00:00", "2026-03-26 10:00:00"),
			reasons: compliance.ReasonCapMonth, next: "2026-04-01 08:00:00"},

		// 230-FZ messages: 2/4/16 messages.
		{name: "messages day cap 2", policy: msgs, zone: msk, at: "2026-03-18 12:00:00",
			hist: []compliance.Record{rec(local(t, msk, "2026-03-18 09:00:00"), compliance.OutcomeMessageSent),
				rec(local(t, msk, "2026-03-18 10:00:00"), compliance.OutcomeMessageSent)},
			reasons: compliance.ReasonCapDay, next: "2026-03-19 08:00:00"},
		{name: "messages ignore calls", policy: msgs, zone: msk, at: "2026-03-18 12:00:00",
			hist: answered(msk, "2026-03-18 09:00:00", "2026-03-18 10:00:00"), allowed: true},

		// Regulation F: 08–21, 7 in 7 days, 7-day cool-off (day of the conversation = day 1).
		{name: "regf 20:59:59", policy: regf, zone: ny, at: "2026-03-18 20:59:59", allowed: true},
		{name: "regf 21:00:00", policy: regf, zone: ny, at: "2026-03-18 21:00:00", reasons: W, next: "2026-03-19 08:00:00"},
		{name: "regf DST spring-forward night", policy: regf, zone: ny, at: "2026-03-08 01:30:00", reasons: W, next: "2026-03-08 08:00:00"},
		{name: "regf DST fall-back night", policy: regf, zone: ny, at: "2026-11-01 01:30:00", reasons: W, next: "2026-11-01 08:00:00"},
		{name: "regf 7 in 7: oldest leaves the window", policy: regf, zone: ny, at: "2026-03-07 15:00:00",
			hist:    attempts(ny, "2026-03-01 10:00:00", "2026-03-02 10:00:00", "2026-03-03 10:00:00", "2026-03-04 10:00:00", "2026-03-05 10:00:00", "2026-03-06 10:00:00", "2026-03-07 10:00:00"),
			reasons: compliance.ReasonCapRolling, next: "2026-03-08 08:00:00"},
		{name: "regf 7 in 7: all on one day", policy: regf, zone: ny, at: "2026-03-02 15:00:00",
			hist:    attempts(ny, "2026-03-02 08:00:00", "2026-03-02 08:10:00", "2026-03-02 08:20:00", "2026-03-02 08:30:00", "2026-03-02 08:40:00", "2026-03-02 08:50:00", "2026-03-02 09:00:00"),
			reasons: compliance.ReasonCapRolling, next: "2026-03-09 08:00:00"},
		{name: "regf 6 in 7 allowed", policy: regf, zone: ny, at: "2026-03-07 15:00:00",
			hist: attempts(ny, "2026-03-01 10:00:00", "2026-03-02 10:00:00", "2026-03-03 10:00:00", "2026-03-04 10:00:00", "2026-03-05 10:00:00", "2026-03-06 10:00:00"), allowed: true},
		{name: "regf cool-off day 7", policy: regf, zone: ny, at: "2026-03-24 20:00:00",
			hist: answered(ny, "2026-03-18 10:00:00"), reasons: compliance.ReasonCoolOff, next: "2026-03-25 08:00:00"},
		{name: "regf cool-off ends on day 8", policy: regf, zone: ny, at: "2026-03-25 08:00:00",
			hist: answered(ny, "2026-03-18 10:00:00"), allowed: true},
		{name: "regf cool-off from Feb 29", policy: regf, zone: ny, at: "2028-03-01 12:00:00",
			hist: answered(ny, "2028-02-29 10:00:00"), reasons: compliance.ReasonCoolOff, next: "2028-03-07 08:00:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := compliance.Compile(c.policy)
			require.NoError(t, err)
			at := local(t, c.zone, c.at)
			v := r.Evaluate(at, &compliance.Subject{Zones: []*time.Location{loc(t, c.zone)}, Calendar: calendar.Russia(), History: c.hist})
			assert.Equal(t, c.allowed, v.Allowed)
			assert.Equal(t, c.reasons.String(), v.Reasons.Blocking().String())
			assert.Equal(t, c.notes, v.Reasons&^v.Reasons.Blocking())
			want := at
			if c.next != "" {
				want = local(t, c.zone, c.next)
			}
			assert.True(t, want.Equal(v.Next), "next: want %s, got %s", want, v.Next.In(loc(t, c.zone)))
		})
	}
}

func TestDSTWallClockWindows(t *testing.T) {
	t.Parallel()
	ny := loc(t, "America/New_York")
	p := compliance.Policy{Name: "night", Windows: compliance.Windows{
		Working: compliance.Window{Start: compliance.Clock(2, 30, 0), End: compliance.Clock(5, 0, 0)},
		Weekend: compliance.Window{Start: compliance.Clock(1, 30, 0), End: compliance.Clock(5, 0, 0)},
		Holiday: compliance.Window{Closed: true}}}
	r, err := compliance.Compile(p)
	require.NoError(t, err)
	cal, err := calendar.NewTable(calendar.YearSpec{Year: 2026})
	require.NoError(t, err)
	s := &compliance.Subject{Zones: []*time.Location{ny}, Calendar: cal}
	// Sunday 2026-03-08: 02:00 EST jumps to 03:00 EDT. The weekend window opens
	// at 01:30 EST (06:30 UTC); from 02:00 UTC the first allowed instant is that.
	v := r.Evaluate(time.Date(2026, 3, 8, 2, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 3, 8, 6, 30, 0, 0, time.UTC), v.Next.UTC())
	// The missing hour: at 06:59:59 UTC it is 01:59:59 EST, then 03:00 EDT: still inside.
	assert.True(t, r.Evaluate(time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), s).Allowed)

	// Monday 2026-03-09 working window 02:30–05:00 EDT.
	assert.Equal(t, time.Date(2026, 3, 9, 6, 30, 0, 0, time.UTC), r.Evaluate(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), s).Next.UTC())

	// A window starting inside the missing hour opens when the hour ends.
	p.Windows.Weekend.Start = compliance.Clock(2, 30, 0)
	r, err = compliance.Compile(p)
	require.NoError(t, err)
	v = r.Evaluate(time.Date(2026, 3, 8, 5, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), v.Next.UTC(), "03:00 EDT")

	// The repeated hour (Sunday 2026-11-01, 02:00 EDT → 01:00 EST): a window
	// starting at 01:30 opens at the first 01:30 (EDT, 05:30 UTC).
	p.Windows.Weekend.Start = compliance.Clock(1, 30, 0)
	r, err = compliance.Compile(p)
	require.NoError(t, err)
	v = r.Evaluate(time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), s)
	assert.Equal(t, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), v.Next.UTC())
	// 01:15 EST (06:15 UTC), in the repeated hour, is before 01:30 on the wall: outside.
	assert.False(t, r.Evaluate(time.Date(2026, 11, 1, 6, 15, 0, 0, time.UTC), s).Allowed)
	assert.True(t, r.Evaluate(time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), s).Allowed)
}

func TestSeveralZonesMustAllAllow(t *testing.T) {
	t.Parallel()
	r, err := compliance.Compile(compliance.ManualFZ230())
	require.NoError(t, err)
	// Yakutia spans UTC+9…+11: 09:10 in Yakutsk is 10:10 and 11:10 elsewhere.
	zs := []*time.Location{loc(t, "Asia/Yakutsk"), loc(t, "Asia/Ust-Nera"), loc(t, "Asia/Srednekolymsk")}
	s := &compliance.Subject{Zones: zs, Calendar: calendar.Russia()}
	v := r.Evaluate(local(t, "Asia/Srednekolymsk", "2026-03-18 19:00:00"), s) // 17:00 Yakutsk: fine everywhere
	assert.True(t, v.Allowed)
	v = r.Evaluate(local(t, "Asia/Srednekolymsk", "2026-03-18 19:50:00"), s)
	assert.False(t, v.Allowed)
	assert.True(t, local(t, "Asia/Yakutsk", "2026-03-19 09:10:00").Equal(v.Next), "next %s", v.Next)

	// No zone at all: refused, no next instant.
	v = r.Evaluate(time.Now(), &compliance.Subject{})
	assert.False(t, v.Allowed)
	assert.Equal(t, compliance.ReasonUnknownZone, v.Reasons)
	assert.True(t, v.Next.IsZero())
}

func TestInFlight(t *testing.T) {
	t.Parallel()
	p := compliance.ManualFZ230()
	p.MaxInFlight = 2
	r, err := compliance.Compile(p)
	require.NoError(t, err)
	now := local(t, "Europe/Moscow", "2026-03-18 12:00:00")
	pending := func(expiry time.Duration) compliance.Record {
		return compliance.Record{At: now.Add(-time.Minute).UnixMicro(), Classes: compliance.ClassAll, Until: now.Add(expiry).UnixMicro()}
	}
	s := &compliance.Subject{Zones: []*time.Location{loc(t, "Europe/Moscow")}, SkipCaps: true,
		History: []compliance.Record{pending(3 * time.Minute), pending(5 * time.Minute)}}
	v := r.Evaluate(now, s)
	assert.Equal(t, compliance.ReasonInFlight, v.Reasons.Blocking())
	assert.True(t, v.Reasons.Has(compliance.ReasonCapsOff))
	assert.True(t, now.Add(3*time.Minute).Equal(v.Next))
}

// TestPresetWindowEdges checks every preset at the four instants around each
// window of each kind of day: start−1s, start, end−1s, end (half-open).
func TestPresetWindowEdges(t *testing.T) {
	t.Parallel()
	msk := loc(t, "Europe/Moscow")
	days := map[calendar.Kind]calendar.Date{
		calendar.Working: calendar.DateOf(2026, 3, 18), // Wednesday
		calendar.Weekend: calendar.DateOf(2026, 3, 21), // Saturday
		calendar.Holiday: calendar.DateOf(2026, 6, 12), // Russia Day
	}
	for _, p := range compliance.Presets() {
		r, err := compliance.Compile(p)
		require.NoError(t, err)
		s := &compliance.Subject{Zones: []*time.Location{msk}, Calendar: calendar.Russia()}
		for kind, w := range map[calendar.Kind]compliance.Window{
			calendar.Working: p.Windows.Working, calendar.Weekend: p.Windows.Weekend, calendar.Holiday: p.Windows.Holiday} {
			y, m, d := days[kind].YMD()
			at := func(tod compliance.TimeOfDay) time.Time { return time.Date(y, m, d, 0, 0, int(tod), 0, msk) }
			for _, c := range []struct {
				tod  compliance.TimeOfDay
				want bool
			}{{w.Start - 1, false}, {w.Start, true}, {w.End - 1, true}, {w.End, false}} {
				v := r.Evaluate(at(c.tod), s)
				assert.Equal(t, c.want, v.Allowed, "%s %s %s", p.Name, kind, c.tod)
			}
			v := r.Evaluate(at(w.Start-1), s)
			assert.True(t, at(w.Start).Equal(v.Next), "%s %s: next %s", p.Name, kind, v.Next.In(msk))
		}
	}
}
