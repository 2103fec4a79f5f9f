package bunstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/mysqldialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/schema"
)

// This file holds every SQL fragment that differs between the dialects, so
// the store code reads the same for all three. Driver errors are classified
// in errors.go.

// Dialect names the SQL database behind a Store.
type Dialect string

// Supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
	MySQL    Dialect = "mysql" // MySQL 8 and MariaDB 10.6+
)

// bunDialect is bun's dialect for d as Open configures it, nil for an
// unknown d.
func bunDialect(d Dialect) schema.Dialect {
	switch d {
	case SQLite:
		return sqlitedialect.New()
	case Postgres:
		return pgdialect.New()
	case MySQL:
		return newMySQLDialect()
	}
	return nil
}

// newMySQLDialect writes times in UTC, matching the session's time zone.
func newMySQLDialect() *mysqldialect.Dialect {
	return mysqldialect.New(mysqldialect.WithTimeLocation("UTC"))
}

// ddlTypes is the template data of a migration file:
//
//	{{.ID}}     identifier column (UUID strings and other short keys)
//	{{.Str}}    short string (names, e-mails, codes)
//	{{.Text}}   unbounded text (JSON documents)
//	{{.TS}}     UTC timestamp with microseconds
//	{{.Money}}  exact decimal (TEXT on SQLite, whose NUMERIC affinity would round it)
//	{{.Bool}}   boolean
//	{{.Blob}}   bytes (ciphertext)
//	{{.Table}}  table options (MySQL: utf8mb4 with a binary collation, so comparisons are exact)
//	{{.Dialect}} "sqlite", "postgres" or "mysql", for dialect-only statements
type ddlTypes struct {
	Dialect                                     Dialect
	ID, Str, Text, TS, Money, Bool, Blob, Table string
}

func ddlTypesFor(d Dialect) ddlTypes {
	switch d {
	case Postgres:
		return ddlTypes{Dialect: Postgres, ID: "VARCHAR(64)", Str: "VARCHAR(255)", Text: "TEXT",
			TS: "TIMESTAMPTZ(6)", Money: "NUMERIC(30,6)", Bool: "BOOLEAN", Blob: "BYTEA"}
	case MySQL:
		return ddlTypes{Dialect: MySQL, ID: "VARCHAR(64)", Str: "VARCHAR(255)", Text: "LONGTEXT",
			TS: "DATETIME(6)", Money: "DECIMAL(30,6)", Bool: "BOOLEAN", Blob: "LONGBLOB",
			Table: " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"}
	default:
		return ddlTypes{Dialect: SQLite, ID: "TEXT", Str: "TEXT", Text: "TEXT",
			TS: "TIMESTAMP", Money: "TEXT", Bool: "BOOLEAN", Blob: "BLOB"}
	}
}

func (s *Store) ddlTypes() ddlTypes { return ddlTypesFor(s.dialect) }

// upsert returns the conflict clause of an INSERT for the dialect: do
// nothing when set is "", else apply set (which may use "?" arguments and
// refer to the existing row's columns by bare name on MySQL and as
// table.column elsewhere: pass both spellings through cols).
func (s *Store) upsert(table, conflict, set string) string {
	if s.dialect == MySQL {
		if set == "" {
			// a no-op update of the first key column: MySQL has no DO NOTHING
			first := conflict
			for i := range conflict {
				if conflict[i] == ',' {
					first = conflict[:i]
					break
				}
			}
			return " ON DUPLICATE KEY UPDATE " + first + " = " + first
		}
		return " ON DUPLICATE KEY UPDATE " + set
	}
	if set == "" {
		return " ON CONFLICT (" + conflict + ") DO NOTHING"
	}
	return " ON CONFLICT (" + conflict + ") DO UPDATE SET " + set
}

// col qualifies column c of table for the right-hand side of an upsert's
// update (PostgreSQL would find a bare name ambiguous).
func (s *Store) col(table, c string) string {
	if s.dialect == MySQL {
		return c
	}
	return table + "." + c
}

// hasReturning reports whether INSERT … RETURNING is available (not on
// MySQL/MariaDB's upserts).
func (s *Store) hasReturning() bool { return s.dialect != MySQL }

// tableExistsSQL counts the tables named by its one argument in the
// current database (schema on PostgreSQL).
func (s *Store) tableExistsSQL() string {
	switch s.dialect {
	case Postgres:
		return "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	case MySQL:
		return "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?"
	default:
		return "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
}

// lockedInTx makes q a locking read (SELECT … FOR UPDATE) when it runs inside
// a transaction on PostgreSQL or MySQL. SQLite transactions already hold the
// database's write lock (BEGIN IMMEDIATE), and outside a transaction a lock
// would end with the statement.
func (s *Store) lockedInTx(ctx context.Context, q *bun.SelectQuery) *bun.SelectQuery {
	if s.dialect != SQLite && s.inTx(ctx) {
		return q.For("UPDATE")
	}
	return q
}

// txOptions are the options every transaction starts with. InnoDB's default
// REPEATABLE READ serves plain SELECTs from the snapshot of the
// transaction's first read; READ COMMITTED reads the latest committed rows,
// as PostgreSQL does, so one set of store code behaves alike on both. Limits
// still rely on locks or conditional updates, never on the isolation level.
func (s *Store) txOptions() *sql.TxOptions {
	if s.dialect == MySQL {
		return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return nil
}

// oneWriter reports whether this process's write transactions queue on
// Store.writeMu: SQLite allows one writer at a time anyway.
func (s *Store) oneWriter() bool { return s.dialect == SQLite }

// trigramIndex reports whether company search may consult the SQLite FTS5
// trigram table (tenancy_companies_fts); PostgreSQL's pg_trgm index is used
// by LIKE itself.
func (s *Store) trigramIndex() bool { return s.dialect == SQLite }

// sideTrigrams reports whether company and employee search use the side
// tables the store writes itself (tenancy_company_grams,
// tenancy_user_trigrams): MySQL/MariaDB, which have no index for substring
// matches.
func (s *Store) sideTrigrams() bool { return s.dialect == MySQL }

// escapeLike escapes LIKE's wildcards (and the escape character '!') so
// user input matches literally with ESCAPE '!'. '!' rather than a backslash
// because MySQL treats backslashes in string literals as escapes themselves.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}
