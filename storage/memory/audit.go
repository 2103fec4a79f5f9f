package memory

import (
	"context"
	"maps"
	"slices"
	"sort"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
)

type auditData struct {
	// events holds each event by pointer (rehashing the map moves eight
	// bytes, not the event); a stored event is never modified in place:
	// every write stores a new one, so the chains may share it.
	events  idMap[*audit.Event]
	heads   map[string]audit.Head
	chains  map[string][]seqID  // company → sealed events by seq ascending
	pending map[string][]string // company → unsealed event IDs in commit order
	order   []audit.Cursor      // every event by (OccurredAt, ID) ascending
}

// seqID is a sealed event's place; ev is the stored event (immutable:
// every write replaces it), so reading the log needs no map lookup.
type seqID struct {
	seq int64
	id  string
	ev  *audit.Event
}

func (d *auditData) init() {
	d.heads = map[string]audit.Head{}
	d.chains = map[string][]seqID{}
	d.pending = map[string][]string{}
}

// Audit returns the store's audit.Store.
func (s *Store) Audit() audit.Store { return auditStore{s} }

type auditStore struct{ s *Store }

var _ audit.Store = auditStore{}

func cloneEvent(e audit.Event) *audit.Event {
	e.Changes = slices.Clone(e.Changes)
	if len(e.Metadata) > 0 {
		m := make(map[string]string, len(e.Metadata))
		for k, v := range e.Metadata {
			m[k] = v
		}
		e.Metadata = m
	}
	if e.V1 != nil {
		v := *e.V1
		e.V1 = &v
	}
	return &e
}

func cloneHead(h audit.Head) audit.Head {
	h.Frontier = slices.Clone(h.Frontier)
	h.Checkpoint = slices.Clone(h.Checkpoint)
	return h
}

func cursorLess(a, b audit.Cursor) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return a.ID < b.ID
}

func (a auditStore) Insert(ctx context.Context, e *audit.Event) error {
	return a.s.write(ctx, func(t *tx) error { return a.insert(t, "audit.Insert", e) })
}

// InsertAll inserts evs in one step of the transaction; the first
// duplicate fails it, and the caller's rollback undoes the others.
func (a auditStore) InsertAll(ctx context.Context, evs []*audit.Event) error {
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.audit
		// One undo for the batch: the IDs are new (checked), the pending
		// lists only grow at their ends, and so does the order index when
		// the batch sorts after it (the common case: events of now); other
		// batches take the one-event path.
		orderWas := len(d.order)
		for _, e := range evs { // the batch's cursors, sorted, at the end of the order index
			d.order = append(d.order, audit.Cursor{At: e.OccurredAt, ID: e.ID})
		}
		batch := d.order[orderWas:]
		if !slices.IsSortedFunc(batch, compareCursor) { // RecordAll's events are: one instant, increasing IDs
			slices.SortFunc(batch, compareCursor)
		}
		if n := orderWas; n > 0 && len(batch) > 0 && !cursorLess(d.order[n-1], batch[0]) {
			clear(batch)
			d.order = d.order[:orderWas]
			for _, e := range evs {
				if err := a.insert(t, "audit.InsertAll", e); err != nil {
					return err
				}
			}
			return nil
		}
		stored := storedEvents(evs)
		added := 0
		pendingWas := map[string][]string{}
		t.onRollback(func() {
			for i := range stored[:added] {
				d.events.delete(stored[i].ID)
			}
			for c, p := range pendingWas {
				d.pending[c] = p
			}
			d.order = d.order[:orderWas]
		})
		// The events of one company usually come together: one lookup of
		// its pending list per run.
		for i := 0; i < len(stored); {
			c := stored[i].CompanyID
			p := d.pending[c]
			if _, ok := pendingWas[c]; !ok {
				pendingWas[c] = p
			}
			for ; i < len(stored) && stored[i].CompanyID == c; i++ {
				ev := &stored[i]
				if d.events.has(ev.ID) {
					d.pending[c] = p
					return storage.Conflict("audit.InsertAll", "event %s exists", ev.ID)
				}
				d.events.set(ev.ID, ev)
				added++
				p = append(p, ev.ID)
			}
			d.pending[c] = p
		}
		return nil
	})
}

