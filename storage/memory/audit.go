package memory

import (
	"context"
	"slices"
	"sort"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
)

type auditData struct {
	events map[string]audit.Event
	heads  map[string]audit.Head
	chains map[string][]string // company → event IDs by seq
	order  []audit.Cursor      // every event by (OccurredAt, ID) ascending
}

func (d *auditData) init() {
	d.events = map[string]audit.Event{}
	d.heads = map[string]audit.Head{}
	d.chains = map[string][]string{}
}

// Audit returns the store's audit.Store.
func (s *Store) Audit() audit.Store { return auditStore{s} }

type auditStore struct{ s *Store }

var _ audit.Store = auditStore{}

func cloneEvent(e audit.Event) *audit.Event {
	e.Changes = slices.Clone(e.Changes)
	if e.Metadata != nil {
		m := make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			m[k] = v
		}
		e.Metadata = m
	}
	return &e
}

func cursorLess(a, b audit.Cursor) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return a.ID < b.ID
}

func (a auditStore) LockHead(ctx context.Context, companyID string) (audit.Head, error) {
	if err := storage.MustBeInTx(ctx, "audit.LockHead"); err != nil {
		return audit.Head{}, err
	}
	return a.Head(ctx, companyID) // the transaction already holds the store exclusively
}

func (a auditStore) Head(ctx context.Context, companyID string) (audit.Head, error) {
	var h audit.Head
	err := a.s.read(ctx, func() error {
		h = a.s.audit.heads[companyID]
		h.CompanyID = companyID
		return nil
	})
	return h, err
}

func (a auditStore) Append(ctx context.Context, e *audit.Event) error {
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.audit
		head := d.heads[e.CompanyID]
		if e.Seq != head.Seq+1 {
			return storage.Conflict("audit.Append", "chain of company %q is at %d, not %d", e.CompanyID, head.Seq, e.Seq-1)
		}
		if _, dup := d.events[e.ID]; dup {
			return storage.Conflict("audit.Append", "event %s exists", e.ID)
		}
		put(t, d.events, e.ID, *cloneEvent(*e))
		put(t, d.heads, e.CompanyID, audit.Head{CompanyID: e.CompanyID, Seq: e.Seq, Hash: e.Hash})
		// Append in place; undo truncates. Nobody else holds the slice while
		// the transaction owns the store, so no copy is needed.
		n := len(d.chains[e.CompanyID])
		d.chains[e.CompanyID] = append(d.chains[e.CompanyID], e.ID)
		t.onRollback(func() {
			if n == 0 {
				delete(d.chains, e.CompanyID)
			} else {
				d.chains[e.CompanyID] = d.chains[e.CompanyID][:n]
			}
		})
		c := audit.Cursor{At: e.OccurredAt, ID: e.ID}
		i := sort.Search(len(d.order), func(i int) bool { return cursorLess(c, d.order[i]) })
		d.order = slices.Insert(d.order, i, c)
		t.onRollback(func() { d.order = slices.Delete(d.order, i, i+1) })
		return nil
	})
}

func (a auditStore) Get(ctx context.Context, id string) (*audit.Event, error) {
	var out *audit.Event
	err := a.s.read(ctx, func() error {
		e, ok := a.s.audit.events[id]
		if !ok {
			return storage.NotFound("audit.Get", "audit event", id)
		}
		out = cloneEvent(e)
		return nil
	})
	return out, err
}

func (a auditStore) List(ctx context.Context, scope audit.Scope, f audit.Filter, after *audit.Cursor, limit int) ([]*audit.Event, error) {
	var out []*audit.Event
	err := a.s.read(ctx, func() error {
		d := &a.s.audit
		end := len(d.order)
		if after != nil {
			end = sort.Search(len(d.order), func(i int) bool { return !cursorLess(d.order[i], *after) })
		}
		for i := end - 1; i >= 0 && len(out) < limit; i-- {
			e := d.events[d.order[i].ID]
			if scope.Allows(e.CompanyID) && matches(&e, f) {
				out = append(out, cloneEvent(e))
			}
		}
		return nil
	})
	return out, err
}

func matches(e *audit.Event, f audit.Filter) bool {
	return (f.CompanyID == "" || e.CompanyID == f.CompanyID) &&
		(f.ActorID == "" || e.Actor.UserID == f.ActorID) &&
		(f.Action == "" || e.Action == f.Action) &&
		(f.EntityType == "" || e.EntityType == f.EntityType) &&
		(f.EntityID == "" || e.EntityID == f.EntityID) &&
		(f.From.IsZero() || !e.OccurredAt.Before(f.From)) &&
		(f.To.IsZero() || e.OccurredAt.Before(f.To))
}

func (a auditStore) Chain(ctx context.Context, companyID string, afterSeq int64, limit int) ([]*audit.Event, error) {
	var out []*audit.Event
	err := a.s.read(ctx, func() error {
		ids := a.s.audit.chains[companyID] // position i holds seq i+1
		for i := max(afterSeq, 0); i < int64(len(ids)) && len(out) < limit; i++ {
			out = append(out, cloneEvent(a.s.audit.events[ids[i]]))
		}
		return nil
	})
	return out, err
}

// TamperAuditEvent changes a stored event behind the SDK's back, for tests of
// the chain verifier. It is not part of any domain contract.
func (s *Store) TamperAuditEvent(id string, mutate func(*audit.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.audit.events[id]
	mutate(&e)
	s.audit.events[id] = e
}
