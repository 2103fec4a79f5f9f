package bunstore

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
)

// Audit returns the store's audit.Store.
func (s *Store) Audit() audit.Store { return auditStore{s} }

type auditStore struct{ s *Store }

var _ audit.Store = auditStore{}

type auditEventRow struct {
	bun.BaseModel `bun:"table:audit_events"`

	ID             string    `bun:"id,pk"`
	CompanyID      string    `bun:"company_id"`
	Seq            int64     `bun:"seq,nullzero"` // NULL while unsealed
	OccurredAt     time.Time `bun:"occurred_at"`
	ActorUserID    string    `bun:"actor_user_id"`
	ActorCompanyID string    `bun:"actor_company_id"`
	ActorRole      string    `bun:"actor_role"`
	Action         string    `bun:"action"`
	EntityType     string    `bun:"entity_type"`
	EntityID       string    `bun:"entity_id"`
	Changes        string    `bun:"changes"`
	Metadata       string    `bun:"metadata"`
	LeafHash       string    `bun:"leaf_hash"`
	V1Seq          int64     `bun:"v1_seq,nullzero"`
	V1PrevHash     string    `bun:"v1_prev_hash"`
	V1Hash         string    `bun:"v1_hash"`
}

// auditLogRow is a company's log head.
type auditLogRow struct {
	bun.BaseModel `bun:"table:audit_logs"`

	CompanyID  string    `bun:"company_id,pk"`
	TreeSize   int64     `bun:"tree_size"`
	RootHash   string    `bun:"root_hash"`
	Frontier   string    `bun:"frontier"` // the hex hashes, concatenated
	Checkpoint string    `bun:"checkpoint_note"`
	SealedAt   time.Time `bun:"sealed_at,nullzero"`
}

func toAuditRow(e *audit.Event) *auditEventRow {
	r := &auditEventRow{
		ID: e.ID, CompanyID: e.CompanyID, Seq: e.Seq, OccurredAt: storage.Timestamp(e.OccurredAt),
		ActorUserID: e.Actor.UserID, ActorCompanyID: e.Actor.CompanyID, ActorRole: e.Actor.Role,
		Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		Changes: string(audit.EncodeChanges(e.Changes)), Metadata: string(audit.EncodeMetadata(e.Metadata)),
		LeafHash: e.Hash,
	}
	if e.V1 != nil {
		r.V1Seq, r.V1PrevHash, r.V1Hash = e.V1.Seq, e.V1.PrevHash, e.V1.Hash
	}
	return r
}

func (r *auditEventRow) event() (*audit.Event, error) {
	changes, err := audit.DecodeChanges([]byte(r.Changes))
	if err != nil {
		return nil, err
	}
	meta, err := audit.DecodeMetadata([]byte(r.Metadata))
	if err != nil {
		return nil, err
	}
	e := &audit.Event{
		ID: r.ID, CompanyID: r.CompanyID, Seq: r.Seq, OccurredAt: r.OccurredAt.UTC(),
		Actor:  audit.Actor{UserID: r.ActorUserID, CompanyID: r.ActorCompanyID, Role: r.ActorRole},
		Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID,
		Changes: changes, Metadata: meta, Hash: r.LeafHash,
	}
	if r.V1Seq > 0 {
		e.V1 = &audit.V1Link{Seq: r.V1Seq, PrevHash: r.V1PrevHash, Hash: r.V1Hash}
	}
	return e, nil
}

func (r *auditLogRow) head() (audit.Head, error) {
	h := audit.Head{CompanyID: r.CompanyID, Size: r.TreeSize, SealedAt: r.SealedAt}
	if r.Checkpoint != "" {
		h.Checkpoint = []byte(r.Checkpoint)
	}
	var err error
	if r.RootHash != "" {
		if h.Root, err = parseHash(r.RootHash); err != nil {
			return h, err
		}
	}
	for f := r.Frontier; f != ""; f = f[min(len(f), 2*tlog.HashSize):] {
		x, err := parseHash(f[:min(len(f), 2*tlog.HashSize)])
		if err != nil {
			return h, err
		}
		h.Frontier = append(h.Frontier, x)
	}
	if !h.SealedAt.IsZero() {
		h.SealedAt = h.SealedAt.UTC()
	}
	return h, nil
}

