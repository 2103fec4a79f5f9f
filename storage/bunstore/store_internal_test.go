package bunstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/storage"
)

func openTestSQLite(t *testing.T) *Store {
	t.Helper()
	st, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func TestUnreachableDatabaseIsAnError(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2",
		"mysql://nobody@tcp(127.0.0.1:1)/none?timeout=2s",
		filepath.Join(t.TempDir(), "not-a-dir", "\x00bad", "x.db"),
	} {
		st, err := Open(ctx, dsn)
		require.Error(t, err, dsn)
		assert.Nil(t, st)
		assert.True(t, errors.Is(err, storage.ErrUnavailable) || errors.Is(err, storage.ErrInvalid), "%s: %v", dsn, err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	st := openTestSQLite(t)
	require.NoError(t, st.Migrate(context.Background()))
	require.NoError(t, st.Close())
	err := st.InTx(context.Background(), func(context.Context) error { return nil })
	require.ErrorIs(t, err, storage.ErrUnavailable)
	require.ErrorIs(t, st.Migrate(context.Background()), storage.ErrUnavailable)
}

func TestInTxRetriesTransientConflicts(t *testing.T) {
	t.Parallel()
	st := openTestSQLite(t)
	calls, hooks := 0, 0
	err := st.InTx(context.Background(), func(ctx context.Context) error {
		calls++
		storage.AfterCommit(ctx, func(context.Context) { hooks++ })
		if calls < 3 {
			return &storage.Error{Op: "test", Kind: storage.ErrRetryable}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, 3, calls)
	assert.Equal(t, 1, hooks, "hooks of failed attempts never run")

	calls = 0
	err = st.InTx(context.Background(), func(ctx context.Context) error {
		calls++
		return &storage.Error{Op: "test", Kind: storage.ErrRetryable}
	})
	require.ErrorIs(t, err, storage.ErrConflict, "gives up as a conflict")
	require.ErrorIs(t, err, storage.ErrRetryable)
	assert.Equal(t, storage.MaxAttempts, calls)
}

func TestNestedInTxJoins(t *testing.T) {
	t.Parallel()
	st := openTestSQLite(t)
	err := st.InTx(context.Background(), func(ctx context.Context) error {
		outer := st.idb(ctx)
		return st.InTx(ctx, func(ctx context.Context) error {
			assert.Equal(t, outer, st.idb(ctx))
			return nil
		})
	})
	require.NoError(t, err)
}

type moneyRow struct {
	bun.BaseModel `bun:"table:money_probe,alias:money_probe"`
	ID            int64           `bun:"id,pk"`
	Amount        decimal.Decimal `bun:"amount"`
	At            time.Time       `bun:"at"`
}

// Money and time survive a round trip exactly on every dialect: SQLite's
// NUMERIC affinity would turn this amount into a float, so money is TEXT there.
func TestMoneyAndTimeRoundTrip(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) *Store{"sqlite": openTestSQLite}
	if dsn := os.Getenv("SWITCHBOARD_POSTGRES_DSN"); dsn != "" {
		stores["postgres"] = func(t *testing.T) *Store {
			st, err := OpenPostgres(context.Background(), dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
	}
	if dsn := os.Getenv("SWITCHBOARD_MYSQL_DSN"); dsn != "" {
		stores["mysql"] = func(t *testing.T) *Store {
			st, err := OpenMySQL(context.Background(), dsn)
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			ctx := context.Background()
			ty := st.ddlTypes()
			table := "money_probe_" + strings.ReplaceAll(storage.NewID(), "-", "")[:16]
			_, err := st.db.ExecContext(ctx, "CREATE TABLE "+table+" (id BIGINT PRIMARY KEY, amount "+ty.Money+", at "+ty.TS+")"+ty.Table)
			require.NoError(t, err)
			t.Cleanup(func() { _, _ = st.db.ExecContext(context.Background(), "DROP TABLE "+table) })
			want := decimal.RequireFromString("12345678901234.123456")
			at := time.Date(2026, 2, 28, 23, 59, 59, 123456789, time.FixedZone("MSK", 3*3600))
			err = st.InTx(ctx, func(ctx context.Context) error {
				_, err := st.idb(ctx).NewInsert().Model(&moneyRow{ID: 1, Amount: want, At: storage.Timestamp(at)}).ModelTableExpr(table).Exec(ctx)
				return err
			})
			require.NoError(t, err)
			var got moneyRow
			require.NoError(t, st.db.NewSelect().Model(&got).ModelTableExpr(table+" AS money_probe").Where("id = 1").Scan(ctx))
			assert.True(t, want.Equal(got.Amount), "amount %s", got.Amount)
			assert.True(t, storage.Timestamp(at).Equal(got.At), "time %s", got.At)
		})
	}
}