// storedEvents is the unsealed copies of evs the store keeps (as
// cloneEvent's, Seq 0 and Hash ""), in one allocation for the events and
// one for their changes.
func storedEvents(evs []*audit.Event) []audit.Event {
	out := make([]audit.Event, len(evs))
	n := 0
	for _, e := range evs {
		n += len(e.Changes)
	}
	changes := make([]audit.Change, 0, n)
	for i, e := range evs {
		ev := &out[i]
		*ev = *e
		ev.Seq, ev.Hash = 0, ""
		if e.Changes != nil {
			from := len(changes)
			changes = append(changes, e.Changes...)
			ev.Changes = changes[from:len(changes):len(changes)]
		}
		if len(e.Metadata) > 0 {
			ev.Metadata = maps.Clone(e.Metadata)
		}
		if e.V1 != nil {
			v := *e.V1
			ev.V1 = &v
		}
	}
	return out
}

func compareCursor(x, y audit.Cursor) int {
	if cursorLess(x, y) {
		return -1
	}
	if cursorLess(y, x) {
		return 1
	}
	return 0
}

func (a auditStore) insert(t *tx, op string, e *audit.Event) error {
	d := &a.s.audit
	if d.events.has(e.ID) {
		return storage.Conflict(op, "event %s exists", e.ID)
	}
	ev := cloneEvent(*e)
	ev.Seq, ev.Hash = 0, ""
	putID(t, &d.events, e.ID, ev)
	// Append in place; undo truncates. Nobody else holds the slice while
	// the transaction owns the store, so no copy is needed.
	p := d.pending[e.CompanyID]
	d.pending[e.CompanyID] = append(p, e.ID)
	t.onRollback(func() { d.pending[e.CompanyID] = p })
	a.s.audit.index(t, audit.Cursor{At: e.OccurredAt, ID: e.ID})
	return nil
}

func (d *auditData) index(t *tx, c audit.Cursor) {
	i := sort.Search(len(d.order), func(i int) bool { return cursorLess(c, d.order[i]) })
	d.order = slices.Insert(d.order, i, c)
	t.onRollback(func() { d.order = slices.Delete(d.order, i, i+1) })
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
		h = cloneHead(a.s.audit.heads[companyID])
		h.CompanyID = companyID
		return nil
	})
	return h, err
}

func (a auditStore) Unsealed(ctx context.Context, companyID string, limit int) ([]*audit.Event, error) {
	var out []*audit.Event
	err := a.s.read(ctx, func() error {
		d := &a.s.audit
		var legacy []*audit.Event
		for _, id := range d.pending[companyID] {
			e, _ := d.events.get(id)
			if e.V1 != nil {
				legacy = append(legacy, cloneEvent(*e))
			} else if len(out) < limit {
				out = append(out, cloneEvent(*e))
			}
		}
		if len(legacy) > 0 {
			sort.SliceStable(legacy, func(i, j int) bool { return legacy[i].V1.Seq < legacy[j].V1.Seq })
			out = append(legacy, out...)
		}
		if len(out) > limit {
			out = out[:limit]
		}
		return nil
	})
	return out, err
}

func (a auditStore) Seal(ctx context.Context, head audit.Head, evs []*audit.Event) error {
	const op = "audit.Seal"
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.audit
		old := d.heads[head.CompanyID]
		if old.Size != head.Size-int64(len(evs)) {
			return storage.Conflict(op, "log head of company %q moved", head.CompanyID)
		}
		ids := make(map[string]bool, len(evs))
		for _, e := range evs {
			cur, ok := d.events.get(e.ID)
			if !ok || cur.Seq != 0 || cur.CompanyID != head.CompanyID || ids[e.ID] {
				return storage.Conflict(op, "event %s is not pending in the log of company %q", e.ID, head.CompanyID)
			}
			ids[e.ID] = true
		}
		chain := d.chains[head.CompanyID]
		for _, e := range evs {
			old, _ := d.events.get(e.ID)
			cur := *old // a new stored event: the old one may be shared
			cur.Seq, cur.Hash = e.Seq, e.Hash
			putID(t, &d.events, e.ID, &cur)
			chain = append(chain, seqID{e.Seq, e.ID, &cur})
		}
		oldChain := d.chains[head.CompanyID]
		d.chains[head.CompanyID] = chain
		t.onRollback(func() { d.chains[head.CompanyID] = oldChain })
		p := d.pending[head.CompanyID]
		rest := make([]string, 0, max(len(p)-len(evs), 0))
		for _, id := range p {
			if !ids[id] {
				rest = append(rest, id)
			}
		}
		d.pending[head.CompanyID] = rest
		t.onRollback(func() { d.pending[head.CompanyID] = p })
		put(t, d.heads, head.CompanyID, cloneHead(head))
		return nil
	})
}

