package audit

import "context"

// Store is the persistence the audit log needs. Backends implement it and
// storagetest proves their behaviour.
type Store interface {
	// Insert stores a new, unsealed event (Seq 0, Hash ""). It locks no row
	// shared with other writers: concurrent use cases of one company do not
	// queue on each other. A second event with the same ID is
	// storage.ErrConflict.
	Insert(ctx context.Context, e *Event) error
	// InsertAll is Insert for several events, in one statement where the
	// backend allows; when one fails (a duplicate ID is
	// storage.ErrConflict) the caller's transaction must be rolled back.
	InsertAll(ctx context.Context, evs []*Event) error

	// LockHead returns the head of companyID's log and holds it until the
	// caller's transaction ends, so sealers of one company take turns. The
	// zero Head (with CompanyID set) is returned for an empty log. It must be
	// called inside a transaction.
	LockHead(ctx context.Context, companyID string) (Head, error)
	// Unsealed returns up to limit committed, unsealed events of companyID in
	// the order they are to be sealed: carried-over events first, by V1.Seq,
	// then the others by (OccurredAt, ID). Which events a call sees is what
	// has committed when it runs; an event that commits later is returned by
	// a later call, whatever its time.
	Unsealed(ctx context.Context, companyID string, limit int) ([]*Event, error)
	// Seal gives each of evs (unsealed, with Seq and Hash set) its place and
	// moves the log's head from the locked head of size head.Size-len(evs)
	// to head. An event already sealed, or a head that moved, is
	// storage.ErrConflict and nothing is changed.
	Seal(ctx context.Context, head Head, evs []*Event) error
	// Pending returns up to limit IDs of companies with unsealed events,
	// ascending, strictly after after.
	Pending(ctx context.Context, after string, limit int) ([]string, error)
	// V1Head returns the recorded end of companyID's former hash chain (its
	// last sequence number and hash), zero when there was none.
	V1Head(ctx context.Context, companyID string) (seq int64, hash string, err error)

	// Get returns one event, or storage.ErrNotFound.
	Get(ctx context.Context, id string) (*Event, error)
	// List returns up to limit events matching f and scope, newest first by
	// (OccurredAt, ID), strictly after the cursor position when after is
	// non-nil. Unsealed events are listed too.
	List(ctx context.Context, scope Scope, f Filter, after *Cursor, limit int) ([]*Event, error)
	// Chain returns up to limit sealed events of companyID with Seq >
	// afterSeq, in ascending Seq order. The events are read-only: a backend
	// may share them between callers (the audit package never modifies
	// them).
	Chain(ctx context.Context, companyID string, afterSeq int64, limit int) ([]*Event, error)
	// Head returns the head of companyID's log without locking it.
	Head(ctx context.Context, companyID string) (Head, error)
}

// Recorder is what other domains need to write audit events: Log implements
// it. It must be called inside storage.Transactor.InTx so the event commits
// or rolls back with the change it describes.
type Recorder interface {
	Record(ctx context.Context, e Entry) (*Event, error)
	// RecordAll records several entries of one use case together (see
	// Log.RecordAll).
	RecordAll(ctx context.Context, es []Entry) ([]*Event, error)
}

var _ Recorder = (*Log)(nil)
