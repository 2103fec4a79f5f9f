package bunstore_test

import (
	"context"
	"io/fs"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
)

// Every version needs its down migration: a new up file without one fails
// here, on every machine, before any server is involved.
func TestEveryMigrationHasDown(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(bunstore.Migrations(), "*.sql")
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range files {
		have[f] = true
	}
	ups := 0
	for _, f := range files {
		base, ok := strings.CutSuffix(f, ".up.sql")
		if ok {
			ups++
			assert.True(t, have[base+".down.sql"], "%s has no %s.down.sql", f, base)
			continue
		}
		base, ok = strings.CutSuffix(f, ".down.sql")
		require.True(t, ok, "%s is neither .up.sql nor .down.sql", f)
		assert.True(t, have[base+".up.sql"], "%s has no %s.up.sql", f, base)
	}
	assert.GreaterOrEqual(t, ups, 6)
}

func TestMigrationSQL(t *testing.T) {
	t.Parallel()
	for _, d := range []bunstore.Dialect{bunstore.SQLite, bunstore.Postgres, bunstore.MySQL} {
		scripts, err := bunstore.MigrationSQL(d)
		require.NoError(t, err, d)
		require.NotEmpty(t, scripts)
		for i, s := range scripts {
			if i > 0 {
				assert.Less(t, scripts[i-1].Version, s.Version, "oldest first")
			}
			assert.NotEmpty(t, s.Name, s.Version)
			// A version may do nothing on a dialect (a MySQL-only side
			// table), but then its down does nothing either.
			assert.Equal(t, len(s.Up) == 0, len(s.Down) == 0, "%s %s_%s: up and down both empty or both not", d, s.Version, s.Name)
			for _, q := range append(append([]string{}, s.Up...), s.Down...) {
				assert.NotContains(t, q, "{{", "rendered")
				assert.NotEmpty(t, strings.TrimSpace(q))
			}
		}
		if d == bunstore.MySQL {
			assert.Contains(t, scripts[0].Up[0], "utf8mb4_bin")
		}
	}
	_, err := bunstore.MigrationSQL("oracle")
	require.ErrorIs(t, err, storage.ErrInvalid)
}

func TestMigrationRoundTripSQLite(t *testing.T)   { migrationRoundTrip(t, storagetest.OpenSQLite(t)) }
func TestMigrationRoundTripPostgres(t *testing.T) { migrationRoundTrip(t, storagetest.OpenPostgres(t)) }
func TestMigrationRoundTripMySQL(t *testing.T)    { migrationRoundTrip(t, storagetest.OpenMySQL(t)) }

// migrationRoundTrip takes a migrated store down one version at a time,
// then all the way, and up again, checking the status at each step and that
// the schema comes back identical.
func migrationRoundTrip(t *testing.T, st *bunstore.Store) {
	ctx := context.Background()
	full := schemaOf(t, st)
	require.NotEmpty(t, full)

	status, err := st.MigrationStatus(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, status)
	for _, s := range status {
		assert.True(t, s.Applied, s.Version)
		assert.False(t, s.Unknown, s.Version)
		assert.False(t, s.AppliedAt.IsZero(), s.Version)
	}

	// Down one version at a time: each step leaves exactly the older ones.
	for i := len(status) - 2; i >= 0; i-- {
		require.NoError(t, st.MigrateDown(ctx, status[i].Version), "down to %s", status[i].Version)
		now, err := st.MigrationStatus(ctx)
		require.NoError(t, err)
		for j, s := range now {
			assert.Equal(t, j <= i, s.Applied, "after down to %s: %s", status[i].Version, s.Version)
		}
	}
	require.NoError(t, st.MigrateDown(ctx, ""))
	assert.Empty(t, schemaOf(t, st), "every table is gone")
	now, err := st.MigrationStatus(ctx)
	require.NoError(t, err)
	for _, s := range now {
		assert.False(t, s.Applied, s.Version)
	}
	require.NoError(t, st.MigrateDown(ctx, ""), "nothing to undo is no error")

	require.NoError(t, st.Migrate(ctx))
	assert.Equal(t, full, schemaOf(t, st), "up again rebuilds the same schema")

	err = st.MigrateDown(ctx, "19990101000000")
	require.ErrorIs(t, err, storage.ErrInvalid)

	// A version the build does not know blocks the way down.
	_, err = st.DB().ExecContext(ctx, "INSERT INTO bun_migrations (name, group_id) VALUES ('29991231000000', 99)")
	require.NoError(t, err)
	now, err = st.MigrationStatus(ctx)
	require.NoError(t, err)
	last := now[len(now)-1]
	assert.True(t, last.Unknown && last.Applied && last.Version == "29991231000000", "%+v", last)
	require.ErrorIs(t, st.MigrateDown(ctx, ""), storage.ErrConflict)
	assert.Equal(t, full, schemaOf(t, st), "nothing was undone")
}

// schemaOf lists the store's own tables and indexes (not bun's bookkeeping).
func schemaOf(t *testing.T, st *bunstore.Store) []string {
	t.Helper()
	var q string
	switch st.Dialect() {
	case bunstore.SQLite:
		q = "SELECT type || ' ' || name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
	case bunstore.Postgres:
		q = "SELECT 'table ' || table_name FROM information_schema.tables WHERE table_schema = current_schema() " +
			"UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema()"
	default:
		q = "SELECT CONCAT('table ', table_name) FROM information_schema.tables WHERE table_schema = DATABASE() " +
			"UNION ALL SELECT DISTINCT CONCAT('index ', table_name, '.', index_name) FROM information_schema.statistics WHERE table_schema = DATABASE()"
	}
	rows, err := st.DB().QueryContext(context.Background(), q)
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		if !strings.Contains(s, "bun_migration") {
			out = append(out, s)
		}
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}
