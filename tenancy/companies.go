package tenancy

import (
	"context"
	"errors"
	"strings"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// Person names a new user.
type Person struct {
	FirstName string `json:"first_name" validate:"required,text,max=100"`
	LastName  string `json:"last_name" validate:"required,text,max=100"`
	Email     string `json:"email" validate:"required,text,max=254,email"`
}

// LegalIdentity is the part of a company only the platform may change.
type LegalIdentity struct {
	LegalName          string `json:"legal_name" validate:"required,text,max=255"`
	RegistrationNumber string `json:"registration_number" validate:"text,max=64"`
	TaxID              string `json:"tax_id" validate:"omitempty,text,max=12,inn"` // INN
}

// NewCompany is what the platform gives to create a company with its owner.
type NewCompany struct {
	Kind               CompanyKind `json:"kind" validate:"required,text,company_kind"`
	LegalName          string      `json:"legal_name" validate:"required,text,max=255"`
	RegistrationNumber string      `json:"registration_number" validate:"text,max=64"`
	TaxID              string      `json:"tax_id" validate:"omitempty,text,max=12,inn"`
	DisplayName        string      `json:"display_name" validate:"text,max=255"` // defaults to the legal name
	Slug               string      `json:"slug" validate:"omitempty,text,slug"`  // required for a reseller, refused otherwise
	ResellerID         string      `json:"reseller_id" validate:"text,max=64"`   // create it directly as that reseller's affiliate
	Owner              Person      `json:"owner"`
}

// NewAffiliate is what a company registering through a reseller's link gives.
type NewAffiliate struct {
	LegalName          string `json:"legal_name" validate:"required,text,max=255"`
	RegistrationNumber string `json:"registration_number" validate:"text,max=64"`
	TaxID              string `json:"tax_id" validate:"omitempty,text,max=12,inn"`
	DisplayName        string `json:"display_name" validate:"text,max=255"`
	Owner              Person `json:"owner"`
	// Invitation is the token of the reseller's invitation (IssueInvitation),
	// required unless the reseller's registration is open.
	Invitation string `json:"invitation" validate:"text,max=64"`
}

const opCreateCompany = "tenancy.CreateCompany"

// CreateCompany creates a company and makes owner its account owner — the
// platform's bootstrap of a tenant (and of the first reseller). If a user
// with the owner's e-mail exists, that person becomes the owner and keeps
// its password; otherwise a user is registered with a generated password,
// written sealed to the outbox with the change (OnCredentials).
//
// Authorised: ActPlatform. Validated: every field; a reseller needs a slug,
// a regular company must not have one; ResellerID must name a reseller
// (field reseller_id) and the new company must then be regular (field kind).
// Errors: *storage.ValidationError, storage.ErrForbidden, storage.ErrConflict
// (slug taken). Atomic: company, user, membership and their audit events.
func (s *Service) CreateCompany(ctx context.Context, by Actor, in NewCompany) (_ Company, _ User, err error) {
	ctx, uc := s.obs.Start(ctx, "tenancy.CreateCompany", "", "tenancy.company.create")
	defer func() { uc.End(err) }()
	const op = opCreateCompany
	storage.Normalize(&in)
	if err := s.validateNewCompany(ctx, op, &in); err != nil {
		return Company{}, User{}, err
	}
	return s.withOwnerPassword(ctx, op, func(ctx context.Context, hash string) (Company, User, bool, error) {
		if err := s.fresh(ctx, op, &by); err != nil {
			return Company{}, User{}, false, err
		}
		if err := Authorize(op, by, ActPlatform, Resource{}); err != nil {
			return Company{}, User{}, false, err
		}
		if in.ResellerID != "" {
			r, err := s.store.GetCompany(ctx, in.ResellerID, true)
			if errors.Is(err, storage.ErrNotFound) {
				return Company{}, User{}, false, storage.Invalid(op, "reseller_id", "exists", "no such company")
			} else if err != nil {
				return Company{}, User{}, false, err
			}
			if err := checkReseller(op, r); err != nil {
				return Company{}, User{}, false, err
			}
		}
		return s.createCompany(ctx, op, by, in.Kind, LegalIdentity{in.LegalName, in.RegistrationNumber, in.TaxID}, in.DisplayName, in.Slug, in.ResellerID, in.Owner, hash, true)
	})
}

// withOwnerPassword generates a password and its hash outside any
// transaction (hashing is slow and a retried attempt must not re-hash), runs
// create with the hash in one transaction, and writes the password to the
// outbox in it when create registered a new user: the shape of
// CreateCompany and RegisterAffiliate.
func (s *Service) withOwnerPassword(ctx context.Context, op string, create func(ctx context.Context, hash string) (Company, User, bool, error)) (Company, User, error) {
	pw, hash, err := s.newPassword()
	if err != nil {
		return Company{}, User{}, err
	}
	var c Company
	var u User
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		var created bool
		var err error
		if c, u, created, err = create(ctx, hash); err != nil {
			return err
		}
		if created {
			if err := s.sendCredentials(ctx, op, u, c.ID, pw); err != nil {
				return err
			}
		}
		return nil
	}))
	if err != nil {
		return Company{}, User{}, err
	}
	return c, u, nil
}

