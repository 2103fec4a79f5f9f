package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
)

// Prepared statements on PostgreSQL. bun formats every query with its
// arguments written into the text, so the server parses and plans each
// statement anew; on the hot paths (a dialer's Reserve and Complete, Check,
// an audit event) the planning costs more than running the statement. Those
// few statements are written once with placeholders and sent with their
// arguments (hotExec, hotQuery). On a pool the store opened, each
// connection prepares such a statement the first time it sees it (one
// round trip, once per connection: the server keeps the parsed statement
// and, after a few runs, its plan) and then sends it as
// "EXECUTE name('arg', …)": plain SQL text, so it goes with BEGIN, the
// deferred writes and COMMIT like any other statement (see pgConnector).
// An argument is written as a quoted literal the server converts to the
// parameter's type, or NULL; a value of another type (or a server without
// standard_conforming_strings) falls back to pgx's own formatting of the
// statement, which is what every other statement gets. On a pool given to
// New the statement goes to the host's driver with its arguments, which
// prepares or formats it as the host configured. On MySQL it is an
// ordinary bun statement; on SQLite too, but for a hot query outside a
// transaction, which is a statement prepared once per store (sqliteQuery),
// and for the batches of 500 rows a presence group writes and reads, whose
// statements are prepared once per store after the first transaction that
// sends one (sqliteBatch).

// pgStmt is a statement prepared on one connection.
type pgStmt struct {
	name string
	oids []uint32 // the parameters' types, as the server inferred them
}

// PostgreSQL type OIDs whose literals pgLiteral writes specially.
const (
	oidBytea       = 17
	oidTimestamp   = 1114 // without time zone: left to pgx
	oidTimestamptz = 1184
)

// asExecute turns a statement with arguments (a hot statement) into its
// EXECUTE text without arguments, sent as any other statement; it returns
// query and args unchanged when they have no arguments or one EXECUTE
// cannot write.
func (c *pgConn) asExecute(ctx context.Context, query string, args []driver.NamedValue) (string, []driver.NamedValue, error) {
	if len(args) == 0 {
		return query, args, nil
	}
	stmt, ok, err := c.execute(ctx, query, args)
	if err != nil || !ok {
		return query, args, err
	}
	return stmt, nil, nil
}

// execute returns the EXECUTE statement that runs query (with $n
// placeholders) with args on c, preparing query on c first if needed; ok is
// false when an argument cannot be written as a literal (the caller then
// sends query with args as pgx would).
func (c *pgConn) execute(ctx context.Context, query string, args []driver.NamedValue) (stmt string, ok bool, err error) {
	if c.noPrepare || c.Conn.Conn().PgConn().ParameterStatus("standard_conforming_strings") != "on" {
		return "", false, nil
	}
	st := c.stmts[query]
	if st == nil {
		name := "sb_" + strconv.Itoa(len(c.stmts)+1)
		c.trips.Add(1)
		sd, err := c.Conn.Conn().PgConn().Prepare(ctx, name, query, nil)
		if err != nil {
			return "", false, err
		}
		if c.stmts == nil {
			c.stmts = make(map[string]*pgStmt)
		}
		st = &pgStmt{name: name, oids: sd.ParamOIDs}
		c.stmts[query] = st
	}
	if len(args) != len(st.oids) {
		return "", false, nil // pgx reports the mismatch
	}
	size := len(st.name) + 10
	for _, a := range args {
		switch v := a.Value.(type) {
		case string:
			size += len(v) + 4
		case []byte:
			size += 2*len(v) + 6
		default:
			size += 32
		}
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteString("EXECUTE ")
	b.WriteString(st.name)
	for i, a := range args {
		if i == 0 {
			b.WriteByte('(')
		} else {
			b.WriteString(", ")
		}
		if !pgLiteral(&b, a.Value, st.oids[i]) {
			return "", false, nil
		}
	}
	if len(args) > 0 {
		b.WriteByte(')')
	}
	return b.String(), true, nil
}

// pgLiteral appends v as a literal of the parameter type oid, reporting
// false for a value it does not write (pgx formats that statement). Every
// literal but NULL is a quoted string: the server converts it to the
// parameter's type as it would the text of a bound parameter.
func pgLiteral(b *strings.Builder, v any, oid uint32) bool {
	if vr, ok := v.(driver.Valuer); ok {
		var err error
		if v, err = vr.Value(); err != nil {
			return false
		}
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case string:
		if oid == oidBytea {
			return false
		}
		pgQuote(b, x)
	case []byte:
		if oid == oidBytea {
			b.WriteString(`'\x`)
			b.WriteString(hex.EncodeToString(x))
			b.WriteByte('\'')
		} else {
			pgQuote(b, string(x))
		}
	case json.RawMessage:
		pgQuote(b, string(x))
	case int64:
		pgQuote(b, strconv.FormatInt(x, 10))
	case int:
		pgQuote(b, strconv.Itoa(x))
	case int32:
		pgQuote(b, strconv.FormatInt(int64(x), 10))
	case bool:
		pgQuote(b, strconv.FormatBool(x))
	case time.Time:
		// Microseconds, truncated as pgx encodes them; a year outside
		// 1–9999 and a timestamp without time zone are left to pgx.
		if oid != oidTimestamptz || x.Year() < 1 || x.Year() > 9999 {
			return false
		}
		pgQuote(b, bulkTime(x))
	default:
		return false
	}
	return true
}

// pgQuote appends s as a standard-conforming string literal.
func pgQuote(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for {
		i := strings.IndexByte(s, '\'')
		if i < 0 {
			break
		}
		b.WriteString(s[:i+1])
		b.WriteByte('\'')
		s = s[i+1:]
	}
	b.WriteString(s)
	b.WriteByte('\'')
}

// dollarQueries caches hot statements rewritten from ? to $n placeholders.
var dollarQueries sync.Map // string → string

// dollars rewrites query's ? placeholders as $1, $2, … (the hot statements
// have no other question marks).
func dollars(query string) string {
	if q, ok := dollarQueries.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	q := b.String()
	dollarQueries.Store(query, q)
	return q
}

// sqlHandle is what hotExec and hotQuery send through: the transaction of
// ctx or the pool, below bun (whose formatting would write the arguments
// into the text).
func (s *Store) sqlHandle(ctx context.Context) interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
} {
	if tx, ok := s.idb(ctx).(bun.Tx); ok {
		return tx.Tx
	}
	return s.db.DB
}

