package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/storage"
)

// outboxData holds the outbox: every message by ID, and the pending ones
// apart so a claim looks at those alone. Claims take the store's lock, so
// two dispatchers never lease the same message.
type outboxData struct {
	// msgs holds each message by pointer (rehashing the map moves eight
	// bytes); a stored message is never modified in place: every write
	// stores a new one.
	msgs idMap[*storage.Message]
	// queue lists the IDs of the messages that became pending (enqueued or
	// redriven), in that order. Its entries go stale rather than being
	// removed: a message that left the pending state (delivered, dead)
	// stays listed, and one redriven is listed twice, until a claim finds
	// half the list stale and rebuilds it. A message's State is what says
	// whether it is pending; every pending message is listed.
	queue []string
}

func (d *outboxData) init() {
}

// enqueue lists id as pending; undo takes it off again (the list only
// grows at its end within a transaction, or is replaced whole).
func (d *outboxData) enqueue(t *tx, ids ...string) {
	n := len(d.queue)
	d.queue = append(d.queue, ids...)
	t.onRollback(func() { d.queue = d.queue[:n] })
}

// Outbox returns the store's storage.Outbox.
func (s *Store) Outbox() storage.Outbox { return outboxStore{s} }

type outboxStore struct{ s *Store }

var _ storage.Outbox = outboxStore{}

func cloneMessage(m storage.Message) storage.Message {
	m.Payload = slices.Clone(m.Payload)
	return m
}

func (o outboxStore) EnqueueMessage(ctx context.Context, m storage.Message) error {
	const op = "memory.EnqueueMessage"
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return err
	}
	return o.s.write(ctx, func(t *tx) error { return o.enqueue(t, op, m) })
}

func (o outboxStore) EnqueueMessages(ctx context.Context, ms []storage.Message) error {
	const op = "memory.EnqueueMessages"
	if err := storage.MustBeInTx(ctx, op); err != nil {
		return err
	}
	return o.s.write(ctx, func(t *tx) error {
		// One undo for the batch: the IDs are new (checked), so undoing is
		// deleting them.
		d := &o.s.outbox
		// The copies in one allocation, their payloads in another.
		stored := make([]storage.Message, len(ms))
		n := 0
		for _, m := range ms {
			n += len(m.Payload)
		}
		payloads := make([]byte, 0, n)
		added := 0
		t.onRollback(func() {
			for i := range stored[:added] {
				d.msgs.delete(stored[i].ID)
			}
		})
		queued := len(d.queue)
		t.onRollback(func() { d.queue = d.queue[:queued] })
		for i := range ms {
			m := &stored[i]
			*m = ms[i]
			if d.msgs.has(m.ID) {
				return storage.Conflict(op, "message %s already exists", m.ID)
			}
			if m.Payload != nil {
				from := len(payloads)
				payloads = append(payloads, m.Payload...)
				m.Payload = payloads[from:len(payloads):len(payloads)]
			}
			setPending(m)
			d.msgs.set(m.ID, m)
			d.queue = append(d.queue, m.ID)
			added++
		}
		return nil
	})
}

// pendingCopy is m as the outbox stores a new message: its own copy,
// pending, times at the storage precision.
func pendingCopy(m storage.Message) storage.Message {
	m = cloneMessage(m)
	setPending(&m)
	return m
}

// setPending makes *m (with a payload of its own) what the outbox stores
// of a new message: pending, times at the storage precision.
func setPending(m *storage.Message) {
	m.State = storage.MessagePending
	m.Created, m.NextAttempt = storage.Timestamp(m.Created), storage.Timestamp(m.NextAttempt)
}

func (o outboxStore) enqueue(t *tx, op string, m storage.Message) error {
	d := &o.s.outbox
	if d.msgs.has(m.ID) {
		return storage.Conflict(op, "message %s already exists", m.ID)
	}
	m = pendingCopy(m)
	putID(t, &d.msgs, m.ID, &m)
	d.enqueue(t, m.ID)
	return nil
}

