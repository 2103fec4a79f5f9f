package bunstore

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/switchboardkit/switchboard/storage"
)

// The MySQL/MariaDB codes below were provoked on a 3-node Galera cluster:
// 1213 from a write certified after a conflicting commit on another node,
// 1047 and 1180 from a node isolated from the primary component
// (gmcast.isolate=1), 1317 from KILL QUERY, 2013 from wsrep_reject_queries=ALL_KILL.
func TestClassifyMySQLGaleraCodes(t *testing.T) {
	s := &Store{dialect: MySQL}
	cases := map[uint16]error{
		1213: storage.ErrRetryable,
		1205: storage.ErrRetryable,
		1047: storage.ErrUnavailable,
		1180: storage.ErrUnavailable,
		1053: storage.ErrUnavailable,
		1927: storage.ErrUnavailable,
		1317: storage.ErrUnavailable,
		2013: storage.ErrUnavailable,
		1062: storage.ErrConflict,
		1146: storage.ErrInternal,
	}
	for code, want := range cases {
		err := s.mapErr("op", &mysql.MySQLError{Number: code, Message: "x"})
		if !errors.Is(err, want) {
			t.Errorf("code %d: got %v, want kind %v", code, err, want)
		}
	}
}

// Provoked by stopping a PostgreSQL primary at once (pg_ctl -m immediate)
// under load: statements in flight read EOF, the next use of their
// connection reports pgconn.ErrConnClosed.
func TestClassifyLostConnection(t *testing.T) {
	for _, d := range []Dialect{Postgres, MySQL, SQLite} {
		s := &Store{dialect: d}
		for _, err := range []error{io.ErrUnexpectedEOF, io.EOF, fmt.Errorf("read: %w", io.ErrUnexpectedEOF)} {
			if got := s.mapErr("op", err); !errors.Is(got, storage.ErrUnavailable) {
				t.Errorf("%s: %v: got %v, want ErrUnavailable", d, err, got)
			}
		}
	}
	s := &Store{dialect: Postgres}
	if got := s.mapErr("op", fmt.Errorf("exec: %w", pgconn.ErrConnClosed)); !errors.Is(got, storage.ErrUnavailable) {
		t.Errorf("conn closed: got %v, want ErrUnavailable", got)
	}
}

// A unique-key violation is a conflict whose message is for people: the
// database's text (constraint and index names, the duplicate value) stays
// out of Error() but reachable with errors.As. An internal error keeps it.
func TestDriverTextStaysOutOfConflicts(t *testing.T) {
	pg := &Store{dialect: Postgres}
	my := &Store{dialect: MySQL}
	sq, err := Open(t.Context(), "sqlite:"+t.TempDir()+"/conflict.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sq.Close() })
	if _, err := sq.DB().ExecContext(t.Context(), "CREATE TABLE t (k TEXT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := sq.DB().ExecContext(t.Context(), "INSERT INTO t VALUES ('a')"); err != nil {
		t.Fatal(err)
	}
	_, sqliteDup := sq.DB().ExecContext(t.Context(), "INSERT INTO t VALUES ('a')")
	if sqliteDup == nil {
		t.Fatal("duplicate insert succeeded")
	}
	cases := []struct {
		name   string
		s      *Store
		driver error
		secret string
	}{
		{"postgres", pg, &pgconn.PgError{Code: "23505", Message: `duplicate key value violates unique constraint "tenancy_users_email_key"`}, "tenancy_users_email_key"},
		{"mysql", my, &mysql.MySQLError{Number: 1062, Message: "Duplicate entry 'a@b.c' for key 'tenancy_users_email'"}, "tenancy_users_email"},
		{"sqlite", sq, sqliteDup, "UNIQUE"},
	}
	for _, c := range cases {
		got := c.s.mapErr("tenancy.RegisterUser", fmt.Errorf("insert: %w", c.driver))
		if !errors.Is(got, storage.ErrConflict) {
			t.Fatalf("%s: got %v, want ErrConflict", c.name, got)
		}
		if msg := got.Error(); msg != "tenancy.RegisterUser: conflict" {
			t.Errorf("%s: message %q, want %q", c.name, msg, "tenancy.RegisterUser: conflict")
		}
		var de *storage.DriverError
		if !errors.As(got, &de) || !errors.Is(got, c.driver) {
			t.Errorf("%s: the driver's error is not reachable from %v", c.name, got)
		}
	}
	internal := pg.mapErr("op", &pgconn.PgError{Code: "42P01", Message: `relation "x" does not exist`})
	if !errors.Is(internal, storage.ErrInternal) || !strings.Contains(internal.Error(), `relation "x" does not exist`) {
		t.Errorf("internal error lost its cause's text: %v", internal)
	}
}
