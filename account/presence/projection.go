package presence

import (
	"context"
	"time"

	"github.com/switchboardkit/switchboard/storage"
)

// projection carries one member's status forward in time: it applies the
// automatic switches that fell due, closes intervals at local midnights and
// computes when the next switch is due. Its results (pending intervals,
// switches) are written by SetStatus and ApplyDue and only looked at by the
// read-only views, so every caller sees the same, deterministic history.
type projection struct {
	ctx       context.Context
	store     Store
	companyID string
	userID    string
	loc       *time.Location
	types     map[string]*PauseType
	days      map[string][]Interval // stored intervals by day, loaded lazily
	pending   []Interval            // closed intervals not stored yet
	switches  []Switch
	names     *dayMemo // names the local days
	ids       *idPool  // gives the closed intervals their IDs (nil: storage.NewID)
}

// idPool hands out storage.NewIDs, batch at a time.
type idPool struct {
	batch int
	ids   []string
}

// next is a new ID (storage.NewID when p is nil).
func (p *idPool) next() string {
	if p == nil {
		return storage.NewID()
	}
	if len(p.ids) == 0 {
		p.ids = storage.NewIDs(max(p.batch, 1))
	}
	id := p.ids[0]
	p.ids = p.ids[1:]
	return id
}

func newProjection(ctx context.Context, st Store, companyID, userID string, loc *time.Location, types []*PauseType) *projection {
	return newProjectionOf(ctx, st, companyID, userID, loc, typesByID(types))
}

// newProjectionOf is newProjection for the types already by ID (a map the
// projection only reads, so projections of one company can share it).
func newProjectionOf(ctx context.Context, st Store, companyID, userID string, loc *time.Location, types map[string]*PauseType) *projection {
	return &projection{ctx: ctx, store: st, companyID: companyID, userID: userID, loc: loc,
		types: types, days: make(map[string][]Interval, 1), names: new(dayMemo)}
}

// reset makes p a fresh projection of another member (as newProjectionOf),
// reusing its map and slices: their contents must have been copied out.
func (p *projection) reset(companyID, userID string, loc *time.Location, types map[string]*PauseType) {
	p.companyID, p.userID, p.loc, p.types = companyID, userID, loc, types
	clear(p.days)
	clear(p.pending)
	clear(p.switches)
	p.pending, p.switches = p.pending[:0], p.switches[:0]
}

func typesByID(types []*PauseType) map[string]*PauseType {
	m := make(map[string]*PauseType, len(types))
	for _, t := range types {
		m[t.ID] = t
	}
	return m
}

// dayIntervals returns the stored intervals of day.
func (p *projection) dayIntervals(day string) ([]Interval, error) {
	if ivs, ok := p.days[day]; ok {
		return ivs, nil
	}
	ivs, err := p.store.DayIntervals(p.ctx, p.companyID, p.userID, day)
	if err != nil {
		return nil, err
	}
	p.days[day] = ivs
	return ivs, nil
}

// spentAt is the time spent in pause type typeID on the local day of at, up
// to at: stored and pending intervals of that day, plus the part of the
// running status cur (if it is that pause) between the day's start and at.
func (p *projection) spentAt(cur *Current, typeID string, at time.Time) (time.Duration, error) {
	day := p.names.of(at, p.loc)
	ivs, err := p.dayIntervals(day)
	if err != nil {
		return 0, err
	}
	var spent time.Duration
	for _, list := range [][]Interval{ivs, p.pending} {
		for i := range list {
			if iv := &list[i]; iv.Day == day && iv.State == Away && iv.PauseTypeID == typeID {
				spent += iv.Duration()
			}
		}
	}
	if cur != nil && cur.State == Away && cur.PauseTypeID == typeID {
		start, _ := dayBounds(at, p.loc)
		spent += overlap(cur.Since, at, start, at)
	}
	return spent, nil
}

// left is the allocation of t left on the local day of at (negative when
// exceeded); ok is false for an unlimited type.
func (p *projection) left(cur *Current, t *PauseType, at time.Time) (left time.Duration, ok bool, err error) {
	if !t.Limited() {
		return 0, false, nil
	}
	spent, err := p.spentAt(cur, t.ID, at)
	if err != nil {
		return 0, false, err
	}
	return *t.DailyAllocation - spent, true, nil
}

