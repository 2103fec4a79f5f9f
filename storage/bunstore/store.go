package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/switchboardkit/switchboard/storage"
)

// Dialect names the SQL database behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql" // MySQL 8 and MariaDB 10.6+
)

// Store is the bun backend. It is safe for concurrent use.
type Store struct {
	db      *bun.DB
	dialect Dialect
	closed  atomic.Bool
	// writeMu serialises this process's write transactions on SQLite, which
	// allows one writer at a time anyway: waiting on a mutex is cheaper and
	// fairer than polling SQLITE_BUSY. Other processes are still handled by
	// the busy timeout and the retry loop.
	writeMu sync.Mutex
}

var _ storage.Transactor = (*Store)(nil)

// Open opens a store from a DSN:
//
//	""  or  ":memory:"                  SQLite in memory (one connection, gone on Close)
//	"sqlite:PATH" or "file:PATH" or PATH  SQLite file (created if missing)
//	"postgres://…" / "postgresql://…"   PostgreSQL
//	"mysql://USER:PASS@tcp(HOST:PORT)/DB?…"  MySQL or MariaDB (go-sql-driver DSN after the scheme)
//
// SQLite runs cgo-free (modernc.org/sqlite through bun's sqliteshim) in WAL
// mode with a 10 s busy timeout, foreign keys on, and BEGIN IMMEDIATE for
// every transaction. Open pings the database but does not migrate: call
// Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return OpenPostgres(ctx, dsn)
	case strings.HasPrefix(dsn, "mysql://"):
		return OpenMySQL(ctx, strings.TrimPrefix(dsn, "mysql://"))
	default:
		return OpenSQLite(ctx, strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:"))
	}
}

// OpenSQLite opens (creating if needed) the SQLite database at path; "" or
// ":memory:" is a private in-memory database.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"
	var dsn string
	memory := path == "" || path == ":memory:"
	if memory {
		dsn = "file:sb-" + storage.NewID() + "?mode=memory&" + pragmas
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, storage.Unavailable("bunstore.OpenSQLite", err)
			}
		}
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas +
			"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, storage.Unavailable("bunstore.OpenSQLite", err)
	}
	if memory {
		// A private in-memory database lives as long as its one connection.
		sqldb.SetMaxOpenConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetMaxIdleConns(1)
	} else {
		sqldb.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	}
	return finishOpen(ctx, bun.NewDB(sqldb, sqlitedialect.New()), SQLite)
}

// OpenPostgres opens a PostgreSQL database from a postgres:// URL or a
// libpq key=value string, through pgx. Everything libpq accepts works,
// including several hosts and target_session_attrs=read-write (a pool that
// finds the new primary after a failover). Statements go over the simple
// protocol: bun sends each query with its arguments already formatted, so
// preparing them would cost a round trip and cache nothing reusable.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, storage.Invalid("bunstore.OpenPostgres", "dsn", "dsn", err.Error())
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	return finishOpen(ctx, bun.NewDB(sqldb, pgdialect.New()), Postgres)
}

// OpenMySQL opens a MySQL or MariaDB database from a go-sql-driver DSN
// ("user:pass@tcp(host:3306)/db"). parseTime and the UTC location are forced.
func OpenMySQL(ctx context.Context, dsn string) (*Store, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, storage.Invalid("bunstore.OpenMySQL", "dsn", "dsn", err.Error())
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, storage.Invalid("bunstore.OpenMySQL", "dsn", "dsn", err.Error())
	}
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	sqldb.SetConnMaxLifetime(5 * time.Minute)
	return finishOpen(ctx, bun.NewDB(sqldb, mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))), MySQL)
}

func finishOpen(ctx context.Context, db *bun.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, dialect: d}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, s.mapErr("bunstore.Open", err)
	}
	return s, nil
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the underlying *bun.DB for host queries and tests. Writes made
// through it bypass validation and audit.
func (s *Store) DB() *bun.DB { return s.db }

// Close closes the database; later calls fail with storage.ErrUnavailable.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.db.Close()
}

