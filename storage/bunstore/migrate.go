package bunstore

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/uptrace/bun/migrate"

	"github.com/switchboardkit/switchboard/storage"
)

// migrationFiles holds the versioned schema: for each change a pair
// VERSION_domain.up.sql and VERSION_domain.down.sql, named after the domain
// it serves. Files are Go templates expanded per dialect with ddlTypes, so
// one file serves every database; "--bun:split" separates statements.
//
// Every version must have both files: the down file undoes exactly what the
// up file creates (tables in reverse order, DROP … IF EXISTS, so a down
// interrupted by MySQL's non-transactional DDL can be re-run). A test fails
// when an up file has no down file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files, the Go templates Migrate
// runs: VERSION_domain.up.sql and VERSION_domain.down.sql at the root.
// MigrationSQL gives them rendered for one dialect.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// MigrationScript is one version of the schema rendered for a dialect.
type MigrationScript struct {
	Version string   // e.g. "20261122000100"; versions apply in ascending order
	Name    string   // the domain it serves, e.g. "audit"
	Up      []string // statements that apply it, in order
	Down    []string // statements that undo it, in order
}

// MigrationSQL renders every embedded version for dialect d, oldest first,
// as Migrate and MigrateDown run them, for hosts whose own migration tool
// applies the schema. A host that does so must not also call Migrate, unless
// it records the versions in bun_migrations the way bun/migrate does.
func MigrationSQL(d Dialect) ([]MigrationScript, error) {
	const op = "bunstore.MigrationSQL"
	if bunDialect(d) == nil {
		return nil, storage.Invalid(op, "dialect", "oneof", fmt.Sprintf("dialect %q: want sqlite, postgres or mysql", d))
	}
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		return nil, storage.Internal(op, err)
	}
	byVersion := map[string]*MigrationScript{}
	for _, f := range files {
		version, rest, ok := strings.Cut(f, "_")
		var up bool
		switch {
		case !ok:
			continue
		case strings.HasSuffix(rest, ".up.sql"):
			up, rest = true, strings.TrimSuffix(rest, ".up.sql")
		case strings.HasSuffix(rest, ".down.sql"):
			rest = strings.TrimSuffix(rest, ".down.sql")
		default:
			continue
		}
		rest = strings.TrimSuffix(rest, ".tx")
		src, err := fs.ReadFile(Migrations(), f)
		if err != nil {
			return nil, storage.Internal(op, err)
		}
		stmts, err := renderMigration(path.Base(f), src, ddlTypesFor(d))
		if err != nil {
			return nil, storage.Internal(op, err)
		}
		ms := byVersion[version]
		if ms == nil {
			ms = &MigrationScript{Version: version, Name: rest}
			byVersion[version] = ms
		}
		if up {
			ms.Up = stmts
		} else {
			ms.Down = stmts
		}
	}
	out := make([]MigrationScript, 0, len(byVersion))
	for _, ms := range byVersion {
		out = append(out, *ms)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// renderMigration expands a migration template and splits it into
// statements the way bun/migrate does: "--bun:split" lines separate
// statements, blank lines are dropped, empty statements skipped.
func renderMigration(name string, src []byte, data ddlTypes) ([]string, error) {
	tmpl, err := template.New(name).Parse(string(src))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, err
	}
	var stmts []string
	var cur strings.Builder
	flush := func() {
		if q := cur.String(); strings.TrimSpace(q) != "" {
			stmts = append(stmts, q)
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "--bun:"); ok {
			if d != "split" {
				return nil, fmt.Errorf("%s: unknown directive %q", name, d)
			}
			flush()
			continue
		}
		if strings.TrimSpace(line) != "" {
			cur.WriteString(line)
			cur.WriteByte('\n')
		}
	}
	flush()
	return stmts, sc.Err()
}

// MigrationState is one schema version and whether the database has it.
type MigrationState struct {
	Version   string
	Name      string    // "" when Unknown
	Applied   bool      // recorded in bun_migrations
	AppliedAt time.Time // when it was applied (the database's clock), zero if pending
	// Unknown marks a version the database has applied but this build does
	// not embed: the database is newer than the code, and MigrateDown cannot
	// undo it.
	Unknown bool
}

func (s *Store) migrator(op string) (*migrate.Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrationFiles); err != nil {
		return nil, storage.Internal(op, err)
	}
	return migrate.NewMigrator(s.db, ms, migrate.WithMarkAppliedOnSuccess(true), migrate.WithTemplateData(s.ddlTypes())), nil
}

