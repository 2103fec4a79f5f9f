package compliance

import (
	"math"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/compliance/calendar"
)

// Record is one call of a subscriber's history as the rules see it.
type Record struct {
	At      int64 // when the call was reserved (started), Unix microseconds
	Classes Class // what it counts as; ClassAll while in flight or after expiring without an outcome
	Until   int64 // while in flight: the reservation's expiry (Unix µs), until which it holds an in-flight slot; 0 once done
}

// Subject is what the rules need to know about one subscriber, resolved in
// advance so that evaluating is cheap: the candidate zones (every one must
// allow the call), the calendar, the history in ascending order of At, and whether caps
// are switched off for its call-list record.
type Subject struct {
	Zones []*time.Location
	// Calendar is the production calendar of the subscriber's country; nil
	// means no data (the strictest window applies every day).
	Calendar calendar.Calendar
	History  []Record
	SkipCaps bool
}

// Verdict is what Rules.Evaluate decides.
type Verdict struct {
	Allowed bool
	// Reasons are every rule that blocks the call at the instant asked about,
	// plus notes (calendar missing, caps off).
	Reasons Reasons
	// Next is the earliest instant at or after the one asked about at which
	// the call would be allowed if nothing else happened meanwhile (in-flight
	// reservations expiring and counting as answered): the instant itself
	// when Allowed; zero when there is none within Horizon (e.g. every window
	// closed, or no zone).
	Next time.Time
}

// Horizon bounds how far ahead NextAllowed looks.
const Horizon = 2 * MaxPeriodDays * 24 * time.Hour

// Rules is a compiled, validated Policy with its calendar: the allocation-free
// evaluator behind Service.Check. It is immutable and safe for concurrent use.
type Rules struct {
	policy      Policy
	win         [3]span // by calendar.Kind, buffers applied
	strict      span    // the intersection of the three, for years without calendar data
	uniform     bool    // the three windows are equal: the calendar does not matter
	caps        []Cap
	coolOff     CoolOff
	maxInFlight int
}

type span struct {
	open       bool
	start, end int32 // seconds after local midnight, half-open
}

// Compile validates p and prepares it for evaluation.
func Compile(p Policy) (*Rules, error) {
	if err := p.Validate("compliance.Compile"); err != nil {
		return nil, err
	}
	p.Caps = slices.Clone(p.Caps) // the caller keeps its slice; Rules keep theirs
	r := &Rules{policy: p, caps: slices.Clone(p.Caps), coolOff: p.CoolOff, maxInFlight: max(p.MaxInFlight, 1)}
	for i, w := range []Window{p.Windows.Working, p.Windows.Weekend, p.Windows.Holiday} {
		if !w.Closed {
			r.win[i] = span{open: true, start: int32(w.Start) + int32(p.StartBufferSeconds), end: int32(w.End) - int32(p.EndBufferSeconds)}
		}
	}
	r.strict = span{open: true, start: 0, end: 86400}
	for _, w := range r.win {
		r.strict.open = r.strict.open && w.open
		r.strict.start = max(r.strict.start, w.start)
		r.strict.end = min(r.strict.end, w.end)
	}
	if r.strict.start >= r.strict.end {
		r.strict.open = false
	}
	r.uniform = r.win[0] == r.win[1] && r.win[1] == r.win[2]
	return r, nil
}

// Policy returns (a copy of) the policy the rules were compiled from.
func (r *Rules) Policy() Policy {
	p := r.policy
	p.Caps = slices.Clone(p.Caps)
	return p
}

// compiledFrom reports whether the rules were compiled from a policy equal
// to p, field by field.
func (r *Rules) compiledFrom(p *Policy) bool {
	a := &r.policy
	// Every field of Policy: a field added there must be added here (the
	// test TestRulesCompiledFrom changes each one).
	return a.Name == p.Name && a.Source == p.Source && a.Windows == p.Windows &&
		a.StartBufferSeconds == p.StartBufferSeconds && a.EndBufferSeconds == p.EndBufferSeconds &&
		slices.Equal(a.Caps, p.Caps) && a.CoolOff == p.CoolOff && a.MaxInFlight == p.MaxInFlight
}

// window returns the window of local date d and whether the calendar knew d.
func (r *Rules) window(cal calendar.Calendar, d calendar.Date) (span, bool) {
	if r.uniform {
		return r.win[0], true
	}
	if cal == nil {
		return r.strict, false
	}
	k, ok := cal.Kind(d)
	if !ok {
		return r.strict, false
	}
	return r.win[k], true
}

const (
	never    = math.MaxInt64
	usPerSec = 1_000_000
)

