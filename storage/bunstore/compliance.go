package bunstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
)

// Compliance returns the store's compliance.Store.
func (s *Store) Compliance() compliance.Store { return complianceStore{s} }

type complianceStore struct{ s *Store }

var _ compliance.Store = complianceStore{}

type complianceSettingsRow struct {
	bun.BaseModel `bun:"table:compliance_settings"`

	CompanyID string    `bun:"company_id,pk"`
	FZ230     bool      `bun:"fz230"`
	Policy    string    `bun:"policy"`
	UpdatedAt time.Time `bun:"updated_at"`
	Version   int64     `bun:"version"`
}

type complianceCallRow struct {
	bun.BaseModel `bun:"table:compliance_calls"`

	ID          string    `bun:"id,pk"`
	CompanyID   string    `bun:"company_id"`
	SubjectKey  string    `bun:"subject_key"`
	Phone       string    `bun:"phone"`
	ReservedAt  time.Time `bun:"reserved_at"`
	ExpiresAt   time.Time `bun:"expires_at"`
	Status      string    `bun:"status"`
	Outcome     string    `bun:"outcome"`
	CompletedAt time.Time `bun:"completed_at,nullzero"`
	ReservedBy  string    `bun:"reserved_by"`
}

// callColumns are compliance_calls' columns in complianceCallRow's order.
const callColumns = "id, company_id, subject_key, phone, reserved_at, expires_at, status, outcome, completed_at, reserved_by"

// scanOne scans the first row of rows into dest and closes rows; no row is
// sql.ErrNoRows.
func scanOne(rows *sql.Rows, dest ...any) error {
	defer func() { _ = rows.Close() }() // rows.Err and Close's error are checked below
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	return rows.Close()
}

func toCallRow(r compliance.Reservation) *complianceCallRow {
	return &complianceCallRow{ID: r.ID, CompanyID: r.CompanyID, SubjectKey: r.Key, Phone: r.Phone,
		ReservedAt: storage.Timestamp(r.ReservedAt), ExpiresAt: storage.Timestamp(r.ExpiresAt),
		Status: string(r.Status), Outcome: string(r.Outcome), CompletedAt: timestampOrZero(r.CompletedAt), ReservedBy: r.ReservedBy}
}

func timestampOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return storage.Timestamp(t)
}

func (r *complianceCallRow) reservation() compliance.Reservation {
	out := compliance.Reservation{ID: r.ID, CompanyID: r.CompanyID, Key: r.SubjectKey, Phone: r.Phone,
		ReservedAt: r.ReservedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), Status: compliance.Status(r.Status),
		Outcome: compliance.Outcome(r.Outcome), ReservedBy: r.ReservedBy}
	if !r.CompletedAt.IsZero() {
		out.CompletedAt = r.CompletedAt.UTC()
	}
	return out
}

func (c complianceStore) Settings(ctx context.Context, companyID string) (compliance.Settings, error) {
	const op = "compliance.Settings"
	if err := c.s.checkOpen(op); err != nil {
		return compliance.Settings{}, err
	}
	var row complianceSettingsRow
	if err := c.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID).Scan(ctx); err != nil {
		if c.s.classify(err) == storage.ErrNotFound {
			return compliance.Settings{}, storage.NotFound(op, "compliance settings", companyID)
		}
		return compliance.Settings{}, c.s.mapErr(op, err)
	}
	out := compliance.Settings{CompanyID: row.CompanyID, FZ230: row.FZ230, UpdatedAt: row.UpdatedAt.UTC(), Version: row.Version}
	if err := json.Unmarshal([]byte(row.Policy), &out.Policy); err != nil {
		return compliance.Settings{}, storage.Internal(op, err).Explain("stored policy does not decode")
	}
	return out, nil
}

var _ compliance.SharedSettingsReader = complianceStore{}

// settingsQuery reads a company's settings row.
const settingsQuery = "SELECT fz230, policy, updated_at, version FROM compliance_settings WHERE company_id = ?"

