package tenancy

import (
	"context"
	"time"
)

// Store is the persistence tenancy needs. Backends implement it in
// storage/memory and storage/bunstore and prove it with
// storage/storagetest. Every method takes part in the transaction ctx carries
// (storage.Transactor.InTx). Errors: storage.ErrNotFound for a missing row,
// storage.ErrConflict for a violated uniqueness rule (slug, e-mail, sub-account
// name, membership), storage.ErrUnavailable/ErrInternal/ErrRetryable from the
// database.
type Store interface {
	// CreateCompany inserts c. Conflict: c.Slug already taken.
	CreateCompany(ctx context.Context, c *Company) error
	// UpdateCompany rewrites every field of the company c.ID.
	UpdateCompany(ctx context.Context, c *Company) error
	// GetCompany reads a company; forUpdate also locks its row until the
	// transaction ends (backends without row locks serialise writers anyway).
	GetCompany(ctx context.Context, id string, forUpdate bool) (*Company, error)
	// CompanyBySlug finds the reseller whose registration slug is slug.
	CompanyBySlug(ctx context.Context, slug string) (*Company, error)
	// AffiliateIDs lists the IDs of resellerID's affiliates, ascending.
	AffiliateIDs(ctx context.Context, resellerID string) ([]string, error)
	// SearchCompanies returns up to q.Limit companies in q's scope whose
	// SearchText contains q.Text, ordered by ID, after q.AfterID.
	SearchCompanies(ctx context.Context, q CompanyQuery) ([]Company, error)

	// CreateSubAccount inserts s. Conflict: same NameKey in the company.
	CreateSubAccount(ctx context.Context, s *SubAccount) error
	// UpdateSubAccount rewrites s (by CompanyID and ID). Conflict as above.
	UpdateSubAccount(ctx context.Context, s *SubAccount) error
	// GetSubAccount reads a sub-account of companyID.
	GetSubAccount(ctx context.Context, companyID, id string) (*SubAccount, error)
	// ListSubAccounts lists a company's sub-accounts by name.
	ListSubAccounts(ctx context.Context, companyID string) ([]SubAccount, error)
	// SubAccountsAfter lists up to limit sub-accounts of companyID ordered by
	// (NameKey, ID) after the key (afterNameKey, afterID); "" "" from the start.
	SubAccountsAfter(ctx context.Context, companyID, afterNameKey, afterID string, limit int) ([]SubAccount, error)

	// CreateUser inserts u. Conflict: another user has the same EmailKey.
	CreateUser(ctx context.Context, u *UserRecord) error
	// UpdateUser rewrites u (names, password hash, timestamps).
	UpdateUser(ctx context.Context, u *UserRecord) error
	// GetUser reads a user, with its password hash, by ID.
	GetUser(ctx context.Context, id string) (*UserRecord, error)
	// UserByEmail reads a user, with its password hash, by EmailKey(email).
	UserByEmail(ctx context.Context, email string) (*UserRecord, error)

	// CreateMember inserts m. Conflict: the user is already a member.
	CreateMember(ctx context.Context, m *Member) error
	// UpdateMember rewrites m's role and sub-account.
	UpdateMember(ctx context.Context, m *Member) error
	// DeleteMember removes a membership (the user stays). ErrNotFound if absent.
	DeleteMember(ctx context.Context, companyID, userID string) error
	// GetMember reads a membership.
	GetMember(ctx context.Context, companyID, userID string) (*Member, error)
	// LockMember reads a membership inside a transaction as a write of it:
	// a concurrent DeleteMember or UpdateMember of the same membership
	// conflicts with the caller's transaction, also when the two run on
	// different nodes of a multi-primary cluster, where a row lock taken by
	// a read does not reach the other nodes. ErrNotFound if absent.
	LockMember(ctx context.Context, companyID, userID string) (*Member, error)
	// ListMembers returns up to q.Limit employees of q.CompanyID ordered by
	// user ID after q.AfterUserID, filtered as q says.
	ListMembers(ctx context.Context, q MemberQuery) ([]Employee, error)
	// Memberships lists every membership of userID, by company ID.
	Memberships(ctx context.Context, userID string) ([]Member, error)

	// PutToken inserts a single-use token (its hash only). Conflict: the
	// same hash exists.
	PutToken(ctx context.Context, t *UserToken) error
	// GetToken reads the token of purpose whose hash is hash.
	GetToken(ctx context.Context, purpose TokenPurpose, hash string) (*UserToken, error)
	// DeleteToken removes the token whose hash is hash, so it is used at
	// most once: of two transactions deleting it, one gets ErrNotFound.
	DeleteToken(ctx context.Context, hash string) error
	// DeleteUserTokens removes every token of userID for purpose (none is fine).
	DeleteUserTokens(ctx context.Context, userID string, purpose TokenPurpose) error
	// DeleteExpiredTokens removes every token that expired at or before
	// before, and returns how many.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)
}

// TokenPurpose says what a UserToken confirms.
type TokenPurpose string

// Token purposes.
const (
	TokenEmailChange   TokenPurpose = "email_change"   // RequestEmailChange → ConfirmEmailChange
	TokenPasswordReset TokenPurpose = "password_reset" // RequestPasswordReset → ResetPassword
	TokenInvitation    TokenPurpose = "invitation"     // IssueInvitation → RegisterAffiliate
)

// UserToken is a pending single-use token as a Store keeps it: the SHA-256
// of the token (hex), never the token, which travels sealed in the outbox
// to the address that must prove it receives mail.
type UserToken struct {
	Hash        string
	Purpose     TokenPurpose
	UserID      string // "" for an invitation
	CompanyID   string // the company the request was made in ("" for a password reset; the reseller for an invitation)
	NewEmail    string // the address an e-mail change moves to, or an invitation was sent to
	RequestedBy string // the user who asked (the user itself, or an administrator)
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// CompanyQuery is a company search as the Service hands it to a Store.
type CompanyQuery struct {
	Text string // NormalizeQuery output; "" matches every company; match is a substring of SearchText
	// Scope: All, or the company ScopeID (and, when WithAffiliates, every
	// company whose ResellerID is ScopeID).
	All            bool
	ScopeID        string
	WithAffiliates bool
	Status         CompanyStatus // when non-empty: only companies with this status
	Kind           CompanyKind   // when non-empty: only companies of this kind
	AfterID        string
	Limit          int
}

// MemberQuery selects employees of one company.
type MemberQuery struct {
	CompanyID    string
	SubAccountID string // when OnlySub: only members of this sub-account
	OnlySub      bool
	UserID       string   // when non-empty: only this user
	Role         Role     // when non-empty: only members with this role
	Text         string   // when non-empty: only users whose SearchKey contains it (NormalizeQuery output)
	UserIDs      []string // when non-empty: only these users (at most storage.MaxPageSize)
	AfterUserID  string
	Limit        int
}
