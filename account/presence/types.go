package presence

import (
	"context"
	"time"

	"github.com/switchboardkit/switchboard/storage"
)

// State is an operator's presence state. The zero State is invalid.
type State string

// States.
const (
	Online  State = "online"
	Away    State = "away" // always with a pause type (the reason)
	Offline State = "offline"
)

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool { return s == Online || s == Away || s == Offline }

// Cause says how a status came to be.
type Cause string

// Causes.
const (
	CauseSelf     Cause = "self"     // the member set their own status
	CauseAdmin    Cause = "admin"    // an administrator set it for the member
	CauseOverride Cause = "override" // an administrator set an exhausted pause type
	CauseAuto     Cause = "auto"     // the SDK switched to the fallback when the allocation ran out
)

// PauseType is a reason for being Away, defined per company by its
// administrators.
type PauseType struct {
	ID        string `json:"id"`
	CompanyID string `json:"company_id"`
	Name      string `json:"name"`
	Paid      bool   `json:"paid"`
	// DailyAllocation is the time an operator may spend in this pause per
	// local day; nil means unlimited.
	DailyAllocation *time.Duration `json:"daily_allocation"`
	// FallbackID is the pause type the status switches to when the
	// allocation runs out during a pause; "" for none.
	FallbackID string    `json:"fallback_id"`
	Archived   bool      `json:"archived"`
	Version    int64     `json:"version" audit:"-"`
	CreatedAt  time.Time `json:"created_at" audit:"-"`
	UpdatedAt  time.Time `json:"updated_at" audit:"-"`
}

// Limited reports whether the type has a daily allocation.
func (p *PauseType) Limited() bool { return p.DailyAllocation != nil }

// PauseTypeInput is what an administrator gives to create or update a pause type.
type PauseTypeInput struct {
	Name string `json:"name" validate:"required,text,max=100"`
	Paid bool   `json:"paid"`
	// DailyAllocation: nil = unlimited; otherwise more than 0 and at most 24h.
	DailyAllocation *time.Duration `json:"daily_allocation"`
	FallbackID      string         `json:"fallback_id" validate:"text,max=64"`
}

// Current is the stored current status of one member of one company: the
// open end of the ledger. Version increases by one with every write; it is
// what devices send back to change the status (optimistic concurrency) and
// what concurrent hosts applying due transitions condition their write on.
type Current struct {
	CompanyID   string
	UserID      string
	State       State
	PauseTypeID string // set when State is Away
	Since       time.Time
	// DueAt is when the current pause's allocation runs out and the status
	// must switch to the fallback; nil when no automatic switch is pending.
	DueAt   *time.Time
	Cause   Cause
	SetBy   string // the user who set it; "" for the SDK
	Version int64
}

// Interval is one closed entry of the append-only status ledger: the member
// was in State (and PauseTypeID) from Start (inclusive) to End (exclusive).
// Intervals never cross the member's local midnight: Day is the local date
// (YYYY-MM-DD, in the member's effective time zone) that contains them.
type Interval struct {
	ID          string    `json:"id"`
	CompanyID   string    `json:"company_id"`
	UserID      string    `json:"user_id"`
	Day         string    `json:"day"`
	State       State     `json:"state"`
	PauseTypeID string    `json:"pause_type_id,omitempty"`
	Paid        bool      `json:"paid"` // the pause type's paid flag when the interval was recorded
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Cause       Cause     `json:"cause"`
	SetBy       string    `json:"set_by,omitempty"`
}

// Duration is End - Start.
func (iv Interval) Duration() time.Duration { return iv.End.Sub(iv.Start) }

// DueCursor is a keyset position in the due-transition listing. The
// per-company listing (Store.DueCurrents) ignores CompanyID; the
// platform-wide one (Store.PlatformDueCurrents) orders by (DueAt,
// CompanyID, UserID).
type DueCursor struct {
	DueAt     time.Time
	CompanyID string
	UserID    string
}

// Member names one member of one company.
type Member struct {
	CompanyID string
	UserID    string
}

// MemberDay names one local day (DateLayout) of one member.
type MemberDay struct {
	CompanyID string
	UserID    string
	Day       string
}