// SharedSettings implements compliance.SharedSettingsReader: the row is
// read every time, but its policy is decoded only when the row changed
// since this store last decoded it (see settingsCache).
func (c complianceStore) SharedSettings(ctx context.Context, companyID string) (*compliance.Settings, error) {
	const op = "compliance.Settings"
	if err := c.s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := c.s.idb(ctx).QueryContext(ctx, settingsQuery, companyID)
	if err != nil {
		return nil, c.s.mapErr(op, err)
	}
	defer func() { _ = rows.Close() }() // read-only: rows.Err is the read's outcome
	if !rows.Next() {
		return nil, c.s.mapErr(op, rows.Err())
	}
	var fz bool
	var policy sql.RawBytes
	var updated time.Time
	var version int64
	if err := rows.Scan(&fz, &policy, &updated, &version); err != nil {
		return nil, c.s.mapErr(op, err)
	}
	return c.s.settings.decode(op, companyID, fz, policy, updated, version)
}

// settingsCache holds the settings a store decoded last for each company
// (a bounded number of them), so that reading an unchanged row — same
// version, flag, time and policy bytes — skips decoding its policy, most
// of a settings read's allocations. An entry is replaced whole, never
// modified: SharedSettings hands it out.
type settingsCache struct {
	mu sync.Mutex
	m  map[string]*cachedSettings
}

type cachedSettings struct {
	policy string // the stored JSON it was decoded from
	st     compliance.Settings
}

const settingsCacheSize = 4096

func (sc *settingsCache) decode(op, companyID string, fz bool, policy []byte, updated time.Time, version int64) (*compliance.Settings, error) {
	sc.mu.Lock()
	e := sc.m[companyID]
	sc.mu.Unlock()
	if e != nil && e.st.Version == version && e.st.FZ230 == fz && e.st.UpdatedAt.Equal(updated) && e.policy == string(policy) {
		return &e.st, nil
	}
	e = &cachedSettings{policy: string(policy), st: compliance.Settings{CompanyID: companyID, FZ230: fz, UpdatedAt: updated.UTC(), Version: version}}
	if err := json.Unmarshal(policy, &e.st.Policy); err != nil {
		return nil, storage.Internal(op, err).Explain("stored policy does not decode")
	}
	sc.mu.Lock()
	if sc.m == nil || len(sc.m) >= settingsCacheSize {
		sc.m = make(map[string]*cachedSettings)
	}
	sc.m[companyID] = e
	sc.mu.Unlock()
	return &e.st, nil
}

func (c complianceStore) SaveSettings(ctx context.Context, st compliance.Settings) error {
	const op = "compliance.SaveSettings"
	if !c.s.inTx(ctx) {
		return c.s.InTx(ctx, func(ctx context.Context) error { return c.SaveSettings(ctx, st) })
	}
	pol, err := json.Marshal(st.Policy)
	if err != nil {
		return storage.Internal(op, err)
	}
	row := &complianceSettingsRow{CompanyID: st.CompanyID, FZ230: st.FZ230, Policy: string(pol),
		UpdatedAt: storage.Timestamp(st.UpdatedAt), Version: st.Version}
	db := c.s.idb(ctx)
	if st.Version == 1 {
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			return c.s.mapErr(op, err)
		}
		return nil
	}
	res, err := db.NewUpdate().Model(row).Column("fz230", "policy", "updated_at", "version").
		WherePK().Where("version = ?", st.Version-1).Exec(ctx)
	if err != nil {
		return c.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.Conflict(op, "settings of company %s changed concurrently", st.CompanyID)
	}
	return nil
}

// LockSubject upserts the subject's lock row; the upsert takes its row lock
// (PostgreSQL, MySQL) until the transaction ends. On SQLite the IMMEDIATE
// transaction already holds the database's write lock.
func (c complianceStore) LockSubject(ctx context.Context, companyID, key string) error {
	const op = "compliance.LockSubject"
	if !c.s.inTx(ctx) {
		return storage.MustBeInTx(ctx, op)
	}
	q := "INSERT INTO compliance_subjects (company_id, subject_key, locks) VALUES (?, ?, 1)" +
		c.s.upsert("compliance_subjects", "company_id, subject_key", "locks = "+c.s.col("compliance_subjects", "locks")+" + 1")
	// Deferred (see pgConnector): the upsert goes with BEGIN and the
	// history read after it, which it precedes, so the read runs under
	// the lock.
	_, err := c.s.hotExec(deferred(ctx), op, q, companyID, key)
	return err
}

