package tenancytest

import (
	"context"
	"sync"

	"github.com/switchboardkit/switchboard/tenancy"
)

// Recorder is a tenancy.Notifier that remembers every credential it was
// handed. It is safe for concurrent use.
type Recorder struct {
	mu   sync.Mutex
	sent []tenancy.Credentials
}

var _ tenancy.Notifier = (*Recorder)(nil)

// SendCredentials implements tenancy.Notifier.
func (r *Recorder) SendCredentials(_ context.Context, c tenancy.Credentials) {
	r.mu.Lock()
	r.sent = append(r.sent, c)
	r.mu.Unlock()
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