func toLogRow(h audit.Head) *auditLogRow {
	var f strings.Builder
	for _, x := range h.Frontier {
		f.WriteString(hex.EncodeToString(x[:]))
	}
	r := &auditLogRow{CompanyID: h.CompanyID, TreeSize: h.Size, Frontier: f.String(), Checkpoint: string(h.Checkpoint), SealedAt: h.SealedAt}
	if h.Size > 0 || h.Root != (tlog.Hash{}) {
		r.RootHash = hex.EncodeToString(h.Root[:])
	}
	if !r.SealedAt.IsZero() {
		r.SealedAt = storage.Timestamp(r.SealedAt)
	}
	return r
}

func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	n, err := hex.Decode(h[:], []byte(s))
	if err == nil && n != tlog.HashSize {
		err = fmt.Errorf("hash %q: %d bytes", s, n)
	}
	return h, err
}

// unsealedTable is the model table expression of the unsealed events: the
// table audit_unsealed under the model's alias, so the one
// row model serves both tables.
const unsealedTable = "audit_unsealed AS ?TableAlias"

// Insert is one INSERT of the event row into audit_unsealed (see the
// package doc, "The audit log's two tables"): no row another writer uses
// is read or locked.
func (a auditStore) Insert(ctx context.Context, e *audit.Event) error {
	const op = "audit.Insert"
	if err := a.s.checkOpen(op); err != nil {
		return err
	}
	row := toAuditRow(e)
	row.Seq, row.LeafHash = 0, ""
	// Deferred (see pgConnector): an event is written with the statement
	// after it, most often COMMIT. On PostgreSQL a hot statement (see
	// hotExec); seq and v1_seq are NULL, as bun writes the zero of a
	// nullzero column.
	if a.s.dialect == Postgres {
		_, err := a.s.hotExec(deferred(ctx), op, "INSERT INTO audit_unsealed (id, company_id, seq, occurred_at, actor_user_id, "+
			"actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash) "+
			"VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			row.ID, row.CompanyID, row.OccurredAt, row.ActorUserID, row.ActorCompanyID, row.ActorRole, row.Action, row.EntityType,
			row.EntityID, row.Changes, row.Metadata, row.LeafHash, nullInt(row.V1Seq), row.V1PrevHash, row.V1Hash)
		return err
	}
	if _, err := a.s.idb(ctx).NewInsert().Model(row).ModelTableExpr("audit_unsealed").Returning("NULL").Exec(deferred(ctx)); err != nil {
		return a.s.mapErr(op, err)
	}
	return nil
}

// nullInt is n, or NULL for zero (a nullzero column).
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// InsertAll writes evs into audit_unsealed with one multi-row INSERT.
func (a auditStore) InsertAll(ctx context.Context, evs []*audit.Event) error {
	const op = "audit.InsertAll"
	if err := a.s.checkOpen(op); err != nil {
		return err
	}
	if len(evs) == 0 {
		return nil
	}
	rows := make([]*auditEventRow, len(evs))
	for i, e := range evs {
		rows[i] = toAuditRow(e)
		rows[i].Seq, rows[i].LeafHash = 0, ""
	}
	if a.s.bulk(len(rows)) {
		if ok, err := a.s.bulkInsert(deferred(ctx), "audit_unsealed", bulkAuditColumns, bulkAuditRows(rows)); ok || err != nil {
			return a.s.mapErr(op, err)
		}
	}
	if a.s.dialect == SQLite {
		args := make([]any, 0, 16*len(rows))
		for _, r := range rows {
			args = append(args, r.ID, r.CompanyID, nil, r.OccurredAt, r.ActorUserID, r.ActorCompanyID, r.ActorRole, r.Action,
				r.EntityType, r.EntityID, r.Changes, r.Metadata, r.LeafHash, nullInt(r.V1Seq), r.V1PrevHash, r.V1Hash)
		}
		_, err := a.s.sqliteBatch(ctx, op, sqliteInsert("audit_unsealed", bulkAuditColumns, len(rows)), len(rows), args...)
		return err
	}
	if _, err := a.s.idb(ctx).NewInsert().Model(&rows).ModelTableExpr("audit_unsealed").Returning("NULL").Exec(deferred(ctx)); err != nil {
		return a.s.mapErr(op, err)
	}
	return nil
}

