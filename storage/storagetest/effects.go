package storagetest

import (
	"bytes"
	"context"
	"sync"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// TestKeys is the key provider the suite's services seal with (generated
// passwords in the outbox) and its dispatcher opens with.
var TestKeys = func() *storage.StaticKeys {
	k, err := storage.NewStaticKeys("storagetest", bytes.Repeat([]byte{5}, 32))
	if err != nil {
		panic(err)
	}
	return k
}()

// effects is the one dispatcher of a harness's outbox and what it
// delivered. Tests run in parallel on one backend, and a dispatcher takes
// every due message of its topics, so the suite has exactly one per
// harness: each test drains it and reads back what concerns its own
// companies. Never drain from inside a transaction: the dispatcher runs
// its own, which would wait for the open one.
type effects struct {
	mu   sync.Mutex // one drain at a time; guards got
	d    *storage.Dispatcher
	seen map[string]bool
	got  []delivery
}

type delivery struct {
	id      string
	topic   storage.Topic
	company string
	v       any
}

func (h *Harness) effects() *effects {
	h.fxOnce.Do(func() {
		opts := []storage.DispatchOption{storage.WithKeys(TestKeys), storage.WithBatch(500)}
		if h.fxClock != nil {
			opts = append(opts, storage.WithDispatchClock(h.fxClock))
		}
		fx := &effects{d: storage.NewDispatcher(h.Outbox, opts...), seen: map[string]bool{}}
		tenancy.OnCredentials(fx.d, func(_ context.Context, id string, c tenancy.Credentials) error {
			return fx.keep(id, storage.TopicCredentials, c.CompanyID, c)
		})
		tenancy.OnMemberRemoved(fx.d, func(_ context.Context, id string, m tenancy.MemberRemoved) error {
			return fx.keep(id, storage.TopicMemberRemoved, m.CompanyID, m)
		})
		tenancy.OnMemberDeactivated(fx.d, func(_ context.Context, id string, m tenancy.MemberDeactivated) error {
			return fx.keep(id, storage.TopicMemberDeactivated, m.CompanyID, m)
		})
		tenancy.OnEmailChange(fx.d, func(_ context.Context, id string, r tenancy.EmailChangeRequest) error {
			return fx.keep(id, storage.TopicEmailChange, r.CompanyID, r)
		})
		tenancy.OnEmailChangeNotice(fx.d, func(_ context.Context, id string, n tenancy.EmailChangeNotice) error {
			return fx.keep(id, storage.TopicEmailChangeNotice, n.CompanyID, n)
		})
		tenancy.OnPasswordReset(fx.d, func(_ context.Context, id string, r tenancy.PasswordReset) error {
			return fx.keep(id, storage.TopicPasswordReset, "", r)
		})
		tenancy.OnInvitation(fx.d, func(_ context.Context, id string, i tenancy.Invitation) error {
			return fx.keep(id, storage.TopicInvitation, i.ResellerID, i)
		})
		licensing.OnReminder(fx.d, func(_ context.Context, id string, r licensing.Reminder) error {
			return fx.keep(id, storage.TopicReminder, r.CompanyID, r)
		})
		licensing.OnSuspension(fx.d, func(_ context.Context, id string, s licensing.Suspension) error {
			return fx.keep(id, storage.TopicSuspension, s.CompanyID, s)
		})
		presence.OnSwitch(fx.d, func(_ context.Context, id string, s presence.Switch) error {
			return fx.keep(id, storage.TopicPauseSwitch, s.CompanyID, s)
		})
		h.fx = fx
	})
	return h.fx
}

// keep records a delivered message; the caller (drain) holds e.mu. A
// message id seen before is ignored, as a host deduplicates.
func (e *effects) keep(id string, topic storage.Topic, company string, v any) error {
	if !e.seen[id] {
		e.seen[id] = true
		e.got = append(e.got, delivery{id: id, topic: topic, company: company, v: v})
	}
	return nil
}

// all drains the outbox and returns a copy of everything delivered so far,
// in delivery order.
func (e *effects) all() ([]delivery, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := e.d.Drain(context.Background()); err != nil {
		return nil, err
	}
	return append([]delivery(nil), e.got...), nil
}

// delivered drains the outbox and returns what was delivered on topic
// about company ("" for every company), in delivery order.
// A failing backend panics: the suite's handlers never fail, so an error
// is the backend's.
func delivered[T any](e *effects, topic storage.Topic, company string) []T {
	all, err := e.all()
	if err != nil {
		panic("storagetest: draining the outbox: " + err.Error())
	}
	var out []T
	for _, d := range all {
		if d.topic == topic && (company == "" || d.company == company) {
			out = append(out, d.v.(T))
		}
	}
	return out
}

// credentials is the credentials view tests of tenancy read: what was
// delivered, after draining.
type credentials struct{ fx *effects }

func (h *Harness) credentials() credentials { return credentials{h.effects()} }

// Sent returns every delivered credential, in order.
func (c credentials) Sent() []tenancy.Credentials {
	return delivered[tenancy.Credentials](c.fx, storage.TopicCredentials, "")
}

// For returns the credentials delivered to email (case-insensitively) and
// how many times they were.
func (c credentials) For(email string) (tenancy.Credentials, int) {
	var last tenancy.Credentials
	n := 0
	for _, cr := range c.Sent() {
		if tenancy.EmailKey(cr.Email) == tenancy.EmailKey(email) {
			last, n = cr, n+1
		}
	}
	return last, n
}
