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
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"

	"github.com/switchboardkit/switchboard/storage"
)

// Store is the bun backend. It is safe for concurrent use.
type Store struct {
	db      *bun.DB
	dialect Dialect
	closed  atomic.Bool
	ownsDB  bool // opened by Open*, so Close closes it; a host's pool given to New stays open
	// writeMu serialises this process's write transactions on SQLite, which
	// allows one writer at a time anyway: waiting on a mutex is cheaper and
	// fairer than polling SQLITE_BUSY. Other processes are still handled by
	// the busy timeout and the retry loop.
	writeMu sync.Mutex
	// settings caches decoded compliance settings (see SharedSettings).
	settings settingsCache
	// trips counts the round trips of a PostgreSQL pool the store opened
	// (see pgConnector); nil on other pools.
	trips *atomic.Int64
	// hook is TraceSQL's, which the hot statements (see hotExec) call
	// themselves; nil without tracing.
	hook *sqlHook
	// stmts are the statements prepared on a SQLite pool (sqliteStmt),
	// by query text; Close closes them.
	stmts sync.Map // string → *sql.Stmt
	// wanted are the SQLite batch statements sqliteBatch ran unprepared in
	// a transaction, for prepareWanted to prepare after it.
	wanted sync.Map // string → struct{}
}

var _ storage.Transactor = (*Store)(nil)

// Open opens a store from a DSN. It recognises the forms ParseDSN lists —
// PostgreSQL ("postgres://…", "postgresql://…", "host=… dbname=…"),
// MySQL/MariaDB ("user:pass@tcp(host:3306)/db", "user@unix(/path)/db",
// either after "mysql://" or "mariadb://", "mysql://user:pass@host/db") and
// SQLite ("sqlite:PATH", "file:PATH?…", ":memory:", "" or a plain file path
// without any DSN marker) — and refuses anything else with a
// *storage.ValidationError (storage.ErrInvalid) on field "dsn" naming the
// accepted forms; it never falls back to a SQLite file for a DSN it does not
// understand. An unreachable server is storage.ErrUnavailable.
//
// SQLite runs cgo-free (modernc.org/sqlite through bun's sqliteshim): files
// in WAL mode with synchronous=NORMAL, a 10 s busy timeout, foreign keys on,
// and BEGIN IMMEDIATE for every transaction (a pragma the DSN sets itself is
// left as given); the file's directory is created if missing; an in-memory
// database has one connection and is gone on Close. PostgreSQL goes through
// pgx (see OpenPostgres); MySQL through go-sql-driver with parseTime, UTC
// times and a UTC session forced (see OpenMySQL). Open pings the database
// but does not migrate: call Migrate.
func Open(ctx context.Context, dsn string) (*Store, error) {
	const op = "bunstore.Open"
	cfg, err := ParseDSN(dsn)
	if err != nil {
		var ve *storage.ValidationError
		if errors.As(err, &ve) {
			ve.Op = op
		}
		return nil, err
	}
	return openConfig(ctx, op, cfg)
}

func openConfig(ctx context.Context, op string, cfg Config) (*Store, error) {
	switch cfg.Dialect {
	case Postgres:
		return openPostgres(ctx, op, cfg.Conn)
	case MySQL:
		return openMySQL(ctx, op, cfg.Conn)
	default:
		return openSQLite(ctx, op, cfg.Conn)
	}
}

// OpenSQLite opens (creating if needed) the SQLite database file at path,
// taken literally (no DSN recognition, no percent-decoding); "" or
// ":memory:" is a private in-memory database. The settings are Open's.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	conn := ":memory:"
	if path != "" && path != ":memory:" {
		conn = "file:" + (&url.URL{Path: path}).EscapedPath()
	}
	return openSQLite(ctx, "bunstore.OpenSQLite", conn)
}

