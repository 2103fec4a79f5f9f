package bunstore_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// TestHistoryIsFolded: every dialect's history read folds the rows into
// one string the store parses, and agrees with the plain History read.
func TestHistoryIsFolded(t *testing.T) {
	ctx := context.Background()
	outcomes := []compliance.Outcome{compliance.OutcomeAnsweredHuman, compliance.OutcomeNoAnswer, compliance.OutcomeMessageSent,
		compliance.OutcomeBusy, compliance.OutcomeAnsweringMachine, compliance.OutcomeFailed}
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL,
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			cs := st.Compliance()
			co := storage.NewID()
			base := time.Date(2026, 3, 18, 9, 0, 0, 123456000, time.UTC)
			var rs []compliance.Reservation
			for i := range 150 {
				r := compliance.Reservation{ID: storage.NewID(), CompanyID: co, Key: "k", Phone: "+74951234567",
					ReservedAt: base.Add(-time.Duration(i) * time.Hour), ExpiresAt: base.Add(-time.Duration(i)*time.Hour + time.Minute),
					Status: compliance.StatusCompleted, Outcome: outcomes[i%len(outcomes)], CompletedAt: base}
				if i%10 == 0 {
					r.Status, r.Outcome, r.CompletedAt = compliance.StatusPending, "", time.Time{}
				}
				if i%17 == 0 {
					r.Status = compliance.StatusReleased
				}
				rs = append(rs, r)
			}
			require.NoError(t, cs.InsertReservations(ctx, rs))
			since := base.Add(-100 * time.Hour)
			before := bunstore.HistoryFallbacks.Load()
			got, err := cs.(compliance.RecordReader).HistoryRecords(ctx, co, "k", since, nil)
			require.NoError(t, err)
			require.Equal(t, before, bunstore.HistoryFallbacks.Load(), "read folded, not row by row")
			hist, err := cs.History(ctx, co, "k", since)
			require.NoError(t, err)
			want := make([]compliance.Record, len(hist))
			for i, r := range hist {
				want[i] = r.Record()
			}
			require.NotEmpty(t, want)
			assert.Equal(t, want, got)
		})
	}
}