const logColumns = "company_id, tree_size, root_hash, frontier, checkpoint_note, sealed_at"

// LockHead creates the head row if missing and takes its row lock in one
// statement where the dialect allows (an upsert that rewrites the row and
// returns it). SQLite needs no row lock: the transaction began IMMEDIATE
// and holds the database's write lock.
func (a auditStore) LockHead(ctx context.Context, companyID string) (audit.Head, error) {
	const op = "audit.LockHead"
	if !a.s.inTx(ctx) {
		return audit.Head{}, storage.MustBeInTx(ctx, op)
	}
	db := a.s.idb(ctx)
	upsert := "INSERT INTO audit_logs (" + logColumns + ") VALUES (?, 0, '', '', '', NULL)" +
		a.s.upsert("audit_logs", "company_id", "tree_size = "+a.s.col("audit_logs", "tree_size"))
	var row auditLogRow
	scan := func(q string, args ...any) error {
		var sealed *time.Time
		err := db.QueryRowContext(ctx, q, args...).Scan(&row.CompanyID, &row.TreeSize, &row.RootHash, &row.Frontier, &row.Checkpoint, &sealed)
		if sealed != nil {
			row.SealedAt = *sealed
		}
		return err
	}
	if !a.s.hasReturning() { // take the row lock with a no-op upsert, then a locking read
		if _, err := db.ExecContext(ctx, upsert, companyID); err != nil {
			return audit.Head{}, a.s.mapErr(op, err)
		}
		if err := scan("SELECT "+logColumns+" FROM audit_logs WHERE company_id = ? FOR UPDATE", companyID); err != nil {
			return audit.Head{}, a.s.mapErr(op, err)
		}
	} else if err := scan(upsert+" RETURNING "+logColumns, companyID); err != nil {
		return audit.Head{}, a.s.mapErr(op, err)
	}
	h, err := row.head()
	if err != nil {
		return audit.Head{}, storage.Internal(op, err)
	}
	return h, nil
}

func (a auditStore) Head(ctx context.Context, companyID string) (audit.Head, error) {
	const op = "audit.Head"
	if err := a.s.checkOpen(op); err != nil {
		return audit.Head{}, err
	}
	var row auditLogRow
	err := a.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID).Scan(ctx)
	switch {
	case err == nil:
	case a.s.classify(err) == storage.ErrNotFound:
		return audit.Head{CompanyID: companyID}, nil
	default:
		return audit.Head{}, a.s.mapErr(op, err)
	}
	h, err := row.head()
	if err != nil {
		return audit.Head{}, storage.Internal(op, err)
	}
	return h, nil
}

func (a auditStore) Unsealed(ctx context.Context, companyID string, limit int) ([]*audit.Event, error) {
	const op = "audit.Unsealed"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []auditEventRow
	err := a.s.idb(ctx).NewSelect().Model(&rows).ModelTableExpr(unsealedTable).
		Where("company_id = ?", companyID).
		OrderExpr("CASE WHEN v1_seq IS NULL THEN 1 ELSE 0 END, v1_seq, occurred_at, id").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return rowsToEvents(rows)
}

// sealChunk bounds the events of one move (three arguments an event).
const sealChunk = 1000

