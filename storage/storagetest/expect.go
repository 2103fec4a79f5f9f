package storagetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
)

// Events are audit events, in the order they were recorded.
type Events []*audit.Event

// Actions returns each event's action, in order.
func (es Events) Actions() []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Action
	}
	return out
}

// Find returns the first event with action, or nil.
func (es Events) Find(action string) *audit.Event {
	for _, e := range es {
		if e.Action == action {
			return e
		}
	}
	return nil
}

// Fields returns the fields the first event with action changed, sorted
// ("" fields skipped); nil when no event has the action.
func (es Events) Fields(action string) []string {
	e := es.Find(action)
	if e == nil {
		return nil
	}
	var out []string
	for _, c := range e.Changes {
		if c.Field != "" {
			out = append(out, c.Field)
		}
	}
	slices.Sort(out)
	return out
}

// String lists the events as action entity_type/entity_id [fields], one a
// line, for failure messages.
func (es Events) String() string {
	var b strings.Builder
	for _, e := range es {
		var fields []string
		for _, c := range e.Changes {
			fields = append(fields, c.Field)
		}
		fmt.Fprintf(&b, "%s %s/%s %v\n", e.Action, e.EntityType, e.EntityID, fields)
	}
	return b.String()
}

// In returns the events of companyID, in order.
func (es Events) In(companyID string) Events {
	var out Events
	for _, e := range es {
		if e.CompanyID == companyID {
			out = append(out, e)
		}
	}
	return out
}

// AuditOf runs fn and returns the audit events committed while it ran, in
// the order recorded: what the calls fn makes wrote to the trail. Events
// of other goroutines committed meanwhile count too, so on a shared
// backend (OnHarness) filter by company.
func (w *World) AuditOf(fn func()) Events {
	w.tb.Helper()
	before := w.eventIDs()
	fn()
	var out Events
	for _, e := range w.events() {
		if !before[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// events returns every event of the backend, oldest first (IDs are
// UUIDv7: they sort by creation).
func (w *World) events() Events {
	w.tb.Helper()
	var all Events
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for {
		page, err := w.Trail.Query(w.ctx(), audit.Scope{All: true}, audit.Filter{}, p)
		if err != nil {
			w.fatal("reading the audit trail", err)
		}
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			break
		}
		p.After = page.NextCursor
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	return all
}

func (w *World) eventIDs() map[string]bool {
	w.tb.Helper()
	ids := map[string]bool{}
	for _, e := range w.events() {
		ids[e.ID] = true
	}
	return ids
}

// trace is what a call could leave behind: the audit events, the outbox
// messages delivered after a drain, and on SQL backends a digest of every
// table's rows.
type trace struct {
	events     map[string]bool
	deliveries int
	tables     map[string]string
}

func (w *World) trace() trace {
	w.tb.Helper()
	t := trace{events: w.eventIDs(), deliveries: len(w.Delivered(""))}
	if w.H.Digest != nil {
		d, err := w.H.Digest(w.ctx())
		if err != nil {
			w.fatal("reading the tables", err)
		}
		t.tables = d
	}
	return t
}

// RequireNoTrace runs fn, which must fail, and fails the test unless fn
// returned an error and left nothing behind: no audit event, no outbox
// message, and — on the SQL backends — no row added, changed or removed
// in any table. It returns fn's error, for RequireKind. (On memory the
// audit trail and the outbox stand for the rows: every mutation is audited
// in its own transaction.)
func (w *World) RequireNoTrace(fn func() error) error {
	w.tb.Helper()
	before := w.trace()
	err := fn()
	if err == nil {
		w.tb.Fatalf("storagetest: the call succeeded; RequireNoTrace wants it to fail")
		return nil
	}
	after := w.trace()
	var left []string
	for id := range after.events {
		if !before.events[id] {
			left = append(left, "audit event "+id)
		}
	}
	if n := after.deliveries - before.deliveries; n > 0 {
		left = append(left, fmt.Sprintf("%d outbox message(s)", n))
	}
	for name, d := range after.tables {
		if before.tables[name] != d {
			left = append(left, "rows of table "+name)
		}
	}
	slices.Sort(left)
	if len(left) > 0 {
		w.tb.Fatalf("storagetest: the failed call (%v) left behind: %s", err, strings.Join(left, ", "))
	}
	return err
}

// kinds are the error kinds of package storage, most specific first.
var kinds = []error{storage.ErrNotFound, storage.ErrConflict, storage.ErrForbidden, storage.ErrInvalid,
	storage.ErrLimitExceeded, storage.ErrSuspended, storage.ErrPrecondition, storage.ErrRetryable,
	storage.ErrUnavailable, storage.ErrInternal}

// KindOf names the storage error kinds err matches ("none" for none).
func KindOf(err error) string {
	var names []string
	for _, k := range kinds {
		if errors.Is(err, k) {
			names = append(names, k.Error())
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// RequireKind fails the test unless err matches kind (storage.ErrNotFound,
// …) with errors.Is, saying which kind it was instead.
func RequireKind(tb T, err, kind error) {
	tb.Helper()
	switch {
	case err == nil:
		tb.Fatalf("want an error of kind %q, got none", kind)
	case !errors.Is(err, kind):
		tb.Fatalf("want an error of kind %q, got kind %s: %v", kind, KindOf(err), err)
	}
}

// RequireInvalid fails the test unless err is a *storage.ValidationError
// naming every field in fields.
func RequireInvalid(tb T, err error, fields ...string) {
	tb.Helper()
	RequireKind(tb, err, storage.ErrInvalid)
	var ve *storage.ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("want a *storage.ValidationError, got %T: %v", err, err)
	}
	for _, f := range fields {
		if _, ok := ve.Field(f); !ok {
			tb.Fatalf("field %q not named in %v", f, err)
		}
	}
}

// bunDigest returns a digest of every table's rows on a bun store, by
// table name.
func bunDigest(ctx context.Context, st *bunstore.Store) (map[string]string, error) {
	var q string
	switch st.Dialect() {
	case bunstore.SQLite:
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	case bunstore.Postgres:
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
	default:
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'"
	}
	db := st.DB()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			_ = rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, n := range names {
		d, err := tableDigest(ctx, db.DB, st.Dialect(), n)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", n, err)
		}
		out[n] = d
	}
	return out, nil
}

// tableDigest hashes a table's rows, in an order of their own (the rows'
// text sorted), so two reads of unchanged rows agree.
func tableDigest(ctx context.Context, db *sql.DB, d bunstore.Dialect, table string) (string, error) {
	quoted := `"` + table + `"`
	if d == bunstore.MySQL {
		quoted = "`" + table + "`"
	}
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+quoted) //nolint:gosec // G202: a table name read from the catalogue
	if err != nil {
		return "", err
	}
	defer func() { _ = rows.Close() }() // read-only
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var lines []string
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		var b strings.Builder
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v\x1f", v)
		}
		lines = append(lines, b.String())
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return fmt.Sprintf("%d:%x", len(lines), h.Sum(nil)), nil
}