var (
	_ compliance.SettingsLocker  = complianceStore{}
	_ compliance.PendingFinisher = complianceStore{}
)

// LockSubjectSettings implements compliance.SettingsLocker: on PostgreSQL
// LockSubject's upsert returns the settings row (scalar subqueries in its
// RETURNING), one round trip instead of two; elsewhere (SQLite is in
// process, MySQL has no RETURNING) the two statements.
func (c complianceStore) LockSubjectSettings(ctx context.Context, companyID, key string) (compliance.Settings, bool, error) {
	const op = "compliance.LockSubject"
	if c.s.dialect != Postgres {
		if err := c.LockSubject(ctx, companyID, key); err != nil {
			return compliance.Settings{}, false, err
		}
		st, err := c.Settings(ctx, companyID)
		if errors.Is(err, storage.ErrNotFound) {
			return compliance.Settings{}, false, nil
		}
		return st, err == nil, err
	}
	if !c.s.inTx(ctx) {
		return compliance.Settings{}, false, storage.MustBeInTx(ctx, op)
	}
	const sel = "(SELECT %s FROM compliance_settings WHERE company_id = ?)"
	q := "INSERT INTO compliance_subjects (company_id, subject_key, locks) VALUES (?, ?, 1)" +
		c.s.upsert("compliance_subjects", "company_id, subject_key", "locks = "+c.s.col("compliance_subjects", "locks")+" + 1") +
		" RETURNING " + strings.Join([]string{fmt.Sprintf(sel, "fz230"), fmt.Sprintf(sel, "policy"), fmt.Sprintf(sel, "updated_at"),
		fmt.Sprintf(sel, "version")}, ", ")
	var fz sql.NullBool
	var policy sql.NullString
	var updated sql.NullTime
	var version sql.NullInt64
	rows, err := c.s.hotQuery(ctx, op, q, companyID, key, companyID, companyID, companyID, companyID)
	if err != nil {
		return compliance.Settings{}, false, err
	}
	if err := scanOne(rows, &fz, &policy, &updated, &version); err != nil {
		return compliance.Settings{}, false, c.s.mapErr(op, err)
	}
	if !version.Valid {
		return compliance.Settings{}, false, nil
	}
	st, err := c.s.settings.decode(op, companyID, fz.Bool, []byte(policy.String), updated.Time, version.Int64)
	if err != nil {
		return compliance.Settings{}, false, err
	}
	return *st, true, nil
}

// FinishPending implements compliance.PendingFinisher: an UPDATE … RETURNING
// of the pending row (PostgreSQL, SQLite); on MySQL, which has no
// RETURNING, it does nothing and the caller takes the locking read and the
// update.
func (c complianceStore) FinishPending(ctx context.Context, r compliance.Reservation) (compliance.Reservation, bool, error) {
	const op = "compliance.FinishReservation"
	if !c.s.hasReturning() {
		return compliance.Reservation{}, false, nil
	}
	if !c.s.inTx(ctx) {
		return compliance.Reservation{}, false, storage.MustBeInTx(ctx, op)
	}
	var row complianceCallRow
	var err error
	if c.s.dialect == Postgres {
		var rows *sql.Rows
		rows, err = c.s.hotQuery(ctx, op, "UPDATE compliance_calls SET status = ?, outcome = ?, completed_at = ? "+
			"WHERE id = ? AND status = ? RETURNING "+callColumns,
			string(r.Status), string(r.Outcome), storage.Timestamp(r.CompletedAt), r.ID, string(compliance.StatusPending))
		if err == nil {
			var completed sql.NullTime
			err = scanOne(rows, &row.ID, &row.CompanyID, &row.SubjectKey, &row.Phone, &row.ReservedAt, &row.ExpiresAt,
				&row.Status, &row.Outcome, &completed, &row.ReservedBy)
			row.CompletedAt = completed.Time
		}
	} else {
		err = c.s.idb(ctx).NewUpdate().Model(&row).
			Set("status = ?", string(r.Status)).Set("outcome = ?", string(r.Outcome)).
			Set("completed_at = ?", storage.Timestamp(r.CompletedAt)).
			Where("id = ?", r.ID).Where("status = ?", string(compliance.StatusPending)).Returning("*").Scan(ctx)
	}
	if err != nil {
		if c.s.classify(err) == storage.ErrNotFound {
			return compliance.Reservation{}, false, nil
		}
		return compliance.Reservation{}, false, c.s.mapErr(op, err)
	}
	return row.reservation(), true, nil
}

