package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"modernc.org/sqlite"

	"github.com/switchboardkit/switchboard/storage"
)

// New builds a store on a pool the host already has, so the SDK and the
// host share connections; the dialect comes from db.Dialect().Name(). The
// store does not own the pool: Close leaves it open. New pings the database
// and checks what the store relies on, refusing with a
// *storage.ValidationError (storage.ErrInvalid) on field "db" when:
//
//   - the dialect is not SQLite, PostgreSQL or MySQL;
//   - the driver is not the one whose errors the store classifies:
//     modernc.org/sqlite (bun's sqliteshim picks it), pgx's stdlib
//     (jackc/pgx/v5/stdlib), or go-sql-driver/mysql;
//   - SQLite: foreign keys are off or the busy timeout is 0 (checked on one
//     connection: set them in the DSN, "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)",
//     so every connection has them);
//   - MySQL/MariaDB: DATETIME values do not scan into UTC time.Time
//     (the DSN needs parseTime=true and loc=UTC), or bun's dialect writes
//     times in another zone (use mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))).
//
// What New cannot check and the host must provide: on SQLite,
// "_txlock=immediate" (every transaction takes the write lock at BEGIN, so
// concurrent processes queue on the busy timeout instead of failing
// mid-transaction) and, for a file, WAL mode; an in-memory SQLite database
// needs one connection (SetMaxOpenConns(1)), as each connection would
// otherwise see its own empty database. On MySQL, a UTC session
// (time_zone='+00:00') is recommended; the store never relies on the
// server's clock. PostgreSQL needs nothing beyond pgx. Open sets all of this
// itself. Call Migrate (or drive MigrationStatus/MigrateDown from the host's
// tool) before use.
func New(ctx context.Context, db *bun.DB) (*Store, error) {
	const op = "bunstore.New"
	if db == nil {
		return nil, storage.Invalid(op, "db", "required", "a *bun.DB is required")
	}
	var d Dialect
	var driverOK bool
	switch drv := db.Driver(); db.Dialect().Name() {
	case dialect.SQLite:
		_, driverOK = drv.(*sqlite.Driver)
		d = SQLite
	case dialect.PG:
		_, driverOK = drv.(*stdlib.Driver)
		d = Postgres
	case dialect.MySQL:
		_, driverOK = drv.(*mysql.MySQLDriver)
		d = MySQL
	default:
		return nil, storage.Invalid(op, "db", "dialect",
			fmt.Sprintf("bun dialect %s is not supported: want sqlite, pg or mysql", db.Dialect().Name()))
	}
	if !driverOK {
		return nil, storage.Invalid(op, "db", "driver", fmt.Sprintf("the %s store classifies the errors of %s, not of %T",
			d, map[Dialect]string{SQLite: "modernc.org/sqlite", Postgres: "github.com/jackc/pgx/v5/stdlib",
				MySQL: "github.com/go-sql-driver/mysql"}[d], db.Driver()))
	}
	s := &Store{db: db, dialect: d}
	if err := db.PingContext(ctx); err != nil {
		return nil, s.mapErr(op, err)
	}
	if err := s.checkSettings(ctx, op); err != nil {
		return nil, err
	}
	return s, nil
}

// NewFromSQL is New for a *sql.DB: it wraps sqldb in bun with the dialect
// Open uses for d (MySQL's writing times in UTC) and checks it as New does.
// The pool stays the host's.
func NewFromSQL(ctx context.Context, sqldb *sql.DB, d Dialect) (*Store, error) {
	const op = "bunstore.NewFromSQL"
	if sqldb == nil {
		return nil, storage.Invalid(op, "db", "required", "a *sql.DB is required")
	}
	bd := bunDialect(d)
	if bd == nil {
		return nil, storage.Invalid(op, "dialect", "oneof", fmt.Sprintf("dialect %q: want sqlite, postgres or mysql", d))
	}
	return New(ctx, bun.NewDB(sqldb, bd))
}

// checkSettings verifies, on one connection, the session settings New
// documents.
func (s *Store) checkSettings(ctx context.Context, op string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return s.mapErr(op, err)
	}
	defer func() { _ = conn.Close() }()
	refuse := func(msg string) error { return storage.Invalid(op, "db", "settings", msg) }
	switch s.dialect {
	case SQLite:
		var fk, busy int
		if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			return s.mapErr(op, err)
		}
		if err := conn.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			return s.mapErr(op, err)
		}
		switch {
		case fk != 1:
			return refuse("SQLite foreign keys are off: add _pragma=foreign_keys(1) to the DSN")
		case busy <= 0:
			return refuse("SQLite busy timeout is 0: add _pragma=busy_timeout(10000) to the DSN")
		}
	case MySQL:
		var t time.Time
		if err := conn.QueryRowContext(ctx, "SELECT CAST('2000-01-01 00:00:00' AS DATETIME)").Scan(&t); err != nil {
			return refuse("MySQL DATETIME does not scan into time.Time: add parseTime=true to the DSN")
		}
		if t.Location() != time.UTC {
			return refuse("MySQL times are read in " + t.Location().String() + ": add loc=UTC to the DSN")
		}
		probe := time.Date(2000, 1, 1, 3, 0, 0, 0, time.FixedZone("", 3*3600))
		if got := string(s.db.Dialect().AppendTime(nil, probe)); !strings.HasPrefix(got, "'2000-01-01 00:00:00") {
			return refuse(`bun's MySQL dialect writes times outside UTC: use mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))`)
		}
	}
	return nil
}
