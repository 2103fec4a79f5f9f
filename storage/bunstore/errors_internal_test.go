package bunstore

import (
	"errors"
	"fmt"
	"io"
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