func (a auditStore) Pending(ctx context.Context, after string, limit int) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		for c, p := range a.s.audit.pending {
			if len(p) > 0 && c > after {
				out = append(out, c)
			}
		}
		return nil
	})
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// V1Head: the memory backend never held a former hash chain.
func (a auditStore) V1Head(ctx context.Context, _ string) (int64, string, error) {
	return 0, "", a.s.read(ctx, func() error { return nil })
}

func (a auditStore) Get(ctx context.Context, id string) (*audit.Event, error) {
	var out *audit.Event
	err := a.s.read(ctx, func() error {
		e, ok := a.s.audit.events.get(id)
		if !ok {
			return storage.NotFound("audit.Get", "audit event", id)
		}
		out = cloneEvent(*e)
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
			e, ok := d.events.get(d.order[i].ID)
			if ok && scope.Allows(e.CompanyID) && matches(e, f) {
				out = append(out, cloneEvent(*e))
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
		chain := a.s.audit.chains[companyID]
		i := sort.Search(len(chain), func(i int) bool { return chain[i].seq > afterSeq })
		for ; i < len(chain) && len(out) < limit; i++ {
			out = append(out, chain[i].ev) // immutable: every write replaces it

		}
		return nil
	})
	return out, err
}

// AuditTamper reaches behind the SDK into the stored audit log, for tests
// that prove tampering is detected. It is not part of any domain contract.
func (s *Store) AuditTamper() *AuditTamper { return &AuditTamper{s} }

// AuditTamper edits the stored audit log directly.
type AuditTamper struct{ s *Store }

// Put overwrites (or creates) the stored event e.ID with every field of e,
// its company, position and hash included; Seq 0 makes it unsealed.
func (t *AuditTamper) Put(_ context.Context, e *audit.Event) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	d := &t.s.audit
	if _, ok := d.events.get(e.ID); ok {
		d.unlink(e.ID)
	} else {
		d.index(&tx{}, audit.Cursor{At: e.OccurredAt, ID: e.ID})
	}
	stored := cloneEvent(*e)
	d.events.set(e.ID, stored)
	if e.Seq == 0 {
		d.pending[e.CompanyID] = append(d.pending[e.CompanyID], e.ID)
		return nil
	}
	c := append(d.chains[e.CompanyID], seqID{e.Seq, e.ID, stored})
	sort.SliceStable(c, func(i, j int) bool { return c[i].seq < c[j].seq })
	d.chains[e.CompanyID] = c
	return nil
}

// Delete removes stored events.
func (t *AuditTamper) Delete(_ context.Context, ids ...string) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	d := &t.s.audit
	for _, id := range ids {
		e, ok := d.events.get(id)
		if !ok {
			continue
		}
		d.unlink(id)
		d.events.delete(id)
		c := audit.Cursor{At: e.OccurredAt, ID: id}
		d.order = slices.DeleteFunc(d.order, func(x audit.Cursor) bool { return x == c })
	}
	return nil
}

// SetHead overwrites a company's log head; DeleteHead removes it.
func (t *AuditTamper) SetHead(_ context.Context, h audit.Head) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.audit.heads[h.CompanyID] = cloneHead(h)
	return nil
}

// DeleteHead removes a company's log head.
func (t *AuditTamper) DeleteHead(_ context.Context, companyID string) error {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	delete(t.s.audit.heads, companyID)
	return nil
}

// unlink removes id from the chain and pending indexes of its company.
func (d *auditData) unlink(id string) {
	e, _ := d.events.get(id)
	d.chains[e.CompanyID] = slices.DeleteFunc(slices.Clone(d.chains[e.CompanyID]), func(x seqID) bool { return x.id == id })
	d.pending[e.CompanyID] = slices.DeleteFunc(slices.Clone(d.pending[e.CompanyID]), func(x string) bool { return x == id })
}

// TamperAuditEvent changes a stored event behind the SDK's back, for tests
// of the verifier. It is not part of any domain contract.
func (s *Store) TamperAuditEvent(id string, mutate func(*audit.Event)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var e audit.Event
	if old, ok := s.audit.events.get(id); ok {
		e = *cloneEvent(*old) // stored events are shared: change a copy
	}
	mutate(&e)
	s.audit.events.set(id, &e)
	c := s.audit.chains[e.CompanyID]
	for i := range c {
		if c[i].id == id {
			c[i].ev = &e
		}
	}
}