// TestHistoryFoldOverOneMiBOnMySQL: a subject whose folded history is longer
// than 1 MiB (MariaDB's default group_concat_max_len) comes back whole in
// one string from a pool OpenMySQL made, and from a host's pool held at
// 1 MiB it is read row by row instead of truncated: both agree with the
// plain History read.
func TestHistoryFoldOverOneMiBOnMySQL(t *testing.T) {
	ctx := context.Background()
	st := storagetest.OpenMySQL(t)
	cs := st.Compliance()
	co := storage.NewID()
	base := time.Date(2026, 3, 18, 9, 0, 0, 123456000, time.UTC)
	const calls = 60_000 // ~20 bytes each folded: 1.2 MB
	rs := make([]compliance.Reservation, 0, calls)
	for i := range calls {
		at := base.Add(-time.Duration(i) * 10 * time.Second)
		r := compliance.Reservation{ID: storage.NewID(), CompanyID: co, Key: "k", Phone: "+74951234567",
			ReservedAt: at, ExpiresAt: at.Add(time.Minute), Status: compliance.StatusCompleted, Outcome: compliance.OutcomeNoAnswer, CompletedAt: base}
		if i%1000 == 0 {
			r.Status, r.Outcome, r.CompletedAt = compliance.StatusPending, "", time.Time{}
		}
		rs = append(rs, r)
	}
	require.NoError(t, cs.InsertReservations(ctx, rs))
	since := base.Add(-30 * 24 * time.Hour)
	hist, err := cs.History(ctx, co, "k", since)
	require.NoError(t, err)
	require.Len(t, hist, calls)
	want := make([]compliance.Record, len(hist))
	for i, r := range hist {
		want[i] = r.Record()
	}
	var folded int
	require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT SUM(LENGTH(CONCAT_WS(',', TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', reserved_at), "+
		"IF(status = 'pending', TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expires_at), ''), 'T')) + 1) FROM compliance_calls WHERE company_id = ?", co).Scan(&folded))
	require.Greater(t, folded, 1<<20, "the folded history is longer than 1 MiB")

	read := func(t *testing.T, st *bunstore.Store) ([]compliance.Record, int64) {
		before := bunstore.HistoryFallbacks.Load()
		got, err := st.Compliance().(compliance.RecordReader).HistoryRecords(ctx, co, "k", since, nil)
		require.NoError(t, err)
		n := 0
		require.NoError(t, st.Compliance().HistoryBatch(ctx, co, []string{"k", "absent"}, since, func(key string, recs []compliance.Record) {
			n++
			assert.Equal(t, "k", key)
			assert.Equal(t, want, recs)
		}))
		assert.Equal(t, 1, n)
		return got, bunstore.HistoryFallbacks.Load() - before
	}
	t.Run("OpenMySQL's pool", func(t *testing.T) {
		got, fallbacks := read(t, st)
		assert.Equal(t, want, got)
		assert.Zero(t, fallbacks, "folded in one string")
	})
	t.Run("a host's pool at 1 MiB", func(t *testing.T) {
		var dbName string
		require.NoError(t, st.DB().QueryRowContext(ctx, "SELECT DATABASE()").Scan(&dbName))
		parsed, err := bunstore.ParseDSN(storagetest.RequireDSN(t, storagetest.MySQLEnv, "MySQL/MariaDB"))
		require.NoError(t, err)
		cfg, err := mysql.ParseDSN(parsed.Conn)
		require.NoError(t, err)
		cfg.DBName = dbName
		cfg.Params["group_concat_max_len"] = "1048576"
		connector, err := mysql.NewConnector(cfg)
		require.NoError(t, err)
		raw := sql.OpenDB(connector)
		t.Cleanup(func() { _ = raw.Close() })
		host, err := bunstore.NewFromSQL(ctx, raw, bunstore.MySQL)
		require.NoError(t, err)
		var limit int64
		require.NoError(t, raw.QueryRowContext(ctx, "SELECT @@SESSION.group_concat_max_len").Scan(&limit))
		require.Equal(t, int64(1<<20), limit)
		got, fallbacks := read(t, host)
		assert.Equal(t, want, got)
		assert.Equal(t, int64(2), fallbacks, "truncated, then read row by row (HistoryRecords, HistoryBatch)")
	})
}

// TestSharedSettingsFollowTheRow: the settings cache hands out one decoded
// value while the row is unchanged and the new one as soon as it changes;
// a company without settings is nil.
func TestSharedSettingsFollowTheRow(t *testing.T) {
	ctx := context.Background()
	for name, open := range map[string]func(testing.TB) *bunstore.Store{
		"sqlite": storagetest.OpenSQLite, "postgres": storagetest.OpenPostgres, "mysql": storagetest.OpenMySQL,
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			cs := st.Compliance()
			sr := cs.(compliance.SharedSettingsReader)
			co := storage.NewID()
			none, err := sr.SharedSettings(ctx, co)
			require.NoError(t, err)
			assert.Nil(t, none)
			at := time.Date(2026, 3, 18, 9, 0, 0, 0, time.UTC)
			v1 := compliance.Settings{CompanyID: co, FZ230: true, Policy: compliance.FZ230Calls(), UpdatedAt: at, Version: 1}
			require.NoError(t, cs.SaveSettings(ctx, v1))
			a, err := sr.SharedSettings(ctx, co)
			require.NoError(t, err)
			b, err := sr.SharedSettings(ctx, co)
			require.NoError(t, err)
			assert.Same(t, a, b, "an unchanged row is decoded once")
			plain, err := cs.Settings(ctx, co)
			require.NoError(t, err)
			assert.Equal(t, plain, *a)

			v2 := v1
			v2.Policy = compliance.FZ230Messages()
			v2.FZ230, v2.UpdatedAt, v2.Version = false, at.Add(time.Minute), 2
			require.NoError(t, cs.SaveSettings(ctx, v2))
			c, err := sr.SharedSettings(ctx, co)
			require.NoError(t, err)
			plain, err = cs.Settings(ctx, co)
			require.NoError(t, err)
			assert.Equal(t, plain, *c)
			assert.False(t, c.FZ230)
			assert.Equal(t, int64(2), c.Version)
			assert.Equal(t, int64(1), a.Version, "a value handed out is never modified")
		})
	}
}