func (s *Service) validateNewCompany(ctx context.Context, op string, in *NewCompany) error {
	verr := &storage.ValidationError{Op: op}
	if err := s.validate(ctx, op, in); err != nil && !errors.As(err, &verr) {
		return err
	}
	switch {
	case in.Kind == KindReseller && in.Slug == "":
		verr.Add("slug", "required", "is required for a reseller")
	case in.Kind == KindRegular && in.Slug != "":
		verr.Add("slug", "excluded", "only a reseller has a registration slug")
	}
	if in.ResellerID != "" && in.Kind == KindReseller {
		verr.Add("kind", "affiliate", "an affiliate is a regular company; a reseller cannot have a reseller")
	}
	return verr.Err()
}

// checkReseller refuses r as the reseller of an affiliate unless it is an
// active-or-suspended reseller that is not itself an affiliate.
func checkReseller(op string, r *Company) error {
	switch {
	case r.Kind != KindReseller:
		return storage.Invalid(op, "reseller_id", "reseller", "only a reseller may have affiliates")
	case r.ResellerID != "":
		return storage.Invalid(op, "reseller_id", "depth", "an affiliate cannot have affiliates")
	}
	return nil
}

// createCompany stores a company with its owner inside the running
// transaction. reuseUser lets an existing user with the owner's e-mail
// become the owner; otherwise such a user is a conflict. created reports
// whether a new user (with the password behind hash) was registered.
func (s *Service) createCompany(ctx context.Context, op string, by Actor, kind CompanyKind, legal LegalIdentity,
	display, slug, resellerID string, owner Person, hash string, reuseUser bool) (Company, User, bool, error) {
	now := s.now()
	if display == "" {
		display = legal.LegalName
	}
	c := Company{ID: storage.NewID(), Kind: kind, LegalName: legal.LegalName, RegistrationNumber: legal.RegistrationNumber,
		TaxID: legal.TaxID, DisplayName: display, Status: StatusActive, ResellerID: resellerID, Slug: slug,
		CreatedAt: now, UpdatedAt: now}
	u, created, err := s.findOrCreateUser(ctx, op, owner, hash, reuseUser)
	if err != nil {
		return Company{}, User{}, false, err
	}
	c.OwnerUserID = u.ID
	if by.UserID == "" && by.Role == RoleOwner { // self-registration: the new owner acts
		by.UserID, by.CompanyID = u.ID, c.ID
	}
	if err := s.store.CreateCompany(ctx, &c); err != nil {
		return Company{}, User{}, false, err
	}
	m := Member{CompanyID: c.ID, UserID: u.ID, Role: RoleOwner, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateMember(ctx, &m); err != nil {
		return Company{}, User{}, false, err
	}
	action := "tenancy.company.create"
	if by.Role == RoleOwner {
		action = "tenancy.company.register"
	}
	if err := s.record(ctx, by, c.ID, action, "company", c.ID, audit.Diff(nil, &c)); err != nil {
		return Company{}, User{}, false, err
	}
	if created {
		if err := s.record(ctx, by, c.ID, "tenancy.user.register", "user", u.ID, userChanges(nil, &UserRecord{User: u, PasswordHash: hash})); err != nil {
			return Company{}, User{}, false, err
		}
	}
	if err := s.record(ctx, by, c.ID, "tenancy.member.add", "member", u.ID, audit.Diff(nil, &m)); err != nil {
		return Company{}, User{}, false, err
	}
	return c, u, created, nil
}

const opRegisterAffiliate = "tenancy.RegisterAffiliate"

// RegisterAffiliate registers a new company through the registration link of
// the reseller whose slug is slug: the company becomes that reseller's
// affiliate and the person in in.Owner its owner, with a generated password
// delivered through the outbox (OnCredentials). It is the one anonymous use case (the
// person has no account yet); the audit trail records the new owner as the
// actor, in the new company's chain, which the reseller can read.
//
// A reseller whose registration is not open (SetOpenRegistration) registers
// invited companies only: in.Invitation must be a token of its own
// IssueInvitation, unexpired and unused (field invitation); the token is
// used up with the registration, in its transaction. Where registration is
// open an invitation is optional (and used up if given). The host's limiter
// (WithRegistrationLimiter) is asked first, keyed "registration:" + slug.
//
// Errors: storage.ErrNotFound for an unknown slug; storage.ErrSuspended if the
// reseller is suspended; storage.ErrConflict if the e-mail already has an
// account (an existing person is attached by the platform instead);
// storage.ErrLimitExceeded when the limiter refuses;
// *storage.ValidationError naming fields.
func (s *Service) RegisterAffiliate(ctx context.Context, slug string, in NewAffiliate) (_ Company, _ User, err error) {
	ctx, uc := s.obs.Start(ctx, "tenancy.RegisterAffiliate", "", "tenancy.company.register")
	defer func() { uc.End(err) }()
	const op = opRegisterAffiliate
	storage.Normalize(&in)
	if err := s.validate(ctx, op, &in); err != nil {
		return Company{}, User{}, err
	}
	if s.registerLimit != nil {
		if err := s.registerLimit.Allow(ctx, "registration:"+strings.ToLower(strings.TrimSpace(slug))); err != nil {
			return Company{}, User{}, storage.Wrap(op, storage.ErrLimitExceeded, err)
		}
	}
	return s.withOwnerPassword(ctx, op, func(ctx context.Context, hash string) (Company, User, bool, error) {
		r, err := s.store.CompanyBySlug(ctx, strings.ToLower(strings.TrimSpace(slug)))
		if err != nil {
			return Company{}, User{}, false, err
		}
		if r, err = s.store.GetCompany(ctx, r.ID, true); err != nil {
			return Company{}, User{}, false, err
		}
		if r.Status != StatusActive {
			return Company{}, User{}, false, storage.Suspended(op, "reseller %s is suspended", r.ID)
		}
		if err := checkReseller(op, r); err != nil {
			return Company{}, User{}, false, storage.NotFound(op, "registration link", slug)
		}
		if err := s.useInvitation(ctx, op, r, in.Invitation); err != nil {
			return Company{}, User{}, false, err
		}
		// reuseUser false: the owner is always a new user, so always notified.
		return s.createCompany(ctx, op, Actor{Role: RoleOwner}, KindRegular, LegalIdentity{in.LegalName, in.RegistrationNumber, in.TaxID}, in.DisplayName, "", r.ID, in.Owner, hash, false)
	})
}

// GetCompany returns a company the actor may view (ActView on the company).
// storage.ErrForbidden for a company that is invisible or does not exist
// (storage.ErrNotFound for the platform).
func (s *Service) GetCompany(ctx context.Context, by Actor, id string) (_ Company, err error) {
	const op = "tenancy.GetCompany"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.fresh(ctx, op, &by); err != nil {
		return Company{}, err
	}
	c, err := s.loadCompany(ctx, op, by, ActView, id, false)
	if err != nil {
		return Company{}, err
	}
	if err := Authorize(op, by, ActView, c.Resource()); err != nil {
		return Company{}, err
	}
	return *c, nil
}

// updateCompany is the shape of every company mutation: lock, authorise act,
// let change validate and modify a copy, store, audit.
func (s *Service) updateCompany(ctx context.Context, op string, by Actor, id string, act Action, action string,
	change func(ctx context.Context, c *Company) error) (Company, error) {
	var out Company
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		before, err := s.loadCompany(ctx, op, by, act, id, true)
		if err != nil {
			return err
		}
		if err := Authorize(op, by, act, before.Resource()); err != nil {
			return err
		}
		after := *before
		if err := change(ctx, &after); err != nil {
			return err
		}
		after.UpdatedAt = s.now()
		if err := s.store.UpdateCompany(ctx, &after); err != nil {
			return err
		}
		if err := s.record(ctx, by, after.ID, action, "company", after.ID, audit.Diff(before, &after)); err != nil {
			return err
		}
		out = after
		return nil
	}))
	return out, err
}