// Evaluate decides whether a call to s may start at at, with every reason
// that applies, and computes the earliest allowed instant. It does not
// allocate for subjects with up to 16 candidate zones.
func (r *Rules) Evaluate(at time.Time, s *Subject) Verdict {
	switch n := len(s.Zones); {
	case n == 0:
		return Verdict{Reasons: ReasonUnknownZone}
	case n <= 2: // the common case: no need to clear a big buffer
		var buf [2]frame
		return r.evaluate(at, s, buf[:0])
	case n <= 16: // Russia has 12 zones
		var buf [16]frame
		return r.evaluate(at, s, buf[:0])
	}
	return r.evaluate(at, s, make([]frame, 0, len(s.Zones)))
}

// evaluate is Evaluate with room for a frame per zone in frames.
func (r *Rules) evaluate(at time.Time, s *Subject, frames []frame) Verdict {
	var v Verdict
	start := at.UnixMicro()
	for _, z := range s.Zones {
		frames = append(frames, newFrame(z, floorDiv(start, usPerSec)))
	}
	if s.SkipCaps {
		v.Reasons |= ReasonCapsOff
	}
	c := start
	for iter := 0; iter < 4096; iter++ {
		var until int64
		var rs Reasons
		for i := range frames {
			u, zr := r.zoneBlock(&frames[i], c, s)
			rs |= zr
			until = max(until, u)
		}
		if u := r.inFlightUntil(c, s.History); u > 0 {
			rs |= ReasonInFlight
			until = max(until, u)
		}
		if iter == 0 {
			v.Reasons |= rs
		}
		if until == 0 {
			v.Allowed = iter == 0
			if v.Allowed {
				v.Next = at
			} else {
				v.Next = time.UnixMicro(c).UTC()
			}
			return v
		}
		if until == never || until-start > Horizon.Microseconds() {
			return v
		}
		if until <= c { // cannot happen with sane zone data; never loop in place
			until = c + usPerSec
		}
		c = until
	}
	return v
}

// zoneBlock evaluates the zone-dependent rules at instant c (µs): 0 when
// they allow it, else an instant > c before which the zone's rules cannot
// allow any call (and the reasons).
func (r *Rules) zoneBlock(f *frame, c int64, s *Subject) (int64, Reasons) {
	var rs Reasons
	var until int64
	sec := floorDiv(c, usPerSec)
	d, tod := f.local(sec)
	w, known := r.window(s.Calendar, d)
	if !known {
		rs |= ReasonCalendarMissing
	}
	if !w.open || tod < w.start || tod >= w.end {
		rs |= ReasonOutsideWindow
		until = r.nextOpening(f, s.Calendar, d, tod, w)
	}
	h := s.History
	dayEnd := f.startOf(d+1, 0)
	if !s.SkipCaps {
		for i := range r.caps {
			cp := &r.caps[i]
			var ps, pe int64
			var reason Reasons
			switch cp.Period {
			case PeriodDay:
				ps, pe, reason = f.startOf(d, 0), dayEnd, ReasonCapDay
			case PeriodWeek:
				m := d.Monday()
				ps, pe, reason = f.startOf(m, 0), f.startOf(m+7, 0), ReasonCapWeek
			case PeriodMonth:
				first, next := d.MonthBounds()
				ps, pe, reason = f.startOf(first, 0), f.startOf(next, 0), ReasonCapMonth
			case PeriodRolling:
				ps, pe, reason = f.startOf(d-calendar.Date(cp.Days)+1, 0), dayEnd, ReasonCapRolling
			}
			lo := lowerBound(h, ps*usPerSec)
			hiUS := pe * usPerSec
			n := 0
			for j := lo; j < len(h) && h[j].At < hiUS; j++ {
				if h[j].Classes&cp.Counts != 0 {
					n++
				}
			}
			if n < cp.Limit {
				continue
			}
			rs |= reason
			if cp.Period != PeriodRolling {
				until = max(until, pe*usPerSec)
				continue
			}
			// The window stops holding `limit` calls once the (n-limit+1)-th
			// oldest of them has left it: N days after its local date.
			drop := n - cp.Limit + 1
			for j := lo; j < len(h); j++ {
				if h[j].Classes&cp.Counts == 0 {
					continue
				}
				if drop--; drop == 0 {
					dr := f.dateOf(floorDiv(h[j].At, usPerSec))
					until = max(until, f.startOf(dr+calendar.Date(cp.Days), 0)*usPerSec)
					break
				}
			}
		}
	}
	if co := r.coolOff; co.Days > 0 {
		oldest := f.startOf(d-calendar.Date(co.Days)+1, 0) * usPerSec
		endUS := dayEnd * usPerSec
		for j := len(h) - 1; j >= 0 && h[j].At >= oldest; j-- {
			if h[j].At >= endUS || h[j].Classes&co.After == 0 {
				continue
			}
			dc := f.dateOf(floorDiv(h[j].At, usPerSec))
			rs |= ReasonCoolOff
			until = max(until, f.startOf(dc+calendar.Date(co.Days), 0)*usPerSec)
			break
		}
	}
	return until, rs
}

