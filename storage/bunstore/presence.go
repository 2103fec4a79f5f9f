package bunstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/storage"
)

// Presence returns the store's presence.Store.
func (s *Store) Presence() presence.Store { return presenceStore{s} }

type presenceStore struct{ s *Store }

var _ presence.Store = presenceStore{}

type pauseTypeRow struct {
	bun.BaseModel `bun:"table:presence_pause_types"`

	ID           string    `bun:"id,pk"`
	CompanyID    string    `bun:"company_id"`
	Name         string    `bun:"name"`
	ActiveName   *string   `bun:"active_name"` // folded name while not archived, NULL after: keeps names unique among active types
	Paid         bool      `bun:"paid"`
	AllocationUS *int64    `bun:"allocation_us"`
	FallbackID   string    `bun:"fallback_id"`
	Archived     bool      `bun:"archived"`
	Version      int64     `bun:"version"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func toPauseTypeRow(p *presence.PauseType) *pauseTypeRow {
	r := &pauseTypeRow{ID: p.ID, CompanyID: p.CompanyID, Name: p.Name, Paid: p.Paid, FallbackID: p.FallbackID,
		Archived: p.Archived, Version: p.Version, CreatedAt: storage.Timestamp(p.CreatedAt), UpdatedAt: storage.Timestamp(p.UpdatedAt)}
	if !p.Archived {
		n := strings.ToLower(p.Name)
		r.ActiveName = &n
	}
	if p.DailyAllocation != nil {
		us := p.DailyAllocation.Microseconds()
		r.AllocationUS = &us
	}
	return r
}

func (r *pauseTypeRow) pauseType() *presence.PauseType {
	p := &presence.PauseType{ID: r.ID, CompanyID: r.CompanyID, Name: r.Name, Paid: r.Paid, FallbackID: r.FallbackID,
		Archived: r.Archived, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.AllocationUS != nil {
		a := time.Duration(*r.AllocationUS) * time.Microsecond
		p.DailyAllocation = &a
	}
	return p
}

// currentColumns are currentRow's columns.
const currentColumns = "company_id, user_id, state, pause_type_id, since, due_at, cause, set_by, version"

type currentRow struct {
	bun.BaseModel `bun:"table:presence_current"`

	CompanyID   string     `bun:"company_id,pk"`
	UserID      string     `bun:"user_id,pk"`
	State       string     `bun:"state"`
	PauseTypeID string     `bun:"pause_type_id"`
	Since       time.Time  `bun:"since"`
	DueAt       *time.Time `bun:"due_at"`
	Cause       string     `bun:"cause"`
	SetBy       string     `bun:"set_by"`
	Version     int64      `bun:"version"`
}

func toCurrentRow(c *presence.Current) *currentRow {
	r := &currentRow{CompanyID: c.CompanyID, UserID: c.UserID, State: string(c.State), PauseTypeID: c.PauseTypeID,
		Since: storage.Timestamp(c.Since), Cause: string(c.Cause), SetBy: c.SetBy, Version: c.Version}
	if c.DueAt != nil {
		d := storage.Timestamp(*c.DueAt)
		r.DueAt = &d
	}
	return r
}

func (r *currentRow) current() *presence.Current {
	c := &presence.Current{CompanyID: r.CompanyID, UserID: r.UserID, State: presence.State(r.State), PauseTypeID: r.PauseTypeID,
		Since: r.Since.UTC(), Cause: presence.Cause(r.Cause), SetBy: r.SetBy, Version: r.Version}
	if r.DueAt != nil {
		d := r.DueAt.UTC()
		c.DueAt = &d
	}
	return c
}

type intervalRow struct {
	bun.BaseModel `bun:"table:presence_intervals"`

	ID          string    `bun:"id,pk"`
	CompanyID   string    `bun:"company_id"`
	UserID      string    `bun:"user_id"`
	Day         string    `bun:"day"`
	State       string    `bun:"state"`
	PauseTypeID string    `bun:"pause_type_id"`
	Paid        bool      `bun:"paid"`
	Start       time.Time `bun:"start_at"`
	End         time.Time `bun:"end_at"`
	Cause       string    `bun:"cause"`
	SetBy       string    `bun:"set_by"`
}

func (r *intervalRow) interval() presence.Interval {
	return presence.Interval{ID: r.ID, CompanyID: r.CompanyID, UserID: r.UserID, Day: r.Day, State: presence.State(r.State),
		PauseTypeID: r.PauseTypeID, Paid: r.Paid, Start: r.Start.UTC(), End: r.End.UTC(), Cause: presence.Cause(r.Cause), SetBy: r.SetBy}
}

func (ps presenceStore) CreatePauseType(ctx context.Context, p *presence.PauseType) error {
	const op = "presence.CreatePauseType"
	if err := ps.s.checkOpen(op); err != nil {
		return err
	}
	_, err := ps.s.idb(ctx).NewInsert().Model(toPauseTypeRow(p)).Exec(ctx)
	return ps.s.mapErr(op, err)
}

func (ps presenceStore) UpdatePauseType(ctx context.Context, p *presence.PauseType) error {
	const op = "presence.UpdatePauseType"
	if err := ps.s.checkOpen(op); err != nil {
		return err
	}
	r := toPauseTypeRow(p)
	res, err := ps.s.idb(ctx).NewUpdate().Model(r).
		Column("name", "active_name", "paid", "allocation_us", "fallback_id", "archived", "version", "updated_at").
		Where("id = ?", p.ID).Where("company_id = ?", p.CompanyID).Where("version = ?", p.Version-1).Exec(ctx)
	if err != nil {
		return ps.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.Conflict(op, "pause type %s changed meanwhile", p.ID)
	}
	return nil
}

func (ps presenceStore) PauseType(ctx context.Context, companyID, id string) (*presence.PauseType, error) {
	const op = "presence.PauseType"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var r pauseTypeRow
	q := ps.s.idb(ctx).NewSelect().Model(&r).Where("id = ?", id).Where("company_id = ?", companyID)
	if err := ps.s.scanOne(ctx, op, "pause type", id, q); err != nil {
		return nil, err
	}
	return r.pauseType(), nil
}

func (ps presenceStore) PauseTypes(ctx context.Context, companyID string) ([]*presence.PauseType, error) {
	const op = "presence.PauseTypes"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []pauseTypeRow
	// Served by presence_pause_types_active_name (company_id prefix); a company has few types.
	if err := ps.s.idb(ctx).NewSelect().Model(&rows).Where("company_id = ?", companyID).OrderExpr("name, id").Scan(ctx); err != nil {
		return nil, ps.s.mapErr(op, err)
	}
	out := make([]*presence.PauseType, len(rows))
	for i := range rows {
		out[i] = rows[i].pauseType()
	}
	return out, nil
}

func (ps presenceStore) Current(ctx context.Context, companyID, userID string) (*presence.Current, error) {
	const op = "presence.Current"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var r currentRow
	q := ps.s.idb(ctx).NewSelect().Model(&r).Where("company_id = ?", companyID).Where("user_id = ?", userID)
	if err := ps.s.scanOne(ctx, op, "presence status", userID, q); err != nil {
		return nil, err
	}
	return r.current(), nil
}

// PutCurrent inserts the first row (a concurrent first insert loses on the
// primary key) or updates conditioned on the previous version: the
// database's row lock plus the re-checked WHERE make exactly one of two
// concurrent writers win on every dialect.
func (ps presenceStore) PutCurrent(ctx context.Context, c *presence.Current) error {
	const op = "presence.PutCurrent"
	if err := ps.s.checkOpen(op); err != nil {
		return err
	}
	r := toCurrentRow(c)
	db := ps.s.idb(ctx)
	if c.Version == 1 {
		if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
			err = ps.s.mapErr(op, err)
			if ps.s.classify(err) == storage.ErrConflict {
				return storage.Conflict(op, "status of %s changed meanwhile", c.UserID)
			}
			return err
		}
		return nil
	}
	res, err := db.NewUpdate().Model(r).
		Column("state", "pause_type_id", "since", "due_at", "cause", "set_by", "version").
		Where("company_id = ?", c.CompanyID).Where("user_id = ?", c.UserID).Where("version = ?", c.Version-1).Exec(ctx)
	if err != nil {
		return ps.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.Conflict(op, "status of %s changed meanwhile", c.UserID)
	}
	return nil
}

// presenceChunk bounds the members one batched statement names.
const presenceChunk = 500

// tuplesIn is "cols IN (…)" for n tuples of width placeholders: a list of
// row values, written as a VALUES subquery on SQLite (which takes no list of
// row values on the right of IN).
func (s *Store) tuplesIn(cols string, n, width int) string {
	tuple := "(" + strings.Repeat("?, ", width-1) + "?)"
	list := strings.Repeat(tuple+", ", n-1) + tuple
	if s.dialect == SQLite {
		return cols + " IN (VALUES " + list + ")"
	}
	return cols + " IN (" + list + ")"
}

// LockCurrents reads the members' rows by primary key, locking them
// (lockedInTx) in key order, so concurrent lockers take the locks in one
// order. PostgreSQL joins the key to the members given as one JSON
// argument of a hot statement (see hotExec): a list of row values is
// planned as one OR branch per member, which costs more than the read.
func (ps presenceStore) LockCurrents(ctx context.Context, members []presence.Member) ([]*presence.Current, error) {
	const op = "presence.LockCurrents"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	out := make([]*presence.Current, 0, len(members))
	for chunk := range slices.Chunk(members, presenceChunk) {
		rows, err := ps.lockChunk(ctx, op, chunk)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			out = append(out, rows[i].current())
		}
	}
	return out, nil
}

// lockChunk is LockCurrents' statement for one chunk of members.
func (ps presenceStore) lockChunk(ctx context.Context, op string, chunk []presence.Member) ([]currentRow, error) {
	var rows []currentRow
	if ps.s.dialect == Postgres {
		keys := make([]bulkKeyJSON, len(chunk))
		for i, m := range chunk {
			keys[i] = bulkKeyJSON{CompanyID: m.CompanyID, UserID: m.UserID}
		}
		arg, ok, err := bulkJSON(keys)
		if err != nil {
			return nil, storage.Internal(op, err)
		}
		if ok {
			q := "SELECT c.company_id, c.user_id, c.state, c.pause_type_id, c.since, c.due_at, c.cause, c.set_by, c.version" +
				" FROM presence_current AS c JOIN json_to_recordset(?::json) AS k (company_id text, user_id text)" +
				" ON c.company_id = k.company_id AND c.user_id = k.user_id ORDER BY c.company_id, c.user_id"
			if ps.s.inTx(ctx) {
				q += " FOR UPDATE OF c"
			}
			return rows, ps.s.hotScan(ctx, op, &rows, q, arg)
		}
	}
	args := make([]any, 0, 2*len(chunk))
	for _, m := range chunk {
		args = append(args, m.CompanyID, m.UserID)
	}
	where := ps.s.tuplesIn("(company_id, user_id)", len(chunk), 2)
	if ps.s.dialect == SQLite { // the transaction holds the write lock: no row locks to take
		return rows, ps.s.sqliteScan(ctx, op, &rows, "SELECT "+currentColumns+" FROM presence_current WHERE "+where+
			" ORDER BY company_id, user_id", len(chunk), args...)
	}
	q := ps.s.idb(ctx).NewSelect().Model(&rows).Where(where, args...).OrderExpr("company_id, user_id")
	return rows, ps.s.mapErr(op, ps.s.lockedInTx(ctx, q).Scan(ctx))
}

// UpdateCurrents joins the table to the new rows, one statement per chunk,
// each row conditioned on its previous version; a row count short of the
// chunk is a conflict.
func (ps presenceStore) UpdateCurrents(ctx context.Context, cs []*presence.Current) error {
	const op = "presence.UpdateCurrents"
	if err := ps.s.checkOpen(op); err != nil {
		return err
	}
	for chunk := range slices.Chunk(cs, presenceChunk) {
		res, err := ps.updateChunk(ctx, op, chunk)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
			return storage.Conflict(op, "%d of %d statuses changed meanwhile", int64(len(chunk))-n, len(chunk))
		}
	}
	return nil
}

// updateChunk runs one chunk's UPDATE: on PostgreSQL a hot statement (see
// hotExec) joining the table to the new rows given as one JSON argument.
func (ps presenceStore) updateChunk(ctx context.Context, op string, cs []*presence.Current) (sql.Result, error) {
	if ps.s.dialect == Postgres {
		rows := make([]bulkCurrentJSON, len(cs))
		for i, c := range cs {
			r := toCurrentRow(c)
			rows[i] = bulkCurrentJSON{CompanyID: r.CompanyID, UserID: r.UserID, State: r.State, PauseTypeID: r.PauseTypeID,
				Since: bulkTime(r.Since), DueAt: bulkTimePtr(r.DueAt), Cause: r.Cause, SetBy: r.SetBy, Version: r.Version}
		}
		arg, ok, err := bulkJSON(rows)
		if err != nil {
			return nil, storage.Internal(op, err)
		}
		if ok {
			return ps.s.hotExec(ctx, op, "UPDATE presence_current AS c SET state = v.state, pause_type_id = v.pause_type_id, since = v.since,"+
				" due_at = v.due_at, cause = v.cause, set_by = v.set_by, version = v.version"+
				" FROM json_populate_recordset(NULL::presence_current, ?) AS v"+
				" WHERE c.company_id = v.company_id AND c.user_id = v.user_id AND c.version = v.version - 1", arg)
		}
	}
	q, args := ps.updateSQL(cs)
	if ps.s.dialect == SQLite {
		return ps.s.sqliteBatch(ctx, op, q, len(cs), args...)
	}
	return ps.s.exec(ctx, op, q, args...)
}

func (ps presenceStore) updateSQL(cs []*presence.Current) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 9*len(cs))
	for _, c := range cs {
		r := toCurrentRow(c)
		args = append(args, r.CompanyID, r.UserID, r.State, r.PauseTypeID, r.Since, r.DueAt, r.Cause, r.SetBy, r.Version)
	}
	switch ps.s.dialect {
	case MySQL:
		b.WriteString("UPDATE presence_current c JOIN (")
		for i := range cs {
			if i == 0 {
				b.WriteString("SELECT ? AS company_id, ? AS user_id, ? AS state, ? AS pause_type_id, ? AS since, ? AS due_at, ? AS cause, ? AS set_by, ? AS version")
			} else {
				b.WriteString(" UNION ALL SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?")
			}
		}
		b.WriteString(") v ON c.company_id = v.company_id AND c.user_id = v.user_id" +
			" SET c.state = v.state, c.pause_type_id = v.pause_type_id, c.since = v.since, c.due_at = v.due_at," +
			" c.cause = v.cause, c.set_by = v.set_by, c.version = v.version WHERE c.version = v.version - 1")
	case Postgres:
		b.WriteString("UPDATE presence_current AS c SET state = v.state, pause_type_id = v.pause_type_id, since = v.since," +
			" due_at = v.due_at, cause = v.cause, set_by = v.set_by, version = v.version FROM (VALUES ")
		for i := range cs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?::TIMESTAMPTZ, ?::TIMESTAMPTZ, ?, ?, ?::BIGINT)")
		}
		b.WriteString(") AS v (company_id, user_id, state, pause_type_id, since, due_at, cause, set_by, version)" +
			" WHERE c.company_id = v.company_id AND c.user_id = v.user_id AND c.version = v.version - 1")
	default:
		b.WriteString("UPDATE presence_current SET state = v.column3, pause_type_id = v.column4, since = v.column5," +
			" due_at = v.column6, cause = v.column7, set_by = v.column8, version = v.column9 FROM (VALUES ")
		for i := range cs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?)")
		}
		b.WriteString(") AS v WHERE presence_current.company_id = v.column1 AND presence_current.user_id = v.column2" +
			" AND presence_current.version = v.column9 - 1")
	}
	return b.String(), args
}

func (ps presenceStore) DueCurrents(ctx context.Context, companyID string, until time.Time, after *presence.DueCursor, limit int) ([]*presence.Current, error) {
	const op = "presence.DueCurrents"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []currentRow
	q := ps.s.idb(ctx).NewSelect().Model(&rows).
		Where("company_id = ?", companyID).Where("due_at IS NOT NULL").Where("due_at <= ?", storage.Timestamp(until))
	if after != nil {
		t := storage.Timestamp(after.DueAt)
		q = q.Where("(due_at > ? OR (due_at = ? AND user_id > ?))", t, t, after.UserID)
	}
	if err := q.OrderExpr("due_at, user_id").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, ps.s.mapErr(op, err)
	}
	out := make([]*presence.Current, len(rows))
	for i := range rows {
		out[i] = rows[i].current()
	}
	return out, nil
}

func (ps presenceStore) NextDue(ctx context.Context, companyID string) (time.Time, bool, error) {
	const op = "presence.NextDue"
	if err := ps.s.checkOpen(op); err != nil {
		return time.Time{}, false, err
	}
	var rows []currentRow
	err := ps.s.idb(ctx).NewSelect().Model(&rows).Column("due_at", "company_id", "user_id").
		Where("company_id = ?", companyID).Where("due_at IS NOT NULL").OrderExpr("due_at").Limit(1).Scan(ctx)
	if err != nil {
		return time.Time{}, false, ps.s.mapErr(op, err)
	}
	if len(rows) == 0 || rows[0].DueAt == nil {
		return time.Time{}, false, nil
	}
	return rows[0].DueAt.UTC(), true, nil
}

// PlatformDueCurrents lists due rows of every company from
// presence_current_due_at (due_at, company_id, user_id; partial on
// due_at IS NOT NULL where the database has partial indexes). PutCurrent
// writes due_at in the status change's transaction, so the index is always
// in step.
func (ps presenceStore) PlatformDueCurrents(ctx context.Context, until time.Time, after *presence.DueCursor, limit int) ([]*presence.Current, error) {
	const op = "presence.PlatformDueCurrents"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	// A hot query (see hotExec; prepared once per store on SQLite): the
	// host's loop sends it page after page.
	q := "SELECT " + currentColumns + " FROM presence_current WHERE due_at IS NOT NULL AND due_at <= ?"
	args := []any{storage.Timestamp(until)}
	if after != nil {
		t := storage.Timestamp(after.DueAt)
		q += " AND (due_at > ? OR (due_at = ? AND (company_id > ? OR (company_id = ? AND user_id > ?))))"
		args = append(args, t, t, after.CompanyID, after.CompanyID, after.UserID)
	}
	q += " ORDER BY due_at, company_id, user_id LIMIT ?"
	args = append(args, limit)
	var rows []currentRow
	if err := ps.s.hotScan(ctx, op, &rows, q, args...); err != nil {
		return nil, err
	}
	out := make([]*presence.Current, len(rows))
	for i := range rows {
		out[i] = rows[i].current()
	}
	return out, nil
}

// PlatformNextDue reads the first entry of presence_current_due_at.
func (ps presenceStore) PlatformNextDue(ctx context.Context) (time.Time, bool, error) {
	const op = "presence.PlatformNextDue"
	if err := ps.s.checkOpen(op); err != nil {
		return time.Time{}, false, err
	}
	var rows []currentRow
	err := ps.s.idb(ctx).NewSelect().Model(&rows).Column("due_at", "company_id", "user_id").
		Where("due_at IS NOT NULL").OrderExpr("due_at").Limit(1).Scan(ctx)
	if err != nil {
		return time.Time{}, false, ps.s.mapErr(op, err)
	}
	if len(rows) == 0 || rows[0].DueAt == nil {
		return time.Time{}, false, nil
	}
	return rows[0].DueAt.UTC(), true, nil
}

func (ps presenceStore) Currents(ctx context.Context, companyID, userID string, before time.Time) ([]*presence.Current, error) {
	const op = "presence.Currents"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []currentRow
	q := ps.s.idb(ctx).NewSelect().Model(&rows).Where("company_id = ?", companyID).Where("since < ?", storage.Timestamp(before))
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	if err := q.OrderExpr("user_id").Scan(ctx); err != nil {
		return nil, ps.s.mapErr(op, err)
	}
	out := make([]*presence.Current, len(rows))
	for i := range rows {
		out[i] = rows[i].current()
	}
	return out, nil
}

func (ps presenceStore) AppendIntervals(ctx context.Context, ivs []presence.Interval) error {
	const op = "presence.AppendIntervals"
	if err := ps.s.checkOpen(op); err != nil {
		return err
	}
	if len(ivs) == 0 {
		return nil
	}
	rows := make([]intervalRow, len(ivs))
	for i, iv := range ivs {
		rows[i] = intervalRow{ID: iv.ID, CompanyID: iv.CompanyID, UserID: iv.UserID, Day: iv.Day, State: string(iv.State),
			PauseTypeID: iv.PauseTypeID, Paid: iv.Paid, Start: storage.Timestamp(iv.Start), End: storage.Timestamp(iv.End),
			Cause: string(iv.Cause), SetBy: iv.SetBy}
	}
	if ps.s.bulk(len(rows)) {
		if ok, err := ps.s.bulkInsert(ctx, "presence_intervals", bulkIntervalColumns, bulkIntervalRows(rows)); ok || err != nil {
			return ps.s.mapErr(op, err)
		}
	}
	if ps.s.dialect == SQLite {
		args := make([]any, 0, 11*len(rows))
		for i := range rows {
			r := &rows[i]
			args = append(args, r.ID, r.CompanyID, r.UserID, r.Day, r.State, r.PauseTypeID, r.Paid, r.Start, r.End, r.Cause, r.SetBy)
		}
		_, err := ps.s.sqliteBatch(ctx, op, sqliteInsert("presence_intervals", bulkIntervalColumns, len(rows)), len(rows), args...)
		return err
	}
	_, err := ps.s.idb(ctx).NewInsert().Model(&rows).Exec(ctx)
	return ps.s.mapErr(op, err)
}

func (ps presenceStore) DayIntervals(ctx context.Context, companyID, userID, day string) ([]presence.Interval, error) {
	const op = "presence.DayIntervals"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []intervalRow
	err := ps.s.idb(ctx).NewSelect().Model(&rows).
		Where("company_id = ?", companyID).Where("user_id = ?", userID).Where("day = ?", day).
		OrderExpr("start_at, id").Scan(ctx)
	if err != nil {
		return nil, ps.s.mapErr(op, err)
	}
	return toIntervals(rows), nil
}

// DaysIntervals reads the days by presence_intervals_day, one statement per
// chunk of days.
func (ps presenceStore) DaysIntervals(ctx context.Context, days []presence.MemberDay) (map[presence.MemberDay][]presence.Interval, error) {
	const op = "presence.DaysIntervals"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	out := make(map[presence.MemberDay][]presence.Interval, len(days))
	seen := make(map[presence.MemberDay]bool, len(days))
	days = slices.DeleteFunc(slices.Clone(days), func(d presence.MemberDay) bool { // a day named twice is read once
		dup := seen[d]
		seen[d] = true
		return dup
	})
	for chunk := range slices.Chunk(days, presenceChunk) {
		rows, err := ps.daysChunk(ctx, op, chunk)
		if err != nil {
			return nil, err
		}
		for i := range rows {
			k := presence.MemberDay{CompanyID: rows[i].CompanyID, UserID: rows[i].UserID, Day: rows[i].Day}
			out[k] = append(out[k], rows[i].interval())
		}
	}
	return out, nil
}

// daysChunk is DaysIntervals' statement for one chunk of days.
func (ps presenceStore) daysChunk(ctx context.Context, op string, chunk []presence.MemberDay) ([]intervalRow, error) {
	var rows []intervalRow
	if ps.s.dialect == Postgres { // as lockChunk: one JSON argument, not a list of row values
		keys := make([]bulkKeyJSON, len(chunk))
		for i, d := range chunk {
			keys[i] = bulkKeyJSON{CompanyID: d.CompanyID, UserID: d.UserID, Day: d.Day}
		}
		arg, ok, err := bulkJSON(keys)
		if err != nil {
			return nil, storage.Internal(op, err)
		}
		if ok {
			return rows, ps.s.hotScan(ctx, op, &rows, "SELECT i.id, i.company_id, i.user_id, i.day, i.state, i.pause_type_id, i.paid, i.start_at, i.end_at, i.cause, i.set_by"+
				" FROM presence_intervals AS i JOIN json_to_recordset(?::json) AS k (company_id text, user_id text, day text)"+
				" ON i.company_id = k.company_id AND i.user_id = k.user_id AND i.day = k.day ORDER BY i.company_id, i.user_id, i.day, i.start_at, i.id", arg)
		}
	}
	args := make([]any, 0, 3*len(chunk))
	for _, d := range chunk {
		args = append(args, d.CompanyID, d.UserID, d.Day)
	}
	where := ps.s.tuplesIn("(company_id, user_id, day)", len(chunk), 3)
	if ps.s.dialect == SQLite {
		return rows, ps.s.sqliteScan(ctx, op, &rows, "SELECT "+bulkIntervalColumns+" FROM presence_intervals WHERE "+where+
			" ORDER BY company_id, user_id, day, start_at, id", len(chunk), args...)
	}
	return rows, ps.s.mapErr(op, ps.s.idb(ctx).NewSelect().Model(&rows).Where(where, args...).
		OrderExpr("company_id, user_id, day, start_at, id").Scan(ctx))
}

func (ps presenceStore) Intervals(ctx context.Context, companyID, userID string, from, to time.Time) ([]presence.Interval, error) {
	const op = "presence.Intervals"
	if err := ps.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []intervalRow
	q := ps.s.idb(ctx).NewSelect().Model(&rows).Where("company_id = ?", companyID)
	if userID != "" {
		q = q.Where("user_id = ?", userID)
	}
	q = q.Where("start_at >= ?", storage.Timestamp(from)).Where("start_at < ?", storage.Timestamp(to))
	if err := q.OrderExpr("start_at, id").Scan(ctx); err != nil {
		return nil, ps.s.mapErr(op, err)
	}
	return toIntervals(rows), nil
}

func toIntervals(rows []intervalRow) []presence.Interval {
	out := make([]presence.Interval, len(rows))
	for i := range rows {
		out[i] = rows[i].interval()
	}
	return out
}