// Store is the persistence presence needs. Backends implement it and
// storage/storagetest proves their behaviour. Every method takes part in the
// transaction ctx carries (storage.Transactor.InTx), if any.
type Store interface {
	// CreatePauseType stores a new pause type. A second non-archived type
	// with the same name (case-insensitive) in the company is refused with
	// storage.ErrConflict.
	CreatePauseType(ctx context.Context, p *PauseType) error
	// UpdatePauseType overwrites p if its stored version is p.Version-1;
	// otherwise storage.ErrConflict (also for a duplicate active name).
	UpdatePauseType(ctx context.Context, p *PauseType) error
	// PauseType returns one type of the company, or storage.ErrNotFound
	// (also when it belongs to another company).
	PauseType(ctx context.Context, companyID, id string) (*PauseType, error)
	// PauseTypes returns every type of the company, archived included, by name then ID.
	PauseTypes(ctx context.Context, companyID string) ([]*PauseType, error)

	// Current returns the member's current status, or storage.ErrNotFound
	// when none was ever set.
	Current(ctx context.Context, companyID, userID string) (*Current, error)
	// PutCurrent writes c when the stored row's version is c.Version-1 (no
	// row when c.Version is 1); otherwise it fails with storage.ErrConflict
	// and writes nothing. It is the serialisation point of status changes.
	PutCurrent(ctx context.Context, c *Current) error
	// DueCurrents returns up to limit current rows of the company with
	// DueAt <= until, ordered by (DueAt, UserID), strictly after the cursor
	// when after is non-nil.
	DueCurrents(ctx context.Context, companyID string, until time.Time, after *DueCursor, limit int) ([]*Current, error)
	// NextDue returns the smallest DueAt of the company's current rows.
	NextDue(ctx context.Context, companyID string) (time.Time, bool, error)
	// PlatformDueCurrents returns up to limit current rows of every company
	// with DueAt <= until, ordered by (DueAt, CompanyID, UserID), strictly
	// after the cursor when after is non-nil. Backends serve it from an
	// index on the due instant kept in step with PutCurrent (in its
	// transaction), so its cost follows the rows due, not the rows stored.
	PlatformDueCurrents(ctx context.Context, until time.Time, after *DueCursor, limit int) ([]*Current, error)
	// PlatformNextDue returns the smallest DueAt of all current rows of
	// every company, from the same index.
	PlatformNextDue(ctx context.Context) (time.Time, bool, error)
	// LockCurrents returns the current rows of those of members that have
	// one, in no particular order, and inside a transaction holds them until
	// it ends: row locks (SELECT … FOR UPDATE) on PostgreSQL and MySQL, while
	// SQLite's and the memory store's transactions hold the whole store. An
	// UpdateCurrents of those rows later in the transaction meets no
	// concurrent writer.
	LockCurrents(ctx context.Context, members []Member) ([]*Current, error)
	// UpdateCurrents is PutCurrent for many existing rows (every c.Version
	// above 1) in as few statements as the dialect allows: it writes each c
	// whose stored row is at version c.Version-1. When some row is not (it
	// moved, or there is none), it fails with storage.ErrConflict, and the
	// others may have been written: the caller rolls its transaction back.
	UpdateCurrents(ctx context.Context, cs []*Current) error
	// Currents returns the company's current rows (userID "" = all members)
	// whose Since is before before.
	Currents(ctx context.Context, companyID, userID string, before time.Time) ([]*Current, error)

	// AppendIntervals adds closed intervals to the ledger. Intervals are
	// never updated or deleted.
	AppendIntervals(ctx context.Context, ivs []Interval) error
	// DayIntervals returns the member's intervals of one local day, by Start.
	DayIntervals(ctx context.Context, companyID, userID, day string) ([]Interval, error)
	// DaysIntervals is DayIntervals for many member days at once: the
	// intervals of each, by Start; a day without intervals has no entry.
	DaysIntervals(ctx context.Context, days []MemberDay) (map[MemberDay][]Interval, error)
	// Intervals returns the company's intervals (userID "" = every member)
	// whose Start is in [from, to), by Start then ID.
	Intervals(ctx context.Context, companyID, userID string, from, to time.Time) ([]Interval, error)
}

// Locations gives a member's effective time zone (the user's own, else the
// company's). account.Service implements it. With userID "" it returns the
// company's zone.
type Locations interface {
	Location(ctx context.Context, companyID, userID string) (*time.Location, error)
}

// LocationFunc adapts a function to Locations.
type LocationFunc func(ctx context.Context, companyID, userID string) (*time.Location, error)

// Location implements Locations.
func (f LocationFunc) Location(ctx context.Context, companyID, userID string) (*time.Location, error) {
	return f(ctx, companyID, userID)
}

// FixedLocation is a Locations that puts everybody in loc (tests, single-zone hosts).
func FixedLocation(loc *time.Location) Locations {
	return LocationFunc(func(context.Context, string, string) (*time.Location, error) { return loc, nil })
}

// Switch is the notification of one automatic switch to a fallback pause.
type Switch struct {
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	From      string    `json:"from"`       // the exhausted pause type
	To        string    `json:"to"`         // the fallback pause type now in effect
	At        time.Time `json:"at"`         // the instant the allocation ran out (the ledger's switch time)
	AppliedAt time.Time `json:"applied_at"` // when the SDK recorded it (>= At)
}

// OnSwitch makes fn the handler of storage.TopicPauseSwitch on d: fn
// receives each automatic Switch once its transaction has committed (at
// least once: deduplicate on msgID, the outbox message's id). The host
// shows it to the operator.
func OnSwitch(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, s Switch) error) {
	storage.Handle(d, storage.TopicPauseSwitch, fn)
}