// idb returns the transaction ctx carries on s, or the database itself.
func (s *Store) idb(ctx context.Context) bun.IDB {
	if sc, ok := storage.ScopeFrom(ctx); ok && sc.Owner() == s {
		return sc.Tx().(bun.Tx)
	}
	return s.db
}

// inTx reports whether ctx carries a transaction of s.
func (s *Store) inTx(ctx context.Context) bool {
	sc, ok := storage.ScopeFrom(ctx)
	return ok && sc.Owner() == s
}

// InTx implements storage.Transactor. A use case failing with a transient
// conflict (serialization failure, deadlock, SQLITE_BUSY) is re-run up to
// storage.MaxAttempts times with a short jittered back-off; then the error is
// returned wrapped with storage.ErrConflict.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.inTx(ctx) {
		return fn(ctx)
	}
	const op = "bunstore.InTx"
	for attempt := 1; ; attempt++ {
		err := s.attempt(ctx, fn)
		if err == nil || !errors.Is(err, storage.ErrRetryable) || attempt == storage.MaxAttempts || ctx.Err() != nil {
			return storage.GiveUp(op, err)
		}
		backoff := time.Duration(1<<min(attempt, 6)) * time.Millisecond
		time.Sleep(backoff/2 + rand.N(backoff))
	}
}

func (s *Store) attempt(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	const op = "bunstore.InTx"
	if s.closed.Load() {
		return storage.E(op, storage.ErrUnavailable, "store is closed")
	}
	if s.dialect == SQLite {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	var opts *sql.TxOptions
	if s.dialect == MySQL {
		// InnoDB's default REPEATABLE READ serves plain SELECTs from the
		// snapshot of the transaction's first read; READ COMMITTED reads the
		// latest committed rows, as PostgreSQL does, so one set of store code
		// behaves alike on both. Limits still rely on locks or conditional
		// updates, never on the isolation level.
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return s.mapErr(op, err)
	}
	tctx, scope := storage.NewScope(ctx, s, tx)
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tctx); err != nil {
		return err // stores map their own driver errors; the use case's errors pass through
	}
	done = true
	if err := tx.Commit(); err != nil {
		return s.mapErr(op, err)
	}
	scope.RunAfterCommit()
	return nil
}

// exec runs a statement with s's placeholders ("?").
func (s *Store) exec(ctx context.Context, op, query string, args ...any) (sql.Result, error) {
	res, err := s.idb(ctx).ExecContext(ctx, query, args...)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	return res, nil
}

// checkOpen is the guard every read outside InTx starts with.
func (s *Store) checkOpen(op string) error {
	if s.closed.Load() {
		return storage.E(op, storage.ErrUnavailable, "store is closed")
	}
	return nil
}

func (s *Store) String() string { return fmt.Sprintf("bunstore(%s)", s.dialect) }

// scanOne scans the first row of q (a select into its model), mapping "no
// rows" to storage.NotFound(op, entity, id) and other errors with mapErr.
func (s *Store) scanOne(ctx context.Context, op, entity, id string, q *bun.SelectQuery) error {
	if err := s.checkOpen(op); err != nil {
		return err
	}
	if err := q.Limit(1).Scan(ctx); err != nil {
		if s.classify(err) == storage.ErrNotFound {
			return storage.NotFound(op, entity, id)
		}
		return s.mapErr(op, err)
	}
	return nil
}

// scanAll selects rows of R as build shapes the query (filters, order,
// limit) and converts each with conv; errors go through mapErr. It returns
// an empty, non-nil slice when nothing matches.
func scanAll[R, T any](ctx context.Context, s *Store, op string, build func(q *bun.SelectQuery) *bun.SelectQuery, conv func(r *R) T) ([]T, error) {
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []R
	if err := build(s.idb(ctx).NewSelect().Model(&rows)).Scan(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	out := make([]T, len(rows))
	for i := range rows {
		out[i] = conv(&rows[i])
	}
	return out, nil
}
