package compliance_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/compliance/calendar"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// refAllowed is a naive reference of the rules, written independently of
// the engine: local dates by time.In, periods compared as dates.
func refAllowed(p compliance.Policy, s *compliance.Subject, x time.Time) bool {
	if len(s.Zones) == 0 {
		return false
	}
	maxIn := max(p.MaxInFlight, 1)
	n := 0
	for _, r := range s.History {
		if r.Until > x.UnixMicro() {
			n++
		}
	}
	if n >= maxIn {
		return false
	}
	for _, z := range s.Zones {
		lt := x.In(z)
		d := calendar.DateIn(lt)
		tod := compliance.Clock(lt.Clock())
		ws := []compliance.Window{p.Windows.Working, p.Windows.Weekend, p.Windows.Holiday}
		var w compliance.Window
		uniform := ws[0] == ws[1] && ws[1] == ws[2]
		k, ok := calendar.Kind(0), false
		if s.Calendar != nil {
			k, ok = s.Calendar.Kind(d)
		}
		switch {
		case uniform:
			w = ws[0]
		case ok:
			w = ws[k]
		default: // strictest
			w = compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
			for _, o := range ws {
				w.Closed = w.Closed || o.Closed
				w.Start, w.End = max(w.Start, o.Start), min(w.End, o.End)
			}
		}
		start := w.Start + compliance.TimeOfDay(p.StartBufferSeconds)
		end := w.End - compliance.TimeOfDay(p.EndBufferSeconds)
		if w.Closed || tod < start || tod >= end {
			return false
		}
		dateOf := func(r compliance.Record) calendar.Date { return calendar.DateIn(time.UnixMicro(r.At).In(z)) }
		if !s.SkipCaps {
			for _, c := range p.Caps {
				cnt := 0
				for _, r := range s.History {
					if r.Classes&c.Counts == 0 {
						continue
					}
					dr := dateOf(r)
					var in bool
					switch c.Period {
					case compliance.PeriodDay:
						in = dr == d
					case compliance.PeriodWeek:
						in = dr.Monday() == d.Monday()
					case compliance.PeriodMonth:
						in = dr.FirstOfMonth() == d.FirstOfMonth()
					case compliance.PeriodRolling:
						in = dr <= d && dr > d-calendar.Date(c.Days)
					}
					if in {
						cnt++
					}
				}
				if cnt >= c.Limit {
					return false
				}
			}
		}
		if p.CoolOff.Days > 0 {
			for _, r := range s.History {
				if r.Classes&p.CoolOff.After != 0 {
					if dr := dateOf(r); d >= dr && d < dr+calendar.Date(p.CoolOff.Days) {
						return false
					}
				}
			}
		}
	}
	return true
}

var propZones = [][]string{
	{"Europe/Moscow"}, {"Asia/Vladivostok"}, {"Europe/Kaliningrad"}, {"America/New_York"},
	{"Asia/Yakutsk", "Asia/Ust-Nera", "Asia/Srednekolymsk"}, {"America/Los_Angeles", "America/Chicago"},
}

var outcomes = []compliance.Outcome{compliance.OutcomeAnsweredHuman, compliance.OutcomeAnsweringMachine,
	compliance.OutcomeNoAnswer, compliance.OutcomeBusy, compliance.OutcomeFailed, compliance.OutcomeMessageSent}

// randomPolicy draws a valid policy whose every boundary is a multiple of 10
// minutes, so checking every 10 minutes is exhaustive.
func randomPolicy(rng *rand.Rand) compliance.Policy {
	win := func() compliance.Window {
		if rng.IntN(8) == 0 {
			return compliance.Window{Closed: true}
		}
		s := 36 + rng.IntN(60) // 06:00 … 15:50 in 10-minute steps
		e := s + 6 + rng.IntN(138-s-6+1)
		return compliance.Window{Start: compliance.TimeOfDay(s * 600), End: compliance.TimeOfDay(e * 600)}
	}
	p := compliance.Policy{Name: "random", Windows: compliance.Windows{Working: win(), Weekend: win(), Holiday: win()}}
	if rng.IntN(3) == 0 {
		p.Windows.Weekend, p.Windows.Holiday = p.Windows.Working, p.Windows.Working
	}
	if rng.IntN(3) == 0 && !p.Windows.Working.Closed {
		p.StartBufferSeconds, p.EndBufferSeconds = 600, 0
	}
	periods := []compliance.Period{compliance.PeriodDay, compliance.PeriodWeek, compliance.PeriodMonth, compliance.PeriodRolling}
	for range rng.IntN(4) {
		c := compliance.Cap{Period: periods[rng.IntN(4)], Limit: 1 + rng.IntN(4), Counts: compliance.Class(1 + rng.IntN(15))}
		if c.Period == compliance.PeriodRolling {
			c.Days = 1 + rng.IntN(10)
		}
		p.Caps = append(p.Caps, c)
	}
	if rng.IntN(3) == 0 {
		p.CoolOff = compliance.CoolOff{Days: 1 + rng.IntN(8), After: compliance.ClassConversation}
	}
	p.MaxInFlight = rng.IntN(3)
	if p.Validate("test") != nil { // buffers ate a short window
		p.StartBufferSeconds = 0
	}
	return p
}

