package tenancy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
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

// Token is a single-use secret a person receives by e-mail to prove the
// address is theirs (an e-mail change, a password reset). Only its SHA-256
// is stored; it travels sealed in the outbox and is erased once delivered.
// Every printed, logged or JSON form of a Token is "[redacted]": use
// string(t) where it must be put in a link.
type Token string

// String returns "[redacted]".
func (Token) String() string { return redacted }

// GoString returns "[redacted]".
func (Token) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb prints "[redacted]".
func (Token) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, redacted) }

// MarshalJSON encodes "[redacted]".
func (Token) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// LogValue implements slog.LogValuer: "[redacted]".
func (Token) LogValue() slog.Value { return slog.StringValue(redacted) }

// EmailChangeRequest is what the new address of an e-mail change receives
// (storage.TopicEmailChange): the token ConfirmEmailChange takes, valid
// until ExpiresAt.
type EmailChangeRequest struct {
	UserID    string
	CompanyID string // the company the change was requested in
	NewEmail  string // where to send it
	OldEmail  string
	Token     Token
	ExpiresAt time.Time
}

// emailChangeMessage is EmailChangeRequest as the sealed payload carries it.
type emailChangeMessage struct {
	UserID    string    `json:"user_id"`
	CompanyID string    `json:"company_id"`
	NewEmail  string    `json:"new_email"`
	OldEmail  string    `json:"old_email"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailChangeNotice tells the old address of an e-mail change
// (storage.TopicEmailChangeNotice): once when it is requested (Confirmed
// false), so a person whose account is being taken over hears of it, and
// once when the new address confirmed it (Confirmed true).
type EmailChangeNotice struct {
	UserID    string    `json:"user_id"`
	CompanyID string    `json:"company_id"`
	OldEmail  string    `json:"old_email"` // where to send it
	NewEmail  string    `json:"new_email"`
	By        string    `json:"by"` // the user who requested it (the user itself or an administrator)
	Confirmed bool      `json:"confirmed"`
	At        time.Time `json:"at"`
}

// PasswordReset is what a user who asked for a password reset receives
// (storage.TopicPasswordReset): the token ResetPassword takes, valid until
// ExpiresAt.
type PasswordReset struct {
	UserID    string
	Email     string // where to send it
	Token     Token
	ExpiresAt time.Time
}

// passwordResetMessage is PasswordReset as the sealed payload carries it.
type passwordResetMessage struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

// MemberDeactivated tells the host a member was deactivated
// (storage.TopicMemberDeactivated), so it ends what it keeps for that
// member in that company (sessions, cached actors).
type MemberDeactivated struct {
	CompanyID string    `json:"company_id"`
	UserID    string    `json:"user_id"`
	By        string    `json:"by"`
	At        time.Time `json:"at"`
}

// OnEmailChange makes fn the handler of storage.TopicEmailChange on d: fn
// sends the token to r.NewEmail (at least once: deduplicate on msgID). The
// dispatcher needs the Service's KeyProvider (storage.WithKeys).
func OnEmailChange(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, r EmailChangeRequest) error) {
	storage.Handle(d, storage.TopicEmailChange, func(ctx context.Context, msgID string, m emailChangeMessage) error {
		return fn(ctx, msgID, EmailChangeRequest{UserID: m.UserID, CompanyID: m.CompanyID, NewEmail: m.NewEmail,
			OldEmail: m.OldEmail, Token: Token(m.Token), ExpiresAt: m.ExpiresAt})
	})
}

// OnEmailChangeNotice makes fn the handler of storage.TopicEmailChangeNotice on d.
func OnEmailChangeNotice(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, n EmailChangeNotice) error) {
	storage.Handle(d, storage.TopicEmailChangeNotice, fn)
}

// OnPasswordReset makes fn the handler of storage.TopicPasswordReset on d:
// fn sends the token to r.Email. The dispatcher needs the Service's
// KeyProvider (storage.WithKeys).
func OnPasswordReset(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, r PasswordReset) error) {
	storage.Handle(d, storage.TopicPasswordReset, func(ctx context.Context, msgID string, m passwordResetMessage) error {
		return fn(ctx, msgID, PasswordReset{UserID: m.UserID, Email: m.Email, Token: Token(m.Token), ExpiresAt: m.ExpiresAt})
	})
}

// OnMemberDeactivated makes fn the handler of storage.TopicMemberDeactivated on d.
func OnMemberDeactivated(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, m MemberDeactivated) error) {
	storage.Handle(d, storage.TopicMemberDeactivated, fn)
}