// close appends the running status's interval [cur.Since, at), cut at local
// midnights, to the pending intervals.
func (p *projection) close(cur *Current, at time.Time) {
	if cur.Version == 0 || !at.After(cur.Since) {
		return // nothing was ever recorded, or nothing elapsed
	}
	paid := false
	if t := p.types[cur.PauseTypeID]; cur.State == Away && t != nil {
		paid = t.Paid
	}
	splitDays(cur.Since, at, p.loc, p.names, func(day string, from, to time.Time) {
		p.pending = append(p.pending, Interval{ID: p.ids.next(), CompanyID: p.companyID, UserID: p.userID,
			Day: day, State: cur.State, PauseTypeID: cur.PauseTypeID, Paid: paid, Start: from, End: to,
			Cause: cur.Cause, SetBy: cur.SetBy})
	})
}

// due returns when a pause of type typeID begun at `at` (the running status
// cur, already in it) must switch to its fallback, or nil when it never
// will: unlimited types and types without a fallback never switch.
func (p *projection) due(cur *Current, typeID string, at time.Time) (*time.Time, error) {
	t := p.types[typeID]
	if t == nil || !t.Limited() || t.FallbackID == "" {
		return nil, nil
	}
	left, _, err := p.left(cur, t, at)
	if err != nil {
		return nil, err
	}
	// The hysteresis: a pause begun with time left is armed and fires when
	// the time left reaches 0; one begun with nothing left (an
	// administrator's override) is disarmed and re-arms only when the time
	// left goes back above 0, which happens at the next local midnight, when
	// a fresh allocation starts.
	_, armed := exhaustion.Step(true, left)
	cursor := at
	for range 4 { // an allocation is at most 24h, a day at least 23h
		_, next := dayBounds(cursor, p.loc)
		if armed && cursor.Add(left).Before(next) {
			d := cursor.Add(left)
			return &d, nil
		}
		cursor, left = next, *t.DailyAllocation
		_, armed = exhaustion.Step(armed, left)
	}
	return nil, nil // an allocation as long as the day never runs out
}

// fallbackTarget returns the pause type to switch to when t runs out at
// `at`: the first type along t's fallback chain that is not archived and
// still has time left that day (or is unlimited); when every one is used up,
// the last non-archived type of the chain. "" when the chain has no usable
// type.
func (p *projection) fallbackTarget(t *PauseType, at time.Time) (string, error) {
	last := ""
	seen := map[string]bool{t.ID: true}
	for id := t.FallbackID; id != "" && !seen[id]; {
		seen[id] = true
		fb := p.types[id]
		if fb == nil {
			break
		}
		if !fb.Archived {
			left, limited, err := p.left(nil, fb, at)
			if err != nil {
				return "", err
			}
			if !limited || !exhausted(left) {
				return fb.ID, nil
			}
			last = fb.ID
		}
		id = fb.FallbackID
	}
	return last, nil
}

// advance applies to cur every automatic switch due at or before now, each
// at its due instant, collecting the closed intervals and the switches. It
// reports whether cur changed.
func (p *projection) advance(cur *Current, now time.Time) (bool, error) {
	changed := false
	for cur.DueAt != nil && !cur.DueAt.After(now) {
		at := *cur.DueAt
		changed = true
		t := p.types[cur.PauseTypeID]
		if cur.State != Away || t == nil || !t.Limited() || t.FallbackID == "" {
			cur.DueAt = nil // the type changed since the instant was computed
			continue
		}
		left, _, err := p.left(cur, t, at)
		if err != nil {
			return changed, err
		}
		if !exhausted(left) { // the allocation was raised meanwhile: postpone
			if cur.DueAt, err = p.due(cur, t.ID, at); err != nil {
				return changed, err
			}
			continue
		}
		target, err := p.fallbackTarget(t, at)
		if err != nil {
			return changed, err
		}
		if target == "" {
			cur.DueAt = nil
			continue
		}
		p.close(cur, at)
		p.switches = append(p.switches, Switch{CompanyID: p.companyID, UserID: p.userID, From: t.ID, To: target, At: at})
		*cur = Current{CompanyID: p.companyID, UserID: p.userID, State: Away, PauseTypeID: target, Since: at,
			Cause: CauseAuto, Version: cur.Version}
		if cur.DueAt, err = p.due(cur, target, at); err != nil {
			return changed, err
		}
	}
	return changed, nil
}