// hotExec runs a hot statement (written with ? placeholders) with args:
// prepared on PostgreSQL, an ordinary bun statement elsewhere. ctx may
// mark it deferred. Errors are the store's kinds, with op.
func (s *Store) hotExec(ctx context.Context, op, query string, args ...any) (sql.Result, error) {
	if s.dialect != Postgres {
		return s.exec(ctx, op, query, args...)
	}
	ctx, done := s.traceHot(ctx, query)
	res, err := s.sqlHandle(ctx).ExecContext(ctx, dollars(query), args...)
	done(err)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	return res, nil
}

// hotQuery is hotExec for a statement returning rows; on SQLite outside a
// transaction it is a statement prepared once per store (sqliteQuery), so
// its arguments must be values database/sql binds (no bun.List). Errors
// from the query itself are the store's kinds; the rows' own errors are
// the driver's, for the caller to map.
func (s *Store) hotQuery(ctx context.Context, op, query string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	var err error
	switch {
	case s.dialect == SQLite && !s.inTx(ctx):
		return s.sqliteQuery(ctx, op, query, args...)
	case s.dialect != Postgres:
		rows, err = s.idb(ctx).QueryContext(ctx, query, args...)
	default:
		var done func(error)
		ctx, done = s.traceHot(ctx, query)
		rows, err = s.sqlHandle(ctx).QueryContext(ctx, dollars(query), args...)
		done(err)
	}
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	return rows, nil
}

// hotScan runs the hot query and scans its rows into dest (a pointer to a
// slice of a row model, matched by column name as bun scans); errors are
// the store's kinds.
func (s *Store) hotScan(ctx context.Context, op string, dest any, query string, args ...any) error {
	rows, err := s.hotQuery(ctx, op, query, args...)
	return s.scanRows(ctx, op, dest, rows, err)
}

// scanRows scans rows into dest (a pointer to a slice of a row model,
// matched by column name as bun scans), or returns err, the error of the
// query that gave them; errors are the store's kinds.
func (s *Store) scanRows(ctx context.Context, op string, dest any, rows *sql.Rows, err error) error {
	if err != nil {
		return s.mapErr(op, err)
	}
	defer func() { _ = rows.Close() }() // ScanRows closes them and reports their errors
	return s.mapErr(op, s.db.ScanRows(ctx, rows, dest))
}

// traceHot gives a hot statement, which does not pass through bun's hooks,
// the span TraceSQL gives every other statement.
func (s *Store) traceHot(ctx context.Context, query string) (context.Context, func(error)) {
	h := s.hook
	if h == nil {
		return ctx, func(error) {}
	}
	ctx = h.BeforeQuery(ctx, nil)
	return ctx, func(err error) {
		h.AfterQuery(ctx, &bun.QueryEvent{Query: query, QueryTemplate: query, Err: err})
	}
}

// sqliteQuery runs query (with ? placeholders) on the pool as a statement
// prepared once per store (sqlitePrepared): SQLite compiles a statement
// each time it is sent as text, which for a join costs more than running
// it.
func (s *Store) sqliteQuery(ctx context.Context, op, query string, args ...any) (*sql.Rows, error) {
	st, err := s.sqlitePrepared(ctx, query)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	ctx, done := s.traceHot(ctx, query)
	rows, err := st.QueryContext(ctx, sqliteArgs(args)...)
	done(err)
	if err != nil {
		return nil, s.mapErr(op, err)
	}
	return rows, nil
}

