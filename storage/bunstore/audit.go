package bunstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

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
	Seq            int64     `bun:"seq"`
	OccurredAt     time.Time `bun:"occurred_at"`
	ActorUserID    string    `bun:"actor_user_id"`
	ActorCompanyID string    `bun:"actor_company_id"`
	ActorRole      string    `bun:"actor_role"`
	Action         string    `bun:"action"`
	EntityType     string    `bun:"entity_type"`
	EntityID       string    `bun:"entity_id"`
	Changes        string    `bun:"changes"`
	Metadata       string    `bun:"metadata"`
	PrevHash       string    `bun:"prev_hash"`
	Hash           string    `bun:"hash"`
}

type auditHeadRow struct {
	bun.BaseModel `bun:"table:audit_heads"`

	CompanyID string `bun:"company_id,pk"`
	Seq       int64  `bun:"seq"`
	Hash      string `bun:"hash"`
}

func toAuditRow(e *audit.Event) *auditEventRow {
	return &auditEventRow{
		ID: e.ID, CompanyID: e.CompanyID, Seq: e.Seq, OccurredAt: storage.Timestamp(e.OccurredAt),
		ActorUserID: e.Actor.UserID, ActorCompanyID: e.Actor.CompanyID, ActorRole: e.Actor.Role,
		Action: e.Action, EntityType: e.EntityType, EntityID: e.EntityID,
		Changes: string(audit.EncodeChanges(e.Changes)), Metadata: string(audit.EncodeMetadata(e.Metadata)),
		PrevHash: e.PrevHash, Hash: e.Hash,
	}
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
	return &audit.Event{
		ID: r.ID, CompanyID: r.CompanyID, Seq: r.Seq, OccurredAt: r.OccurredAt.UTC(),
		Actor:  audit.Actor{UserID: r.ActorUserID, CompanyID: r.ActorCompanyID, Role: r.ActorRole},
		Action: r.Action, EntityType: r.EntityType, EntityID: r.EntityID,
		Changes: changes, Metadata: meta, PrevHash: r.PrevHash, Hash: r.Hash,
	}, nil
}

// LockHead creates the head row if missing and takes its row lock in one
// statement where the dialect allows (an upsert that rewrites the row), then
// reads it. SQLite needs no row lock: the transaction began IMMEDIATE and
// holds the database's write lock.
func (a auditStore) LockHead(ctx context.Context, companyID string) (audit.Head, error) {
	const op = "audit.LockHead"
	if !a.s.inTx(ctx) {
		return audit.Head{}, storage.MustBeInTx(ctx, op)
	}
	db := a.s.idb(ctx)
	upsert := "INSERT INTO audit_heads (company_id, seq, hash) VALUES (?, 0, '')" +
		a.s.upsert("audit_heads", "company_id", "seq = "+a.s.col("audit_heads", "seq"))
	if !a.s.hasReturning() { // take the row lock with a no-op upsert, then read
		if _, err := db.ExecContext(ctx, upsert, companyID); err != nil {
			return audit.Head{}, a.s.mapErr(op, err)
		}
		// A locking read: a plain SELECT could return an older snapshot.
		h := audit.Head{CompanyID: companyID}
		err := db.QueryRowContext(ctx, "SELECT seq, hash FROM audit_heads WHERE company_id = ? FOR UPDATE", companyID).Scan(&h.Seq, &h.Hash)
		if err != nil {
			return audit.Head{}, a.s.mapErr(op, err)
		}
		return h, nil
	}
	h := audit.Head{CompanyID: companyID}
	if err := db.QueryRowContext(ctx, upsert+" RETURNING seq, hash", companyID).Scan(&h.Seq, &h.Hash); err != nil {
		return audit.Head{}, a.s.mapErr(op, err)
	}
	return h, nil
}

func (a auditStore) head(ctx context.Context, op, companyID string) (audit.Head, error) {
	var row auditHeadRow
	err := a.s.idb(ctx).NewSelect().Model(&row).Where("company_id = ?", companyID).Scan(ctx)
	switch {
	case err == nil:
	case a.s.classify(err) == storage.ErrNotFound:
		return audit.Head{CompanyID: companyID}, nil
	default:
		return audit.Head{}, a.s.mapErr(op, err)
	}
	return audit.Head{CompanyID: companyID, Seq: row.Seq, Hash: row.Hash}, nil
}

func (a auditStore) Head(ctx context.Context, companyID string) (audit.Head, error) {
	if err := a.s.checkOpen("audit.Head"); err != nil {
		return audit.Head{}, err
	}
	return a.head(ctx, "audit.Head", companyID)
}

func (a auditStore) Append(ctx context.Context, e *audit.Event) error {
	const op = "audit.Append"
	if !a.s.inTx(ctx) {
		return a.s.InTx(ctx, func(ctx context.Context) error { return a.Append(ctx, e) })
	}
	db := a.s.idb(ctx)
	if _, err := db.NewInsert().Model(toAuditRow(e)).Exec(ctx); err != nil {
		return a.s.mapErr(op, err)
	}
	res, err := db.NewUpdate().Model((*auditHeadRow)(nil)).
		Set("seq = ?", e.Seq).Set("hash = ?", e.Hash).
		Where("company_id = ?", e.CompanyID).Where("seq = ?", e.Seq-1).Exec(ctx)
	if err != nil {
		return a.s.mapErr(op, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return storage.Conflict(op, "chain head of company %q moved", e.CompanyID)
	}
	return nil
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
	return row.event()
}

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
		q = q.Where("(occurred_at < ? OR (occurred_at = ? AND id < ?))", t, t, after.ID)
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
