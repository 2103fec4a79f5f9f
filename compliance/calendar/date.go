package calendar

import "time"

// Date is a civil date (no time of day, no zone) as a count of days since
// 1970-01-01 in the proleptic Gregorian calendar. Arithmetic on it is integer
// arithmetic: d+1 is the next day whatever the time zone's DST rules say, so
// "calendar day", "calendar week" and "N consecutive days" are exact.
type Date int32

// DateOf returns the Date of year y, month m, day d. Out-of-range days and
// months are normalised the way time.Date does (Feb 30 is Mar 2).
func DateOf(y int, m time.Month, d int) Date {
	// Normalise the month first so days_from_civil sees 1..12.
	y += (int(m) - 1) / 12
	mm := (int(m)-1)%12 + 1
	if mm <= 0 {
		mm += 12
		y--
	}
	return Date(daysFromCivil(y, mm, 1) + d - 1)
}

// DateIn returns the local date of t in t's location.
func DateIn(t time.Time) Date {
	y, m, d := t.Date()
	return Date(daysFromCivil(y, int(m), d))
}

// YMD returns the year, month and day of d.
func (d Date) YMD() (int, time.Month, int) {
	y, m, dd := civilFromDays(int(d))
	return y, time.Month(m), dd
}

// Year returns d's year.
func (d Date) Year() int { y, _, _ := d.YMD(); return y }

// Weekday returns d's day of the week.
func (d Date) Weekday() time.Weekday {
	// 1970-01-01 was a Thursday.
	w := (int(d) + 4) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}

// Monday returns the Monday of d's week (weeks start on Monday).
func (d Date) Monday() Date {
	return d - Date((int(d.Weekday())+6)%7)
}

// FirstOfMonth returns the first day of d's month.
func (d Date) FirstOfMonth() Date {
	y, m, _ := d.YMD()
	return DateOf(y, m, 1)
}

// NextMonth returns the first day of the month after d's.
func (d Date) NextMonth() Date {
	y, m, _ := d.YMD()
	return DateOf(y, m+1, 1)
}

// MonthBounds returns the first day of d's month and the first day of the
// month after: FirstOfMonth and NextMonth in one conversion.
func (d Date) MonthBounds() (first, next Date) {
	y, m, dd := civilFromDays(int(d))
	first = d - Date(dd-1)
	return first, first + Date(daysIn(y, m))
}

// daysIn returns the number of days of month m (1…12) of year y.
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	y, m, dd := d.YMD()
	return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, err
	}
	return DateIn(t), nil
}

// daysFromCivil is Howard Hinnant's days_from_civil.
func daysFromCivil(y, m, d int) int {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is Howard Hinnant's civil_from_days.
func civilFromDays(z int) (int, int, int) {
	z += 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

func monthOf(m int) time.Month { return time.Month(m) }