// sqlitePrepared is query prepared on the pool, once per store
// (database/sql prepares it again on each connection that needs it); Close
// closes the statements. It takes a connection of the pool: never call it
// inside a transaction, which may hold the pool's only one.
func (s *Store) sqlitePrepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(query); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.db.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if v, loaded := s.stmts.LoadOrStore(query, st); loaded {
		_ = st.Close() // another caller prepared it first
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// sqliteBatchRows is the size of the batches (presence groups and chunks)
// whose SQLite statements are prepared once per store by sqliteBatch;
// statements of other sizes are compiled each time, as a store must not
// keep one prepared statement for every size a caller happens to send.
const sqliteBatchRows = 500

// sqliteBatch runs a batched write of n rows (query with ? placeholders,
// args bound by database/sql, not written into the text by bun) on SQLite,
// in ctx's transaction if any. A statement of sqliteBatchRows rows runs
// prepared once per store (sqliteStmt): SQLite compiles a 500-row VALUES
// list each time it is sent as text, and for such a batch the compiling,
// with bun's formatting of every value, cost as much as running it.
func (s *Store) sqliteBatch(ctx context.Context, op, query string, n int, args ...any) (sql.Result, error) {
	st, ctx, done := s.sqliteStmt(ctx, query, n)
	var res sql.Result
	var err error
	if st != nil {
		res, err = st.ExecContext(ctx, sqliteArgs(args)...)
	} else {
		res, err = s.sqlHandle(ctx).ExecContext(ctx, query, sqliteArgs(args)...)
	}
	done(err)
	return res, s.mapErr(op, err)
}

// sqliteScan is sqliteBatch for a batched read, its rows scanned into dest
// as hotScan scans.
func (s *Store) sqliteScan(ctx context.Context, op string, dest any, query string, n int, args ...any) error {
	st, ctx, done := s.sqliteStmt(ctx, query, n)
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, sqliteArgs(args)...)
	} else {
		rows, err = s.sqlHandle(ctx).QueryContext(ctx, query, sqliteArgs(args)...)
	}
	done(err)
	return s.scanRows(ctx, op, dest, rows, err)
}

// sqliteStmt is the batch statement query of n rows prepared once per
// store, in ctx's transaction (database/sql reuses the statement already
// prepared on the transaction's connection), or nil to send it as text:
// for another size than sqliteBatchRows, and the first time. A statement
// first seen in a transaction is prepared after it (prepareWanted), as
// sqlitePrepared must not run inside one. It also starts the statement's
// span (traceHot), which done ends.
func (s *Store) sqliteStmt(ctx context.Context, query string, n int) (_ *sql.Stmt, _ context.Context, done func(error)) {
	ctx, done = s.traceHot(ctx, query)
	if n != sqliteBatchRows {
		return nil, ctx, done
	}
	v, ok := s.stmts.Load(query)
	if !ok {
		s.wanted.Store(query, struct{}{})
		return nil, ctx, done
	}
	st := v.(*sql.Stmt)
	if tx, ok := s.idb(ctx).(bun.Tx); ok {
		st = tx.StmtContext(ctx, st)
	}
	return st, ctx, done
}

// prepareWanted prepares, after a transaction, the batch statements
// sqliteStmt saw first inside one, when the pool has a connection to spare
// without waiting; one it cannot prepare now stays wanted. A statement
// that fails to prepare is sent as text the next time, and reports its
// error then.
func (s *Store) prepareWanted(ctx context.Context) {
	if s.dialect != SQLite {
		return
	}
	s.wanted.Range(func(k, _ any) bool {
		st := s.db.Stats()
		if st.Idle == 0 && st.MaxOpenConnections > 0 && st.OpenConnections >= st.MaxOpenConnections {
			return false
		}
		s.wanted.Delete(k)
		_, _ = s.sqlitePrepared(ctx, k.(string)) // on failure, wanted again next time
		return true
	})
}

// sqliteInsert is the multi-row INSERT of n rows of cols (a comma-separated
// list) into table, with ? placeholders.
func sqliteInsert(table, cols string, n int) string {
	width := strings.Count(cols, ",") + 1
	tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
	return "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.Repeat(tuple+", ", n-1) + tuple
}

// sqliteArgs rewrites args, in place, as bun writes them into a SQLite
// statement, for database/sql to bind them to the same stored values: a
// time as bun's UTC text (a stored time is compared as text), a nil time or
// byte slice as NULL.
func sqliteArgs(args []any) []any {
	for i, v := range args {
		switch x := v.(type) {
		case time.Time:
			args[i] = bulkTime(x)
		case *time.Time:
			if x == nil {
				args[i] = nil
			} else {
				args[i] = bulkTime(*x)
			}
		case []byte:
			if x == nil {
				args[i] = nil
			}
		}
	}
	return args
}
