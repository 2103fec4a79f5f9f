package tenancy

import (
	"strings"
	"time"
	"unicode"
)

// Company is a tenant: a reseller (VAR) or a regular company, possibly an
// affiliate of exactly one reseller.
//
// Invariants the Service keeps: only a reseller has affiliates and a
// registration Slug; an affiliate is always a regular company, so a reseller
// is never an affiliate and the hierarchy is at most two levels deep with no
// cycles; OwnerUserID names the one member whose role is RoleOwner.
type Company struct {
	ID                 string        `json:"id"`
	Kind               CompanyKind   `json:"kind"`
	LegalName          string        `json:"legal_name"`          // changed by the platform only
	RegistrationNumber string        `json:"registration_number"` // changed by the platform only
	TaxID              string        `json:"tax_id"`              // INN: the company's one tax identity (SetTaxIdentity)
	KPP                string        `json:"kpp,omitempty"`       // the KPP next to a 10-digit INN (SetTaxIdentity)
	DisplayName        string        `json:"display_name"`
	Status             CompanyStatus `json:"status"`
	ResellerID         string        `json:"reseller_id"` // "" unless an affiliate
	Slug               string        `json:"slug"`        // a reseller's registration slug, "" otherwise
	OwnerUserID        string        `json:"owner_user_id"`
	// OpenRegistration: anyone with the reseller's link may register a
	// company (RegisterAffiliate); otherwise only invited ones
	// (IssueInvitation). A reseller's switch (SetOpenRegistration); false
	// for a new reseller and for every regular company.
	OpenRegistration bool      `json:"open_registration"`
	CreatedAt        time.Time `json:"created_at" audit:"-"`
	UpdatedAt        time.Time `json:"updated_at" audit:"-"`
}

// Ref returns the company's Directory view.
func (c *Company) Ref() CompanyRef {
	return CompanyRef{ID: c.ID, Kind: c.Kind, ResellerID: c.ResellerID, Status: c.Status}
}

// Resource returns the authorization resource for the company's own data.
func (c *Company) Resource() Resource { return c.Ref().Resource() }

// SearchText is the text company search matches against: legal name,
// display name, ID, tax ID (INN), registration number and, when set, KPP,
// lower-cased (Unicode, so Cyrillic names fold too) and joined by a
// separator a query cannot contain. Every backend stores or computes
// exactly this.
func (c *Company) SearchText() string {
	parts := []string{c.LegalName, c.DisplayName, c.ID, c.TaxID, c.RegistrationNumber}
	if c.KPP != "" {
		parts = append(parts, c.KPP)
	}
	return strings.ToLower(strings.Join(parts, "\x1f"))
}

// NormalizeQuery turns user input into the needle company search looks for:
// trimmed, lower-cased, control characters removed. Wildcards (% _ * ?) are
// ordinary characters: backends escape them.
func NormalizeQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, q)
	return strings.ToLower(strings.TrimSpace(q))
}

// SubAccount is a named division of a company. Managers belong to one and
// see only its data; administrators see all.
type SubAccount struct {
	ID        string    `json:"id"`
	CompanyID string    `json:"company_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at" audit:"-"`
	UpdatedAt time.Time `json:"updated_at" audit:"-"`
}

// NameKey is the case-folded name that must be unique within the company.
func (s *SubAccount) NameKey() string { return strings.ToLower(strings.TrimSpace(s.Name)) }

// User is a person with a login. The e-mail is the login, unique across the
// platform compared case-insensitively (EmailKey). A user is a Member of one
// or more companies. A User carries no credential: the password hash lives
// only in the UserRecord a Store keeps, and no Service method returns one.
type User struct {
	ID                string    `json:"id"`
	Email             string    `json:"email"`
	FirstName         string    `json:"first_name"`
	LastName          string    `json:"last_name"`
	Phone             string    `json:"phone"` // E.164 (+ and up to 15 digits), "" when none; SetPhone
	PasswordChangedAt time.Time `json:"password_changed_at" audit:"-"`
	CreatedAt         time.Time `json:"created_at" audit:"-"`
	UpdatedAt         time.Time `json:"updated_at" audit:"-"`
}

// SearchKey is the text employee search (FindEmployees) matches a
// substring of: first name, last name and e-mail, lower-cased (Unicode) and
// joined by spaces. Every backend stores or computes exactly this.
func (u *User) SearchKey() string {
	return strings.ToLower(u.FirstName + " " + u.LastName + " " + u.Email)
}

// EmailKey is the case-folded e-mail the platform-wide uniqueness rule compares.
func (u *User) EmailKey() string { return EmailKey(u.Email) }

// EmailKey folds an e-mail address for comparison.
func EmailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Member is a user's membership in one company: the role it acts in there
// and, for managers and operators, its sub-account.
type Member struct {
	CompanyID    string `json:"company_id"`
	UserID       string `json:"user_id"`
	Role         Role   `json:"role"`
	SubAccountID string `json:"sub_account_id"`
	// Deactivated: the member may not act in the company (Verify, ActorFor)
	// nor be given anything there (LockMember) until ReactivateMember; see
	// DeactivateMember for what it keeps.
	Deactivated bool      `json:"deactivated"`
	CreatedAt   time.Time `json:"created_at" audit:"-"`
	UpdatedAt   time.Time `json:"updated_at" audit:"-"`
}

// Ref returns the membership's Directory view in company c (its reseller
// and whether it is suspended, as read in the same transaction).
func (m *Member) Ref(c CompanyRef) MemberRef {
	return MemberRef{UserID: m.UserID, CompanyID: m.CompanyID, ResellerID: c.ResellerID, Role: m.Role, SubAccountID: m.SubAccountID,
		Deactivated: m.Deactivated, CompanySuspended: c.Status == StatusSuspended}
}

// Employee is a member together with its user, as listings return it.
type Employee struct {
	Member
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
}