func (o outboxStore) ClaimMessages(ctx context.Context, c storage.Claim) ([]storage.Message, error) {
	var out []storage.Message
	err := o.s.write(ctx, func(t *tx) error {
		d := &o.s.outbox
		var due []storage.Message
		stale := 0
		for _, id := range d.queue {
			m, _ := d.msgs.get(id)
			if m == nil || m.State != storage.MessagePending {
				stale++
				continue
			}
			if !m.NextAttempt.After(c.Now) && slices.Contains(c.Topics, m.Topic) {
				due = append(due, *m)
			}
		}
		if stale > len(d.queue)/2 {
			d.compactQueue(t)
		}
		slices.SortFunc(due, func(a, b storage.Message) int {
			if x := a.NextAttempt.Compare(b.NextAttempt); x != 0 {
				return x
			}
			return strings.Compare(a.ID, b.ID)
		})
		// A message listed twice (redriven while still listed) is one.
		due = slices.CompactFunc(due, func(a, b storage.Message) bool { return a.ID == b.ID })
		if len(due) > c.Limit {
			due = due[:max(c.Limit, 0)]
		}
		for _, m := range due {
			m.Attempts++
			m.NextAttempt = storage.Timestamp(c.LeaseUntil)
			putID(t, &d.msgs, m.ID, &m)
			out = append(out, cloneMessage(m))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// compactQueue replaces the queue by the IDs of the pending messages, each
// once, in queue order; undo brings the old one back.
func (d *outboxData) compactQueue(t *tx) {
	old := d.queue
	seen := make(map[string]struct{}, len(old)/2)
	q := make([]string, 0, len(old)/2)
	for _, id := range old {
		if m, _ := d.msgs.get(id); m == nil || m.State != storage.MessagePending {
			continue
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			q = append(q, id)
		}
	}
	d.queue = q
	t.onRollback(func() { d.queue = old })
}

// settle applies fn to the pending message id claimed by attempt.
func (o outboxStore) settle(ctx context.Context, op, id string, attempt int, fn func(m *storage.Message)) error {
	return o.s.write(ctx, func(t *tx) error {
		d := &o.s.outbox
		stored, ok := d.msgs.get(id)
		if !ok {
			return storage.NotFound(op, "message", id)
		}
		if stored.State != storage.MessagePending || stored.Attempts != attempt {
			return storage.E(op, storage.ErrConflict, "message %s is no longer leased by attempt %d", id, attempt)
		}
		m := *stored
		fn(&m)
		putID(t, &d.msgs, id, &m) // one no longer pending goes stale in the queue
		return nil
	})
}

func (o outboxStore) MarkDelivered(ctx context.Context, id string, attempt int, at time.Time) error {
	return o.settle(ctx, "memory.MarkDelivered", id, attempt, func(m *storage.Message) {
		m.State, m.Delivered = storage.MessageDelivered, storage.Timestamp(at)
		if m.Sealed {
			m.Payload = nil
		}
	})
}

func (o outboxStore) MarkDeliveredAll(ctx context.Context, leases []storage.Lease, at time.Time) (int, error) {
	n := 0
	err := o.s.write(ctx, func(t *tx) error {
		n = 0
		d := &o.s.outbox
		for _, l := range leases {
			stored, ok := d.msgs.get(l.ID)
			if !ok || stored.State != storage.MessagePending || stored.Attempts != l.Attempt {
				continue
			}
			m := *stored
			m.State, m.Delivered = storage.MessageDelivered, storage.Timestamp(at)
			if m.Sealed {
				m.Payload = nil
			}
			putID(t, &d.msgs, l.ID, &m) // goes stale in the queue
			n++
		}
		return nil
	})
	return n, err
}

func (o outboxStore) RetryMessage(ctx context.Context, id string, attempt int, next time.Time, lastErr string) error {
	return o.settle(ctx, "memory.RetryMessage", id, attempt, func(m *storage.Message) {
		m.NextAttempt, m.LastError = storage.Timestamp(next), lastErr
	})
}

func (o outboxStore) DeadLetter(ctx context.Context, id string, attempt int, at time.Time, lastErr string) error {
	return o.settle(ctx, "memory.DeadLetter", id, attempt, func(m *storage.Message) {
		m.State, m.Dead, m.LastError = storage.MessageDead, storage.Timestamp(at), lastErr
	})
}

func (o outboxStore) DeadLetters(ctx context.Context, topic storage.Topic, after string, limit int) ([]storage.Message, error) {
	out := []storage.Message{}
	err := o.s.read(ctx, func() error {
		for _, m := range o.s.outbox.msgs.all() {
			if m.State == storage.MessageDead && (topic == "" || m.Topic == topic) && m.ID > after {
				out = append(out, cloneMessage(*m))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b storage.Message) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > limit {
		out = out[:max(limit, 0)]
	}
	return out, nil
}

func (o outboxStore) Redrive(ctx context.Context, id string, at time.Time) error {
	const op = "memory.Redrive"
	return o.s.write(ctx, func(t *tx) error {
		d := &o.s.outbox
		stored, ok := d.msgs.get(id)
		if !ok || stored.State != storage.MessageDead {
			return storage.NotFound(op, "dead letter", id)
		}
		m := *stored
		m.State, m.Attempts, m.NextAttempt, m.Dead = storage.MessagePending, 0, storage.Timestamp(at), time.Time{}
		putID(t, &d.msgs, id, &m)
		d.enqueue(t, id)
		return nil
	})
}

func (o outboxStore) GetMessage(ctx context.Context, id string) (*storage.Message, error) {
	var out *storage.Message
	err := o.s.read(ctx, func() error {
		m, ok := o.s.outbox.msgs.get(id)
		if !ok {
			return storage.NotFound("memory.GetMessage", "message", id)
		}
		c := cloneMessage(*m)
		out = &c
		return nil
	})
	return out, err
}