// Seal moves the events, a chunk at a time, from audit_unsealed into
// audit_events with their positions and leaf hashes (sealMove), then moves
// the head conditionally on its old size. Every event of a chunk must move:
// one still missing from audit_unsealed (sealed by another sealer, or
// deleted) is a conflict and rolls the seal back.
func (a auditStore) Seal(ctx context.Context, head audit.Head, evs []*audit.Event) error {
	const op = "audit.Seal"
	if !a.s.inTx(ctx) {
		return a.s.InTx(ctx, func(ctx context.Context) error { return a.Seal(ctx, head, evs) })
	}
	db := a.s.idb(ctx)
	for start := 0; start < len(evs); start += sealChunk {
		chunk := evs[start:min(start+sealChunk, len(evs))]
		for _, st := range a.sealMove(head.CompanyID, chunk) {
			res, err := db.ExecContext(ctx, st.q, st.args...)
			if err != nil {
				return a.s.mapErr(op, err)
			}
			if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
				return storage.Conflict(op, "%d of %d events are not pending in the log of company %q", int64(len(chunk))-n, len(chunk), head.CompanyID)
			}
		}
	}
	row := toLogRow(head)
	res, err := db.NewUpdate().Model(row).Column("tree_size", "root_hash", "frontier", "checkpoint_note", "sealed_at").
		WherePK().Where("tree_size = ?", head.Size-int64(len(evs))).Exec(ctx)
	if err != nil {
		return a.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.Conflict(op, "log head of company %q moved", head.CompanyID)
	}
	return nil
}

// statement is one SQL statement with its arguments.
type statement struct {
	q    string
	args []any
}

