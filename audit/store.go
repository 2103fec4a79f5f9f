package audit

import "context"

// Store is the persistence the audit trail needs. Backends implement it and
// storagetest proves their behaviour.
type Store interface {
	// LockHead returns the head of companyID's chain and holds it so no other
	// transaction can append to that chain until the caller's transaction
	// ends. The zero Head (with CompanyID set) is returned for an empty
	// chain. It must be called inside a transaction.
	LockHead(ctx context.Context, companyID string) (Head, error)
	// Append stores e, whose Seq is the locked head's Seq+1, and moves the
	// head to (e.Seq, e.Hash). A second event with the same (CompanyID, Seq)
	// is refused with storage.ErrConflict.
	Append(ctx context.Context, e *Event) error
	// Get returns one event, or storage.ErrNotFound.
	Get(ctx context.Context, id string) (*Event, error)
	// List returns up to limit events matching f and scope, newest first by
	// (OccurredAt, ID), strictly after the cursor position when after is non-nil.
	List(ctx context.Context, scope Scope, f Filter, after *Cursor, limit int) ([]*Event, error)
	// Chain returns up to limit events of companyID's chain with Seq > afterSeq,
	// in ascending Seq order.
	Chain(ctx context.Context, companyID string, afterSeq int64, limit int) ([]*Event, error)
	// Head returns the head of companyID's chain without locking it.
	Head(ctx context.Context, companyID string) (Head, error)
}

// Recorder is what other domains need to write audit events: Log implements
// it. It must be called inside storage.Transactor.InTx so the event commits
// or rolls back with the change it describes.
type Recorder interface {
	Record(ctx context.Context, e Entry) (*Event, error)
}

var _ Recorder = (*Log)(nil)