// locked runs fn holding bun/migrate's lock row, so two processes never
// migrate at once: the second fails with storage.ErrConflict.
func (s *Store) locked(ctx context.Context, op string, fn func(m *migrate.Migrator) error) error {
	if err := s.checkOpen(op); err != nil {
		return err
	}
	m, err := s.migrator(op)
	if err != nil {
		return err
	}
	if err := m.Init(ctx); err != nil {
		return s.mapErr(op, err)
	}
	if err := m.Lock(ctx); err != nil {
		return storage.Conflict(op, "another process is migrating: %v", err)
	}
	defer func() { _ = m.Unlock(context.WithoutCancel(ctx)) }()
	return fn(m)
}

// Migrate brings the schema up to date: it applies, in version order, every
// migration not applied yet (bun/migrate records them in bun_migrations). It
// is safe to call on every start; a concurrent Migrate or MigrateDown from
// another process fails with storage.ErrConflict instead of racing.
func (s *Store) Migrate(ctx context.Context) error {
	const op = "bunstore.Migrate"
	return s.locked(ctx, op, func(m *migrate.Migrator) error {
		if _, err := m.Migrate(ctx); err != nil {
			return s.mapErr(op, err)
		}
		return nil
	})
}

// MigrationStatus lists every version this build embeds, oldest first, with
// whether the database has applied it, followed by any version the database
// has applied that this build does not know (Unknown). It only reads: on a
// database never migrated every version is pending.
func (s *Store) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	const op = "bunstore.MigrationStatus"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	m, err := s.migrator(op)
	if err != nil {
		return nil, err
	}
	var known migrate.MigrationSlice
	var missing migrate.MigrationSlice
	var n int
	if err := s.db.QueryRowContext(ctx, s.tableExistsSQL(), "bun_migrations").Scan(&n); err != nil {
		return nil, s.mapErr(op, err)
	}
	if n > 0 {
		if known, err = m.MigrationsWithStatus(ctx); err != nil {
			return nil, s.mapErr(op, err)
		}
		if missing, err = m.MissingMigrations(ctx); err != nil {
			return nil, s.mapErr(op, err)
		}
	} else {
		ms := migrate.NewMigrations()
		if err := ms.Discover(migrationFiles); err != nil {
			return nil, storage.Internal(op, err)
		}
		known = ms.Sorted()
	}
	out := make([]MigrationState, 0, len(known)+len(missing))
	for _, k := range known {
		st := MigrationState{Version: k.Name, Name: k.Comment, Applied: k.IsApplied()}
		if st.Applied {
			st.AppliedAt = k.MigratedAt.UTC()
		}
		out = append(out, st)
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].Name < missing[j].Name })
	for _, k := range missing {
		out = append(out, MigrationState{Version: k.Name, Applied: true, AppliedAt: k.MigratedAt.UTC(), Unknown: true})
	}
	return out, nil
}

// MigrateDown undoes, newest first, every applied version newer than to,
// running each version's down migration and removing it from
// bun_migrations; to "" undoes them all. The data in the dropped tables is
// lost. to must be a version this build embeds (or ""): anything else is a
// *storage.ValidationError on field "to". A version applied in the database
// but unknown to this build stops it with storage.ErrConflict before
// anything is undone. Each version is undone on its own, so a failure leaves
// the versions before it applied and MigrationStatus tells where it stopped.
// PostgreSQL's pg_trgm extension, which the tenancy version may create, is
// left installed: other schemas may use it.
func (s *Store) MigrateDown(ctx context.Context, to string) error {
	const op = "bunstore.MigrateDown"
	return s.locked(ctx, op, func(m *migrate.Migrator) error {
		all, err := m.MigrationsWithStatus(ctx)
		if err != nil {
			return s.mapErr(op, err)
		}
		if to != "" {
			found := false
			for _, k := range all {
				found = found || k.Name == to
			}
			if !found {
				return storage.Invalid(op, "to", "version", "not a version of this build's schema")
			}
		}
		missing, err := m.MissingMigrations(ctx)
		if err != nil {
			return s.mapErr(op, err)
		}
		for _, k := range missing {
			if k.Name > to {
				return storage.Conflict(op, "version %s is applied but unknown to this build", k.Name)
			}
		}
		for i := len(all) - 1; i >= 0; i-- {
			k := &all[i]
			if !k.IsApplied() || k.Name <= to {
				continue
			}
			if k.Down == nil {
				return storage.Internal(op, fmt.Errorf("version %s_%s has no down migration", k.Name, k.Comment))
			}
			if err := k.Down(ctx, m, k); err != nil {
				return s.mapErr(op, fmt.Errorf("%s_%s: down: %w", k.Name, k.Comment, err))
			}
			if err := m.MarkUnapplied(ctx, k); err != nil {
				return s.mapErr(op, err)
			}
		}
		return nil
	})
}
