package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// Round trips on PostgreSQL. A pool opened by Open or OpenPostgres sends a
// transaction's statements in fewer round trips than database/sql alone
// would, with the same statements in the same order and the same outcome:
//
//   - BEGIN is not sent on its own: it goes with the transaction's first
//     statement when that is a write without a result set, else alone just
//     before it; a transaction that sends nothing costs nothing.
//   - A deferred write (the store marks the few statements whose result it
//     does not read and whose failure fails the use case: audit events and
//     reservations) is held back and sent with the next statement of the
//     transaction — before a read, so the read sees it — or with COMMIT.
//     Its error, should it fail, is that later statement's or COMMIT's,
//     and fails the transaction all the same.
//
// So a use case ending "write; audit event; COMMIT" sends one round trip
// for the three. A pool given to New is the host's and keeps database/sql's
// one round trip per statement.
type pgConnector struct {
	driver.Connector
	trips     *atomic.Int64 // round trips sent to the server
	noPrepare bool          // switchboard_prepare=off: hot statements are not prepared
}

// Connect wraps each connection pgx's connector opens.
func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	sc, ok := dc.(*stdlib.Conn)
	if !ok {
		return dc, nil
	}
	return &pgConn{Conn: sc, trips: c.trips, noPrepare: c.noPrepare}, nil
}

// pgConn is one pgx connection with lazy transactions (see pgConnector).
// Everything but transactions and the statements inside them is pgx's.
type pgConn struct {
	*stdlib.Conn
	trips *atomic.Int64
	tx    *pgTx              // the open transaction, nil outside one
	stmts map[string]*pgStmt // statements prepared on this connection (see hotExec)
	// noPrepare sends hot statements as pgx formats them (see hotExec).
	noPrepare bool
}

var (
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
)

// pgTx is a transaction whose BEGIN and deferred writes wait for the next
// statement.
type pgTx struct {
	c       *pgConn
	ctx     context.Context
	begin   string   // the BEGIN statement
	begun   bool     // BEGIN was sent
	pending []string // deferred writes not sent yet
}

// deferKey marks a context whose next write may be deferred.
type deferKey struct{}

// deferred returns ctx marking the statements run with it as deferred
// writes (see pgConnector); other drivers ignore the mark.
func deferred(ctx context.Context) context.Context { return context.WithValue(ctx, deferKey{}, true) }

func isDeferred(ctx context.Context) bool { v, _ := ctx.Value(deferKey{}).(bool); return v }

// BeginTx starts a transaction without a round trip.
func (c *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if c.Conn.Conn().IsClosed() {
		return nil, driver.ErrBadConn
	}
	begin := "BEGIN"
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadUncommitted:
		begin += " ISOLATION LEVEL READ UNCOMMITTED"
	case sql.LevelReadCommitted:
		begin += " ISOLATION LEVEL READ COMMITTED"
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		begin += " ISOLATION LEVEL REPEATABLE READ"
	case sql.LevelSerializable:
		begin += " ISOLATION LEVEL SERIALIZABLE"
	default:
		return nil, fmt.Errorf("unsupported isolation: %v", opts.Isolation)
	}
	if opts.ReadOnly {
		begin += " READ ONLY"
	}
	c.tx = &pgTx{c: c, ctx: ctx, begin: begin}
	return c.tx, nil
}

