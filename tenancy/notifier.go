package tenancy

import "context"

// Credentials is what a new user must receive to log in for the first time.
// Password is the only copy of the generated password: the SDK keeps its
// hash alone.
type Credentials struct {
	UserID    string
	CompanyID string // the company the user was registered into
	Email     string
	FirstName string
	LastName  string
	Password  string
}

// Notifier delivers generated credentials (by e-mail in production, a
// recorder in tests). The Service calls it exactly once per registered
// user, after the registering transaction has committed, on the goroutine
// that made the call; it is never called for a registration that rolled
// back. Delivery failures are the host's to handle (retry, outbox): the
// account exists whatever the notifier does. Its context is the one the use
// case was called with (never cancelled), without the finished transaction,
// so the notifier may start SDK work from it. When the use case ran inside a
// host's own InTx, the context still carries that (committed) transaction:
// start new SDK work from a fresh context, not from it.
type Notifier interface {
	SendCredentials(ctx context.Context, c Credentials)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, c Credentials)

// SendCredentials calls f.
func (f NotifierFunc) SendCredentials(ctx context.Context, c Credentials) { f(ctx, c) }
