package tenancy

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// How long the tokens of an e-mail change and a password reset stay valid.
const (
	EmailChangeTTL   = 24 * time.Hour
	PasswordResetTTL = 30 * time.Minute
)

// Reasons a CredentialsChange gives.
const (
	CredentialsPasswordChanged = "password.change" // ChangePassword
	CredentialsPasswordReset   = "password.reset"  // ResetPassword
	CredentialsEmailChanged    = "email.change"    // ConfirmEmailChange: the login changed
)

// CredentialsChange says that a user's login or password changed.
type CredentialsChange struct {
	UserID string
	Reason string // CredentialsPasswordChanged, CredentialsPasswordReset or CredentialsEmailChanged
	// By is the actor that changed the password (ChangePassword: the user
	// acting in its current session); the zero Actor for a token-holder's
	// reset or confirmation, where no session acted.
	By Actor
	At time.Time
}

// CredentialsChangedHook runs inside the transaction of ChangePassword,
// ResetPassword and ConfirmEmailChange after the user row changed, so the
// host invalidates every other credential it keeps for the user — its
// sessions, remember-me cookies, API tokens — atomically with the change:
// a stolen session does not survive the password it was opened with. For
// ChangePassword the host keeps the session c.By acted in (it knows which
// one); after a reset or an e-mail confirmation it ends them all. An error
// rolls the change back.
type CredentialsChangedHook func(ctx context.Context, c CredentialsChange) error

// WithCredentialsChangedHook adds a hook ChangePassword, ResetPassword and
// ConfirmEmailChange run in their transaction.
func WithCredentialsChangedHook(h CredentialsChangedHook) Option {
	return observe.For(func(s *Service) { s.onCreds = append(s.onCreds, h) })
}

// RateLimiter decides whether a request keyed by key may go ahead now; an
// error refuses it. The host implements it (a token bucket in its cache,
// say) and may also limit by client address before calling the Service.
type RateLimiter interface {
	Allow(ctx context.Context, key string) error
}

// RateLimiterFunc adapts a function to RateLimiter.
type RateLimiterFunc func(ctx context.Context, key string) error

// Allow calls f.
func (f RateLimiterFunc) Allow(ctx context.Context, key string) error { return f(ctx, key) }

// WithPasswordResetLimiter makes RequestPasswordReset ask l first, keyed
// "password_reset:" + the folded e-mail, whether the e-mail is registered
// or not (so the limiter reveals nothing either). A refusal is
// storage.ErrLimitExceeded wrapping l's error. Default: no limit.
func WithPasswordResetLimiter(l RateLimiter) Option {
	return observe.For(func(s *Service) { s.resetLimit = l })
}

// newToken returns a fresh token (128 bits of crypto/rand) and its hash.
func newToken() (tok, hash string) {
	tok = rand.Text()
	return tok, tokenHash(tok)
}

