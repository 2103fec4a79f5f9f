package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Dispatcher delivers outbox messages to the handlers a host registers, one
// per topic. The host drives it: it calls Dispatch from its own ticker or
// job queue, or starts Run on a goroutine of its own; the SDK starts none.
//
// Delivery is at least once. A message is claimed with a lease
// (WithLease), handed to its topic's handler, and marked delivered when the
// handler returns nil. While the lease holds no other Dispatcher — in this
// process or on another host over the same database — takes the message; a
// dispatcher that dies mid-delivery leaves the message to be claimed again
// once the lease runs out, so a handler can see a message twice and must
// deduplicate by the message ID it is given.
//
// A handler that returns an error or panics has the message retried after an
// exponential back-off with jitter (WithBackoff); after WithMaxAttempts
// claims it becomes a dead letter, listed by DeadLetters and made pending
// again by Redrive. A message whose topic has no handler here is not claimed:
// it waits for a dispatcher that handles it.
//
// A Dispatcher is safe for concurrent use; register handlers before the
// first Dispatch.
type Dispatcher struct {
	box   Outbox
	keys  KeyProvider
	clock Clock

	maxAttempts int
	base, cap   time.Duration
	lease       time.Duration
	batch       int
	onError     func(error)

	mu       sync.RWMutex
	handlers map[Topic]func(ctx context.Context, m *Message, payload []byte) error
	topics   []Topic
}

// DispatchOption configures a Dispatcher.
type DispatchOption func(*Dispatcher)

// WithDispatchClock sets the clock that decides what is due (default: system clock).
func WithDispatchClock(c Clock) DispatchOption { return func(d *Dispatcher) { d.clock = c } }

// WithKeys sets the key provider that opens sealed payloads — the one the
// services sealed them with. Without it a sealed message fails its attempts
// and ends a dead letter.
func WithKeys(k KeyProvider) DispatchOption { return func(d *Dispatcher) { d.keys = k } }

// WithMaxAttempts sets how many claims a message gets before it is
// dead-lettered (default 10; values below 1 mean 1).
func WithMaxAttempts(n int) DispatchOption { return func(d *Dispatcher) { d.maxAttempts = max(n, 1) } }

// WithBackoff sets the delay before the retry after attempt n: a random
// value between half and all of min(base·2ⁿ⁻¹, cap), so delays grow until
// cap and concurrent failures spread out (default 1 s, 1 h).
func WithBackoff(base, cap time.Duration) DispatchOption {
	return func(d *Dispatcher) { d.base, d.cap = max(base, time.Millisecond), max(cap, base) }
}

// WithLease sets how long a claimed message is reserved to this dispatcher
// (default 1 min): longer than a handler ever takes.
func WithLease(l time.Duration) DispatchOption {
	return func(d *Dispatcher) { d.lease = max(l, time.Millisecond) }
}

// WithBatch sets how many messages one Dispatch claims at most (default 100).
func WithBatch(n int) DispatchOption { return func(d *Dispatcher) { d.batch = max(n, 1) } }

// WithErrorHandler receives the errors Run would otherwise drop: a failed
// claim or settle (the store unreachable). Default: discarded.
func WithErrorHandler(fn func(error)) DispatchOption { return func(d *Dispatcher) { d.onError = fn } }

