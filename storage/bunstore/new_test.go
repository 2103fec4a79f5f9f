package bunstore_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// hostSQLite is a pool a host might open itself, with the settings New
// documents.
func hostSQLite(t *testing.T, params string) *sql.DB {
	t.Helper()
	sqldb, err := sql.Open(sqliteshim.ShimName, "file:"+filepath.Join(t.TempDir(), "host.db")+"?"+params)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqldb.Close() })
	return sqldb
}

const goodSQLite = "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"

// The whole conformance suite runs on a store built from a host's own pool.
func TestConformanceSQLiteHostPool(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) *storagetest.Harness {
		st, err := bunstore.New(context.Background(), bun.NewDB(hostSQLite(t, goodSQLite), sqlitedialect.New()))
		require.NoError(t, err)
		require.NoError(t, st.Migrate(context.Background()))
		return storagetest.BunHarness(st)
	})
}

func TestNewLeavesTheHostPoolOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sqldb := hostSQLite(t, goodSQLite)
	st, err := bunstore.NewFromSQL(ctx, sqldb, bunstore.SQLite)
	require.NoError(t, err)
	assert.Equal(t, bunstore.SQLite, st.Dialect())
	require.NoError(t, st.Migrate(ctx))
	require.NoError(t, st.Close())
	require.ErrorIs(t, st.Migrate(ctx), storage.ErrUnavailable, "the store is closed")
	require.NoError(t, sqldb.PingContext(ctx), "the host's pool is not")
}

func TestNewRefusesWhatTheStoreCannotRunOn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for name, db := range map[string]*bun.DB{
		"foreign keys off": bun.NewDB(hostSQLite(t, "_pragma=busy_timeout(10000)"), sqlitedialect.New()),
		"no busy timeout":  bun.NewDB(hostSQLite(t, "_pragma=foreign_keys(1)"), sqlitedialect.New()),
		"wrong dialect":    bun.NewDB(hostSQLite(t, goodSQLite), pgdialect.New()), // a SQLite driver under the pg dialect
	} {
		st, err := bunstore.New(ctx, db)
		require.ErrorIs(t, err, storage.ErrInvalid, name)
		assert.Nil(t, st)
		var ve *storage.ValidationError
		require.ErrorAs(t, err, &ve)
		_, ok := ve.Field("db")
		assert.True(t, ok, "%s: %v", name, err)
	}
	_, err := bunstore.New(ctx, nil)
	require.ErrorIs(t, err, storage.ErrInvalid)
	_, err = bunstore.NewFromSQL(ctx, hostSQLite(t, goodSQLite), "oracle")
	require.ErrorIs(t, err, storage.ErrInvalid)
}

func TestNewOnPostgres(t *testing.T) {
	t.Parallel()
	opened := storagetest.OpenPostgres(t)
	st, err := bunstore.New(context.Background(), opened.DB())
	require.NoError(t, err)
	assert.Equal(t, bunstore.Postgres, st.Dialect())
	status, err := st.MigrationStatus(context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, status)
	assert.True(t, status[len(status)-1].Applied)
	require.NoError(t, st.Close())
	require.NoError(t, opened.DB().Ping(), "the pool stays open")
}

func TestNewOnMySQL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opened := storagetest.OpenMySQL(t)
	st, err := bunstore.New(ctx, opened.DB())
	require.NoError(t, err)
	assert.Equal(t, bunstore.MySQL, st.Dialect())
	require.NoError(t, st.Close())

	// A pool without parseTime, or a dialect writing local times, is refused.
	parsed, err := bunstore.ParseDSN(storagetest.RequireDSN(t, storagetest.MySQLEnv, "MySQL/MariaDB"))
	require.NoError(t, err)
	cfg, err := mysql.ParseDSN(parsed.Conn)
	require.NoError(t, err)
	cfg.ParseTime = false
	noParse, err := mysql.NewConnector(cfg)
	require.NoError(t, err)
	raw := sql.OpenDB(noParse)
	t.Cleanup(func() { _ = raw.Close() })
	_, err = bunstore.NewFromSQL(ctx, raw, bunstore.MySQL)
	require.ErrorIs(t, err, storage.ErrInvalid)
	assert.Contains(t, err.Error(), "parseTime=true")

	cfg.ParseTime = true
	good, err := mysql.NewConnector(cfg)
	require.NoError(t, err)
	pool := sql.OpenDB(good)
	t.Cleanup(func() { _ = pool.Close() })
	_, err = bunstore.New(ctx, bun.NewDB(pool, mysqldialect.New(mysqldialect.WithTimeLocation("Europe/Moscow"))))
	require.ErrorIs(t, err, storage.ErrInvalid)
	assert.Contains(t, err.Error(), "WithTimeLocation")
	st, err = bunstore.NewFromSQL(ctx, pool, bunstore.MySQL)
	require.NoError(t, err, "NewFromSQL picks the UTC dialect itself")
	require.NoError(t, st.Close())
}