// SetDisplayName changes the company's display name. Authorised:
// ActEditSettings (owner, administrators, its reseller, the platform).
func (s *Service) SetDisplayName(ctx context.Context, by Actor, companyID, name string) (_ Company, err error) {
	const op = "tenancy.SetDisplayName"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.update")
	defer func() { uc.End(err) }()
	name = storage.NormalizeText(name)
	return s.updateCompany(ctx, op, by, companyID, ActEditSettings, "tenancy.company.update", func(_ context.Context, c *Company) error {
		if err := (&storage.ValidationError{Op: op}).CheckText("display_name", name, 255, true).Err(); err != nil {
			return err
		}
		c.DisplayName = name
		return nil
	})
}

// SetLegalIdentity changes legal name, registration number and tax ID.
// Authorised: ActPlatform only (company admins cannot change them).
func (s *Service) SetLegalIdentity(ctx context.Context, by Actor, companyID string, in LegalIdentity) (_ Company, err error) {
	const op = "tenancy.SetLegalIdentity"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.legal_identity")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.updateCompany(ctx, op, by, companyID, ActPlatform, "tenancy.company.legal_identity", func(_ context.Context, c *Company) error {
		if err := s.validate(ctx, op, &in); err != nil {
			return err
		}
		c.LegalName, c.RegistrationNumber, c.TaxID = in.LegalName, in.RegistrationNumber, in.TaxID
		return nil
	})
}

