package bunstore

import (
	"context"
	"embed"

	"github.com/uptrace/bun/migrate"

	"github.com/switchboardkit/switchboard/storage"
)

// migrationFiles holds the versioned schema: one VERSION_domain.up.sql file
// per change, named after the domain it serves. Files are Go templates
// expanded per dialect with ddlTypes, so one file serves every database.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

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

func (s *Store) ddlTypes() ddlTypes {
	switch s.dialect {
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

// Migrate brings the schema up to date: it applies, in version order, every
// migration not applied yet (bun/migrate records them in bun_migrations). It
// is safe to call on every start; a concurrent Migrate from another process
// fails with storage.ErrConflict instead of racing.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "bunstore.Migrate"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrationFiles); err != nil {
		return storage.Internal(op, err)
	}
	m := migrate.NewMigrator(s.db, ms, migrate.WithMarkAppliedOnSuccess(true), migrate.WithTemplateData(s.ddlTypes()))
	if err := m.Init(ctx); err != nil {
		return s.mapErr(op, err)
	}
	if err := m.Lock(ctx); err != nil {
		return storage.Conflict(op, "another process is migrating: %v", err)
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	if _, err := m.Migrate(ctx); err != nil {
		return s.mapErr(op, err)
	}
	return nil
}