// sealMove is how a chunk of events moves from audit_unsealed into
// audit_events: on PostgreSQL one statement (a DELETE … RETURNING feeding
// the INSERT); elsewhere an INSERT … SELECT joined to the list of
// positions and hashes, then a DELETE of the chunk. Each statement touches
// one row per event of the chunk that was still unsealed.
func (a auditStore) sealMove(companyID string, evs []*audit.Event) []statement {
	const kept = "occurred_at, actor_user_id, actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata"
	var b strings.Builder
	args := make([]any, 0, 3*len(evs)+1)
	values := func(first, rest string) {
		for i, e := range evs {
			if i == 0 {
				b.WriteString(first)
			} else {
				b.WriteString(rest)
			}
			args = append(args, e.ID, e.Seq, e.Hash)
		}
	}
	insert := "INSERT INTO audit_events (" + bulkAuditColumns + ") "
	switch a.s.dialect {
	case Postgres:
		b.WriteString("WITH v (id, seq, h) AS (VALUES ")
		values("(?, ?::BIGINT, ?)", ", (?, ?::BIGINT, ?)")
		b.WriteString("), moved AS (DELETE FROM audit_unsealed AS u USING v WHERE u.id = v.id AND u.company_id = ? " +
			"RETURNING u.id, u.company_id, v.seq AS new_seq, u.occurred_at, u.actor_user_id, u.actor_company_id, u.actor_role, u.action, " +
			"u.entity_type, u.entity_id, u.changes, u.metadata, v.h AS new_hash, u.v1_seq, u.v1_prev_hash, u.v1_hash) ")
		b.WriteString(insert + "SELECT id, company_id, new_seq, " + kept + ", new_hash, v1_seq, v1_prev_hash, v1_hash FROM moved")
		return []statement{{b.String(), append(args, companyID)}}
	case MySQL:
		b.WriteString(insert + "SELECT u.id, u.company_id, v.seq, " + prefixed("u.", kept) + ", v.h, u.v1_seq, u.v1_prev_hash, u.v1_hash " +
			"FROM audit_unsealed u JOIN (")
		values("SELECT ? AS id, ? AS seq, ? AS h", " UNION ALL SELECT ?, ?, ?")
		b.WriteString(") v ON u.id = v.id WHERE u.company_id = ?")
	default:
		b.WriteString(insert + "SELECT u.id, u.company_id, v.column2, " + prefixed("u.", kept) + ", v.column3, u.v1_seq, u.v1_prev_hash, u.v1_hash " +
			"FROM audit_unsealed u JOIN (VALUES ")
		values("(?, ?, ?)", ", (?, ?, ?)")
		b.WriteString(") v ON u.id = v.column1 WHERE u.company_id = ?")
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return []statement{
		{b.String(), append(args, companyID)},
		{"DELETE FROM audit_unsealed WHERE company_id = ? AND id IN (?)", []any{companyID, bun.List(ids)}},
	}
}

// prefixed is the comma-separated column list cols with each name prefixed.
func prefixed(prefix, cols string) string {
	names := strings.Split(cols, ", ")
	for i := range names {
		names[i] = prefix + names[i]
	}
	return strings.Join(names, ", ")
}

func (a auditStore) Pending(ctx context.Context, after string, limit int) ([]string, error) {
	const op = "audit.Pending"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := a.s.idb(ctx).NewSelect().Table("audit_unsealed").ColumnExpr("DISTINCT company_id").
		Where("company_id > ?", after).OrderExpr("company_id").Limit(int64(limit)).Scan(ctx, &ids)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return ids, nil
}

func (a auditStore) V1Head(ctx context.Context, companyID string) (int64, string, error) {
	const op = "audit.V1Head"
	if err := a.s.checkOpen(op); err != nil {
		return 0, "", err
	}
	var seq int64
	var hash string
	err := a.s.idb(ctx).QueryRowContext(ctx, "SELECT seq, hash FROM audit_v1_heads WHERE company_id = ?", companyID).Scan(&seq, &hash)
	switch {
	case err == nil:
		return seq, hash, nil
	case a.s.classify(err) == storage.ErrNotFound:
		return 0, "", nil
	default:
		return 0, "", a.s.mapErr(op, err)
	}
}

// Get reads the event from either table in one statement, so a seal
// moving it meanwhile cannot hide it.
func (a auditStore) Get(ctx context.Context, id string) (*audit.Event, error) {
	const op = "audit.Get"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	db := a.s.idb(ctx)
	var row auditEventRow
	sealed := db.NewSelect().Model((*auditEventRow)(nil)).Where("id = ?", id)
	unsealed := db.NewSelect().Model((*auditEventRow)(nil)).ModelTableExpr(unsealedTable).Where("id = ?", id)
	if err := db.NewSelect().Model(&row).ModelTableExpr("(? UNION ALL ?) AS ?TableAlias", sealed, unsealed).Limit(1).Scan(ctx); err != nil {
		if a.s.classify(err) == storage.ErrNotFound {
			return nil, storage.NotFound(op, "audit event", id)
		}
		return nil, a.s.mapErr(op, err)
	}
	e, err := row.event()
	if err != nil {
		return nil, storage.Internal(op, err)
	}
	return e, nil
}

// List walks one index backwards from the cursor and stops at limit: for
// one company's log (a company's scope, or a company filter) the index
// leading with company_id and the filtered column — (company_id,
// occurred_at, id), (company_id, actor_user_id, …), (company_id, action,
// …), (company_id, entity_type, entity_id, …) — and for the platform's
// reads across companies the same indexes without company_id. The actor
// indexes end with action — (company_id, actor_user_id, occurred_at, id,
// action) — so an actor and action filter checks the action on the index
// entries and reads only the matching rows (an actor who never did the
// action costs a walk of the actor's index entries, not of their rows).
// Another filter combining two of actor, action and entity walks the index
// of one and checks the other row by row. Figures:
// BenchmarkAuditVolumePostgres.
func (a auditStore) List(ctx context.Context, scope audit.Scope, f audit.Filter, after *audit.Cursor, limit int) ([]*audit.Event, error) {
	const op = "audit.List"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	if !scope.All && len(scope.CompanyIDs) == 0 {
		return nil, nil
	}
	db := a.s.idb(ctx)
	page := func(table string) *bun.SelectQuery {
		q := db.NewSelect().Model((*auditEventRow)(nil))
		if table != "" {
			q = q.ModelTableExpr(table)
		}
		if !scope.All {
			q = q.Where("company_id IN (?)", bun.List(scope.CompanyIDs))
		}
		if f.CompanyID != "" {
			q = q.Where("company_id = ?", f.CompanyID)
		}
		if f.ActorID != "" {
			q = q.Where("actor_user_id = ?", f.ActorID)
		}
		if f.Action != "" {
			q = q.Where("action = ?", f.Action)
		}
		if f.EntityType != "" {
			q = q.Where("entity_type = ?", f.EntityType)
		}
		if f.EntityID != "" {
			q = q.Where("entity_id = ?", f.EntityID)
		}
		if !f.From.IsZero() {
			q = q.Where("occurred_at >= ?", storage.Timestamp(f.From))
		}
		if !f.To.IsZero() {
			q = q.Where("occurred_at < ?", storage.Timestamp(f.To))
		}
		if after != nil {
			t := storage.Timestamp(after.At)
			// occurred_at <= t bounds the index range; only the ties at t are
			// filtered by ID (an OR alone would walk the index from the top).
			q = q.Where("occurred_at <= ?", t).Where("(occurred_at < ? OR id < ?)", t, after.ID)
		}
		return q.OrderExpr("occurred_at DESC, id DESC").Limit(int64(limit))
	}
	// Each table's page by its own index, then the two merged; one
	// statement, so a seal moving events meanwhile neither hides nor
	// repeats one.
	var rows []auditEventRow
	err := db.NewSelect().Model(&rows).
		ModelTableExpr("(SELECT * FROM (?) AS s UNION ALL SELECT * FROM (?) AS u) AS ?TableAlias", page(""), page(unsealedTable)).
		OrderExpr("occurred_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return rowsToEvents(rows)
}

func (a auditStore) Chain(ctx context.Context, companyID string, afterSeq int64, limit int) ([]*audit.Event, error) {
	const op = "audit.Chain"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var rows []auditEventRow
	err := a.s.idb(ctx).NewSelect().Model(&rows).
		Where("company_id = ?", companyID).Where("seq > ?", afterSeq).
		OrderExpr("seq ASC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return rowsToEvents(rows)
}

func rowsToEvents(rows []auditEventRow) ([]*audit.Event, error) {
	out := make([]*audit.Event, len(rows))
	for i := range rows {
		e, err := rows[i].event()
		if err != nil {
			return nil, storage.Internal("audit.decode", err)
		}
		out[i] = e
	}
	return out, nil
}

// AuditTamper reaches behind the SDK into the stored audit log, for tests
// that prove tampering is detected. It is not part of any domain contract.
func (s *Store) AuditTamper() *AuditTamper { return &AuditTamper{s} }

// AuditTamper edits the stored audit log directly, as whoever holds the
// database could.
type AuditTamper struct{ s *Store }

// Put overwrites (or creates) the stored event e.ID with every field of e,
// its company, position and hash included; Seq 0 makes it unsealed (a row
// of audit_unsealed), any other Seq sealed (a row of audit_events).
func (t *AuditTamper) Put(ctx context.Context, e *audit.Event) error {
	row := toAuditRow(e)
	table, other := "audit_events", "audit_unsealed"
	if e.Seq == 0 {
		table, other = other, table
	}
	if _, err := t.s.db.NewDelete().Model((*auditEventRow)(nil)).ModelTableExpr(other).Where("id = ?", e.ID).Exec(ctx); err != nil {
		return err
	}
	res, err := t.s.db.NewUpdate().Model(row).ModelTableExpr(table + " AS ?TableAlias").WherePK().Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = t.s.db.NewInsert().Model(row).ModelTableExpr(table).Exec(ctx)
	}
	return err
}

// Delete removes stored events, sealed or not.
func (t *AuditTamper) Delete(ctx context.Context, ids ...string) error {
	for _, table := range []string{"audit_events", "audit_unsealed"} {
		if _, err := t.s.db.NewDelete().Model((*auditEventRow)(nil)).ModelTableExpr(table).Where("id IN (?)", bun.List(ids)).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// SetHead overwrites a company's log head.
func (t *AuditTamper) SetHead(ctx context.Context, h audit.Head) error {
	if err := t.DeleteHead(ctx, h.CompanyID); err != nil {
		return err
	}
	_, err := t.s.db.NewInsert().Model(toLogRow(h)).Exec(ctx)
	return err
}

// DeleteHead removes a company's log head.
func (t *AuditTamper) DeleteHead(ctx context.Context, companyID string) error {
	_, err := t.s.db.NewDelete().Model((*auditLogRow)(nil)).Where("company_id = ?", companyID).Exec(ctx)
	return err
}
