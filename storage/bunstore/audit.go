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

// Insert is one INSERT of the event row: no row another writer uses is
// read or locked.
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
		_, err := a.s.hotExec(deferred(ctx), op, "INSERT INTO audit_events (id, company_id, seq, occurred_at, actor_user_id, "+
			"actor_company_id, actor_role, action, entity_type, entity_id, changes, metadata, leaf_hash, v1_seq, v1_prev_hash, v1_hash) "+
			"VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			row.ID, row.CompanyID, row.OccurredAt, row.ActorUserID, row.ActorCompanyID, row.ActorRole, row.Action, row.EntityType,
			row.EntityID, row.Changes, row.Metadata, row.LeafHash, nullInt(row.V1Seq), row.V1PrevHash, row.V1Hash)
		return err
	}
	if _, err := a.s.idb(ctx).NewInsert().Model(row).Returning("NULL").Exec(deferred(ctx)); err != nil {
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

// InsertAll writes evs with one multi-row INSERT.
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
		if ok, err := a.s.bulkInsert(deferred(ctx), "audit_events", bulkAuditColumns, bulkAuditRows(rows)); ok || err != nil {
			return a.s.mapErr(op, err)
		}
	}
	if _, err := a.s.idb(ctx).NewInsert().Model(&rows).Returning("NULL").Exec(deferred(ctx)); err != nil {
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
	err := a.s.idb(ctx).NewSelect().Model(&rows).
		Where("company_id = ?", companyID).Where("seq IS NULL").
		OrderExpr("CASE WHEN v1_seq IS NULL THEN 1 ELSE 0 END, v1_seq, occurred_at, id").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, a.s.mapErr(op, err)
	}
	return rowsToEvents(rows)
}

// sealChunk bounds the rows of one UPDATE (three arguments a row).
const sealChunk = 1000

// Seal sets the positions and leaf hashes with one UPDATE per chunk of
// events joined to a list of values, then moves the head conditionally on
// its old size.
func (a auditStore) Seal(ctx context.Context, head audit.Head, evs []*audit.Event) error {
	const op = "audit.Seal"
	if !a.s.inTx(ctx) {
		return a.s.InTx(ctx, func(ctx context.Context) error { return a.Seal(ctx, head, evs) })
	}
	db := a.s.idb(ctx)
	for start := 0; start < len(evs); start += sealChunk {
		chunk := evs[start:min(start+sealChunk, len(evs))]
		q, args := a.sealSQL(head.CompanyID, chunk)
		res, err := db.ExecContext(ctx, q, args...)
		if err != nil {
			return a.s.mapErr(op, err)
		}
		if n, _ := res.RowsAffected(); n != int64(len(chunk)) {
			return storage.Conflict(op, "%d of %d events are not pending in the log of company %q", int64(len(chunk))-n, len(chunk), head.CompanyID)
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

func (a auditStore) sealSQL(companyID string, evs []*audit.Event) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, 3*len(evs)+1)
	switch a.s.dialect {
	case MySQL:
		b.WriteString("UPDATE audit_events e JOIN (")
		for i, e := range evs {
			if i == 0 {
				b.WriteString("SELECT ? AS id, ? AS seq, ? AS h")
			} else {
				b.WriteString(" UNION ALL SELECT ?, ?, ?")
			}
			args = append(args, e.ID, e.Seq, e.Hash)
		}
		b.WriteString(") v ON e.id = v.id SET e.seq = v.seq, e.leaf_hash = v.h WHERE e.seq IS NULL AND e.company_id = ?")
	case Postgres:
		b.WriteString("UPDATE audit_events AS e SET seq = v.seq, leaf_hash = v.h FROM (VALUES ")
		for i, e := range evs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?::BIGINT, ?)")
			args = append(args, e.ID, e.Seq, e.Hash)
		}
		b.WriteString(") AS v (id, seq, h) WHERE e.id = v.id AND e.seq IS NULL AND e.company_id = ?")
	default:
		b.WriteString("UPDATE audit_events SET seq = v.column2, leaf_hash = v.column3 FROM (VALUES ")
		for i, e := range evs {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?)")
			args = append(args, e.ID, e.Seq, e.Hash)
		}
		b.WriteString(") AS v WHERE audit_events.id = v.column1 AND audit_events.seq IS NULL AND audit_events.company_id = ?")
	}
	return b.String(), append(args, companyID)
}

func (a auditStore) Pending(ctx context.Context, after string, limit int) ([]string, error) {
	const op = "audit.Pending"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var ids []string
	err := a.s.idb(ctx).NewSelect().Table("audit_events").ColumnExpr("DISTINCT company_id").
		Where("seq IS NULL").Where("company_id > ?", after).OrderExpr("company_id").Limit(int64(limit)).Scan(ctx, &ids)
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

func (a auditStore) Get(ctx context.Context, id string) (*audit.Event, error) {
	const op = "audit.Get"
	if err := a.s.checkOpen(op); err != nil {
		return nil, err
	}
	var row auditEventRow
	if err := a.s.idb(ctx).NewSelect().Model(&row).Where("id = ?", id).Scan(ctx); err != nil {
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
	var rows []auditEventRow
	q := a.s.idb(ctx).NewSelect().Model(&rows)
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
	if err := q.OrderExpr("occurred_at DESC, id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
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
// its company, position and hash included; Seq 0 makes it unsealed.
func (t *AuditTamper) Put(ctx context.Context, e *audit.Event) error {
	row := toAuditRow(e)
	res, err := t.s.db.NewUpdate().Model(row).WherePK().Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		_, err = t.s.db.NewInsert().Model(row).Exec(ctx)
	}
	return err
}

// Delete removes stored events.
func (t *AuditTamper) Delete(ctx context.Context, ids ...string) error {
	_, err := t.s.db.NewDelete().Model((*auditEventRow)(nil)).Where("id IN (?)", bun.List(ids)).Exec(ctx)
	return err
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
