package bunstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
)

// The hot statements' arguments travel as literals in EXECUTE's text, so
// every hard value must come back from the server exactly as sent: quotes,
// backslashes, statement separators, placeholders in the text, 4-byte
// UTF-8, right-to-left marks, the integer extremes, a zone other than UTC,
// bytes that are not text, NULL.
func TestHotStatementLiteralsPostgres(t *testing.T) {
	dsn := postgresDSN(t, "the prepared hot statements")
	ctx := context.Background()
	st, err := OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	st.db.SetMaxOpenConns(1)

	zone := time.FixedZone("MSK", 3*3600)
	strs := []string{"", "plain", "it's", `back\slash\'`, "O''Reilly", "'); DROP TABLE audit_events; --", "$1 ? $$ $tag$",
		"юникод 🎉 \u200f עברית", "e\u0301", "tab\there\nnewline"}
	ints := []int64{0, -1, math.MaxInt64, math.MinInt64}
	times := []time.Time{time.Date(2026, 12, 4, 10, 11, 12, 345678000, zone), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)}
	const q = "SELECT ?::text, ?::bigint, ?::bool, ?::timestamptz, ?::bytea, ?::jsonb, ?::text"
	for i, s := range strs {
		in := struct {
			s  string
			n  int64
			b  bool
			at time.Time
			by []byte
			js []byte
		}{s, ints[i%len(ints)], i%2 == 0, times[i%len(times)], []byte{0, 1, '\'', '\\', 0xff, byte(i)}, mustJSON(t, map[string]string{"k": s})}
		before := st.trips.Load()
		rows, err := st.hotQuery(ctx, "test", q, in.s, in.n, in.b, in.at, in.by, in.js, nil)
		require.NoError(t, err, "%q", s)
		var gotS string
		var gotN int64
		var gotB bool
		var gotAt time.Time
		var gotBy, gotJS []byte
		var gotNull sql.NullString
		require.NoError(t, scanOne(rows, &gotS, &gotN, &gotB, &gotAt, &gotBy, &gotJS, &gotNull), "%q", s)
		require.Equal(t, in.s, gotS)
		require.Equal(t, in.n, gotN)
		require.Equal(t, in.b, gotB)
		require.True(t, in.at.Equal(gotAt), "%v != %v", in.at, gotAt)
		require.Equal(t, in.by, gotBy)
		require.JSONEq(t, string(in.js), string(gotJS))
		require.False(t, gotNull.Valid)
		want := int64(1)
		if i == 0 {
			want = 2 // prepared first
		}
		require.Equal(t, want, st.trips.Load()-before, "round trips of call %d", i)
	}
	var prepared int
	require.NoError(t, st.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_prepared_statements WHERE name LIKE 'sb\\_%'").Scan(&prepared))
	require.Equal(t, 1, prepared, "the statement ran prepared, once")

	// A value pgLiteral does not write (a float) falls back to pgx's own
	// formatting and still gives the right answer.
	rows, err := st.hotQuery(ctx, "test", "SELECT ?::float8 * 2", 1.25)
	require.NoError(t, err)
	var f float64
	require.NoError(t, scanOne(rows, &f))
	require.Equal(t, 2.5, f)
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// switchboard_prepare=off (for a pooler in transaction mode) sends the hot
// statements unprepared: no prepare round trip, nothing left prepared on
// the connection, the same answer. The parameter is the store's, never
// sent to the server, and takes on or off only.
func TestHotStatementsUnpreparedPostgres(t *testing.T) {
	dsn := postgresDSN(t, "switchboard_prepare=off")
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	ctx := context.Background()
	st, err := OpenPostgres(ctx, dsn+sep+"switchboard_prepare=off")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	st.db.SetMaxOpenConns(1)
	for i := range 2 {
		before := st.trips.Load()
		rows, err := st.hotQuery(ctx, "test", "SELECT ?::text || ?::text", "it's", fmt.Sprint(i))
		require.NoError(t, err)
		var got string
		require.NoError(t, scanOne(rows, &got))
		require.Equal(t, "it's"+fmt.Sprint(i), got)
		require.Equal(t, int64(1), st.trips.Load()-before, "call %d", i)
	}
	var prepared int
	require.NoError(t, st.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_prepared_statements").Scan(&prepared))
	require.Zero(t, prepared)

	_, err = OpenPostgres(ctx, dsn+sep+"switchboard_prepare=maybe")
	require.ErrorIs(t, err, storage.ErrInvalid)
	viaOpen, err := Open(ctx, dsn+sep+"switchboard_prepare=off")
	require.NoError(t, err, "Open takes the parameter too")
	require.NoError(t, viaOpen.Close())
}

// postgresDSN is SWITCHBOARD_POSTGRES_DSN; unset, the test is skipped
// saying what goes untested, or fails under CI=true.
func postgresDSN(t *testing.T, what string) string {
	t.Helper()
	dsn := os.Getenv("SWITCHBOARD_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SWITCHBOARD_POSTGRES_DSN is unset under CI=true")
		}
		t.Skip("SWITCHBOARD_POSTGRES_DSN unset: " + what + " not tested")
	}
	return dsn
}
