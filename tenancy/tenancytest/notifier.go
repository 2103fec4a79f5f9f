package tenancytest

import (
	"context"
	"sync"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Recorder remembers every credential delivered to it. Register it on a
// dispatcher with Handle; it is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	sent []tenancy.Credentials
	ids  map[string]bool
}

// Handle makes r the credentials handler of d (tenancy.OnCredentials).
func (r *Recorder) Handle(d *storage.Dispatcher) { tenancy.OnCredentials(d, r.Deliver) }

// Deliver records c; a message id seen before is ignored, as a host's
// handler deduplicates the outbox's at-least-once delivery.
func (r *Recorder) Deliver(_ context.Context, msgID string, c tenancy.Credentials) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[string]bool{}
	}
	if msgID != "" && r.ids[msgID] {
		return nil
	}
	r.ids[msgID] = true
	r.sent = append(r.sent, c)
	return nil
}

// Sent returns a copy of everything recorded, in order.
func (r *Recorder) Sent() []tenancy.Credentials {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]tenancy.Credentials(nil), r.sent...)
}

// For returns the credentials sent to e-mail address email (exact match), if any,
// and how many times they were sent.
func (r *Recorder) For(email string) (tenancy.Credentials, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var last tenancy.Credentials
	n := 0
	for _, c := range r.sent {
		if tenancy.EmailKey(c.Email) == tenancy.EmailKey(email) {
			last, n = c, n+1
		}
	}
	return last, n
}

// Keys returns a key provider with one fixed key, for tests: what
// tenancy.NewService seals generated passwords with and the dispatcher
// opens them with.
func Keys() *storage.StaticKeys {
	k, err := storage.NewStaticKeys("tenancytest", []byte("tenancytest-key-0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return k
}

// Mailbox is a dispatcher over an outbox whose credentials handler is a
// Recorder: For and Sent drain the outbox first, so a test reads what a
// host's dispatch loop would have delivered by then. Do not call them
// inside an open transaction (the drain runs transactions of its own).
type Mailbox struct {
	Recorder
	d *storage.Dispatcher
}

// NewMailbox returns a Mailbox over box, opening sealed payloads with keys.
func NewMailbox(box storage.Outbox, keys storage.KeyProvider) *Mailbox {
	m := &Mailbox{d: storage.NewDispatcher(box, storage.WithKeys(keys))}
	m.Handle(m.d)
	return m
}

// Dispatcher returns the mailbox's dispatcher, to register more handlers.
func (m *Mailbox) Dispatcher() *storage.Dispatcher { return m.d }

// Drain delivers every due message.
func (m *Mailbox) Drain() {
	if _, err := m.d.Drain(context.Background()); err != nil {
		panic("tenancytest: draining the outbox: " + err.Error())
	}
}

// Sent drains the outbox and returns every credential delivered, in order.
func (m *Mailbox) Sent() []tenancy.Credentials {
	m.Drain()
	return m.Recorder.Sent()
}

// For drains the outbox and returns the credentials delivered to email and
// how many times they were.
func (m *Mailbox) For(email string) (tenancy.Credentials, int) {
	m.Drain()
	return m.Recorder.For(email)
}