func openSQLite(ctx context.Context, op, conn string) (*Store, error) {
	if path := sqliteFilePath(conn); path != "" {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, storage.Unavailable(op, err)
			}
		}
	}
	sqldb, err := sql.Open(sqliteshim.ShimName, sqliteDriverDSN(conn))
	if err != nil {
		return nil, storage.Unavailable(op, err)
	}
	if sqliteMemory(conn) {
		// A private in-memory database lives as long as its one connection.
		sqldb.SetMaxOpenConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetMaxIdleConns(1)
	} else {
		sqldb.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	}
	return finishOpen(ctx, op, bun.NewDB(sqldb, sqlitedialect.New()), SQLite)
}

// OpenPostgres opens a PostgreSQL database from a postgres:// URL or a
// libpq key=value string, through pgx. Everything libpq accepts works,
// including several hosts and target_session_attrs=read-write (a pool that
// finds the new primary after a failover). Statements go over the simple
// protocol: bun sends each query with its arguments already formatted, so
// preparing them would cost a round trip and cache nothing reusable; the
// few hot statements are prepared once per connection and sent as EXECUTE.
// Transactions hold BEGIN and the deferred writes back to send them with
// the next statement (see "Round trips on PostgreSQL" in the package doc).
// The DSN parameter switchboard_prepare=off (read by the store, not sent
// to the server) sends the hot statements unprepared, as pgx formats them:
// for a connection pooler in transaction mode (PgBouncer), which hands a
// session's next transaction to another server connection, where the
// statement was never prepared. A DSN pgx cannot parse is a
// *storage.ValidationError on field "dsn".
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	return openPostgres(ctx, "bunstore.OpenPostgres", dsn)
}

// prepareParam is the DSN parameter turning the prepared hot statements
// off (see OpenPostgres).
const prepareParam = "switchboard_prepare"

func openPostgres(ctx context.Context, op, dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, storage.Invalid(op, "dsn", "dsn", err.Error())
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	noPrepare := false
	if v, ok := cfg.RuntimeParams[prepareParam]; ok { // ours, not the server's
		delete(cfg.RuntimeParams, prepareParam)
		switch strings.ToLower(v) {
		case "on", "true", "1":
		case "off", "false", "0":
			noPrepare = true
		default:
			return nil, storage.Invalid(op, "dsn", "dsn", prepareParam+" must be on or off, not "+strconv.Quote(v))
		}
	}
	trips := new(atomic.Int64)
	sqldb := sql.OpenDB(pgConnector{Connector: stdlib.GetConnector(*cfg), trips: trips, noPrepare: noPrepare})
	sqldb.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	s, err := finishOpen(ctx, op, bun.NewDB(sqldb, pgdialect.New()), Postgres)
	if s != nil {
		s.trips = trips
	}
	return s, err
}

// OpenMySQL opens a MySQL or MariaDB database from a go-sql-driver DSN
// ("user:pass@tcp(host:3306)/db?…", any network the driver knows), with or
// without a "mysql://" or "mariadb://" prefix, or from a URL
// "mysql://user:pass@host:3306/db?…". parseTime=true, loc=UTC and the
// session time zone '+00:00' are forced, whatever the DSN says. A DSN the
// driver cannot parse is a *storage.ValidationError on field "dsn".
func OpenMySQL(ctx context.Context, dsn string) (*Store, error) {
	const op = "bunstore.OpenMySQL"
	refuse := func(format string, args ...any) (Config, error) {
		return Config{}, storage.Invalid(op, "dsn", "dsn", fmt.Sprintf(format, args...))
	}
	rest, scheme := dsn, false
	if sc, r, ok := splitScheme(dsn); ok && (sc == "mysql" || sc == "mariadb") && strings.HasPrefix(r, "://") {
		rest, scheme = r[3:], true
	}
	cfg, err := mysqlConfig(rest, scheme, refuse)
	if err != nil {
		return nil, err
	}
	return openMySQL(ctx, op, cfg.Conn)
}

