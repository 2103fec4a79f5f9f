package licensing

import (
	"context"
	"time"
)

// Store is the persistence licensing needs. Every method takes part in the
// transaction ctx carries (storage.Transactor.InTx); methods documented as
// "in a transaction" fail with storage.ErrInvalid outside one. Backends
// implement it and storagetest proves their behaviour.
type Store interface {
	CreditStore
	SeatStore
	CatalogStore
}

// CreditStore keeps accounts, the ledger and idempotency records.
type CreditStore interface {
	// LockAccount returns companyID's account, creating the default
	// (NewAccount) if there is none, and holds it until the transaction
	// ends: concurrent LockAccount calls on one company queue up. In a
	// transaction.
	LockAccount(ctx context.Context, companyID string) (Account, error)
	// Account returns companyID's account without locking it, or
	// storage.ErrNotFound if it was never created.
	Account(ctx context.Context, companyID string) (Account, error)
	// SaveAccount stores a, previously returned by LockAccount in the same
	// transaction.
	SaveAccount(ctx context.Context, a Account) error
	// AppendEntry appends e to its company's ledger; a second entry with the
	// same (CompanyID, Seq) is refused with storage.ErrConflict.
	AppendEntry(ctx context.Context, e LedgerEntry) error
	// Entries returns up to limit entries of companyID with Seq > afterSeq,
	// in ascending Seq order.
	Entries(ctx context.Context, companyID string, afterSeq int64, limit int) ([]LedgerEntry, error)
	// EntriesBetween returns up to limit entries of companyID created in
	// [q.From, q.To) (a zero bound is open), ordered by (CreatedAt, Seq),
	// after the key (q.AfterAt, q.AfterSeq) when q.AfterSeq > 0.
	EntriesBetween(ctx context.Context, companyID string, q EntryRange, limit int) ([]LedgerEntry, error)
	// Idempotent returns the record stored under (companyID, key), or
	// storage.ErrNotFound. Inside a transaction it reads the latest
	// committed state (a locking read where the database needs one).
	Idempotent(ctx context.Context, companyID, key string) (IdempotencyRecord, error)
	// SaveIdempotent stores r; an existing (CompanyID, Key) is
	// storage.ErrConflict.
	SaveIdempotent(ctx context.Context, r IdempotencyRecord) error
}

// SeatStore keeps license pools and assignments, subscriptions and add-ons.
type SeatStore interface {
	// AddLicenses adds n (> 0) licenses to companyID's pool of kind,
	// creating the pool if needed.
	AddLicenses(ctx context.Context, companyID string, kind LicenseKind, n int) error
	// RemoveLicenses takes n (> 0) licenses out of the pool, atomically
	// refusing with storage.ErrConflict when fewer than n are unassigned
	// (storage.ErrNotFound when there is no pool).
	RemoveLicenses(ctx context.Context, companyID string, kind LicenseKind, n int) error
	// AssignLicense takes one unassigned license of a.Kind for a.UserID with
	// one conditional update (never read-then-write): storage.ErrLimitExceeded
	// when none is free (or there is no pool), storage.ErrConflict when the
	// user already holds one of that kind (whether or not one is free). Under
	// any concurrency, assigned never exceeds bought.
	AssignLicense(ctx context.Context, a LicenseAssignment) error
	// UnassignLicense frees userID's license of kind, or storage.ErrNotFound.
	UnassignLicense(ctx context.Context, companyID, userID string, kind LicenseKind) error
	// Pools returns companyID's pools, ordered by kind.
	Pools(ctx context.Context, companyID string) ([]Pool, error)
	// Assignments returns up to limit assignments of companyID ordered by
	// (UserID, Kind), strictly after the cursor when it is non-nil.
	Assignments(ctx context.Context, companyID string, after *AssignmentCursor, limit int) ([]LicenseAssignment, error)

	// InsertSubscriptions stores new (unassigned) subscriptions.
	InsertSubscriptions(ctx context.Context, subs []Subscription) error
	// AssignSubscription gives the unassigned subscription id of companyID
	// to userID (a conditional update): storage.ErrNotFound when there is no
	// such subscription, storage.ErrConflict when it is already assigned.
	AssignSubscription(ctx context.Context, companyID, id, userID string) error
	// UnassignSubscription frees subscription id: storage.ErrNotFound when
	// there is none, storage.ErrConflict when it is not assigned.
	UnassignSubscription(ctx context.Context, companyID, id string) error
	// Subscriptions returns up to limit subscriptions of companyID matching
	// f, ordered by ID, with ID > afterID.
	Subscriptions(ctx context.Context, companyID string, f SubscriptionFilter, afterID string, limit int) ([]Subscription, error)

	// AddAddOn adds qty (> 0) of option code to companyID's holding.
	AddAddOn(ctx context.Context, companyID, code string, qty int) error
	// AddOns returns companyID's add-on holdings ordered by code.
	AddOns(ctx context.Context, companyID string) ([]AddOn, error)
}

// CatalogStore keeps service packages, offers and subscription keys.
type CatalogStore interface {
	// InsertPackage stores p; a second package with the same owner and name
	// is storage.ErrConflict.
	InsertPackage(ctx context.Context, p ServicePackage) error
	// Package returns one package or storage.ErrNotFound.
	Package(ctx context.Context, id string) (ServicePackage, error)
	// Packages returns the packages owned by any of ownerIDs ("" is the
	// platform), ordered by (name, ID).
	Packages(ctx context.Context, ownerIDs []string) ([]ServicePackage, error)
	// SaveOffer creates or replaces companyID's offer of o.PackageID.
	SaveOffer(ctx context.Context, o PackageOffer) error
	// Offers returns companyID's offers ordered by package ID.
	Offers(ctx context.Context, companyID string) ([]PackageOffer, error)
	// GrantPackages gives userID of companyID the packages (those already
	// held are kept once).
	GrantPackages(ctx context.Context, companyID, userID string, packageIDs []string) error
	// UserPackages returns the IDs of the packages userID holds, sorted.
	UserPackages(ctx context.Context, companyID, userID string) ([]string, error)
	// RevokePackages takes every package from userID of companyID (none
	// held is no error).
	RevokePackages(ctx context.Context, companyID, userID string) error

	// InsertKey stores k; the same code twice in a company is storage.ErrConflict.
	InsertKey(ctx context.Context, k SubscriptionKey) error
	// DeleteKey removes key id of companyID, or storage.ErrNotFound.
	DeleteKey(ctx context.Context, companyID, id string) error
	// Keys returns companyID's keys ordered by code.
	Keys(ctx context.Context, companyID string) ([]SubscriptionKey, error)
}

// EntryRange selects ledger entries by creation time, for EntriesBetween.
type EntryRange struct {
	From, To time.Time // [From, To); zero: unbounded
	AfterAt  time.Time // the cursor: the last entry returned
	AfterSeq int64
}
