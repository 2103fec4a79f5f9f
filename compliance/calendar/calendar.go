package calendar

import (
	"fmt"
	"sort"
	"time"
)

// Kind is the kind of a day for the purpose of time-of-day rules.
type Kind uint8

// Kinds of day.
const (
	// Working is a working day (including a Saturday made working by decree).
	Working Kind = iota
	// Weekend is an ordinary day off (Saturday or Sunday not made working).
	Weekend
	// Holiday is a non-working holiday or a day off moved onto a weekday by decree.
	Holiday
)

// String returns "working", "weekend" or "holiday".
func (k Kind) String() string {
	switch k {
	case Working:
		return "working"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// DayOff reports whether k is a weekend or a holiday.
func (k Kind) DayOff() bool { return k != Working }

// Calendar tells the kind of a civil date. Implementations must be safe for
// concurrent use and should not allocate: compliance asks on every call.
type Calendar interface {
	// Kind returns the kind of d and true, or (Weekend-or-Working by weekday,
	// false) when the calendar has no data for d's year.
	Kind(d Date) (Kind, bool)
}

// year holds one year's exceptions to the weekday rule as bitsets per month
// (bit i = day i+1).
type year struct {
	off     [12]uint32 // days off that are not ordinary Saturdays/Sundays, or holidays on weekends
	working [12]uint32 // Saturdays/Sundays made working days
}

// Table is a Calendar over explicitly listed years. The zero value knows no
// year. A Table is immutable once built and safe for concurrent use.
type Table struct {
	years map[int]*year
}

// Kind implements Calendar.
func (t *Table) Kind(d Date) (Kind, bool) {
	y, m, dd := d.YMD()
	wd := d.Weekday()
	byWeekday := Working
	if wd == time.Saturday || wd == time.Sunday {
		byWeekday = Weekend
	}
	if t == nil {
		return byWeekday, false
	}
	yr, ok := t.years[y]
	if !ok {
		return byWeekday, false
	}
	bit := uint32(1) << (dd - 1)
	switch {
	case yr.off[m-1]&bit != 0:
		return Holiday, true
	case yr.working[m-1]&bit != 0:
		return Working, true
	}
	return byWeekday, true
}

// Years lists the years the table has data for, ascending.
func (t *Table) Years() []int {
	out := make([]int, 0, len(t.years))
	for y := range t.years {
		out = append(out, y)
	}
	sort.Ints(out)
	return out
}

// YearSpec describes one year of a production calendar: the days off beyond
// ordinary weekends (holidays and transferred days off; listing a weekend day
// marks it a holiday) and the weekend days made working.
type YearSpec struct {
	Year    int
	DaysOff []Date
	Working []Date
}

// NewTable builds a Table from year specs. It rejects a date outside its
// spec's year, a date listed both as off and working, a working day that is
// not a Saturday or Sunday, and a year given twice.
func NewTable(specs ...YearSpec) (*Table, error) {
	t := &Table{years: map[int]*year{}}
	for _, s := range specs {
		if _, dup := t.years[s.Year]; dup {
			return nil, fmt.Errorf("calendar: year %d given twice", s.Year)
		}
		yr := &year{}
		for _, d := range s.DaysOff {
			y, m, dd := d.YMD()
			if y != s.Year {
				return nil, fmt.Errorf("calendar: day off %s outside year %d", d, s.Year)
			}
			yr.off[m-1] |= 1 << (dd - 1)
		}
		for _, d := range s.Working {
			y, m, dd := d.YMD()
			if y != s.Year {
				return nil, fmt.Errorf("calendar: working day %s outside year %d", d, s.Year)
			}
			if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return nil, fmt.Errorf("calendar: working day %s is a %s, not a weekend day", d, wd)
			}
			if yr.off[m-1]&(1<<(dd-1)) != 0 {
				return nil, fmt.Errorf("calendar: %s is both a day off and a working day", d)
			}
			yr.working[m-1] |= 1 << (dd - 1)
		}
		t.years[s.Year] = yr
	}
	return t, nil
}

// Merge returns a table with the years of t and of others; a year present in
// several is taken from the last one that has it.
func (t *Table) Merge(others ...*Table) *Table {
	out := &Table{years: map[int]*year{}}
	for _, src := range append([]*Table{t}, others...) {
		if src == nil {
			continue
		}
		for y, yr := range src.years {
			out.years[y] = yr
		}
	}
	return out
}

// Layered is a Calendar that asks Over first for the days it marks as
// holidays (a region's own holidays, e.g. Tatarstan's Kurban Bayram) and
// Base for everything else. A year Base has no data for stays "no data".
type Layered struct {
	Base Calendar
	Over *Table
}

// Kind implements Calendar.
func (l Layered) Kind(d Date) (Kind, bool) {
	k, ok := l.Base.Kind(d)
	if l.Over != nil {
		if ok2 := l.Over.holiday(d); ok2 {
			return Holiday, ok
		}
	}
	return k, ok
}

func (t *Table) holiday(d Date) bool {
	y, m, dd := d.YMD()
	yr, ok := t.years[y]
	return ok && yr.off[m-1]&(1<<(dd-1)) != 0
}

// span lists the dates from..to inclusive.
func span(from, to Date) []Date {
	out := make([]Date, 0, to-from+1)
	for d := from; d <= to; d++ {
		out = append(out, d)
	}
	return out
}
