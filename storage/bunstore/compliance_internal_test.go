package bunstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
)

func TestParseHistoryTimes(t *testing.T) {
	t.Parallel()
	for _, tc := range []string{"2026-03-18 09:00:00+00:00", "2026-03-18 09:00:00.5+00:00", "1999-12-31 23:59:59.123456+00:00",
		"2024-02-29 00:00:00.000001+00:00", "1970-01-01 00:00:00+00:00"} {
		want, err := time.Parse("2006-01-02 15:04:05.999999-07:00", tc)
		require.NoError(t, err)
		got, ok := parseMicros([]byte(tc), true)
		require.True(t, ok, tc)
		assert.Equal(t, want.UnixMicro(), got, tc)
	}
	for _, bad := range []string{"", "2026-03-18", "2026-03-18 09:00:00+03:00", "2026-03-18T09:00:00x"} {
		_, ok := parseMicros([]byte(bad), true)
		assert.False(t, ok, bad)
	}
	recs, ok := parseHistory([]byte("10,20,A;30,,H;40,,T;50,,M;60,,Z"), false, nil)
	assert.True(t, ok)
	assert.Equal(t, []compliance.Record{{At: 10, Classes: compliance.ClassAll, Until: 20},
		{At: 30, Classes: compliance.OutcomeAnsweredHuman.Classes()}, {At: 40, Classes: compliance.ClassAttempt},
		{At: 50, Classes: compliance.ClassMessage}, {At: 60}}, recs)
	_, ok = parseHistory([]byte("10,20,A;30,"), false, nil)
	assert.False(t, ok, "a truncated string")
	_, ok = parseHistory([]byte("10,20,A;30,,"), false, nil)
	assert.False(t, ok, "a truncated string")
	_, ok = parseHistory([]byte("10,2"), false, nil)
	assert.False(t, ok, "a truncated string")
	_, ok = parseHistory([]byte("10,5,T"), false, nil)
	assert.False(t, ok, "an expiry on a finished call")
	// Out of order (another plan): sorted by At, equal instants in the
	// database's order.
	recs, ok = parseHistory([]byte("50,,M;10,20,A;30,,H;10,,T"), false, []compliance.Record{{At: 99}})
	assert.True(t, ok)
	assert.Equal(t, []compliance.Record{{At: 99}, {At: 10, Classes: compliance.ClassAll, Until: 20}, {At: 10, Classes: compliance.ClassAttempt},
		{At: 30, Classes: compliance.OutcomeAnsweredHuman.Classes()}, {At: 50, Classes: compliance.ClassMessage}}, recs)
}