// mysqlGroupConcatMax is the session group_concat_max_len of the pools
// OpenMySQL makes (unless the DSN sets it): 64 MiB, beyond any history a
// policy counts, so that a subject's history comes back folded in one
// string (see historyAggQuery). A host's pool with a shorter limit (MySQL's
// default is 1 KiB, MariaDB's 1 MiB) is not wrong, only slower: a history
// that does not fit is read row by row, as is a result longer than the
// server's max_allowed_packet (which comes back NULL).
const mysqlGroupConcatMax = "67108864"

func openMySQL(ctx context.Context, op, dsn string) (*Store, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, storage.Invalid(op, "dsn", "dsn", err.Error())
	}
	forceMySQL(cfg)
	if _, ok := cfg.Params["group_concat_max_len"]; !ok {
		cfg.Params["group_concat_max_len"] = mysqlGroupConcatMax
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, storage.Invalid(op, "dsn", "dsn", err.Error())
	}
	sqldb := sql.OpenDB(connector)
	sqldb.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	sqldb.SetConnMaxLifetime(5 * time.Minute)
	return finishOpen(ctx, op, bun.NewDB(sqldb, newMySQLDialect()), MySQL)
}

func finishOpen(ctx context.Context, op string, db *bun.DB, d Dialect) (*Store, error) {
	s := &Store{db: db, dialect: d, ownsDB: true}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // the ping's error is the one to report; nothing was opened yet
		return nil, s.mapErr(op, err)
	}
	return s, nil
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// RoundTrips is how many round trips a PostgreSQL pool the store opened
// (Open, OpenPostgres) has sent to the server so far, every connection
// together; -1 for other pools, whose round trips the store does not see.
// The difference over a run of requests is their cost in round trips, a
// figure a loaded machine does not blur as it blurs timings.
func (s *Store) RoundTrips() int64 {
	if s.trips == nil {
		return -1
	}
	return s.trips.Load()
}

// DB exposes the underlying *bun.DB for host queries and tests. Writes made
// through it bypass validation and audit.
func (s *Store) DB() *bun.DB { return s.db }

// Close closes the store; later calls fail with storage.ErrUnavailable. It
// closes the database pool too when Open or Open* made it; a pool given to
// New or NewFromSQL belongs to the host and stays open.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	s.stmts.Range(func(_, v any) bool {
		_ = v.(*sql.Stmt).Close() // the pool's close below reports what matters
		return true
	})
	if !s.ownsDB {
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
		s.prepareWanted(ctx)
		if err == nil || !errors.Is(err, storage.ErrRetryable) || attempt == storage.MaxAttempts || ctx.Err() != nil {
			return storage.GiveUp(op, err)
		}
		backoff := time.Duration(1<<min(attempt, 6)) * time.Millisecond
		time.Sleep(backoff/2 + rand.N(backoff)) //nolint:gosec // G404: backoff jitter needs spread, not unpredictability
	}
}

func (s *Store) attempt(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	const op = "bunstore.InTx"
	if s.closed.Load() {
		return storage.E(op, storage.ErrUnavailable, "store is closed")
	}
	if s.oneWriter() {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	tx, err := s.db.BeginTx(ctx, s.txOptions())
	if err != nil {
		return s.mapErr(op, err)
	}
	tctx, scope := storage.NewScope(ctx, s, tx)
	done := false
	defer func() {
		if !done {
			// fn's error (or panic) is what the caller needs; a failed
			// rollback means the connection is gone, and the server rolls
			// the transaction back with it.
			_ = tx.Rollback()
		}
	}()
	if err := fn(tctx); err != nil {
		return err // stores map their own driver errors; the use case's errors pass through
	}
	if ctx.Err() != nil { // ended while fn ran: roll back, whatever fn said
		return storage.Unavailable(op, ctx.Err()).Explain("transaction rolled back")
	}
	done = true
	if err := tx.Commit(); err != nil {
		if ctx.Err() != nil { // database/sql may have rolled back first (sql.ErrTxDone)
			return storage.Unavailable(op, errors.Join(ctx.Err(), err)).Explain("transaction rolled back")
		}
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
