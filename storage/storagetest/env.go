package storagetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/memory"
)

// Environment variables naming the servers the SQL suite runs against.
const (
	PostgresEnv = "SWITCHBOARD_POSTGRES_DSN" // e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	MySQLEnv    = "SWITCHBOARD_MYSQL_DSN"    // e.g. root@tcp(127.0.0.1:3306)/test
	// GaleraEnv names the nodes of a MariaDB Galera cluster, one DSN per
	// node, comma-separated (what .ci/galera dsns prints).
	GaleraEnv = "SWITCHBOARD_GALERA_DSNS"
)

// RequireDSN returns the DSN in the environment variable env. When it is unset
// the test is skipped with a message saying how to run it — except under
// CI=true, where a missing database fails the test.
//
// `go test ./...` shows nothing of a passing package's output, skip
// messages included, so a skipped suite would go unnoticed. The first skip
// for each variable in a test binary therefore also writes one line to the
// terminal the tests were started from (/dev/tty), when there is one and
// -v is not set (-v prints the skip message itself).
func RequireDSN(tb testing.TB, env, what string) string {
	tb.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("%s is not set: CI must run the %s suite", env, what)
		}
		msg := fmt.Sprintf("%s tests skipped: set %s to a server DSN to run them", what, env)
		announceSkip(env, msg)
		tb.Skip(msg)
	}
	return dsn
}

// OpenSQLite opens and migrates a SQLite store in a file under tb.TempDir.
func OpenSQLite(tb testing.TB) *bunstore.Store {
	tb.Helper()
	ctx := context.Background()
	st, err := bunstore.OpenSQLite(ctx, filepath.Join(tb.TempDir(), "switchboard.db"))
	if err != nil {
		tb.Fatalf("open sqlite: %v", err)
	}
	return migrated(tb, st)
}

// OpenPostgres creates a fresh database on the server named by
// SWITCHBOARD_POSTGRES_DSN, opens and migrates a store on it, and drops the
// database when the test ends, so runs never see each other's rows.
func OpenPostgres(tb testing.TB) *bunstore.Store {
	tb.Helper()
	st, _ := OpenPostgresDSN(tb)
	return st
}

// OpenPostgresDSN is OpenPostgres, also returning the fresh database's DSN
// (for a second process to open it).
func OpenPostgresDSN(tb testing.TB) (*bunstore.Store, string) {
	tb.Helper()
	dsn := serverDSN(tb, PostgresEnv, "PostgreSQL", bunstore.Postgres)
	ctx := context.Background()
	admin, err := bunstore.OpenPostgres(ctx, dsn)
	if err != nil {
		failUnreachable(tb, "PostgreSQL", err)
	}
	name := tempName()
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	target := dsn + " dbname=" + name // key=value: a later key wins
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			tb.Fatalf("parse %s: %v", PostgresEnv, err)
		}
		u.Path = "/" + name
		target = u.String()
	}
	st, err := bunstore.OpenPostgres(ctx, target)
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = st.Close()
		_, _ = admin.DB().ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	})
	return migrated(tb, st), target
}

// OpenMySQL is OpenPostgres for SWITCHBOARD_MYSQL_DSN (MySQL or MariaDB).
func OpenMySQL(tb testing.TB) *bunstore.Store {
	tb.Helper()
	st, _ := OpenMySQLDSN(tb)
	return st
}

// OpenMySQLDSN is OpenMySQL, also returning the fresh database's DSN.
func OpenMySQLDSN(tb testing.TB) (*bunstore.Store, string) {
	tb.Helper()
	dsn := serverDSN(tb, MySQLEnv, "MySQL/MariaDB", bunstore.MySQL) // a go-sql-driver DSN, whichever form the variable has
	ctx := context.Background()
	admin, err := bunstore.OpenMySQL(ctx, dsn)
	if err != nil {
		failUnreachable(tb, "MySQL/MariaDB", err)
	}
	name := tempName()
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		tb.Fatalf("parse %s: %v", MySQLEnv, err)
	}
	cfg.DBName = name
	target := cfg.FormatDSN()
	st, err := bunstore.OpenMySQL(ctx, target)
	if err != nil {
		tb.Fatalf("open %s: %v", name, err)
	}
	tb.Cleanup(func() {
		_ = st.Close()
		_, _ = admin.DB().ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
		_ = admin.Close()
	})
	return migrated(tb, st), target
}

