package bunstore

import (
	"context"
	"encoding/json"
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
	_, err := c.s.exec(ctx, op, q, companyID, key)
	return err
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
	if _, err := c.s.idb(ctx).NewInsert().Model(toCallRow(r)).Exec(ctx); err != nil {
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