// NewDispatcher returns a dispatcher over box (a backend's Outbox). It
// panics when box is nil: a dispatcher without an outbox is a wiring error.
func NewDispatcher(box Outbox, opts ...DispatchOption) *Dispatcher {
	if box == nil {
		panic("storage.NewDispatcher: the outbox is nil")
	}
	d := &Dispatcher{box: box, clock: SystemClock{}, maxAttempts: 10, base: time.Second, cap: time.Hour,
		lease: time.Minute, batch: 100, onError: func(error) {},
		handlers: map[Topic]func(context.Context, *Message, []byte) error{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

// Handle registers fn as the handler of topic on d: each message's payload
// is opened (when sealed) and decoded as a T, and fn is called with the
// message's ID — its deduplication key — and the value. fn's context is the
// one Dispatch was called with, outside any transaction. A payload that does
// not decode fails the attempt like a handler error. Registering a topic
// again replaces its handler.
func Handle[T any](d *Dispatcher, topic Topic, fn func(ctx context.Context, msgID string, v T) error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.handlers[topic]; !ok {
		d.topics = append(d.topics, topic)
		slices.Sort(d.topics)
	}
	d.handlers[topic] = func(ctx context.Context, m *Message, payload []byte) error {
		var v T
		if err := json.Unmarshal(payload, &v); err != nil {
			return fmt.Errorf("payload of %s is not a %T: %w", m.Topic, v, err)
		}
		return fn(ctx, m.ID, v)
	}
}

// DispatchReport counts what one Dispatch did.
type DispatchReport struct {
	Claimed   int // messages leased
	Delivered int // accepted by their handler
	Retried   int // failed and scheduled again
	Dead      int // failed their last attempt: dead letters now
	Lost      int // settled by another dispatcher after this one's lease ran out
}

func (r *DispatchReport) add(o DispatchReport) {
	r.Claimed += o.Claimed
	r.Delivered += o.Delivered
	r.Retried += o.Retried
	r.Dead += o.Dead
	r.Lost += o.Lost
}

// Dispatch claims one batch of due messages of the registered topics and
// delivers each in turn, on the calling goroutine. It returns what it did
// and the first store error (a claim or settle that failed: the message
// stays leased and is retried when its lease ends). A handler's failure is
// not an error of Dispatch: it is recorded on the message. Cancelling ctx
// stops before the next message.
//
// Messages their handler accepted are marked delivered together, in one
// statement at the end of the batch (or earlier, once half the lease has
// gone by since the first of them): a crash before that statement
// redelivers them, which at-least-once delivery allows and handlers
// deduplicate on the message id. Failures are settled one by one, at once.
func (d *Dispatcher) Dispatch(ctx context.Context) (DispatchReport, error) {
	const op = "storage.Dispatch"
	var rep DispatchReport
	d.mu.RLock()
	topics := slices.Clone(d.topics)
	d.mu.RUnlock()
	if len(topics) == 0 {
		return rep, nil
	}
	now := Timestamp(d.clock.Now())
	msgs, err := d.box.ClaimMessages(ctx, Claim{Topics: topics, Now: now, LeaseUntil: now.Add(d.lease), Limit: d.batch})
	if err != nil {
		return rep, Reop(op, err)
	}
	rep.Claimed = len(msgs)
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = Reop(op, err)
		}
	}
	var done []Lease
	var since time.Time
	flush := func() {
		if len(done) == 0 {
			return
		}
		n, err := d.box.MarkDeliveredAll(context.WithoutCancel(ctx), done, Timestamp(d.clock.Now()))
		if err != nil {
			keep(err) // still leased: delivered again once the lease ends
		} else {
			rep.Delivered += n
			rep.Lost += len(done) - n
		}
		done = done[:0]
	}
	for i := range msgs {
		if ctx.Err() != nil {
			break // the rest stay leased and come back when the lease ends
		}
		m := &msgs[i]
		herr := d.call(ctx, m)
		if herr == nil {
			if len(done) == 0 {
				since = d.clock.Now()
			}
			done = append(done, Lease{ID: m.ID, Attempt: m.Attempts})
			if d.clock.Now().Sub(since) > d.lease/2 {
				flush()
			}
			continue
		}
		keep(d.fail(ctx, m, herr, &rep))
	}
	flush()
	return rep, first
}

// fail settles a message whose handler failed: a retry with backoff, or a
// dead letter after the last attempt.
func (d *Dispatcher) fail(ctx context.Context, m *Message, herr error, rep *DispatchReport) error {
	at := Timestamp(d.clock.Now())
	ctx = context.WithoutCancel(ctx) // a failure is recorded even when the host is stopping
	var err error
	if m.Attempts >= d.maxAttempts {
		err = d.box.DeadLetter(ctx, m.ID, m.Attempts, at, errText(herr))
		if err == nil {
			rep.Dead++
		}
	} else {
		err = d.box.RetryMessage(ctx, m.ID, m.Attempts, at.Add(d.Backoff(m.Attempts)), errText(herr))
		if err == nil {
			rep.Retried++
		}
	}
	if errors.Is(err, ErrConflict) {
		rep.Lost++
		return nil
	}
	return err
}

// errText bounds a handler's error as stored on the message.
func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = s[:1000]
	}
	return s
}

// call runs m's handler, turning a panic into an error so the message is
// retried, not lost.
func (d *Dispatcher) call(ctx context.Context, m *Message) (err error) {
	d.mu.RLock()
	h := d.handlers[m.Topic]
	d.mu.RUnlock()
	if h == nil {
		return fmt.Errorf("no handler for topic %s", m.Topic)
	}
	payload := m.Payload
	if m.Sealed {
		if payload, err = Open(ctx, d.keys, "storage.Dispatch", MessageAAD(m.CompanyID, m.Topic, m.ID), m.Payload); err != nil {
			return err
		}
		defer clear(payload)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler of %s panicked: %v", m.Topic, p)
		}
	}()
	return h(ctx, m, payload)
}

// Backoff is the delay before the retry that follows failed attempt n (≥ 1).
func (d *Dispatcher) Backoff(n int) time.Duration {
	step := d.cap
	if n-1 < 40 {
		step = min(d.base<<max(n-1, 0), d.cap)
		if step <= 0 { // overflow
			step = d.cap
		}
	}
	half := step / 2
	return half + rand.N(step-half+1) //nolint:gosec // G404: jitter spreads retries; it guards nothing
}

// Run calls Dispatch until ctx ends: again at once after a full batch,
// otherwise after every. It blocks; the host starts it on a goroutine of its
// own (the SDK never does). Store errors go to WithErrorHandler and the
// loop goes on. It returns nil when ctx ends.
func (d *Dispatcher) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(max(every, time.Millisecond))
	defer t.Stop()
	for {
		rep, err := d.Dispatch(ctx)
		if err != nil {
			d.onError(err)
		}
		if err == nil && rep.Claimed >= d.batch && ctx.Err() == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Drain calls Dispatch until a call claims nothing and returns the totals:
// for tests and one-shot jobs. Messages scheduled for later are left.
func (d *Dispatcher) Drain(ctx context.Context) (DispatchReport, error) {
	var total DispatchReport
	for {
		rep, err := d.Dispatch(ctx)
		total.add(rep)
		if err != nil || rep.Claimed == 0 {
			return total, err
		}
	}
}

// DeadLetters lists the dead letters of topic ("" for all) after the ID
// after, at most limit (1–1000, default 100).
func (d *Dispatcher) DeadLetters(ctx context.Context, topic Topic, after string, limit int) ([]Message, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	ms, err := d.box.DeadLetters(ctx, topic, after, limit)
	return ms, Reop("storage.DeadLetters", err)
}

// Redrive makes the dead letter id pending again, due now, with its attempts
// reset. ErrNotFound unless id is a dead letter.
func (d *Dispatcher) Redrive(ctx context.Context, id string) error {
	return Reop("storage.Redrive", d.box.Redrive(ctx, id, Timestamp(d.clock.Now())))
}
