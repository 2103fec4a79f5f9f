package bunstore

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
)

var printDSNTable = flag.Bool("dsn-table", false, "print the DSN table as Markdown")

// dsnCases are the shapes ParseDSN must recognise or refuse. want is the
// driver's connection string; "" with a refusal substring means refused.
var dsnCases = []struct {
	dsn     string
	dialect Dialect
	want    string // Config.Conn
	refused string // a substring of the refusal's message
}{
	// SQLite
	{dsn: "", dialect: SQLite, want: ":memory:"},
	{dsn: ":memory:", dialect: SQLite, want: ":memory:"},
	{dsn: "switchboard.db", dialect: SQLite, want: "file:switchboard.db"},
	{dsn: "./data/switchboard.db", dialect: SQLite, want: "file:./data/switchboard.db"},
	{dsn: "/var/lib/sb/switchboard.db", dialect: SQLite, want: "file:/var/lib/sb/switchboard.db"},
	{dsn: "data/my db (1).db", dialect: SQLite, want: "file:data/my%20db%20%281%29.db"},
	{dsn: `C:\sb\switchboard.db`, dialect: SQLite, want: "file:C:%5Csb%5Cswitchboard.db"},
	{dsn: "sqlite:switchboard.db", dialect: SQLite, want: "file:switchboard.db"},
	{dsn: "SQLite:/tmp/x.db", dialect: SQLite, want: "file:/tmp/x.db"},
	{dsn: "sqlite:///tmp/x.db", dialect: SQLite, want: "file:/tmp/x.db"},
	{dsn: "dir(1)/x.db", dialect: SQLite, want: "file:dir%281%29/x.db"}, // "dir" is no go-sql-driver network
	{dsn: "sqlite:a@b=c%3F.db", dialect: SQLite, want: "file:a@b=c%3F.db"},
	{dsn: "file:switchboard.db", dialect: SQLite, want: "file:switchboard.db"},
	{dsn: "file:/tmp/x.db?mode=ro&_pragma=cache_size(-20000)", dialect: SQLite, want: "file:/tmp/x.db?_pragma=cache_size%28-20000%29&mode=ro"},
	{dsn: "file:///tmp/x.db", dialect: SQLite, want: "file:/tmp/x.db"},
	{dsn: "file://localhost/tmp/x.db", dialect: SQLite, want: "file:/tmp/x.db"},
	{dsn: "file::memory:", dialect: SQLite, want: ":memory:"},
	{dsn: "file:shared?mode=memory&cache=shared", dialect: SQLite, want: "file:shared?cache=shared&mode=memory"},
	{dsn: "file:x.db?_txlock=immediate", dialect: SQLite, want: "file:x.db?_txlock=immediate"},
	// PostgreSQL
	{dsn: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", dialect: Postgres, want: "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"},
	{dsn: "postgresql://u:p@db1:5432,db2:5432/app?target_session_attrs=read-write", dialect: Postgres, want: "postgresql://u:p@db1:5432,db2:5432/app?target_session_attrs=read-write"},
	{dsn: "POSTGRES://u@h/db", dialect: Postgres, want: "postgres://u@h/db"},
	{dsn: "host=127.0.0.1 port=5432 dbname=test user=postgres sslmode=disable", dialect: Postgres, want: "host=127.0.0.1 port=5432 dbname=test user=postgres sslmode=disable"},
	{dsn: "dbname=test", dialect: Postgres, want: "dbname=test"},
	// MySQL / MariaDB
	{dsn: "root@tcp(127.0.0.1:3306)/test", dialect: MySQL, want: "root@tcp(127.0.0.1:3306)/test?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "mysql://root@tcp(127.0.0.1:3306)/test", dialect: MySQL, want: "root@tcp(127.0.0.1:3306)/test?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "user:p@ss@tcp(db:3306)/app?charset=utf8mb4", dialect: MySQL, want: "user:p@ss@tcp(db:3306)/app?charset=utf8mb4&parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "user:pass@unix(/run/mysqld/mysqld.sock)/app", dialect: MySQL, want: "user:pass@unix(/run/mysqld/mysqld.sock)/app?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "tcp(db:3306)/app", dialect: MySQL, want: "tcp(db:3306)/app?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "root@/app", dialect: MySQL, want: "root@tcp(127.0.0.1:3306)/app?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "mariadb://root@tcp(127.0.0.1:3306)/test?loc=Local", dialect: MySQL, want: "root@tcp(127.0.0.1:3306)/test?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "mysql://app:s3cret@db.example:3307/app?timeout=5s", dialect: MySQL, want: "app:s3cret@tcp(db.example:3307)/app?parseTime=true&timeout=5s&time_zone=%27%2B00%3A00%27"},
	{dsn: "mysql://app@db.example/app", dialect: MySQL, want: "app@tcp(db.example:3306)/app?parseTime=true&time_zone=%27%2B00%3A00%27"},
	{dsn: "mysql://root@cloudsql(project:region:instance)/app", dialect: MySQL, want: "root@cloudsql(project:region:instance)/app?parseTime=true&time_zone=%27%2B00%3A00%27"},
	// refused
	{dsn: "mongodb://localhost:27017/app", refused: `scheme "mongodb" is not supported`},
	{dsn: "sqlserver://sa@localhost:1433?database=app", refused: `scheme "sqlserver" is not supported`},
	{dsn: "sqlite3://x.db", refused: `scheme "sqlite3" is not supported`},
	{dsn: "http://example.com/x.db", refused: `scheme "http" is not supported`},
	{dsn: "postgres:app", refused: `postgres: needs "//"`},
	{dsn: "mysql:root@tcp(h)/db", dialect: MySQL, want: "mysql:root@tcp(h:3306)/db?parseTime=true&time_zone=%27%2B00%3A00%27"}, // user mysql, password root
	{dsn: "mysql:root@h/db", refused: `mysql: needs "//"`},
	{dsn: "sqlite://x.db", refused: "no remote host"},
	{dsn: "file://server/share/x.db", refused: "no remote host"},
	{dsn: "file:", refused: "needs a path"},
	{dsn: "root@localhost/test", refused: `"@" like user@host`},
	{dsn: "root@tcp(127.0.0.1:3306)", refused: `"@" like user@host`},
	{dsn: "user@host.db", refused: `"@" like user@host`},
	{dsn: "a=b.db", refused: `"a"=… is neither a libpq keyword`},
	{dsn: "host=h dbname=d connect_timeout=x", refused: "PostgreSQL DSN"},
	{dsn: "x.db?mode=ro", refused: "cannot carry a query"},
	{dsn: "x.db ", refused: "leading or trailing spaces"},
	{dsn: "bad\x00name.db", refused: "control character"},
	{dsn: "bad\xffname.db", refused: "not valid UTF-8"},
	{dsn: "redis:6379", refused: `scheme "redis" is not supported`},
	{dsn: "file:x.db?_txlock=deferred", refused: "_txlock=deferred"},
	{dsn: "file:x.db?_pragma=foreign_keys(0)", refused: "foreign keys"},
	{dsn: "sqlite:x.db?_fk=false", refused: "foreign keys"},
	{dsn: "mysql://root:pw@db:3306/a/b", refused: "MySQL URL"},
}

func TestParseDSN(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	table.WriteString("| DSN | result | driver gets |\n|---|---|---|\n")
	for _, c := range dsnCases {
		t.Run(fmt.Sprintf("%q", c.dsn), func(t *testing.T) {
			cfg, err := ParseDSN(c.dsn)
			if c.want == "" && c.dialect == "" {
				require.ErrorIs(t, err, storage.ErrInvalid)
				var ve *storage.ValidationError
				require.ErrorAs(t, err, &ve)
				f, ok := ve.Field("dsn")
				require.True(t, ok, "refusal names the dsn field")
				assert.Contains(t, f.Message, c.refused)
				assert.Contains(t, f.Message, "accepted forms:", "a refusal lists what works")
				if strings.Contains(c.dsn, "s3cret") || strings.Contains(c.dsn, ":pw@") {
					assert.NotContains(t, err.Error(), "pw@", "never repeats a password")
				}
				fmt.Fprintf(&table, "| `%q` | refused: %s | |\n", c.dsn, f.Message[:strings.Index(f.Message, "; accepted forms")])
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.dialect, cfg.Dialect)
			assert.Equal(t, c.want, cfg.Conn)
			fmt.Fprintf(&table, "| `%q` | %s | `%s` |\n", c.dsn, cfg.Dialect, cfg.Conn)
		})
	}
	if *printDSNTable {
		t.Log("\n" + table.String())
	}
}

// The README's two server DSNs are recognised for what they are.
func TestReadmeDSNs(t *testing.T) {
	t.Parallel()
	pg, err := ParseDSN("postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	require.NoError(t, err)
	assert.Equal(t, Postgres, pg.Dialect)
	my, err := ParseDSN("root@tcp(127.0.0.1:3306)/test")
	require.NoError(t, err)
	assert.Equal(t, MySQL, my.Dialect)
}

// The SQLite driver gets the store's pragmas unless the DSN set them itself,
// and always BEGIN IMMEDIATE.
func TestSQLiteDriverDSN(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "file:x.db?_pragma=busy_timeout%2810000%29&_pragma=foreign_keys%281%29&_pragma=journal_mode%28WAL%29&_pragma=synchronous%28NORMAL%29&_txlock=immediate",
		sqliteDriverDSN("file:x.db"))
	assert.Equal(t, "file:x.db?_journal_mode=DELETE&_pragma=busy_timeout%28500%29&_pragma=foreign_keys%281%29&_pragma=synchronous%28NORMAL%29&_txlock=immediate",
		sqliteDriverDSN("file:x.db?_pragma=busy_timeout(500)&_journal_mode=DELETE"))
	mem := sqliteDriverDSN(":memory:")
	assert.True(t, strings.HasPrefix(mem, "file:sb-"), mem)
	assert.Contains(t, mem, "mode=memory")
	assert.NotContains(t, mem, "journal_mode")
	assert.NotEqual(t, mem, sqliteDriverDSN(":memory:"), "every in-memory database is private")
	assert.True(t, sqliteMemory("file:shared?mode=memory&cache=shared"))
	assert.Equal(t, "/tmp/a b.db", sqliteFilePath("file:/tmp/a%20b.db?mode=rw"))
}

// Open refuses what ParseDSN refuses, without creating a file; and a
// go-sql-driver DSN no longer becomes a SQLite file in the working directory.
func TestOpenNeverGuesses(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	for _, dsn := range []string{"root@localhost/test", "mongodb://localhost/app", "x.db?mode=ro", "a=b.db"} {
		st, err := Open(ctx, dsn)
		require.ErrorIs(t, err, storage.ErrInvalid, dsn)
		assert.Nil(t, st)
		var ve *storage.ValidationError
		require.True(t, errors.As(err, &ve))
		assert.Equal(t, "bunstore.Open", ve.Op)
	}
	st, err := Open(ctx, "root@tcp(127.0.0.1:1)/test?timeout=1s")
	require.Error(t, err)
	assert.Nil(t, st)
	require.ErrorIs(t, err, storage.ErrUnavailable, "a MySQL DSN goes to MySQL")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no file was created")

	st, err = Open(ctx, "sqlite:"+filepath.Join(dir, "sub", "a@b.db"))
	require.NoError(t, err)
	require.NoError(t, st.Close())
	_, err = os.Stat(filepath.Join(dir, "sub", "a@b.db"))
	require.NoError(t, err, "sqlite: names any file")
}