func TestPropertyNextAllowed(t *testing.T) {
	t.Parallel()
	seed := uint64(20261122)
	rng := rand.New(rand.NewPCG(seed, 1))
	cases := 600
	if testing.Short() {
		cases = 60
	}
	stats := map[bool]int{} // blocked by something other than the window?
	defer func() { t.Logf("cases blocked by caps, cool-off or in-flight: %d of %d", stats[true], cases) }()
	for i := range cases {
		p := randomPolicy(rng)
		r, err := compliance.Compile(p)
		require.NoError(t, err, "case %d", i)
		s := &compliance.Subject{Calendar: calendar.Russia(), SkipCaps: rng.IntN(6) == 0}
		for _, z := range propZones[rng.IntN(len(propZones))] {
			s.Zones = append(s.Zones, loc(t, z))
		}
		// t: a 10-minute instant in 2025–2027 (2027 has no calendar data).
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(3*365*144)) * 10 * time.Minute)
		span := []int{2, 8, 35}[rng.IntN(3)] // days of history: dense to sparse
		for range rng.IntN(20) {
			at := base.Add(-time.Duration(1+rng.IntN(span*144)) * 10 * time.Minute)
			s.History = append(s.History, rec(at, outcomes[rng.IntN(len(outcomes))]))
		}
		if rng.IntN(4) == 0 {
			s.History = append(s.History, compliance.Record{At: base.Add(-10 * time.Minute).UnixMicro(), Classes: compliance.ClassAll,
				Until: base.Add(time.Duration(1+rng.IntN(3)) * 10 * time.Minute).UnixMicro()})
		}
		sortRecords(s.History)
		v := r.Evaluate(base, s)
		stats[v.Reasons.Blocking()&^compliance.ReasonOutsideWindow != 0]++
		require.Equal(t, refAllowed(p, s, base), v.Allowed, "case %d (seed %d): allowed at %s", i, seed, base)
		if v.Next.IsZero() {
			// Only when nothing is allowed for a long time: spot-check the next 30 days.
			for x := base; x.Before(base.Add(30 * 24 * time.Hour)); x = x.Add(10 * time.Minute) {
				require.False(t, refAllowed(p, s, x), "case %d: no next, but %s is allowed", i, x)
			}
			continue
		}
		require.True(t, refAllowed(p, s, v.Next), "case %d (seed %d): next %s not allowed; policy %+v", i, seed, v.Next, p)
		for x := base; x.Before(v.Next); x = x.Add(10 * time.Minute) {
			require.False(t, refAllowed(p, s, x), "case %d (seed %d): %s allowed before next %s; policy %+v", i, seed, x, v.Next, p)
		}
	}
}

func sortRecords(h []compliance.Record) {
	for i := 1; i < len(h); i++ {
		for j := i; j > 0 && h[j].At < h[j-1].At; j-- {
			h[j], h[j-1] = h[j-1], h[j]
		}
	}
}

// TestPropertyReserveSatisfiesRules drives the service with random calls,
// outcomes and clock moves on the memory backend; every reservation it
// grants must satisfy the reference rules given the history at that moment.
func TestPropertyReserveSatisfiesRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	seed := uint64(7)
	rng := rand.New(rand.NewPCG(seed, 2))
	for round := range 12 {
		st := memory.New()
		dir := tenancytest.NewDirectory()
		co := dir.AddCompany(tenancy.CompanyRef{})
		admin := dir.AddMember(co, tenancy.RoleOwner, "")
		clock := storage.NewManualClock(time.Date(2026, 1, 20, 5, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(300)) * 24 * time.Hour))
		svc := compliance.NewService(st, st.Compliance(), dir, audit.NewLog(st.Audit()), compliance.WithClock(clock),
			compliance.WithReservationTTL(15*time.Minute))
		p := randomPolicy(rng)
		_, err := svc.SetSettings(ctx, admin, co.ID, true, p)
		require.NoError(t, err)
		r, _ := compliance.Compile(p)
		zoneSet := propZones[rng.IntN(len(propZones))]
		call := compliance.Call{CompanyID: co.ID, Phone: "+74951234567", Zone: zoneSet[0], Key: "debt"}
		granted := 0
		for step := range 400 {
			clock.Advance(time.Duration(rng.IntN(120)) * time.Minute)
			now := clock.Now()
			hist, err := st.Compliance().History(ctx, co.ID, "debt", time.Time{})
			require.NoError(t, err)
			subj := &compliance.Subject{Zones: []*time.Location{loc(t, zoneSet[0])}, Calendar: calendar.Russia()}
			for _, h := range hist {
				subj.History = append(subj.History, h.Record())
			}
			res, dec, err := svc.Reserve(ctx, admin, call)
			require.NoError(t, err, "round %d step %d", round, step)
			if !dec.Allowed {
				require.False(t, refAllowed(p, subj, now), "round %d step %d: refused %s but the rules allow", round, step, dec.Reasons)
				if !dec.NextAllowed.IsZero() {
					require.True(t, refAllowed(p, subj, dec.NextAllowed),
						"round %d step %d: next allowed %s is not", round, step, dec.NextAllowed)
				}
				continue
			}
			granted++
			require.True(t, refAllowed(p, subj, now), "round %d step %d: granted at %s against the rules", round, step, now)
			require.True(t, r.Evaluate(now, subj).Allowed)
			switch rng.IntN(5) {
			case 0: // never completed: expires and counts
			case 1:
				_, err = svc.Release(ctx, admin, res.ID)
				require.NoError(t, err)
			default:
				_, err = svc.Complete(ctx, admin, res.ID, outcomes[rng.IntN(len(outcomes))])
				require.NoError(t, err)
			}
		}
		t.Logf("round %d: %d granted", round, granted)
	}
}
