package tenancy

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// InvitationTTL is how long a reseller's invitation stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// WithRegistrationLimiter makes RegisterAffiliate ask l first, keyed
// "registration:" + the slug: the host throttles anonymous sign-ups per
// registration link (and, before calling, per client address). A refusal
// is storage.ErrLimitExceeded wrapping l's error. Default: no limit.
func WithRegistrationLimiter(l RateLimiter) Option {
	return observe.For(func(s *Service) { s.registerLimit = l })
}

// SetOpenRegistration opens or closes a reseller's registration link: open,
// anyone who knows the slug may register a company as its affiliate
// (RegisterAffiliate); closed — the default for a new reseller — only a
// company holding one of its invitations (IssueInvitation). Authorised:
// tenancy.ActManageCatalog on the reseller (its reseller administrators and
// owner, and the platform). A regular company has no link (field open_registration).
// Audited "tenancy.company.registration".
func (s *Service) SetOpenRegistration(ctx context.Context, by Actor, resellerID string, open bool) (_ Company, err error) {
	const op = "tenancy.SetOpenRegistration"
	ctx, uc := s.obs.Start(ctx, op, resellerID, "tenancy.company.registration")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, resellerID, ActManageCatalog, "tenancy.company.registration", func(_ context.Context, c *Company) error {
		if c.Kind != KindReseller {
			return storage.Invalid(op, "open_registration", "reseller", "only a reseller has a registration link")
		}
		c.OpenRegistration = open
		return nil
	})
}

// InvitationInput is IssueInvitation's input.
type InvitationInput struct {
	Email string `json:"email" validate:"required,text,max=254,email"` // where the invitation is sent
}

// IssuedInvitation is what IssueInvitation reports: not the token, which
// only the invited address receives.
type IssuedInvitation struct {
	ResellerID string    `json:"reseller_id"`
	Email      string    `json:"email"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// Invitation is what the invited address receives
// (storage.TopicInvitation): the reseller's slug and the token
// RegisterAffiliate takes as NewAffiliate.Invitation, valid until ExpiresAt.
type Invitation struct {
	ResellerID string
	Slug       string
	Email      string // where to send it
	Token      Token
	ExpiresAt  time.Time
}

// invitationMessage is Invitation as the sealed payload carries it.
type invitationMessage struct {
	ResellerID string    `json:"reseller_id"`
	Slug       string    `json:"slug"`
	Email      string    `json:"email"`
	Token      string    `json:"token"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// OnInvitation makes fn the handler of storage.TopicInvitation on d: fn
// sends the registration link with the token to i.Email. The dispatcher
// needs the Service's KeyProvider (storage.WithKeys).
func OnInvitation(d *storage.Dispatcher, fn func(ctx context.Context, msgID string, i Invitation) error) {
	storage.Handle(d, storage.TopicInvitation, func(ctx context.Context, msgID string, m invitationMessage) error {
		return fn(ctx, msgID, Invitation{ResellerID: m.ResellerID, Slug: m.Slug, Email: m.Email, Token: Token(m.Token), ExpiresAt: m.ExpiresAt})
	})
}

// IssueInvitation invites the company whose person has e-mail in.Email to
// register through the reseller's link: a single-use token, valid for
// InvitationTTL, stored as its hash only and written sealed to the outbox
// for that address (storage.TopicInvitation, OnInvitation). The token works
// whether or not the link is open. Authorised: tenancy.ActManageCatalog on
// the reseller. Validated: email; a regular company has no link (field
// reseller_id). Audited "tenancy.invitation.issue".
func (s *Service) IssueInvitation(ctx context.Context, by Actor, resellerID string, in InvitationInput) (_ IssuedInvitation, err error) {
	const op = "tenancy.IssueInvitation"
	ctx, uc := s.obs.Start(ctx, op, resellerID, "tenancy.invitation.issue")
	defer func() { uc.End(err) }()
	in.Email = storage.NormalizeText(in.Email)
	if err := s.validate(ctx, op, &in); err != nil {
		return IssuedInvitation{}, err
	}
	tok, hash := newToken()
	var out IssuedInvitation
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		r, err := s.loadCompany(ctx, op, by, ActManageCatalog, resellerID, false)
		if err != nil {
			return err
		}
		if err := Authorize(op, by, ActManageCatalog, r.Resource()); err != nil {
			return err
		}
		if r.Kind != KindReseller || r.Slug == "" {
			return storage.Invalid(op, "reseller_id", "reseller", "only a reseller has a registration link")
		}
		now := s.now()
		t := UserToken{Hash: hash, Purpose: TokenInvitation, CompanyID: r.ID, NewEmail: in.Email, RequestedBy: by.UserID,
			ExpiresAt: now.Add(InvitationTTL), CreatedAt: now}
		if err := s.store.PutToken(ctx, &t); err != nil {
			return err
		}
		if err := s.record(ctx, by, r.ID, "tenancy.invitation.issue", "invitation", hash[:16], []audit.Change{
			{Field: "email", After: jsonString(in.Email)}}); err != nil {
			return err
		}
		msg := invitationMessage{ResellerID: r.ID, Slug: r.Slug, Email: in.Email, Token: tok, ExpiresAt: t.ExpiresAt}
		if _, err := storage.EnqueueSealed(ctx, s.box, s.keys, op, now, r.ID, storage.TopicInvitation, msg); err != nil {
			return err
		}
		out = IssuedInvitation{ResellerID: r.ID, Email: in.Email, ExpiresAt: t.ExpiresAt}
		return nil
	}))
	return out, err
}

// useInvitation admits a registration through reseller r: it uses up the
// invitation token tok (an invitation of r, unexpired, unused) in the
// running transaction, or, with no token, requires r's registration to be
// open. Failures are field invitation.
func (s *Service) useInvitation(ctx context.Context, op string, r *Company, tok string) error {
	tok = strings.TrimSpace(tok)
	if tok == "" {
		if r.OpenRegistration {
			return nil
		}
		return storage.Invalid(op, "invitation", "required", "this reseller registers invited companies only")
	}
	bad := storage.Invalid(op, "invitation", "valid", "is invalid, used or expired")
	hash := tokenHash(tok)
	t, err := s.store.GetToken(ctx, TokenInvitation, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return bad
	} else if err != nil {
		return err
	}
	if t.CompanyID != r.ID || !s.now().Before(t.ExpiresAt) {
		return bad
	}
	if err := s.store.DeleteToken(ctx, hash); errors.Is(err, storage.ErrNotFound) {
		return bad
	} else if err != nil {
		return err
	}
	return nil
}