func (c complianceStore) History(ctx context.Context, companyID, key string, since time.Time) ([]compliance.Reservation, error) {
	const op = "compliance.History"
	if err := c.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []complianceCallRow
	q := c.s.idb(ctx).NewSelect().Model(&rows).
		Where("company_id = ?", companyID).Where("subject_key = ?", key).
		Where("reserved_at >= ?", storage.Timestamp(since)).Where("status <> ?", string(compliance.StatusReleased)).
		OrderExpr("reserved_at ASC, id ASC")
	if err := q.Scan(ctx); err != nil {
		return nil, c.s.mapErr(op, err)
	}
	out := make([]compliance.Reservation, len(rows))
	for i := range rows {
		out[i] = rows[i].reservation()
	}
	return out, nil
}

func (c complianceStore) InsertReservation(ctx context.Context, r compliance.Reservation) error {
	const op = "compliance.InsertReservation"
	// Deferred: the reservation's INSERT goes with its audit event and
	// COMMIT (see pgConnector); nothing reads its result.
	if c.s.dialect == Postgres {
		row := toCallRow(r)
		var completed any
		if !row.CompletedAt.IsZero() {
			completed = row.CompletedAt
		}
		_, err := c.s.hotExec(deferred(ctx), op, "INSERT INTO compliance_calls ("+callColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			row.ID, row.CompanyID, row.SubjectKey, row.Phone, row.ReservedAt, row.ExpiresAt, row.Status, row.Outcome, completed, row.ReservedBy)
		return err
	}
	if _, err := c.s.idb(ctx).NewInsert().Model(toCallRow(r)).Returning("NULL").Exec(deferred(ctx)); err != nil {
		return c.s.mapErr(op, err)
	}
	return nil
}

func (c complianceStore) Reservation(ctx context.Context, id string) (compliance.Reservation, error) {
	const op = "compliance.Reservation"
	if err := c.s.checkOpen(op); err != nil {
		return compliance.Reservation{}, err
	}
	// A locking read inside a transaction: Complete and Release read their
	// reservation this way, so two reports of one outcome queue up and the
	// second sees the first's result (an idempotent repeat) instead of a
	// conflict.
	var row complianceCallRow
	if err := c.s.lockedInTx(ctx, c.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", id)).Scan(ctx); err != nil {
		if c.s.classify(err) == storage.ErrNotFound {
			return compliance.Reservation{}, storage.NotFound(op, "reservation", id)
		}
		return compliance.Reservation{}, c.s.mapErr(op, err)
	}
	return row.reservation(), nil
}

