package tenancy

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// Service holds tenancy's use cases. It is safe for concurrent use.
type Service struct {
	obs      observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	tx       storage.Transactor
	store    Store
	log      audit.Recorder
	box      storage.Outbox
	keys     storage.KeyProvider
	clock    storage.Clock
	cost     int
	v        *storage.Validator
	onRemove []MemberRemovedHook
	onAdd    []MemberAddedHook
	onDeact  []MemberRemovedHook
	onCreds  []CredentialsChangedHook

	resetLimit    RateLimiter
	registerLimit RateLimiter

	dummyOnce sync.Once
	dummy     string
}

var _ Directory = (*Service)(nil)

// Option configures a Service. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the clock stamping created/updated times (default: system clock).
func WithClock(c storage.Clock) Option { return observe.For(func(s *Service) { s.clock = c }) }

// WithPasswordCost sets the bcrypt cost of password hashes (default
// DefaultPasswordCost; bcrypt.MinCost = 4 makes tests fast). Values outside
// bcrypt's 4..31 are clamped.
func WithPasswordCost(cost int) Option {
	return observe.For(func(s *Service) { s.cost = min(max(cost, 4), 31) })
}

// MemberRemovedHook runs inside RemoveMember's transaction, under the
// company lock, just before the membership row is deleted, so the host can
// release what the member held (for example licensing.Service.ReleaseUser)
// atomically with the removal, audited. An error rolls the removal back.
type MemberRemovedHook func(ctx context.Context, by Actor, companyID, userID string) error

// WithMemberRemovedHook adds a hook RemoveMember runs in its transaction.
func WithMemberRemovedHook(h MemberRemovedHook) Option {
	return observe.For(func(s *Service) { s.onRemove = append(s.onRemove, h) })
}

// MemberAddedHook runs inside the transaction of RegisterEmployee and
// AddMember after the membership exists, so the host can equip the new member
// atomically with the registration (for example
// licensing.Service.GrantDefaultPackages: new users receive the company's
// default service packages). An error rolls the registration back, and no
// password is sent.
type MemberAddedHook func(ctx context.Context, by Actor, companyID, userID string) error

// WithMemberAddedHook adds a hook RegisterEmployee and AddMember run in their transaction.
func WithMemberAddedHook(h MemberAddedHook) Option {
	return observe.For(func(s *Service) { s.onAdd = append(s.onAdd, h) })
}

// NewService returns the tenancy service over store, running every use case
// in a transaction of tx, recording to log, and writing its effects
// (generated credentials, removed members) to box, sealing the passwords
// with keys. It panics when a dependency is nil (storage.Need): a service
// without its outbox would have nowhere to put a new user's only password.
func NewService(tx storage.Transactor, store Store, log audit.Recorder, box storage.Outbox, keys storage.KeyProvider, opts ...Option) *Service {
	const op = "tenancy.NewService"
	storage.Need(op, "the transactor", tx)
	storage.Need(op, "the store", store)
	storage.Need(op, "the audit recorder", log)
	storage.Need(op, "the outbox", box)
	storage.Need(op, "the key provider", keys)
	s := &Service{tx: tx, store: store, log: log, box: box, keys: keys, clock: storage.SystemClock{},
		cost: DefaultPasswordCost, v: newValidator()}
	observe.Apply("github.com/switchboardkit/switchboard/tenancy", s, &s.obs, opts)
	return s
}

func (s *Service) now() time.Time { return storage.Timestamp(s.clock.Now()) }

// record writes one audit event inside the running transaction.
func (s *Service) record(ctx context.Context, by Actor, companyID, action, entityType, entityID string, changes []audit.Change) error {
	_, err := s.log.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: action,
		EntityType: entityType, EntityID: entityID, Changes: changes})
	return err
}

// loadCompany reads a company the actor refers to for a use case that then
// authorises an action on it. To a non-platform actor a company that does
// not exist is indistinguishable from one it may not see (Sees): both are
// the same storage.ErrNotFound naming op and the company. Other store errors
// are re-opped to op.
func (s *Service) loadCompany(ctx context.Context, op string, by Actor, _ Action, id string, forUpdate bool) (*Company, error) {
	c, err := s.store.GetCompany(ctx, id, forUpdate)
	if !by.IsPlatform() && (errors.Is(err, storage.ErrNotFound) || err == nil && !Sees(by, c.Ref())) {
		return nil, storage.NotFound(op, "company", id)
	}
	return c, storage.Reop(op, err)
}

