package memory

import (
	"context"
	"sync"

	"github.com/switchboardkit/switchboard/storage"
)

// Store is the in-memory backend. The zero value is not usable; call New.
type Store struct {
	mu     sync.RWMutex
	closed bool

	audit      auditData
	licensing  licensingData
	presence   presenceData
	account    accountData
	tenancy    tenancyData
	compliance complianceData
	outbox     outboxData
}

// New returns an empty store.
func New() *Store {
	s := &Store{}
	s.audit.init()
	s.licensing.init()
	s.presence.init()
	s.account.init()
	s.tenancy.init()
	s.compliance.init()
	s.outbox.init()
	return s
}

var _ storage.Transactor = (*Store)(nil)

// tx is a running transaction: the undo log that rolls it back.
type tx struct {
	undo []func()
}

func (t *tx) onRollback(fn func()) { t.undo = append(t.undo, fn) }

func (t *tx) rollback() {
	for i := len(t.undo) - 1; i >= 0; i-- {
		t.undo[i]()
	}
	t.undo = nil
}

// InTx runs fn holding the store exclusively: transactions are serializable,
// and a failed one is undone before anybody else sees it. See
// storage.Transactor. Like the SQL backends, it honours ctx: a context
// cancelled or past its deadline fails every store call made with it
// (storage.ErrUnavailable), and one that ends while fn runs rolls the
// transaction back and InTx returns storage.ErrUnavailable wrapping the
// context's error, even when fn succeeded.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if sc, ok := storage.ScopeFrom(ctx); ok && sc.Owner() == s {
		return fn(ctx)
	}
	if err := ctx.Err(); err != nil {
		return ctxErr("memory.InTx", ctx)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return storage.E("memory.InTx", storage.ErrUnavailable, "store is closed")
	}
	t := &tx{}
	tctx, scope := storage.NewScope(ctx, s, t)
	committed := false
	defer func() {
		if !committed {
			t.rollback()
		}
		s.mu.Unlock()
		if committed {
			scope.RunAfterCommit()
		}
	}()
	if err = fn(tctx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil { // cancelled or past its deadline: roll back, as SQL does
		return ctxErr("memory.InTx", ctx)
	}
	committed = true
	return nil
}

// Close makes every later call fail with storage.ErrUnavailable.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// txFrom returns ctx's transaction on s, if any.
func (s *Store) txFrom(ctx context.Context) *tx {
	if sc, ok := storage.ScopeFrom(ctx); ok && sc.Owner() == s {
		return sc.Tx().(*tx)
	}
	return nil
}

// read runs fn under the shared lock, or directly when ctx's transaction
// already holds the store.
func (s *Store) read(ctx context.Context, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return ctxErr("memory", ctx)
	}
	if s.txFrom(ctx) != nil {
		return fn()
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return storage.E("memory", storage.ErrUnavailable, "store is closed")
	}
	return fn()
}

// write runs fn with ctx's transaction, or in a transaction of its own.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	if err := ctx.Err(); err != nil {
		return ctxErr("memory", ctx)
	}
	if t := s.txFrom(ctx); t != nil {
		return fn(t)
	}
	return s.InTx(ctx, func(ctx context.Context) error { return fn(s.txFrom(ctx)) })
}

// put sets m[k] = v, remembering how to undo it.
func put[K comparable, V any](t *tx, m map[K]V, k K, v V) {
	old, had := m[k]
	t.onRollback(func() {
		if had {
			m[k] = old
		} else {
			delete(m, k)
		}
	})
	m[k] = v
}

// del removes m[k], remembering how to undo it.
func del[K comparable, V any](t *tx, m map[K]V, k K) {
	old, had := m[k]
	if !had {
		return
	}
	t.onRollback(func() { m[k] = old })
	delete(m, k)
}

// ctxErr is the error of a call whose context is done: storage.ErrUnavailable
// wrapping the context's error (context.Canceled or
// context.DeadlineExceeded), the kind the SQL backends give.
func ctxErr(op string, ctx context.Context) error {
	return storage.Unavailable(op, ctx.Err())
}