// jsonString is s as a JSON value, for an audit.Change.
func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// tokenHash is the hex SHA-256 a Store keeps of a token. A token carries
// 128 random bits, so a fast hash suffices: there is nothing to guess.
func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// credentialsChanged runs the CredentialsChangedHooks in the running transaction.
func (s *Service) credentialsChanged(ctx context.Context, c CredentialsChange) error {
	for _, h := range s.onCreds {
		if err := h(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// recordSelf audits a change of userID made by the holder of a token, with
// no session and no company context (a reset, a confirmation): once in the
// chain of every company the user is a member of, recorded as that member,
// or once in the platform's log ("") as the bare user (role "user") when it
// belongs to none.
func (s *Service) recordSelf(ctx context.Context, userID, action string, changes []audit.Change) error {
	ms, err := s.store.Memberships(ctx, userID)
	if err != nil {
		return err
	}
	if len(ms) == 0 {
		_, err := s.log.Record(ctx, audit.Entry{Actor: audit.Actor{UserID: userID, Role: "user"}, Action: action,
			EntityType: "user", EntityID: userID, Changes: changes})
		return err
	}
	for _, m := range ms {
		by := Actor{UserID: userID, CompanyID: m.CompanyID, Role: m.Role, SubAccountID: m.SubAccountID}
		if err := s.record(ctx, by, m.CompanyID, action, "user", userID, changes); err != nil {
			return err
		}
	}
	return nil
}

// editTarget loads userID's membership in companyID for an edit of the
// user's own data and authorises by: the user itself (ActOwnProfile), or
// ActManageUsers on the member plus CanGrant for its role — nobody edits
// someone above them. It reports whether by is the user itself.
func (s *Service) editTarget(ctx context.Context, op string, by Actor, companyID, userID string) (*Company, bool, error) {
	c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, false)
	if err != nil {
		return nil, false, err
	}
	m, err := s.loadMember(ctx, op, by, ActManageUsers, c, userID)
	if err != nil {
		return nil, false, err
	}
	r := m.Ref(c.Ref()).Resource()
	if by.UserID == userID && by.CompanyID == c.ID && Can(by, ActOwnProfile, r) {
		return c, true, nil
	}
	if err := Authorize(op, by, ActManageUsers, r); err != nil {
		return nil, false, err
	}
	if !CanGrant(by, m.Role, m.SubAccountID) && !by.IsPlatform() {
		return nil, false, forbiddenTo(op, by, "edit a member with role "+string(m.Role))
	}
	return c, false, nil
}

// PhoneInput is SetPhone's input.
type PhoneInput struct {
	Phone string `json:"phone" validate:"omitempty,text,phone"` // "" clears it
}

// SetPhone sets a user's phone number, in E.164 form (+ then up to 15
// digits, "+74951234567"; field phone), or clears it with "". Authorised as
// RenameUser: the user itself, or ActManageUsers on the member plus CanGrant
// for its role. Audited "tenancy.user.phone" in companyID's chain.
func (s *Service) SetPhone(ctx context.Context, by Actor, companyID, userID string, in PhoneInput) (_ User, err error) {
	const op = "tenancy.SetPhone"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.user.phone")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	if err := s.validate(ctx, op, &in); err != nil {
		return User{}, err
	}
	var out User
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, _, err := s.editTarget(ctx, op, by, companyID, userID)
		if err != nil {
			return err
		}
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		out = u.User
		if u.Phone == in.Phone {
			return nil
		}
		before := *u
		u.Phone, u.UpdatedAt = in.Phone, s.now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		out = u.User
		return s.record(ctx, by, c.ID, "tenancy.user.phone", "user", userID, userChanges(&before, u))
	}))
	return out, err
}

// EmailChangeInput is RequestEmailChange's input.
type EmailChangeInput struct {
	NewEmail string `json:"new_email" validate:"required,text,max=254,email"`
	// Password is the user's current password, required when the user
	// changes its own e-mail (an administrator changing a member's gives none).
	Password string `json:"password"`
}

