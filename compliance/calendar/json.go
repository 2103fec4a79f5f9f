package calendar

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// LoadJSON reads production calendars in the common JSON format of public
// Russian production-calendar datasets (xmlcalendar.ru and its mirrors): one
// object per year, or an array of them,
//
//	{"year": 2025, "months": [{"month": 1, "days": "1,2,3,4,5,6,7,8,11,12,18,19,25,26"}, …]}
//
// where "days" lists the month's non-working days. A day suffixed "*" is a
// shortened pre-holiday working day (a working day); "+" marks a day off
// transferred from elsewhere (a day off). A weekend day not listed is a
// working day (a transferred working Saturday); a weekday listed is a
// holiday. Unknown fields ("transitions", "statistic", …) are ignored.
func LoadJSON(r io.Reader) (*Table, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("calendar: read: %w", err)
	}
	type month struct {
		Month int    `json:"month"`
		Days  string `json:"days"`
	}
	type doc struct {
		Year   int     `json:"year"`
		Months []month `json:"months"`
	}
	var docs []doc
	trimmed := strings.TrimSpace(string(raw))
	if strings.HasPrefix(trimmed, "[") {
		err = json.Unmarshal(raw, &docs)
	} else {
		var one doc
		err = json.Unmarshal(raw, &one)
		docs = []doc{one}
	}
	if err != nil {
		return nil, fmt.Errorf("calendar: decode: %w", err)
	}
	var specs []YearSpec
	for _, dc := range docs {
		if dc.Year < 1900 || dc.Year > 9999 {
			return nil, fmt.Errorf("calendar: year %d out of range", dc.Year)
		}
		if len(dc.Months) == 0 {
			return nil, fmt.Errorf("calendar: year %d lists no months", dc.Year)
		}
		spec := YearSpec{Year: dc.Year}
		var seen [13]bool
		for _, m := range dc.Months {
			if m.Month < 1 || m.Month > 12 || seen[m.Month] {
				return nil, fmt.Errorf("calendar: year %d: bad or repeated month %d", dc.Year, m.Month)
			}
			seen[m.Month] = true
			listed := map[int]bool{}
			for _, f := range strings.Split(m.Days, ",") {
				f = strings.TrimSpace(f)
				if f == "" {
					continue
				}
				short := strings.HasSuffix(f, "*")
				n, err := strconv.Atoi(strings.TrimRight(f, "*+"))
				first := DateOf(dc.Year, monthOf(m.Month), 1)
				if err != nil || n < 1 || n > int(first.NextMonth()-first) {
					return nil, fmt.Errorf("calendar: year %d month %d: bad day %q", dc.Year, m.Month, f)
				}
				if !short {
					listed[n] = true
				}
			}
			first := DateOf(dc.Year, monthOf(m.Month), 1)
			for d := first; d < first.NextMonth(); d++ {
				_, _, n := d.YMD()
				weekend := d.Weekday() == 0 || d.Weekday() == 6
				switch {
				case listed[n] && !weekend:
					spec.DaysOff = append(spec.DaysOff, d)
				case !listed[n] && weekend:
					spec.Working = append(spec.Working, d)
				}
			}
		}
		for mo := 1; mo <= 12; mo++ {
			if !seen[mo] {
				return nil, fmt.Errorf("calendar: year %d: month %d missing", dc.Year, mo)
			}
		}
		specs = append(specs, spec)
	}
	return NewTable(specs...)
}