// Begin is BeginTx with the defaults.
func (c *pgConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// head is what must precede the transaction's next statement: BEGIN if not
// sent, then the deferred writes, each followed by "; ".
func (t *pgTx) head() string {
	var b strings.Builder
	if !t.begun {
		b.WriteString(t.begin)
		b.WriteString("; ")
	}
	for _, p := range t.pending {
		b.WriteString(p)
		b.WriteString("; ")
	}
	return b.String()
}

// send runs the transaction's head followed by tail (one statement, or ""
// for the head alone) in one round trip, returning the last command tag.
func (t *pgTx) send(ctx context.Context, tail string) (pgconn.CommandTag, error) {
	q := t.head() + tail
	t.begun, t.pending = true, nil
	t.c.trips.Add(1)
	return t.c.Conn.Conn().Exec(ctx, strings.TrimSuffix(q, "; "))
}

// flush sends BEGIN and the deferred writes if any is due.
func (t *pgTx) flush(ctx context.Context) error {
	if t.begun && len(t.pending) == 0 {
		return nil
	}
	_, err := t.send(ctx, "")
	return err
}

// ExecContext runs a statement; in a transaction BEGIN and deferred writes
// go with it, and a deferred write waits.
func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	t := c.tx
	query, args, err := c.asExecute(ctx, query, args)
	if err != nil {
		return nil, err
	}
	if t == nil {
		c.trips.Add(1)
		return c.Conn.ExecContext(ctx, query, args)
	}
	if len(args) > 0 { // placeholders: sent as given, after the head
		if err := t.flush(ctx); err != nil {
			return nil, err
		}
		c.trips.Add(1)
		return c.Conn.ExecContext(ctx, query, args)
	}
	if isDeferred(ctx) {
		t.pending = append(t.pending, query)
		return driver.ResultNoRows, nil // its outcome is known when it is sent
	}
	tag, err := t.send(ctx, query)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// QueryContext runs a query; in a transaction BEGIN and deferred writes are
// sent first (pgx reads one result set per query).
func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	query, args, err := c.asExecute(ctx, query, args)
	if err != nil {
		return nil, err
	}
	if t := c.tx; t != nil && len(args) == 0 && (!t.begun || len(t.pending) > 0) {
		return t.query(ctx, query)
	}
	if c.tx != nil {
		if err := c.tx.flush(ctx); err != nil {
			return nil, err
		}
	}
	c.trips.Add(1)
	return c.Conn.QueryContext(ctx, query, args)
}

// query sends the transaction's head and query in one round trip, skips
// the head's results (failing on the first error among them) and returns
// query's rows.
func (t *pgTx) query(ctx context.Context, query string) (driver.Rows, error) {
	skip := len(t.pending)
	if !t.begun {
		skip++
	}
	q := t.head() + query
	t.begun, t.pending = true, nil
	t.c.trips.Add(1)
	mrr := t.c.Conn.Conn().PgConn().Exec(ctx, q)
	for i := 0; ; i++ {
		if !mrr.NextResult() {
			err := mrr.Close()
			if err == nil {
				err = fmt.Errorf("bunstore: %d results for %d statements", i, skip+1)
			}
			return nil, err
		}
		if i == skip {
			return newPgRows(t.c.Conn.Conn().TypeMap(), mrr), nil
		}
		if _, err := mrr.ResultReader().Close(); err != nil {
			_ = mrr.Close() // the statement's error is the one to report
			return nil, err
		}
	}
}

// PrepareContext prepares a statement, after BEGIN and deferred writes.
func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if c.tx != nil {
		if err := c.tx.flush(ctx); err != nil {
			return nil, err
		}
	}
	c.trips.Add(1)
	return c.Conn.PrepareContext(ctx, query)
}

// Commit sends the deferred writes and COMMIT in one round trip (nothing
// for a transaction that sent and deferred nothing). A transaction the
// server had to abort reports its error, or pgx.ErrTxCommitRollback, and
// is rolled back.
func (t *pgTx) Commit() error {
	t.c.tx = nil
	if !t.begun && len(t.pending) == 0 {
		return nil
	}
	tag, err := t.send(t.ctx, "COMMIT")
	if err != nil {
		if t.c.Conn.Conn().PgConn().TxStatus() != 'I' {
			t.c.trips.Add(1)
			if _, rerr := t.c.Conn.Conn().Exec(context.WithoutCancel(t.ctx), "ROLLBACK"); rerr != nil {
				_ = t.c.Close() // the connection is in an unknown state; the commit's error is the one to report
			}
		}
		return err
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}

// Rollback discards the deferred writes and rolls back what was sent.
func (t *pgTx) Rollback() error {
	t.c.tx = nil
	if !t.begun {
		return nil
	}
	t.c.trips.Add(1)
	if _, err := t.c.Conn.Conn().Exec(t.ctx, "ROLLBACK"); err != nil {
		_ = t.c.Close() // as pgx does: a failed rollback leaves the connection unusable
		return err
	}
	return nil
}
