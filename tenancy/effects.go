package tenancy

import (
	"context"
	"time"

	"github.com/switchboardkit/switchboard/storage"
)

// Credentials is what a new user must receive to log in for the first time.
// Password is the only copy of the generated password: the SDK keeps its
// hash alone. It travels as a sealed outbox message (storage.TopicCredentials),
// erased once delivered; every printed, logged or JSON form of Credentials
// leaves the password out (see String and MarshalJSON).
type Credentials struct {
	UserID    string
	CompanyID string // the company the user was registered into
	Email     string
	FirstName string
	LastName  string
	Password  string
}

// credentialsMessage is Credentials as the sealed outbox payload carries
// it, password included (Credentials' own JSON redacts it).
type credentialsMessage struct {
	UserID    string `json:"user_id"`
	CompanyID string `json:"company_id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Password  string `json:"password"`
}

// MemberRemoved tells the host a membership ended (storage.TopicMemberRemoved),
// so it can end what it keeps for that member in that company: sessions,
// cached actors, open screens.
type MemberRemoved struct {
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	By        string    `json:"by"` // the user who removed the member
	At        time.Time `json:"at"`
}

// OnCredentials makes fn the handler of storage.TopicCredentials on d: fn
// receives each registered user's Credentials once its registration has
// committed (at least once: deduplicate on msgID, the outbox message's id).
// A registration that rolled back never reaches it. An error from fn
// retries the message with backoff; the sealed password stays at rest only
// until the message is delivered or erased by a redrive's success. The
// dispatcher needs the KeyProvider the Service seals with
// (storage.WithKeys).
func OnCredentials(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, c Credentials) error) {
	storage.Handle(d, storage.TopicCredentials, func(ctx context.Context, msgID string, m credentialsMessage) error {
		return fn(ctx, msgID, Credentials(m))
	})
}

// OnMemberRemoved makes fn the handler of storage.TopicMemberRemoved on d:
// fn hears of every membership RemoveMember ended, after its commit.
func OnMemberRemoved(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, m MemberRemoved) error) {
	storage.Handle(d, storage.TopicMemberRemoved, fn)
}

// sendCredentials writes u's credentials, sealed, to the outbox in the
// running transaction: they are delivered once it commits, or never.
func (s *Service) sendCredentials(ctx context.Context, op string, u User, companyID, pw string) error {
	cred := credentialsMessage{UserID: u.ID, CompanyID: companyID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Password: pw}
	_, err := storage.EnqueueSealed(ctx, s.box, s.keys, op, s.now(), companyID, storage.TopicCredentials, cred)
	return err
}