// Company implements Directory: the company's reference, unauthorised (for
// other domains' use cases, which authorise with it). storage.ErrNotFound if unknown.
func (s *Service) Company(ctx context.Context, id string) (CompanyRef, error) {
	c, err := s.store.GetCompany(ctx, id, false)
	if err != nil {
		return CompanyRef{}, err
	}
	return c.Ref(), nil
}

// Member implements Directory: the membership of userID in companyID,
// unauthorised. storage.ErrNotFound if the company or membership is unknown.
func (s *Service) Member(ctx context.Context, companyID, userID string) (MemberRef, error) {
	c, err := s.store.GetCompany(ctx, companyID, false)
	if err != nil {
		return MemberRef{}, err
	}
	m, err := s.store.GetMember(ctx, companyID, userID)
	if err != nil {
		return MemberRef{}, err
	}
	return m.Ref(c.Ref()), nil
}

// ActorFor returns the actor userID acts as in companyID, with the role and
// sub-account stored in the membership — never taken from a request. The host
// calls it after authenticating the person (Authenticate). Errors:
// storage.ErrNotFound when the user is not a member of the company,
// storage.ErrForbidden when its membership is deactivated.
func (s *Service) ActorFor(ctx context.Context, userID, companyID string) (Actor, error) {
	m, err := s.store.GetMember(ctx, companyID, userID)
	if err != nil {
		return Actor{}, err
	}
	return m.Actor()
}

// Actor returns the actor the membership acts as: what ActorFor returns once
// it has read m. A host that reads the membership itself — together with
// its login session in one statement, say — builds the request's Actor with
// it instead of calling ActorFor. Either way the Actor is only the claim:
// every use case re-reads the membership in its own transaction (Verify)
// and authorises on what it finds there. storage.ErrForbidden when the
// membership is deactivated.
func (m *Member) Actor() (Actor, error) {
	if m.Deactivated {
		return Actor{}, storage.Forbidden("tenancy.ActorFor", "the membership of user %s is deactivated", m.UserID)
	}
	return Actor{UserID: m.UserID, CompanyID: m.CompanyID, Role: m.Role, SubAccountID: m.SubAccountID}, nil
}

// VisibleSubAccounts says which sub-accounts of companyID the actor may see,
// so a host can filter its own dashboards, statistics and chats: all=true for
// the platform, the company's reseller admins and the company's owner,
// administrators and reseller admins; the own sub-account alone for a manager
// of the company; nothing (all=false, no IDs) for operators — they see their
// own user's data only.
// storage.ErrNotFound when the company does not exist or the actor does
// not see it (Sees).
func (s *Service) VisibleSubAccounts(ctx context.Context, by Actor, companyID string) (all bool, ids []string, err error) {
	ctx, uc := s.obs.Start(ctx, "tenancy.VisibleSubAccounts", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.fresh(ctx, "tenancy.VisibleSubAccounts", &by); err != nil {
		return false, nil, err
	}
	c, err := s.loadCompany(ctx, "tenancy.VisibleSubAccounts", by, ActView, companyID, false)
	if err != nil {
		return false, nil, err
	}
	r := c.Resource()
	if !Can(by, ActView, r) {
		return false, nil, nil
	}
	if by.IsPlatform() || by.CompanyID != c.ID || by.Role != RoleManager && by.Role != RoleOperator {
		return true, nil, nil
	}
	if by.Role == RoleManager && by.SubAccountID != "" {
		return false, []string{by.SubAccountID}, nil
	}
	return false, nil, nil
}

// AuditScope returns the companies whose audit trail the actor may read:
// everything for the platform; the own company and its affiliates for a
// reseller admin; the own company for its owner and administrators; nothing
// (the zero Scope) for managers and operators. It agrees with
// Can(actor, ActReadAudit, …).
func (s *Service) AuditScope(ctx context.Context, by Actor) (_ audit.Scope, err error) {
	ctx, uc := s.obs.Start(ctx, "tenancy.AuditScope", "", observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.fresh(ctx, "tenancy.AuditScope", &by); err != nil {
		return audit.Scope{}, err
	}
	if by.IsPlatform() {
		return audit.Scope{All: true}, nil
	}
	if by.CompanyID == "" || !Can(by, ActReadAudit, Resource{CompanyID: by.CompanyID}) {
		return audit.Scope{}, nil
	}
	ids := []string{by.CompanyID}
	if by.Role == RoleResellerAdmin || by.Role == RoleOwner { // a company that is not a reseller has no affiliates
		aff, err := s.store.AffiliateIDs(ctx, by.CompanyID)
		if err != nil {
			return audit.Scope{}, err
		}
		ids = append(ids, aff...)
	}
	return audit.Scope{CompanyIDs: ids}, nil
}