// SetStatus activates or suspends a company. Authorised: ActPlatform (the
// System actor of the credit rules is a platform actor).
func (s *Service) SetStatus(ctx context.Context, by Actor, companyID string, status CompanyStatus) (_ Company, err error) {
	const op = "tenancy.SetStatus"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.status")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, ActPlatform, "tenancy.company.status", func(_ context.Context, c *Company) error {
		if status != StatusActive && status != StatusSuspended {
			return storage.Invalid(op, "status", "oneof", "must be one of active suspended")
		}
		c.Status = status
		return nil
	})
}

// SetKind turns a company into a reseller (with registration slug slug) or a
// regular company. Authorised: ActPlatform. Refused (field kind): making an
// affiliate a reseller (depth would exceed 2), making a company with
// affiliates regular. A reseller needs a valid slug (field slug); becoming
// regular clears it. storage.ErrConflict if the slug is taken.
func (s *Service) SetKind(ctx context.Context, by Actor, companyID string, kind CompanyKind, slug string) (_ Company, err error) {
	const op = "tenancy.SetKind"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.kind")
	defer func() { uc.End(err) }()
	slug = storage.NormalizeText(slug)
	return s.updateCompany(ctx, op, by, companyID, ActPlatform, "tenancy.company.kind", func(ctx context.Context, c *Company) error {
		switch kind {
		case KindReseller:
			if c.ResellerID != "" {
				return storage.Invalid(op, "kind", "affiliate", "an affiliate cannot become a reseller")
			}
			if !slugRE.MatchString(slug) {
				return storage.Invalid(op, "slug", "slug", "must be 3-63 lower-case letters, digits or inner hyphens")
			}
			c.Slug = slug
		case KindRegular:
			aff, err := s.store.AffiliateIDs(ctx, c.ID)
			if err != nil {
				return err
			}
			if len(aff) > 0 {
				return storage.Invalid(op, "kind", "has_affiliates", "a company with affiliates must stay a reseller")
			}
			c.Slug, c.OpenRegistration = "", false
		default:
			return storage.Invalid(op, "kind", "company_kind", "must be one of regular reseller")
		}
		c.Kind = kind
		return nil
	})
}

// SetReseller attaches the company to the reseller resellerID, moves it from
// one reseller to another, or detaches it (resellerID ""). Authorised:
// ActPlatform (in the product it is a support request). Refused: a reseller
// as an affiliate (field company_id), a reseller_id that is not a reseller or
// is itself an affiliate (field reseller_id).
func (s *Service) SetReseller(ctx context.Context, by Actor, companyID, resellerID string) (_ Company, err error) {
	const op = "tenancy.SetReseller"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.attach")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, ActPlatform, "tenancy.company.attach", func(ctx context.Context, c *Company) error {
		if resellerID == "" {
			c.ResellerID = ""
			return nil
		}
		if c.Kind == KindReseller {
			return storage.Invalid(op, "company_id", "affiliate", "a reseller cannot be an affiliate")
		}
		if resellerID == c.ID {
			return storage.Invalid(op, "reseller_id", "cycle", "a company cannot be its own reseller")
		}
		r, err := s.store.GetCompany(ctx, resellerID, true)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Invalid(op, "reseller_id", "exists", "no such company")
		} else if err != nil {
			return err
		}
		if err := checkReseller(op, r); err != nil {
			return err
		}
		c.ResellerID = resellerID
		return nil
	})
}