// PendingEmailChange is what RequestEmailChange started.
type PendingEmailChange struct {
	UserID    string    `json:"user_id"`
	NewEmail  string    `json:"new_email"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RequestEmailChange starts changing userID's e-mail (its login) to
// in.NewEmail. Nothing changes yet: a single-use token, valid for
// EmailChangeTTL, is written sealed to the outbox for the new address
// (storage.TopicEmailChange, OnEmailChange), and the old address is told
// (storage.TopicEmailChangeNotice); ConfirmEmailChange with the token makes
// the change. Only the token's hash is stored; a new request replaces an
// earlier one. Authorised: the user itself, re-entering its password (field
// password; also when it acts in another company), or ActManageUsers on
// the member plus CanGrant for its role (an administrator; no password) of
// a user who belongs to no other company — the login is the person's in
// every company, so only the user or the platform moves a shared one.
// Validated: new_email (format; the current address is refused). Errors:
// storage.ErrConflict when another user has the address
// (case-insensitive) — checked again at confirmation, where the unique
// index decides a race. Audited "tenancy.user.email_request".
func (s *Service) RequestEmailChange(ctx context.Context, by Actor, companyID, userID string, in EmailChangeInput) (_ PendingEmailChange, err error) {
	const op = "tenancy.RequestEmailChange"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.user.email_request")
	defer func() { uc.End(err) }()
	in.NewEmail = storage.NormalizeText(in.NewEmail)
	if err := s.validate(ctx, op, &in); err != nil {
		return PendingEmailChange{}, err
	}
	// The password of a self-service change is compared outside the
	// transaction (bcrypt is slow); the transaction checks that the hash
	// compared is still the stored one.
	var checked string
	if by.UserID == userID && !by.IsPlatform() {
		if err := s.fresh(ctx, op, &by); err != nil {
			return PendingEmailChange{}, err
		}
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return PendingEmailChange{}, storage.Reop(op, err)
		}
		if !checkPassword(u.PasswordHash, in.Password) {
			return PendingEmailChange{}, storage.Invalid(op, "password", "password", "does not match")
		}
		checked = u.PasswordHash
	}
	tok, hash := newToken()
	var out PendingEmailChange
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, self, err := s.editTarget(ctx, op, by, companyID, userID)
		if err != nil {
			return err
		}
		if !self && !by.IsPlatform() {
			// The login is the person's in every company: an administrator of
			// one must not move the login of someone another company trusts.
			ms, err := s.store.Memberships(ctx, userID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m.CompanyID != c.ID {
					return forbiddenTo(op, by, "change the e-mail of a user who belongs to other companies too")
				}
			}
		}
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		if checked != "" && u.PasswordHash != checked {
			return storage.Invalid(op, "password", "password", "does not match")
		}
		if u.Email == in.NewEmail {
			return storage.Invalid(op, "new_email", "ne", "is the current e-mail")
		}
		if other, err := s.store.UserByEmail(ctx, in.NewEmail); err == nil && other.ID != u.ID {
			return storage.Conflict(op, "e-mail %q is already registered", in.NewEmail)
		} else if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		now := s.now()
		t := UserToken{Hash: hash, Purpose: TokenEmailChange, UserID: u.ID, CompanyID: c.ID, NewEmail: in.NewEmail,
			RequestedBy: by.UserID, ExpiresAt: now.Add(EmailChangeTTL), CreatedAt: now}
		if err := s.store.DeleteUserTokens(ctx, u.ID, TokenEmailChange); err != nil {
			return err
		}
		if err := s.store.PutToken(ctx, &t); err != nil {
			return err
		}
		if err := s.record(ctx, by, c.ID, "tenancy.user.email_request", "user", u.ID,
			[]audit.Change{{Field: "new_email", After: jsonString(in.NewEmail)}}); err != nil {
			return err
		}
		msg := emailChangeMessage{UserID: u.ID, CompanyID: c.ID, NewEmail: in.NewEmail, OldEmail: u.Email, Token: tok, ExpiresAt: t.ExpiresAt}
		if _, err := storage.EnqueueSealed(ctx, s.box, s.keys, op, now, c.ID, storage.TopicEmailChange, msg); err != nil {
			return err
		}
		if _, err := storage.Enqueue(ctx, s.box, op, now, c.ID, storage.TopicEmailChangeNotice, EmailChangeNotice{
			UserID: u.ID, CompanyID: c.ID, OldEmail: u.Email, NewEmail: in.NewEmail, By: by.UserID, At: now}); err != nil {
			return err
		}
		out = PendingEmailChange{UserID: u.ID, NewEmail: in.NewEmail, ExpiresAt: t.ExpiresAt}
		return nil
	}))
	return out, err
}

// errBadToken is the one answer to a token that is unknown, used or expired.
func errBadToken(op string) error {
	return storage.Invalid(op, "token", "valid", "is invalid, used or expired")
}

// useToken consumes the token of purpose whose value is tok, in the
// running transaction, and returns it with its user: it must exist and be
// unexpired, and deleting it is what makes it single-use (of two
// concurrent uses one deletes nothing and fails). Every failure of the
// token, and a user gone since it was issued, is errBadToken.
func (s *Service) useToken(ctx context.Context, op string, purpose TokenPurpose, tok string) (*UserToken, *UserRecord, error) {
	hash := tokenHash(tok)
	t, err := s.store.GetToken(ctx, purpose, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errBadToken(op)
	} else if err != nil {
		return nil, nil, err
	}
	if !s.now().Before(t.ExpiresAt) {
		return nil, nil, errBadToken(op)
	}
	if err := s.store.DeleteToken(ctx, hash); errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errBadToken(op)
	} else if err != nil {
		return nil, nil, err
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil, errBadToken(op)
	} else if err != nil {
		return nil, nil, err
	}
	return t, u, nil
}

// ConfirmEmailChange makes the e-mail change the token (from
// OnEmailChange) confirms: the user's e-mail becomes the new address. The
// token is single-use and expires after EmailChangeTTL; an unknown, used or
// expired token is field token. storage.ErrConflict when another user took
// the address meanwhile: the platform-wide uniqueness of e-mails is the
// database's unique index, so of two concurrent changes to one address
// exactly one commits. No actor: holding the token is the proof. The old
// address is told (storage.TopicEmailChangeNotice, Confirmed), pending
// password resets (sent to the old address) are void, and the
// CredentialsChangedHooks run. Audited "tenancy.user.email" in the chain of
// every company the user belongs to.
func (s *Service) ConfirmEmailChange(ctx context.Context, token string) (_ User, err error) {
	const op = "tenancy.ConfirmEmailChange"
	ctx, uc := s.obs.Start(ctx, op, "", "tenancy.user.email")
	defer func() { uc.End(err) }()
	token = strings.TrimSpace(token)
	if token == "" {
		return User{}, storage.Invalid(op, "token", "required", "is required")
	}
	var out User
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		t, u, err := s.useToken(ctx, op, TokenEmailChange, token)
		if err != nil {
			return err
		}
		before := *u
		now := s.now()
		u.Email, u.UpdatedAt = t.NewEmail, now
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := s.store.DeleteUserTokens(ctx, u.ID, TokenPasswordReset); err != nil {
			return err
		}
		if err := s.recordSelf(ctx, u.ID, "tenancy.user.email", userChanges(&before, u)); err != nil {
			return err
		}
		if _, err := storage.Enqueue(ctx, s.box, op, now, t.CompanyID, storage.TopicEmailChangeNotice, EmailChangeNotice{
			UserID: u.ID, CompanyID: t.CompanyID, OldEmail: before.Email, NewEmail: u.Email, By: t.RequestedBy, Confirmed: true, At: now}); err != nil {
			return err
		}
		if err := s.credentialsChanged(ctx, CredentialsChange{UserID: u.ID, Reason: CredentialsEmailChanged, At: now}); err != nil {
			return err
		}
		out = u.User
		return nil
	}))
	return out, err
}

// resetRequest is RequestPasswordReset's validated input.
type resetRequest struct {
	Email string `json:"email" validate:"required,text,max=254,email"`
}

// RequestPasswordReset starts a password reset for the user whose e-mail
// (case-insensitive) is email: a single-use token, valid for
// PasswordResetTTL, is written sealed to the outbox for that address
// (storage.TopicPasswordReset, OnPasswordReset); only its hash is stored,
// and a new request voids the earlier ones. No actor: it is the
// forgotten-password form. An unknown e-mail gets the same answer (nil)
// after the same work up to the lookup — the limiter, a token generated
// and hashed, a transaction reading the user — and nothing is stored or
// sent, so the answer does not tell which e-mails exist. Errors: field
// email for a malformed address; storage.ErrLimitExceeded when the
// WithPasswordResetLimiter limiter refuses. Audited
// "tenancy.user.password_reset_request" in the user's companies' chains.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) (err error) {
	const op = "tenancy.RequestPasswordReset"
	ctx, uc := s.obs.Start(ctx, op, "", "tenancy.user.password_reset_request")
	defer func() { uc.End(err) }()
	in := resetRequest{Email: storage.NormalizeText(email)}
	if err := s.validate(ctx, op, &in); err != nil {
		return err
	}
	if s.resetLimit != nil {
		if err := s.resetLimit.Allow(ctx, "password_reset:"+EmailKey(in.Email)); err != nil {
			return storage.Wrap(op, storage.ErrLimitExceeded, err)
		}
	}
	tok, hash := newToken()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		u, err := s.store.UserByEmail(ctx, in.Email)
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		now := s.now()
		t := UserToken{Hash: hash, Purpose: TokenPasswordReset, UserID: u.ID, RequestedBy: u.ID,
			ExpiresAt: now.Add(PasswordResetTTL), CreatedAt: now}
		if err := s.store.DeleteUserTokens(ctx, u.ID, TokenPasswordReset); err != nil {
			return err
		}
		if err := s.store.PutToken(ctx, &t); err != nil {
			return err
		}
		if err := s.recordSelf(ctx, u.ID, "tenancy.user.password_reset_request", nil); err != nil {
			return err
		}
		msg := passwordResetMessage{UserID: u.ID, Email: u.Email, Token: tok, ExpiresAt: t.ExpiresAt}
		_, err = storage.EnqueueSealed(ctx, s.box, s.keys, op, now, "", storage.TopicPasswordReset, msg)
		return err
	}))
}

// ResetPassword sets a new password with the token RequestPasswordReset
// sent: the new one twice (fields new_password, new_password_repeat: 10..72
// bytes, repeated identically). The token is single-use and expires after
// PasswordResetTTL; an unknown, used or expired token is field token. The
// user's other pending reset tokens are void and the
// CredentialsChangedHooks run, so the host ends the user's sessions. No
// actor: holding the token is the proof. Audited "tenancy.user.password"
// (hash redacted) in the user's companies' chains.
func (s *Service) ResetPassword(ctx context.Context, token, next, repeat string) (err error) {
	const op = "tenancy.ResetPassword"
	ctx, uc := s.obs.Start(ctx, op, "", "tenancy.user.password")
	defer func() { uc.End(err) }()
	token = strings.TrimSpace(token)
	if token == "" {
		return storage.Invalid(op, "token", "required", "is required")
	}
	if field, rule, msg := checkNewPassword(next, repeat); field != "" {
		return storage.Invalid(op, field, rule, msg)
	}
	// An unknown token is refused before the slow hash is computed; the
	// transaction decides again on the token it consumes.
	if t, err := s.store.GetToken(ctx, TokenPasswordReset, tokenHash(token)); errors.Is(err, storage.ErrNotFound) ||
		err == nil && !s.now().Before(t.ExpiresAt) {
		return errBadToken(op)
	} else if err != nil {
		return storage.Reop(op, err)
	}
	hash, err := hashPassword(next, s.cost)
	if err != nil {
		return storage.Internal(op, err)
	}
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		_, u, err := s.useToken(ctx, op, TokenPasswordReset, token)
		if err != nil {
			return err
		}
		before := *u
		now := s.now()
		u.PasswordHash, u.PasswordChangedAt, u.UpdatedAt = hash, now, now
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := s.store.DeleteUserTokens(ctx, u.ID, TokenPasswordReset); err != nil {
			return err
		}
		if err := s.recordSelf(ctx, u.ID, "tenancy.user.password", userChanges(&before, u)); err != nil {
			return err
		}
		return s.credentialsChanged(ctx, CredentialsChange{UserID: u.ID, Reason: CredentialsPasswordReset, At: now})
	}))
}

// PruneTokens deletes, in one transaction, every e-mail change, password
// reset and invitation token that has expired (they can no longer be used)
// and returns how many. The host calls it from its own schedule. Platform
// administrators only (it spans companies); audited on the platform's chain
// as "tenancy.tokens.prune".
func (s *Service) PruneTokens(ctx context.Context, by Actor) (_ int64, err error) {
	const op = "tenancy.PruneTokens"
	ctx, uc := s.obs.Start(ctx, op, "", "tenancy.tokens.prune")
	defer func() { uc.End(err) }()
	var n int64
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		if err := Authorize(op, by, ActPlatform, Resource{}); err != nil {
			return err
		}
		now := s.now()
		var err error
		if n, err = s.store.DeleteExpiredTokens(ctx, now); err != nil {
			return err
		}
		_, err = s.log.Record(ctx, audit.Entry{Actor: by.Audit(), Action: "tenancy.tokens.prune", EntityType: "token",
			Changes: []audit.Change{audit.Set("before", nil, now), audit.Set("deleted", nil, n)}})
		return err
	}))
	return n, err
}
