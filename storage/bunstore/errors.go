package bunstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/switchboardkit/switchboard/storage"
)

// mapErr turns a driver error into the storage error kinds. It is the only
// place that inspects driver errors, once per dialect, by code — never by
// message text. Errors that already carry a kind pass through unchanged.
func (s *Store) mapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *storage.Error
	var ve *storage.ValidationError
	if errors.As(err, &se) || errors.As(err, &ve) {
		return err
	}
	kind := s.classify(err)
	return storage.Wrap(op, kind, &storage.DriverError{Err: err})
}

func (s *Store) classify(err error) error {
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return storage.ErrNotFound
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		// The server went away mid-statement (a PostgreSQL primary stopped
		// at once, a node killed): the connection reads EOF. Whether a
		// COMMIT in flight took effect is unknown; nothing else was.
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return storage.ErrUnavailable
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return storage.ErrUnavailable
	}
	switch s.dialect {
	case Postgres:
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) || pgconn.Timeout(err) || errors.Is(err, pgconn.ErrConnClosed) {
			return storage.ErrUnavailable
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			switch code := pe.Code; code {
			case "23505":
				return storage.ErrConflict
			case "40001", "40P01", "55P03":
				return storage.ErrRetryable
			case "57P01", "57P02", "57P03", "53300":
				return storage.ErrUnavailable
			default:
				if len(code) == 2+3 && code[:2] == "08" { // connection exceptions
					return storage.ErrUnavailable
				}
			}
		}
	case MySQL:
		var me *mysql.MySQLError
		if errors.As(err, &me) {
			switch me.Number {
			case 1062, 1586: // ER_DUP_ENTRY, ER_DUP_ENTRY_WITH_KEY_NAME
				return storage.ErrConflict
			case 1213, 1205: // ER_LOCK_DEADLOCK (also a Galera certification failure at commit), ER_LOCK_WAIT_TIMEOUT
				return storage.ErrRetryable
			case 1040, 1045, 1049, 2002, 2003, 2006, 2013:
				return storage.ErrUnavailable
			case 1047, 1180, 1053, 1927:
				// A Galera node outside the primary component answers
				// 1047 ("WSREP has not yet prepared node for application
				// use") and fails writes with 1180 (ER_ERROR_DURING_COMMIT);
				// 1053 ER_SERVER_SHUTDOWN, 1927 ER_CONNECTION_KILLED. Nothing
				// was committed; another node (or this one, later) can serve.
				return storage.ErrUnavailable
			case 1317: // ER_QUERY_INTERRUPTED (KILL QUERY): not retried in InTx, the caller decides
				return storage.ErrUnavailable
			}
		}
		if errors.Is(err, mysql.ErrInvalidConn) {
			return storage.ErrUnavailable
		}
	case SQLite:
		var le *sqlite.Error
		if errors.As(err, &le) {
			switch le.Code() {
			case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
				return storage.ErrConflict
			}
			switch le.Code() & 0xff { // primary result code
			case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
				return storage.ErrRetryable
			case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_IOERR:
				return storage.ErrUnavailable
			}
		}
	}
	return storage.ErrInternal
}