// Cluster is one database on every node of a multi-primary cluster:
// Nodes[i] is a harness whose store talks to node i only. Causal[i] reads
// node i with causality checks (wsrep_sync_wait=1: a read waits until the
// node has applied everything committed anywhere before it started), for
// the checks a test makes after its load.
type Cluster struct {
	Nodes  []*Harness
	Causal []*Harness
	// DSNs are the nodes' go-sql-driver DSNs, on the test's database.
	DSNs []string
	// Status reads a global status variable of node i
	// (wsrep_cluster_size, wsrep_local_cert_failures, …).
	Status func(ctx context.Context, node int, name string) (string, error)
	// Checksum returns CHECKSUM TABLE of table on each node, in node order.
	Checksum func(ctx context.Context, table string) ([]string, error)
}

// OpenGalera creates a fresh database through the first node named by
// SWITCHBOARD_GALERA_DSNS (the cluster replicates it), migrates it there,
// and opens it on every node; the database is dropped when the test ends.
// Skipped when the variable is unset, failed under CI=true.
func OpenGalera(tb testing.TB) *Cluster {
	tb.Helper()
	ctx := context.Background()
	raw := strings.Split(RequireDSN(tb, GaleraEnv, "Galera"), ",")
	if len(raw) < 2 {
		tb.Fatalf("%s names %d node(s); a cluster test needs at least two", GaleraEnv, len(raw))
	}
	cfgs := make([]*mysql.Config, len(raw))
	for i, d := range raw {
		cfg, err := bunstore.ParseDSN(strings.TrimSpace(d))
		if err != nil || cfg.Dialect != bunstore.MySQL {
			tb.Fatalf("%s: node %d: %q is not a MySQL DSN (%v)", GaleraEnv, i+1, d, err)
		}
		if cfgs[i], err = mysql.ParseDSN(cfg.Conn); err != nil {
			tb.Fatalf("%s: node %d: %v", GaleraEnv, i+1, err)
		}
	}
	admin, err := bunstore.OpenMySQL(ctx, cfgs[0].FormatDSN())
	if err != nil {
		failUnreachable(tb, "Galera", err)
	}
	name := tempName()
	if _, err := admin.DB().ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	c := &Cluster{}
	var stores []*bunstore.Store
	tb.Cleanup(func() {
		for _, st := range stores {
			_ = st.Close()
		}
		_, _ = admin.DB().ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name)
		_ = admin.Close()
	})
	open := func(cfg *mysql.Config, causal bool) *bunstore.Store {
		cfg = cfg.Clone()
		cfg.DBName = name
		if causal {
			if cfg.Params == nil {
				cfg.Params = map[string]string{}
			}
			cfg.Params["wsrep_sync_wait"] = "1"
		}
		st, err := bunstore.OpenMySQL(ctx, cfg.FormatDSN())
		if err != nil {
			tb.Fatalf("open %s on %s: %v", name, cfg.Addr, err)
		}
		stores = append(stores, st)
		return st
	}
	for i, cfg := range cfgs {
		st := open(cfg, false)
		if i == 0 {
			migrated(tb, st)
		}
		c.Nodes = append(c.Nodes, BunHarness(st))
		c.Causal = append(c.Causal, BunHarness(open(cfg, true)))
		dsn := cfg.Clone()
		dsn.DBName = name
		c.DSNs = append(c.DSNs, dsn.FormatDSN())
	}
	c.Status = func(ctx context.Context, node int, name string) (string, error) {
		var n, v string
		st := c.Causal[node].Tx.(*bunstore.Store)
		err := st.DB().QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE ?", name).Scan(&n, &v)
		return v, err
	}
	c.Checksum = func(ctx context.Context, table string) ([]string, error) {
		var out []string
		for _, h := range c.Causal {
			var n, sum string
			st := h.Tx.(*bunstore.Store)
			if err := st.DB().QueryRowContext(ctx, "CHECKSUM TABLE "+table).Scan(&n, &sum); err != nil {
				return nil, err
			}
			out = append(out, sum)
		}
		return out, nil
	}
	return c
}