// nextOpening returns the first instant (µs) after local (d, tod) at which a
// window opens, or never.
func (r *Rules) nextOpening(f *frame, cal calendar.Calendar, d calendar.Date, tod int32, w span) int64 {
	if w.open && tod < w.start {
		return f.startOf(d, w.start) * usPerSec
	}
	for k := calendar.Date(1); k <= MaxPeriodDays+14; k++ {
		if w, _ := r.window(cal, d+k); w.open {
			return f.startOf(d+k, w.start) * usPerSec
		}
	}
	return never
}

// inFlightUntil returns 0 when fewer than the policy's maximum of calls are
// in flight at c, else the instant the excess first drains (by expiry).
func (r *Rules) inFlightUntil(c int64, h []Record) int64 {
	// A reservation stamped after c (another host's clock running ahead)
	// still holds its slot: only its expiry frees it.
	n := 0
	for i := range h {
		if h[i].Until > c {
			n++
		}
	}
	if n < r.maxInFlight {
		return 0
	}
	// The first expiry after which fewer than the maximum remain in flight.
	u := c
	for {
		next := int64(never)
		for i := range h {
			if x := h[i].Until; x > u && x < next {
				next = x
			}
		}
		u, n = next, 0
		for i := range h {
			if h[i].Until > u {
				n++
			}
		}
		if n < r.maxInFlight {
			return u
		}
	}
}

func lowerBound(h []Record, at int64) int {
	lo, hi := 0, len(h)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h[m].At < at {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// frame caches a zone's UTC offset over the span of instants it is valid
// for, so local dates and period boundaries are integer arithmetic; outside
// that span (around DST transitions) it falls back to the time package.
type frame struct {
	loc    *time.Location
	off    int64 // seconds east of UTC within [lo, hi)
	lo, hi int64 // Unix seconds
}

func newFrame(loc *time.Location, sec int64) frame {
	f := frame{loc: loc}
	f.reset(sec)
	return f
}

func (f *frame) reset(sec int64) {
	t := time.Unix(sec, 0).In(f.loc)
	_, off := t.Zone()
	f.off = int64(off)
	s, e := t.ZoneBounds()
	f.lo, f.hi = math.MinInt64/2, math.MaxInt64/2
	if !s.IsZero() {
		f.lo = s.Unix()
	}
	if !e.IsZero() {
		f.hi = e.Unix()
	}
}

// local returns the local date and time of day (seconds) of Unix second sec.
func (f *frame) local(sec int64) (calendar.Date, int32) {
	if sec < f.lo || sec >= f.hi {
		f.reset(sec)
	}
	w := sec + f.off
	d := floorDiv(w, 86400)
	return calendar.Date(d), int32(w - d*86400)
}

// dateOf returns the local date of Unix second sec without moving the frame.
func (f *frame) dateOf(sec int64) calendar.Date {
	if sec >= f.lo && sec < f.hi {
		return calendar.Date(floorDiv(sec+f.off, 86400))
	}
	return calendar.DateIn(time.Unix(sec, 0).In(f.loc))
}

// startOf returns the first instant (Unix seconds) whose local date and time
// of day are at or after (d, tod): the wall-clock instant itself, the end of
// a DST gap that swallows it, or the earlier of two repeated instants.
func (f *frame) startOf(d calendar.Date, tod int32) int64 {
	s := int64(d)*86400 + int64(tod) - f.off
	if s-3*3600 >= f.lo && s < f.hi {
		return s
	}
	return wallInstant(f.loc, d, tod)
}

func wallSecs(t time.Time) int64 {
	h, m, s := t.Clock()
	return int64(calendar.DateIn(t))*86400 + int64(h*3600+m*60+s)
}

// wallInstant is startOf without the cache.
func wallInstant(loc *time.Location, d calendar.Date, tod int32) int64 {
	y, m, dd := d.YMD()
	want := int64(d)*86400 + int64(tod)
	t := time.Date(y, m, dd, 0, 0, int(tod), 0, loc)
	if got := wallSecs(t); got != want {
		// In a gap: the first instant at or after the wanted wall time is
		// the transition that skipped it.
		s, e := t.ZoneBounds()
		if got > want && !s.IsZero() {
			t = s
		} else if got < want && !e.IsZero() {
			t = e
		}
	}
	for _, back := range [...]time.Duration{time.Hour, 30 * time.Minute, 2 * time.Hour} {
		if e := t.Add(-back); wallSecs(e.In(loc)) >= want && e.Before(t) {
			t = e
		}
	}
	return t.Unix()
}
