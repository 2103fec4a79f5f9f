package tenancy

import "context"

// CompanyKind distinguishes resellers (VARs), which may have affiliates, from
// regular companies.
type CompanyKind string

// Company kinds.
const (
	KindRegular  CompanyKind = "regular"
	KindReseller CompanyKind = "reseller"
)

// CompanyStatus is a company's standing as the platform set it.
type CompanyStatus string

// Company statuses.
const (
	StatusActive    CompanyStatus = "active"
	StatusSuspended CompanyStatus = "suspended"
)

// CompanyRef is what other domains need to know about a company to authorise
// and scope their operations.
type CompanyRef struct {
	ID         string
	Kind       CompanyKind
	ResellerID string // "" unless the company is an affiliate
	Status     CompanyStatus
}

// Resource returns the authorization resource for company-wide data of c.
func (c CompanyRef) Resource() Resource {
	return Resource{CompanyID: c.ID, ResellerID: c.ResellerID, Reseller: c.Kind == KindReseller, Suspended: c.Status == StatusSuspended}
}

// MemberRef is a user's membership in one company.
type MemberRef struct {
	UserID       string
	CompanyID    string
	ResellerID   string // the company's reseller, for Resource
	Role         Role
	SubAccountID string
	Deactivated  bool // the member is deactivated (DeactivateMember)
	// CompanySuspended says the company is suspended (StatusSuspended), for
	// Resource and the suspension rule of Authorize.
	CompanySuspended bool
}

// Resource returns the authorization resource for this member's own data.
func (m MemberRef) Resource() Resource {
	return Resource{CompanyID: m.CompanyID, ResellerID: m.ResellerID, SubAccountID: m.SubAccountID, UserID: m.UserID,
		Suspended: m.CompanySuspended}
}

// Directory is the read-only view of tenancy that the other domains consume
// (licensing, account, compliance, presence). tenancy.Service implements it;
// tests may use a fake. Company, Member and LockMember return
// storage.ErrNotFound for an unknown company or a user who is not a member
// of that company.
type Directory interface {
	Company(ctx context.Context, companyID string) (CompanyRef, error)
	Member(ctx context.Context, companyID, userID string) (MemberRef, error)
	// LockMember is Member taken under the lock RemoveMember also takes
	// (the company row, then the membership): a write gated by "is a
	// member" calls it, in its transaction, before it writes. A
	// deactivated member is storage.ErrPrecondition: nothing is given to
	// it until it is reactivated.
	LockMember(ctx context.Context, companyID, userID string) (MemberRef, error)
	// Verify re-reads the actor's membership in the running transaction and
	// returns the fresh actor (stored role and sub-account); a removed or
	// deactivated member is storage.ErrForbidden. Platform actors pass unchanged.
	Verify(ctx context.Context, a Actor) (Actor, error)
}