// serverDSN is the DSN in env, which must name a want server: its driver
// connection string (bunstore.ParseDSN's Config.Conn).
func serverDSN(tb testing.TB, env, what string, want bunstore.Dialect) string {
	tb.Helper()
	cfg, err := bunstore.ParseDSN(RequireDSN(tb, env, what))
	if err != nil {
		tb.Fatalf("%s: %v", env, err)
	}
	if cfg.Dialect != want {
		tb.Fatalf("%s names a %s database, not %s", env, cfg.Dialect, what)
	}
	return cfg.Conn
}

func migrated(tb testing.TB, st *bunstore.Store) *bunstore.Store {
	tb.Helper()
	if err := st.Migrate(context.Background()); err != nil {
		_ = st.Close()
		tb.Fatalf("migrate %s: %v", st.Dialect(), err)
	}
	return st
}

func failUnreachable(tb testing.TB, what string, err error) {
	tb.Helper()
	tb.Fatalf("%s is configured but unreachable: %v", what, err)
}

func tempName() string {
	return "sbtest_" + strings.ReplaceAll(storage.NewID(), "-", "")[:24]
}

// BunHarness builds the Harness for a bun store.
func BunHarness(st *bunstore.Store) *Harness {
	return &Harness{
		Name:      string(st.Dialect()),
		Tx:        st,
		Audit:     st.Audit(),
		Licensing: st.Licensing(),
		Presence:  st.Presence(),
		Account:   st.Account(), AccountRaw: func(ctx context.Context, id string) ([]byte, error) { return bunstore.AccountRaw(ctx, st, id) },
		Tenancy:    st.Tenancy(),
		Compliance: st.Compliance(),
		Outbox:     st.Outbox(),
		TamperAuditAction: func(ctx context.Context, id, action string) error {
			_, err := st.DB().ExecContext(ctx, "UPDATE audit_events SET action = ? WHERE id = ?", action, id)
			if err == nil {
				_, err = st.DB().ExecContext(ctx, "UPDATE audit_unsealed SET action = ? WHERE id = ?", action, id)
			}
			return err
		},
		DeleteMemberRow: func(ctx context.Context, companyID, userID string) error {
			_, err := st.DB().ExecContext(ctx, "DELETE FROM tenancy_members WHERE company_id = ? AND user_id = ?", companyID, userID)
			return err
		},
		AuditTamper: st.AuditTamper(),
		Digest:      func(ctx context.Context) (map[string]string, error) { return bunDigest(ctx, st) },
		Close:       st.Close,
	}
}

// announced holds the variables whose skip was written to the terminal.
var announced sync.Map

// announceSkip writes msg to the controlling terminal once per variable,
// prefixed by the test binary's name so the line says which package skipped.
// Without a terminal (CI, output piped) it writes nothing: there the skip is
// a failure (CI=true) or the caller reads the test output.
func announceSkip(env, msg string) {
	if testing.Verbose() {
		return
	}
	if _, dup := announced.LoadOrStore(env, true); dup {
		return
	}
	tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	defer func() { _ = tty.Close() }() // a write-only terminal: nothing to flush
	_, _ = fmt.Fprintf(tty, "%s: %s\n", strings.TrimSuffix(filepath.Base(os.Args[0]), ".test"), msg)
}

// MemoryHarness builds the Harness for an in-memory store.
func MemoryHarness(st *memory.Store) *Harness {
	return &Harness{
		Name:      "memory",
		Tx:        st,
		Audit:     st.Audit(),
		Licensing: st.Licensing(),
		Presence:  st.Presence(),
		Account:   st.Account(), AccountRaw: func(_ context.Context, id string) ([]byte, error) { return st.AccountRaw(id), nil },
		Tenancy:    st.Tenancy(),
		Compliance: st.Compliance(),
		Outbox:     st.Outbox(),
		TamperAuditAction: func(_ context.Context, id, action string) error {
			st.TamperAuditEvent(id, func(e *audit.Event) { e.Action = action })
			return nil
		},
		AuditTamper: st.AuditTamper(),
		Close:       st.Close,
	}
}
