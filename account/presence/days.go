package presence

import (
	"errors"
	"time"

	"github.com/switchboardkit/switchboard/storage"
)

// DateLayout is how local days are written: "2006-01-02".
const DateLayout = time.DateOnly

// dayOf returns the local date of t in loc.
func dayOf(t time.Time, loc *time.Location) string { return t.In(loc).Format(DateLayout) }

// dayMemo is dayOf remembering its last answer: the instants one
// projection (or one ApplyDue's projections) names mostly fall on one day.
// The zero value is ready; a nil *dayMemo is dayOf.
type dayMemo struct {
	loc  *time.Location
	y, d int
	m    time.Month
	day  string
}

// of is dayOf(t, loc).
func (dm *dayMemo) of(t time.Time, loc *time.Location) string {
	if dm == nil {
		return dayOf(t, loc)
	}
	lt := t.In(loc)
	y, m, d := lt.Date()
	if dm.day == "" || dm.loc != loc || dm.y != y || dm.m != m || dm.d != d {
		*dm = dayMemo{loc: loc, y: y, m: m, d: d, day: lt.Format(DateLayout)}
	}
	return dm.day
}

// dayBounds returns the first instant of the local day containing t and the
// first instant of the next one. A DST day is 23 or 25 hours long; where a
// zone skips midnight, the day starts at the first instant that exists.
func dayBounds(t time.Time, loc *time.Location) (start, next time.Time) {
	y, m, d := t.In(loc).Date()
	return storage.Timestamp(time.Date(y, m, d, 0, 0, 0, 0, loc)), storage.Timestamp(time.Date(y, m, d+1, 0, 0, 0, 0, loc))
}

// errDateRange: a date whose day is not within storage.ValidTime.
var errDateRange = errors.New("date out of range")

// dateBounds is dayBounds for a date written in DateLayout, within the
// range of storage.ValidTime (1970 to 2199).
func dateBounds(day string, loc *time.Location) (start, next time.Time, err error) {
	d, err := time.ParseInLocation(DateLayout, day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	start, next = dayBounds(d, loc)
	if !storage.ValidTime(start) || !storage.ValidTime(next) {
		return time.Time{}, time.Time{}, errDateRange
	}
	return start, next, nil
}

// splitDays cuts [from, to) at every local midnight of loc and returns the
// pieces with their dates (named through names, which may be nil).
func splitDays(from, to time.Time, loc *time.Location, names *dayMemo, fn func(day string, from, to time.Time)) {
	for from.Before(to) {
		_, next := dayBounds(from, loc)
		end := to
		if next.Before(end) {
			end = next
		}
		fn(names.of(from, loc), from, end)
		from = end
	}
}

// overlap is the length of [a1, a2) ∩ [b1, b2).
func overlap(a1, a2, b1, b2 time.Time) time.Duration {
	if b1.After(a1) {
		a1 = b1
	}
	if b2.Before(a2) {
		a2 = b2
	}
	if !a2.After(a1) {
		return 0
	}
	return a2.Sub(a1)
}
