package calendar

import (
	"sync"
	"time"
)

// Russia returns the federal production calendar of the Russian Federation
// (5-day week) for the years established by published government decrees:
//
//   - 2025, decree No. 1335 of 4 October 2024: days off Jan 1–8, Feb 23,
//     Mar 8, May 1–4, May 8–11, Jun 12–15, Nov 2–4, Dec 31, plus ordinary
//     weekends; Saturday Nov 1 is a working day.
//   - 2026, decree No. 1466 of 24 September 2025: days off Jan 1–11,
//     Feb 21–23, Mar 7–9, May 1–3, May 9–11, Jun 12–14, Nov 4, Dec 31, plus
//     ordinary weekends; no working Saturdays.
//
// 2027 and later are "no data" until a decree is added (LoadJSON and Merge
// add years at run time). Regional holidays are not included; layer them
// with Layered.
func Russia() *Table {
	russiaOnce.Do(func() {
		d := DateOf
		r := func(y int, m time.Month, from, to int) []Date { return span(d(y, m, from), d(y, m, to)) }
		cat := func(parts ...[]Date) []Date {
			var out []Date
			for _, p := range parts {
				out = append(out, p...)
			}
			return out
		}
		t, err := NewTable(
			YearSpec{Year: 2025,
				DaysOff: cat(r(2025, 1, 1, 8), r(2025, 2, 23, 23), r(2025, 3, 8, 8), r(2025, 5, 1, 4),
					r(2025, 5, 8, 11), r(2025, 6, 12, 15), r(2025, 11, 2, 4), r(2025, 12, 31, 31)),
				Working: []Date{d(2025, 11, 1)}},
			YearSpec{Year: 2026,
				DaysOff: cat(r(2026, 1, 1, 11), r(2026, 2, 21, 23), r(2026, 3, 7, 9), r(2026, 5, 1, 3),
					r(2026, 5, 9, 11), r(2026, 6, 12, 14), r(2026, 11, 4, 4), r(2026, 12, 31, 31))},
		)
		if err != nil {
			panic(err) // the table above is a constant; a failure is a programming error
		}
		russia = t
	})
	return russia
}

var (
	russiaOnce sync.Once
	russia     *Table
)
