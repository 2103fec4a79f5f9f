package compliance

import (
	"context"
	"time"
)

// Status is where a reservation stands.
type Status string

// Statuses. An expired reservation is one still pending after ExpiresAt: it
// stays pending in storage and counts as answered (every class) until an
// outcome is reported.
const (
	StatusPending   Status = "pending"   // the call is (or may be) in flight
	StatusCompleted Status = "completed" // the outcome is known
	StatusReleased  Status = "released"  // the call was never placed; it does not count
)

// Reservation is a hold on one call to one subscriber: made by Reserve,
// finished by Complete or Release. Completed reservations are the call
// history caps count.
type Reservation struct {
	ID          string    `json:"id"`
	CompanyID   string    `json:"company_id"`
	Key         string    `json:"key"`   // the debt/case key caps count against (default: the E.164 number)
	Phone       string    `json:"phone"` // E.164
	ReservedAt  time.Time `json:"reserved_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Status      Status    `json:"status"`
	Outcome     Outcome   `json:"outcome,omitempty"`
	CompletedAt time.Time `json:"completed_at,omitzero"`
	ReservedBy  string    `json:"reserved_by"` // user ID of the actor that reserved
}

// Expired reports whether r is pending past its expiry at now.
func (r Reservation) Expired(now time.Time) bool {
	return r.Status == StatusPending && !now.Before(r.ExpiresAt)
}

// Record converts r to what the rules count.
func (r Reservation) Record() Record {
	rec := Record{At: r.ReservedAt.UnixMicro()}
	switch r.Status {
	case StatusCompleted:
		rec.Classes = r.Outcome.Classes()
	case StatusPending:
		rec.Classes, rec.Until = ClassAll, r.ExpiresAt.UnixMicro()
	}
	return rec
}

// Settings are a company's compliance settings.
type Settings struct {
	CompanyID string `json:"company_id"`
	// FZ230 is the company's FZ-230 flag: when off, every call is allowed
	// (and still recorded); when on, Policy applies.
	FZ230     bool      `json:"fz230"`
	Policy    Policy    `json:"policy"`
	UpdatedAt time.Time `json:"updated_at" audit:"-"`
	Version   int64     `json:"version" audit:"-"`
}

// Store is the persistence compliance needs. Backends implement it in
// storage/memory and storage/bunstore; storage/storagetest holds the
// behaviour every implementation must show. Methods that write are called
// inside storage.Transactor.InTx.
type Store interface {
	// Settings returns a company's settings, storage.ErrNotFound if never saved.
	Settings(ctx context.Context, companyID string) (Settings, error)
	// SaveSettings inserts s when s.Version == 1, else updates the row whose
	// version is s.Version-1; storage.ErrConflict when that row moved (or,
	// on insert, exists).
	SaveSettings(ctx context.Context, s Settings) error
	// LockSubject serialises reservations for one (company, key) until the
	// transaction ends: a row lock (PostgreSQL, MySQL), the database write
	// lock (SQLite), the store lock (memory). Must be called inside InTx.
	LockSubject(ctx context.Context, companyID, key string) error
	// History returns the (company, key)'s reservations reserved at or after
	// since that are not released, ascending by ReservedAt then ID.
	History(ctx context.Context, companyID, key string, since time.Time) ([]Reservation, error)
	// InsertReservation stores a new reservation; storage.ErrConflict for a
	// duplicate ID.
	InsertReservation(ctx context.Context, r Reservation) error
	// Reservation returns one reservation, storage.ErrNotFound if unknown.
	Reservation(ctx context.Context, id string) (Reservation, error)
	// FinishReservation stores r's Status, Outcome and CompletedAt if the
	// stored reservation is still pending; storage.ErrConflict if it is not,
	// storage.ErrNotFound if it does not exist.
	FinishReservation(ctx context.Context, r Reservation) error
	// PruneBefore deletes reservations reserved before t and returns how many.
	PruneBefore(ctx context.Context, t time.Time) (int64, error)

	// HistoryBatch calls fn once for each of keys (company companyID) that
	// has history reserved at or after since that is not released, with its
	// records ascending by Record.At; keys without history are not
	// mentioned. recs is valid only during the call (the backend may reuse
	// it). A backend reads them in one query per call (or per bounded chunk
	// of keys), not one per key: it is the batch check's only history read.
	HistoryBatch(ctx context.Context, companyID string, keys []string, since time.Time, fn func(key string, recs []Record)) error
	// InsertReservations stores many reservations at once (a history
	// import); storage.ErrConflict for a duplicate ID. Called inside InTx.
	InsertReservations(ctx context.Context, rs []Reservation) error
	// HistoryImport returns the record of the history import (company,
	// key), storage.ErrNotFound if there is none.
	HistoryImport(ctx context.Context, companyID, key string) (ImportRecord, error)
	// SaveHistoryImport stores an import's record; storage.ErrConflict if
	// (company, key) exists. Called inside InTx.
	SaveHistoryImport(ctx context.Context, r ImportRecord) error
}

// ImportRecord remembers a history import by its key, so that a repeated
// import is recognised (same request hash) or refused (another one).
type ImportRecord struct {
	CompanyID   string    `json:"company_id"`
	Key         string    `json:"key"`
	RequestHash string    `json:"request_hash"` // hex SHA-256 of the imported calls
	Calls       int       `json:"calls"`
	ImportedAt  time.Time `json:"imported_at"`
	ImportedBy  string    `json:"imported_by"`
}

// RecordReader is an optional power of a Store (found by type assertion, as
// database/sql finds a driver's extras): reading a subject's history straight
// into the compact form the rules count, appended to buf, in ascending order
// of Record.At, released reservations left out. The memory backend has it,
// so Check on it allocates almost nothing for the history.
type RecordReader interface {
	HistoryRecords(ctx context.Context, companyID, key string, since time.Time, buf []Record) ([]Record, error)
}

// SharedSettingsReader is an optional power of a Store (found by type
// assertion, like RecordReader): a company's settings without copying them,
// nil (and a nil error) when the company never saved any. The returned
// value may be the store's own: the store must never modify a Settings it
// has handed out (it replaces them whole), and the caller must not modify
// it either, Policy.Caps included. The memory backend has it, so Check
// reads settings without allocating or copying.
type SharedSettingsReader interface {
	SharedSettings(ctx context.Context, companyID string) (*Settings, error)
}

// CheckReader is an optional power of a Store (found by type assertion,
// like RecordReader): SharedSettings and HistoryRecords of one subject in one
// round trip, which Check uses. since is the caller's guess of the look-back
// of the settings it is about to read (they may have changed since it last
// read them): the records are those HistoryRecords would return for since.
// st is nil (and err nil) when the company never saved settings; the same
// sharing rules as SharedSettings apply to it.
type CheckReader interface {
	CheckRecords(ctx context.Context, companyID, key string, since time.Time, buf []Record) (st *Settings, recs []Record, err error)
}

// SettingsLocker is an optional power of a Store (found by type assertion,
// like RecordReader): LockSubject and Settings in one round trip, which
// Reserve uses. found is false when the company never saved settings.
// Called inside InTx; the lock is LockSubject's.
type SettingsLocker interface {
	LockSubjectSettings(ctx context.Context, companyID, key string) (st Settings, found bool, err error)
}

// PendingFinisher is an optional power of a Store (found by type assertion,
// like RecordReader): FinishReservation and the read of the reservation in
// one statement, which Complete and Release use. When the stored
// reservation r.ID is pending it stores r's Status, Outcome and CompletedAt
// and returns the reservation as now stored (done true); otherwise (not
// pending, unknown, or a backend that cannot do it in one statement) it
// writes nothing and done is false, and the caller reads and decides as
// without this power. Called inside InTx; the written row stays locked
// until the transaction ends, and the caller still decides on it: an
// actor that may not finish it gets an error and the transaction is
// rolled back.
type PendingFinisher interface {
	FinishPending(ctx context.Context, r Reservation) (stored Reservation, done bool, err error)
}
