package storage

import (
	"context"
	"errors"
)

// Transactor runs a use case in one transaction. It is the SDK's only
// transaction boundary; see the package documentation.
type Transactor interface {
	// InTx runs fn in a transaction and commits it when fn returns nil; any
	// error (or panic) rolls everything back. The transaction travels in the
	// context passed to fn: every store method called with that context, in
	// any domain, takes part in it. A call made while ctx already carries a
	// transaction of the same backend joins it instead of nesting.
	//
	// The context bounds the transaction: when it is cancelled or passes its
	// deadline while fn runs, the transaction rolls back and InTx returns an
	// error matching ErrUnavailable (wrapping context.Canceled or
	// context.DeadlineExceeded), even if fn itself succeeded.
	//
	// fn may run more than once: when the backend reports a transient conflict
	// (serialization failure, deadlock, busy database) the outermost InTx rolls
	// back and runs fn again, a bounded number of times. fn must therefore keep
	// its effects inside the transaction and defer anything external with
	// AfterCommit.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

type scopeKey struct{}

// Scope is the per-attempt state of one transaction: the backend's handle and
// the callbacks to run after commit. Backends create it; domain code only sees
// it through AfterCommit and InScope.
type Scope struct {
	owner any // the Transactor that opened it
	tx    any // the backend's transaction handle
	outer context.Context
	after []func(context.Context)
}

// NewScope returns ctx carrying a new transaction scope owned by owner with the
// backend handle tx. Backends call it once per attempt, with the context
// InTx was called with: that context, never cancelled, is what after-commit
// callbacks receive.
func NewScope(ctx context.Context, owner, tx any) (context.Context, *Scope) {
	s := &Scope{owner: owner, tx: tx, outer: context.WithoutCancel(ctx)}
	return context.WithValue(ctx, scopeKey{}, s), s
}

// ScopeFrom returns the transaction scope ctx carries, if any.
func ScopeFrom(ctx context.Context) (*Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(*Scope)
	return s, ok
}

// Owner is the Transactor that opened the scope.
func (s *Scope) Owner() any { return s.owner }

// Tx is the backend's transaction handle.
func (s *Scope) Tx() any { return s.tx }

// RunAfterCommit calls the registered callbacks in registration order. The
// backend calls it once, after a successful commit.
func (s *Scope) RunAfterCommit() {
	for _, fn := range s.after {
		fn(s.outer)
	}
	s.after = nil
}

// InScope reports whether ctx carries a transaction.
func InScope(ctx context.Context) bool {
	_, ok := ScopeFrom(ctx)
	return ok
}

// AfterCommit registers fn to run once the transaction in ctx has committed;
// it never runs for a transaction that rolls back, nor for a failed attempt
// that is retried. Outside a transaction fn runs at once, with ctx never
// cancelled.
//
// fn runs on the goroutine that called InTx, after InTx's work is durable and
// before InTx returns. Its context is the one InTx was called with, never
// cancelled and without the finished transaction, so SDK work started from
// it runs in transactions of its own. The SDK's own effects do not use
// AfterCommit: they are outbox messages (Enqueue), which survive a crash
// between commit and delivery; AfterCommit is for in-process work that may be
// lost with the process (a cache to invalidate, a metric).
func AfterCommit(ctx context.Context, fn func(ctx context.Context)) {
	if s, ok := ScopeFrom(ctx); ok {
		s.after = append(s.after, fn)
		return
	}
	fn(context.WithoutCancel(ctx))
}

// MustBeInTx returns an error unless ctx carries a transaction. Stores whose
// writes only make sense inside a use case (the audit chain, say) check it.
func MustBeInTx(ctx context.Context, op string) error {
	if InScope(ctx) {
		return nil
	}
	return E(op, ErrInvalid, "must be called inside Transactor.InTx")
}

// MaxAttempts is how many times a Transactor runs a use case that keeps
// failing with ErrRetryable before giving up.
const MaxAttempts = 8

// GiveUp converts the final retryable error into a conflict the caller can
// match with ErrConflict (and still with ErrRetryable).
func GiveUp(op string, err error) error {
	if errors.Is(err, ErrRetryable) && !errors.Is(err, ErrConflict) {
		return Wrap(op, ErrConflict, err).Explain("gave up after repeated transient conflicts")
	}
	return err
}