func (c complianceStore) FinishReservation(ctx context.Context, r compliance.Reservation) error {
	const op = "compliance.FinishReservation"
	res, err := c.s.idb(ctx).NewUpdate().Model((*complianceCallRow)(nil)).
		Set("status = ?", string(r.Status)).Set("outcome = ?", string(r.Outcome)).
		Set("completed_at = ?", storage.Timestamp(r.CompletedAt)).
		Where("id = ?", r.ID).Where("status = ?", string(compliance.StatusPending)).Exec(ctx)
	if err != nil {
		return c.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := c.Reservation(ctx, r.ID); err != nil {
		return err
	}
	return storage.Conflict(op, "reservation %s is no longer pending", r.ID)
}

func (c complianceStore) PruneBefore(ctx context.Context, before time.Time) (int64, error) {
	const op = "compliance.PruneBefore"
	if !c.s.inTx(ctx) {
		var n int64
		err := c.s.InTx(ctx, func(ctx context.Context) error {
			var err error
			n, err = c.PruneBefore(ctx, before)
			return err
		})
		return n, err
	}
	res, err := c.s.exec(ctx, op, "DELETE FROM compliance_calls WHERE reserved_at < ?", storage.Timestamp(before))
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	// Lock rows of subjects with no history left.
	if _, err := c.s.exec(ctx, op, "DELETE FROM compliance_subjects WHERE NOT EXISTS (SELECT 1 FROM compliance_calls c "+
		"WHERE c.company_id = compliance_subjects.company_id AND c.subject_key = compliance_subjects.subject_key)"); err != nil {
		return 0, err
	}
	return n, nil
}

var _ compliance.RecordReader = complianceStore{}

// The history reads return one row per subject: its record count and its
// records folded into one string by the database (string_agg, GROUP_CONCAT,
// group_concat), each "at,until,class" with times in Unix microseconds (on
// SQLite the stored UTC text, parsed here), until only for a reservation in
// flight, and the class a letter: A in flight (every class), H a
// conversation, M a message, T another attempt, Z nothing. One row instead
// of a hundred saves the driver's per-row work, which is most of a history
// read's cost, and parsing the string allocates nothing. The records come
// in the index's order (company, subject, reserved_at, id), which the
// covering index compliance_calls_history serves without touching the
// table; parseHistory sorts them should a plan ever deliver another order,
// so the databases are spared a sort per subject. On PostgreSQL each key is
// one index range read (a lateral join over the key array), whatever the
// table's statistics say: a freshly imported table must not get a bitmap
// scan of the whole company. When the string comes back short (MySQL's
// group_concat_max_len, which OpenMySQL raises to 64 MiB but a host's own pool may
// not), the count says so and the rows are read one by one instead.
const historyClass = "CASE WHEN status = 'pending' THEN 'A' WHEN outcome = 'answered_human' THEN 'H' " +
	"WHEN outcome = 'message_sent' THEN 'M' WHEN outcome IN ('answering_machine', 'no_answer', 'busy', 'failed') THEN 'T' ELSE 'Z' END"

// pgHistoryFold is PostgreSQL's fold of a subject's records.
const pgHistoryFold = "string_agg((extract(epoch FROM reserved_at) * 1000000)::bigint || ',' || " +
	"CASE WHEN status = 'pending' THEN ((extract(epoch FROM expires_at) * 1000000)::bigint)::text ELSE '' END || ',' || " +
	historyClass + ", ';')"

// historyAggQuery is the folded history read of keys (arguments in
// historyArgs' order); one says there is a single key.
func (c complianceStore) historyAggQuery(one bool) string {
	const where = "company_id = ? AND subject_key IN (?) AND reserved_at >= ? AND status <> 'released'"
	switch c.s.dialect {
	case Postgres:
		if one { // one key is one index range already, and planned faster; a hot statement (see hotQuery)
			return "SELECT subject_key, COUNT(*), " + pgHistoryFold + " FROM compliance_calls WHERE " +
				"company_id = ? AND subject_key = ? AND reserved_at >= ? AND status <> 'released' GROUP BY subject_key"
		}
		return "SELECT k.key, a.n, a.agg FROM unnest(ARRAY[?]::text[]) AS k(key) CROSS JOIN LATERAL (" +
			"SELECT COUNT(*) AS n, " + pgHistoryFold + " AS agg FROM compliance_calls " +
			"WHERE company_id = ? AND subject_key = k.key AND reserved_at >= ? AND status <> 'released') a WHERE a.n > 0"
	case MySQL:
		return "SELECT subject_key, COUNT(*), GROUP_CONCAT(CONCAT_WS(',', TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', reserved_at), " +
			"IF(status = 'pending', TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', expires_at), ''), " + historyClass +
			") ORDER BY reserved_at, id SEPARATOR ';') FROM compliance_calls WHERE " + where + " GROUP BY subject_key"
	default:
		return "SELECT subject_key, COUNT(*), group_concat(reserved_at || ',' || CASE WHEN status = 'pending' THEN expires_at ELSE '' END || ',' || " +
			historyClass + ", ';') FROM compliance_calls WHERE " + where + " GROUP BY subject_key"
	}
}

// historyArgs are historyAggQuery's arguments in its dialect's order.
func (c complianceStore) historyArgs(companyID string, keys []string, since time.Time) []any {
	if c.s.dialect == Postgres {
		if len(keys) == 1 {
			return []any{companyID, keys[0], storage.Timestamp(since)}
		}
		return []any{bun.List(keys), companyID, storage.Timestamp(since)}
	}
	return []any{companyID, bun.List(keys), storage.Timestamp(since)}
}

// HistoryRecords implements compliance.RecordReader: one indexed range read
// folded into one row (see historyAggQuery).
func (c complianceStore) HistoryRecords(ctx context.Context, companyID, key string, since time.Time, buf []compliance.Record) ([]compliance.Record, error) {
	keys := [1]string{key}
	err := c.historyBatch(ctx, "compliance.HistoryRecords", companyID, keys[:], since, buf, func(_ string, recs []compliance.Record) {
		buf = recs
	})
	return buf, err
}

var _ compliance.CheckReader = complianceStore{}

// checkQuery is PostgreSQL's CheckRecords statement: the subject's folded
// history (one row, as the aggregate has no GROUP BY) next to the settings
// row, NULLs when the company has none. Arguments: company, key, since,
// company.
const checkQuery = "SELECT s.fz230, s.policy, s.updated_at, s.version, h.n, h.agg FROM (SELECT COUNT(*) AS n, " + pgHistoryFold +
	" AS agg FROM compliance_calls WHERE company_id = ? AND subject_key = ? AND reserved_at >= ? AND status <> 'released') h " +
	"LEFT JOIN compliance_settings s ON s.company_id = ?"

// CheckRecords implements compliance.CheckReader: on PostgreSQL one
// statement (checkQuery); elsewhere SharedSettings then HistoryRecords
// (SQLite is in process; on MySQL the fold may come back short and need
// its fallback).
func (c complianceStore) CheckRecords(ctx context.Context, companyID, key string, since time.Time, buf []compliance.Record) (*compliance.Settings, []compliance.Record, error) {
	const op = "compliance.CheckRecords"
	if c.s.dialect != Postgres {
		st, err := c.SharedSettings(ctx, companyID)
		if err != nil {
			return nil, buf, err
		}
		buf, err = c.HistoryRecords(ctx, companyID, key, since, buf)
		return st, buf, err
	}
	if err := c.s.checkOpen(op); err != nil {
		return nil, buf, err
	}
	rows, err := c.s.hotQuery(ctx, op, checkQuery, companyID, key, storage.Timestamp(since), companyID)
	if err != nil {
		return nil, buf, err
	}
	defer func() { _ = rows.Close() }() // read-only: rows.Err is the read's outcome
	if !rows.Next() {
		return nil, buf, c.s.mapErr(op, rows.Err())
	}
	var fz sql.NullBool
	var policy, agg sql.RawBytes
	var updated sql.NullTime
	var version sql.NullInt64
	var n int
	if err := rows.Scan(&fz, &policy, &updated, &version, &n, &agg); err != nil {
		return nil, buf, c.s.mapErr(op, err)
	}
	var st *compliance.Settings
	if version.Valid {
		if st, err = c.s.settings.decode(op, companyID, fz.Bool, policy, updated.Time, version.Int64); err != nil {
			return nil, buf, err
		}
	}
	recs, ok := parseHistory(agg, false, buf[:0])
	if err := rows.Close(); err != nil {
		return nil, buf, c.s.mapErr(op, err)
	}
	if !ok || len(recs) != n {
		historyFallbacks.Add(1)
		recs, err = c.historyRows(ctx, op, companyID, key, since, buf[:0])
	}
	return st, recs, err
}

// HistoryBatch implements compliance.Store: one query per chunk of
// compliance.BatchSize keys.
func (c complianceStore) HistoryBatch(ctx context.Context, companyID string, keys []string, since time.Time, fn func(key string, recs []compliance.Record)) error {
	return c.historyBatch(ctx, "compliance.HistoryBatch", companyID, keys, since, nil, fn)
}

// historyBatch reads the keys' histories, each parsed into buf (reused)
// and handed to fn.
func (c complianceStore) historyBatch(ctx context.Context, op, companyID string, keys []string, since time.Time,
	buf []compliance.Record, fn func(key string, recs []compliance.Record)) error {
	if err := c.s.checkOpen(op); err != nil {
		return err
	}
	var short []string // subjects whose folded string came back truncated
	for start := 0; start < len(keys); start += compliance.BatchSize {
		chunk := keys[start:min(start+compliance.BatchSize, len(keys))]
		var rows *sql.Rows
		var err error
		if len(chunk) == 1 && c.s.dialect == Postgres {
			rows, err = c.s.hotQuery(ctx, op, c.historyAggQuery(true), c.historyArgs(companyID, chunk, since)...)
		} else {
			rows, err = c.s.idb(ctx).QueryContext(ctx, c.historyAggQuery(len(chunk) == 1), c.historyArgs(companyID, chunk, since)...)
			err = c.s.mapErr(op, err)
		}
		if err != nil {
			return err
		}
		var key string
		var n int
		var agg sql.RawBytes
		for rows.Next() {
			if err := rows.Scan(&key, &n, &agg); err != nil {
				_ = rows.Close() // the scan error is reported
				return c.s.mapErr(op, err)
			}
			k := key
			if len(chunk) == 1 {
				k = chunk[0] // the caller's string: no copy
			}
			var ok bool
			buf, ok = parseHistory(agg, c.s.dialect == SQLite, buf[:0])
			if !ok || len(buf) != n {
				short = append(short, strings.Clone(key))
				historyFallbacks.Add(1)
				continue
			}
			fn(k, buf)
		}
		err = rows.Err()
		_ = rows.Close() // read-only: rows.Err above is the read's outcome
		if err != nil {
			return c.s.mapErr(op, err)
		}
	}
	for _, key := range short {
		var err error
		if buf, err = c.historyRows(ctx, op, companyID, key, since, buf[:0]); err != nil {
			return err
		}
		fn(key, buf)
	}
	return nil
}

// historyFallbacks counts subjects read row by row (tests watch it).
var historyFallbacks atomic.Int64

// historyRows reads one subject's history row by row.
func (c complianceStore) historyRows(ctx context.Context, op, companyID, key string, since time.Time, buf []compliance.Record) ([]compliance.Record, error) {
	rows, err := c.s.idb(ctx).QueryContext(ctx, "SELECT reserved_at, expires_at, status, outcome FROM compliance_calls "+
		"WHERE company_id = ? AND subject_key = ? AND reserved_at >= ? AND status <> 'released' ORDER BY reserved_at, id",
		companyID, key, storage.Timestamp(since))
	if err != nil {
		return buf, c.s.mapErr(op, err)
	}
	defer func() { _ = rows.Close() }() // read-only: rows.Err is the read's outcome
	for rows.Next() {
		var reserved, expires time.Time
		var status, outcome string
		if err := rows.Scan(&reserved, &expires, &status, &outcome); err != nil {
			return buf, c.s.mapErr(op, err)
		}
		buf = append(buf, compliance.Reservation{ReservedAt: reserved, ExpiresAt: expires, Status: compliance.Status(status),
			Outcome: compliance.Outcome(outcome)}.Record())
	}
	return buf, c.s.mapErr(op, rows.Err())
}

// parseHistory parses a folded history (see historyAggQuery), appending its
// records to buf in ascending order of At; false at the first malformed
// record (a truncated string).
func parseHistory(b []byte, textTimes bool, buf []compliance.Record) ([]compliance.Record, bool) {
	start := len(buf)
	sorted := true
	for len(b) > 0 {
		var rec []byte
		if i := bytes.IndexByte(b, ';'); i >= 0 {
			rec, b = b[:i], b[i+1:]
		} else {
			rec, b = b, nil
		}
		i := bytes.IndexByte(rec, ',')
		j := bytes.LastIndexByte(rec, ',')
		if i < 0 || j <= i || j != len(rec)-2 {
			return buf, false
		}
		at, ok := parseMicros(rec[:i], textTimes)
		if !ok {
			return buf, false
		}
		r := compliance.Record{At: at}
		switch rec[j+1] {
		case 'A':
			until, ok := parseMicros(rec[i+1:j], textTimes)
			if !ok {
				return buf, false
			}
			r.Classes, r.Until = compliance.ClassAll, until
		case 'H':
			r.Classes = compliance.OutcomeAnsweredHuman.Classes()
		case 'M':
			r.Classes = compliance.OutcomeMessageSent.Classes()
		case 'T':
			r.Classes = compliance.OutcomeNoAnswer.Classes()
		case 'Z':
		default:
			return buf, false
		}
		if rec[j+1] != 'A' && j != i+1 {
			return buf, false // only a reservation in flight carries its expiry
		}
		if len(buf) > start && at < buf[len(buf)-1].At {
			sorted = false
		}
		buf = append(buf, r)
	}
	if !sorted {
		// The rules read only At and Classes: the order of equal instants
		// does not matter, a stable sort keeps the database's.
		slices.SortStableFunc(buf[start:], func(x, y compliance.Record) int { return cmp.Compare(x.At, y.At) })
	}
	return buf, true
}

// parseMicros reads Unix microseconds, or with text a stored UTC time
// "2006-01-02 15:04:05[.ffffff]+00:00" (bun's SQLite format).
func parseMicros(b []byte, text bool) (int64, bool) {
	if !text {
		return parseInt(b)
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != ' ' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	y, ok1 := parseInt(b[0:4])
	mo, ok2 := parseInt(b[5:7])
	d, ok3 := parseInt(b[8:10])
	h, ok4 := parseInt(b[11:13])
	mi, ok5 := parseInt(b[14:16])
	sec, ok6 := parseInt(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 {
		return 0, false
	}
	rest := b[19:]
	var frac int64
	if len(rest) > 0 && rest[0] == '.' {
		digits := 0
		rest = rest[1:]
		for len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
			if digits < 6 {
				frac = frac*10 + int64(rest[0]-'0')
				digits++
			}
			rest = rest[1:]
		}
		for ; digits < 6; digits++ {
			frac *= 10
		}
	}
	if len(rest) > 0 && string(rest) != "+00:00" && string(rest) != "Z" {
		return 0, false
	}
	return (daysFromCivil(y, mo, d)*86400+h*3600+mi*60+sec)*1_000_000 + frac, true
}

func parseInt(b []byte) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// InsertReservations implements compliance.Store: multi-row INSERTs of 500
// rows, in the caller's transaction (or one of its own).
func (c complianceStore) InsertReservations(ctx context.Context, rs []compliance.Reservation) error {
	const op = "compliance.InsertReservations"
	if !c.s.inTx(ctx) {
		return c.s.InTx(ctx, func(ctx context.Context) error { return c.InsertReservations(ctx, rs) })
	}
	const chunk = 500
	rows := make([]complianceCallRow, 0, min(chunk, len(rs)))
	for start := 0; start < len(rs); start += chunk {
		rows = rows[:0]
		for _, r := range rs[start:min(start+chunk, len(rs))] {
			rows = append(rows, *toCallRow(r))
		}
		if _, err := c.s.idb(ctx).NewInsert().Model(&rows).Exec(ctx); err != nil {
			return c.s.mapErr(op, err)
		}
	}
	return nil
}

type complianceImportRow struct {
	bun.BaseModel `bun:"table:compliance_imports"`

	CompanyID   string    `bun:"company_id,pk"`
	ImportKey   string    `bun:"import_key,pk"`
	RequestHash string    `bun:"request_hash"`
	Calls       int64     `bun:"calls"`
	ImportedAt  time.Time `bun:"imported_at"`
	ImportedBy  string    `bun:"imported_by"`
}

// HistoryImport implements compliance.Store.
func (c complianceStore) HistoryImport(ctx context.Context, companyID, key string) (compliance.ImportRecord, error) {
	const op = "compliance.HistoryImport"
	var row complianceImportRow
	if err := c.s.scanOne(ctx, op, "history import", key, c.s.idb(ctx).NewSelect().Model(&row).
		Where("company_id = ?", companyID).Where("import_key = ?", key)); err != nil {
		return compliance.ImportRecord{}, err
	}
	return compliance.ImportRecord{CompanyID: row.CompanyID, Key: row.ImportKey, RequestHash: row.RequestHash,
		Calls: int(row.Calls), ImportedAt: row.ImportedAt.UTC(), ImportedBy: row.ImportedBy}, nil
}

// SaveHistoryImport implements compliance.Store.
func (c complianceStore) SaveHistoryImport(ctx context.Context, r compliance.ImportRecord) error {
	const op = "compliance.SaveHistoryImport"
	row := complianceImportRow{CompanyID: r.CompanyID, ImportKey: r.Key, RequestHash: r.RequestHash, Calls: int64(r.Calls),
		ImportedAt: storage.Timestamp(r.ImportedAt), ImportedBy: r.ImportedBy}
	if _, err := c.s.idb(ctx).NewInsert().Model(&row).Exec(ctx); err != nil {
		return c.s.mapErr(op, err)
	}
	return nil
}
