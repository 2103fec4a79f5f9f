package calendar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance/calendar"
)

func TestDateArithmetic(t *testing.T) {
	t.Parallel()
	for d := calendar.DateOf(1999, 12, 1); d < calendar.DateOf(2031, 1, 1); d++ {
		y, m, dd := d.YMD()
		tm := time.Date(y, m, dd, 12, 0, 0, 0, time.UTC)
		require.Equal(t, d, calendar.DateIn(tm))
		require.Equal(t, tm.Weekday(), d.Weekday())
	}
	assert.Equal(t, calendar.DateOf(2028, 3, 1), calendar.DateOf(2028, 2, 29)+1)
	assert.Equal(t, calendar.DateOf(2026, 1, 26), calendar.DateOf(2026, 2, 1).Monday())
	assert.Equal(t, calendar.DateOf(2027, 1, 1), calendar.DateOf(2026, 12, 31).NextMonth())
}

func TestRussia(t *testing.T) {
	t.Parallel()
	ru := calendar.Russia()
	for s, want := range map[string]calendar.Kind{
		"2025-01-08": calendar.Holiday, "2025-01-09": calendar.Working, "2025-11-01": calendar.Working,
		"2025-11-02": calendar.Holiday, "2025-11-03": calendar.Holiday, "2025-11-04": calendar.Holiday,
		"2025-11-05": calendar.Working, "2025-11-08": calendar.Weekend, "2025-12-31": calendar.Holiday,
		"2026-01-11": calendar.Holiday, "2026-01-12": calendar.Working, "2026-02-20": calendar.Working,
		"2026-02-21": calendar.Holiday, "2026-03-09": calendar.Holiday, "2026-05-11": calendar.Holiday,
		"2026-11-04": calendar.Holiday, "2026-11-07": calendar.Weekend,
	} {
		d, err := calendar.ParseDate(s)
		require.NoError(t, err)
		k, ok := ru.Kind(d)
		assert.True(t, ok)
		assert.Equal(t, want, k, s)
	}
	_, ok := ru.Kind(calendar.DateOf(2027, 3, 17))
	assert.False(t, ok, "2027 has no decree yet")
	assert.Equal(t, []int{2025, 2026}, ru.Years())
}

func TestLoadJSON(t *testing.T) {
	t.Parallel()
	// 2025 as published in the xmlcalendar.ru format.
	doc := `{"year":2025,"months":[
	{"month":1,"days":"1,2,3,4,5,6,7,8,11,12,18,19,25,26"},{"month":2,"days":"1,2,8,9,15,16,22,23"},
	{"month":3,"days":"1,2,7*,8,9,15,16,22,23,29,30"},{"month":4,"days":"5,6,12,13,19,20,26,27,29*"},
	{"month":5,"days":"1,2+,3,4,7*,8,9,10,11,17,18,24,25,31"},{"month":6,"days":"1,7,8,11*,12,13+,14,15,21,22,28,29"},
	{"month":7,"days":"5,6,12,13,19,20,26,27"},{"month":8,"days":"2,3,9,10,16,17,23,24,30,31"},
	{"month":9,"days":"6,7,13,14,20,21,27,28"},{"month":10,"days":"4,5,11,12,18,19,25,26"},
	{"month":11,"days":"1*,2,3+,4,8,9,15,16,22,23,29,30"},{"month":12,"days":"6,7,13,14,20,21,27,28,31+"}],
	"transitions":[{"from":"01.04","to":"05.02"}]}`
	tab, err := calendar.LoadJSON(strings.NewReader(doc))
	require.NoError(t, err)
	ru := calendar.Russia()
	for d := calendar.DateOf(2025, 1, 1); d < calendar.DateOf(2026, 1, 1); d++ {
		k1, ok1 := tab.Kind(d)
		k2, _ := ru.Kind(d)
		require.True(t, ok1)
		require.Equal(t, k2.DayOff(), k1.DayOff(), d.String())
	}
	_, err = calendar.LoadJSON(strings.NewReader(`{"year":2025,"months":[{"month":13,"days":"1"}]}`))
	require.Error(t, err)
	_, err = calendar.LoadJSON(strings.NewReader(`{"year":2025,"months":[{"month":2,"days":"30"}]}`))
	require.Error(t, err)
}

func TestLayeredRegionalHoliday(t *testing.T) {
	t.Parallel()
	kurban, err := calendar.NewTable(calendar.YearSpec{Year: 2026, DaysOff: []calendar.Date{calendar.DateOf(2026, 5, 27)}})
	require.NoError(t, err)
	tat := calendar.Layered{Base: calendar.Russia(), Over: kurban}
	k, ok := tat.Kind(calendar.DateOf(2026, 5, 27))
	assert.True(t, ok)
	assert.Equal(t, calendar.Holiday, k)
	k, _ = calendar.Russia().Kind(calendar.DateOf(2026, 5, 27))
	assert.Equal(t, calendar.Working, k)
}

func TestMonthBounds(t *testing.T) {
	t.Parallel()
	from, to := calendar.DateOf(1899, time.January, 1), calendar.DateOf(2401, time.January, 1)
	for d := from; d < to; d++ {
		first, next := d.MonthBounds()
		if first != d.FirstOfMonth() || next != d.NextMonth() {
			t.Fatalf("%s: MonthBounds = %s, %s; want %s, %s", d, first, next, d.FirstOfMonth(), d.NextMonth())
		}
	}
	first, next := calendar.DateOf(2028, time.February, 29).MonthBounds()
	assert.Equal(t, "2028-02-01", first.String())
	assert.Equal(t, "2028-03-01", next.String())
}