// ChangeOwner makes the member userID the company's account owner; the
// previous owner stays a member as an administrator. Authorised: ActPlatform.
// Refused (field user_id): a user who is not a member of the company.
func (s *Service) ChangeOwner(ctx context.Context, by Actor, companyID, userID string) (_ Company, err error) {
	const op = "tenancy.ChangeOwner"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.owner")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, ActPlatform, "tenancy.company.owner", func(ctx context.Context, c *Company) error {
		if userID == c.OwnerUserID {
			return nil
		}
		next, err := s.store.GetMember(ctx, c.ID, userID)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Invalid(op, "user_id", "member", "is not a member of the company")
		} else if err != nil {
			return err
		}
		if next.Deactivated {
			return storage.Invalid(op, "user_id", "active", "the member is deactivated")
		}
		now := s.now()
		if c.OwnerUserID != "" {
			prev, err := s.store.GetMember(ctx, c.ID, c.OwnerUserID)
			if err != nil && !errors.Is(err, storage.ErrNotFound) {
				return err
			}
			if err == nil {
				if err := s.regrant(ctx, by, prev, RoleAdministrator, "", now); err != nil {
					return err
				}
			}
		}
		if err := s.regrant(ctx, by, next, RoleOwner, "", now); err != nil {
			return err
		}
		c.OwnerUserID = userID
		return nil
	})
}

// companyCursor is the keyset position of a search page.
type companyCursor struct {
	ID string `json:"id"`
}

// SearchCompanies finds companies whose legal name, display name, ID, tax ID
// or registration number contains query (case-insensitive; "" lists all),
// among those the actor may see: all for the platform; itself and its
// affiliates for a reseller admin; its own company for owners,
// administrators and managers; none for operators. Results are ordered by
// ID (creation order) with keyset pagination. Wildcard characters in query
// are literal. Errors: *storage.ValidationError for a query over 255
// characters or that is not single-line text (storage.ValidText), or a
// malformed cursor.
func (s *Service) SearchCompanies(ctx context.Context, by Actor, query string, page storage.PageRequest) (_ storage.Page[Company], err error) {
	const op = "tenancy.SearchCompanies"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	return s.findCompanies(ctx, op, by, CompanyFilter{Query: query}, page)
}

// CompanyFilter is FindCompanies's query: text as SearchCompanies's (a
// substring of the legal name, display name, ID, INN, KPP or registration
// number; "" matches all), and optionally one status and one kind.
type CompanyFilter struct {
	Query  string        `json:"query"`
	Status CompanyStatus `json:"status,omitempty"`
	Kind   CompanyKind   `json:"kind,omitempty"`
}

// FindCompanies is SearchCompanies with filters: the companies the actor
// may see whose search text contains f.Query and, when given, whose status
// is f.Status and kind f.Kind. Same scope, order, pagination and indexes
// (the filters narrow the text search's candidates). Errors: as
// SearchCompanies, and *storage.ValidationError (fields "status", "kind")
// for an unknown status or kind.
func (s *Service) FindCompanies(ctx context.Context, by Actor, f CompanyFilter, page storage.PageRequest) (_ storage.Page[Company], err error) {
	const op = "tenancy.FindCompanies"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	return s.findCompanies(ctx, op, by, f, page)
}

func (s *Service) findCompanies(ctx context.Context, op string, by Actor, f CompanyFilter, page storage.PageRequest) (storage.Page[Company], error) {
	if err := s.fresh(ctx, op, &by); err != nil {
		return storage.Page[Company]{}, err
	}
	q := CompanyQuery{Text: NormalizeQuery(f.Query), Status: f.Status, Kind: f.Kind, Limit: page.Size() + 1}
	ve := (&storage.ValidationError{Op: op}).CheckText("query", q.Text, 255, false)
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusSuspended {
		ve.Add("status", "oneof", "must be one of active suspended")
	}
	if f.Kind != "" && f.Kind != KindRegular && f.Kind != KindReseller {
		ve.Add("kind", "oneof", "must be one of regular reseller")
	}
	if err := ve.Err(); err != nil {
		return storage.Page[Company]{}, err
	}
	if page.After != "" {
		var cur companyCursor
		if err := storage.DecodeCursor(op, page.After, &cur); err != nil {
			return storage.Page[Company]{}, err
		}
		q.AfterID = cur.ID
	}
	switch {
	case by.IsPlatform():
		q.All = true
	case by.CompanyID == "" || !Can(by, ActView, Resource{CompanyID: by.CompanyID}):
		return storage.Page[Company]{}, nil
	default:
		q.ScopeID, q.WithAffiliates = by.CompanyID, by.Role == RoleResellerAdmin || by.Role == RoleOwner
	}
	items, err := s.store.SearchCompanies(ctx, q)
	if err != nil {
		return storage.Page[Company]{}, err
	}
	out := storage.Page[Company]{Items: items}
	if len(items) > page.Size() {
		out.Items = items[:page.Size()]
		out.NextCursor = storage.EncodeCursor(companyCursor{ID: out.Items[len(out.Items)-1].ID})
	}
	return out, nil
}
