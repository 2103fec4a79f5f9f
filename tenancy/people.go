package tenancy

import (
	"context"
	"errors"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// NewEmployee is what an administrator (or a manager) gives to register a
// person in a company.
type NewEmployee struct {
	FirstName string `json:"first_name" validate:"required,text,max=100"`
	LastName  string `json:"last_name" validate:"required,text,max=100"`
	Email     string `json:"email" validate:"required,text,max=254,email"`
	Role      Role   `json:"role" validate:"required,text,role"`
	// SubAccountID: required for a manager, optional for an operator, refused
	// for administrators and above (they see every sub-account).
	SubAccountID string `json:"sub_account_id" validate:"text,max=64"`
}

// MemberChange is a new role and sub-account for an existing member.
type MemberChange struct {
	Role         Role   `json:"role" validate:"required,text,role"`
	SubAccountID string `json:"sub_account_id" validate:"text,max=64"`
}

// newPassword generates a password and its hash (outside any transaction:
// hashing is slow and a retried transaction must not re-hash).
func (s *Service) newPassword() (pw, hash string, err error) {
	pw = generatePassword()
	hash, err = hashPassword(pw, s.cost)
	if err != nil {
		return "", "", storage.Internal("tenancy.password", err)
	}
	return pw, hash, nil
}

// findOrCreateUser returns the user with p's e-mail (when reuse allows) or
// registers a new one with the password hash.
func (s *Service) findOrCreateUser(ctx context.Context, op string, p Person, hash string, reuse bool) (User, bool, error) {
	existing, err := s.store.UserByEmail(ctx, p.Email)
	switch {
	case err == nil && reuse:
		return existing.User, false, nil
	case err == nil:
		return User{}, false, storage.Conflict(op, "e-mail %q is already registered", p.Email)
	case !errors.Is(err, storage.ErrNotFound):
		return User{}, false, err
	}
	now := s.now()
	u := UserRecord{User: User{ID: storage.NewID(), Email: p.Email, FirstName: p.FirstName, LastName: p.LastName,
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}, PasswordHash: hash}
	if err := s.store.CreateUser(ctx, &u); err != nil {
		return User{}, false, err
	}
	return u.User, true, nil
}

// checkGrant validates role and subAccountID for a member of company c and
// authorises by to grant them. Fields: role, sub_account_id.
func (s *Service) checkGrant(ctx context.Context, op string, by Actor, c *Company, role Role, subAccountID string) error {
	switch {
	case role == RoleOwner:
		return storage.Invalid(op, "role", "owner", "the owner is changed with ChangeOwner, by the platform")
	case role == RolePlatformAdmin:
		return storage.Invalid(op, "role", "platform", "platform administrators are not company members")
	case role == RoleResellerAdmin && c.Kind != KindReseller:
		return storage.Invalid(op, "role", "reseller", "only a reseller has reseller administrators")
	case role == RoleManager && subAccountID == "":
		return storage.Invalid(op, "sub_account_id", "required", "is required for a manager")
	case role.rank() >= RoleAdministrator.rank() && subAccountID != "":
		return storage.Invalid(op, "sub_account_id", "excluded", "administrators see every sub-account and have none")
	}
	if subAccountID != "" {
		if _, err := s.store.GetSubAccount(ctx, c.ID, subAccountID); errors.Is(err, storage.ErrNotFound) {
			return storage.Invalid(op, "sub_account_id", "exists", "no such sub-account in this company")
		} else if err != nil {
			return err
		}
	}
	if !CanGrant(by, role, subAccountID) {
		return forbiddenTo(op, by, "grant role "+string(role)+" here")
	}
	return nil
}

// loadForGrant loads company companyID, authorises ActManageUsers on the
// target sub-account and checkGrant's role and sub-account: the shared
// authorisation of RegisterEmployee and AddMember.
func (s *Service) loadForGrant(ctx context.Context, op string, by Actor, companyID string, role Role, subAccountID string) (*Company, error) {
	c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, false)
	if err != nil {
		return nil, err
	}
	r := c.Resource()
	r.SubAccountID = subAccountID
	if err := Authorize(op, by, ActManageUsers, r); err != nil {
		return nil, err
	}
	if err := s.checkGrant(ctx, op, by, c, role, subAccountID); err != nil {
		return nil, err
	}
	return c, nil
}

// addMember makes u a member of companyID with role and sub-account, audits
// it as tenancy.member.add and runs the MemberAddedHooks, inside the running
// transaction.
func (s *Service) addMember(ctx context.Context, by Actor, companyID string, u User, role Role, subAccountID string) (Employee, error) {
	now := s.now()
	m := Member{CompanyID: companyID, UserID: u.ID, Role: role, SubAccountID: subAccountID, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateMember(ctx, &m); err != nil {
		return Employee{}, err
	}
	if err := s.record(ctx, by, companyID, "tenancy.member.add", "member", u.ID, audit.Diff(nil, &m)); err != nil {
		return Employee{}, err
	}
	if err := s.memberAdded(ctx, by, companyID, u.ID); err != nil {
		return Employee{}, err
	}
	return Employee{Member: m, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}, nil
}

// regrant gives member m role and subAccountID, stamped now, stores it and
// audits it as tenancy.member.update, inside the running transaction.
func (s *Service) regrant(ctx context.Context, by Actor, m *Member, role Role, subAccountID string, now time.Time) error {
	before := *m
	m.Role, m.SubAccountID, m.UpdatedAt = role, subAccountID, now
	if err := s.store.UpdateMember(ctx, m); err != nil {
		return err
	}
	return s.record(ctx, by, m.CompanyID, "tenancy.member.update", "member", m.UserID, audit.Diff(&before, m))
}

// loadMember reads userID's membership in c for a use case acting on it. To
// a non-platform actor a missing membership is storage.ErrForbidden, like a
// company it may not see.
func (s *Service) loadMember(ctx context.Context, op string, by Actor, act Action, c *Company, userID string) (*Member, error) {
	m, err := s.store.GetMember(ctx, c.ID, userID)
	if errors.Is(err, storage.ErrNotFound) && !by.IsPlatform() {
		return nil, forbidden(op, by, act)
	}
	return m, err
}

const opRegisterEmployee = "tenancy.RegisterEmployee"

// RegisterEmployee creates a user account for a new person and makes it a
// member of companyID. The password is generated (crypto/rand, 128 bits),
// only its bcrypt hash is stored, and it is written sealed to the outbox in
// the same transaction (delivered to the OnCredentials handler after commit).
//
// Authorised: ActManageUsers on the target sub-account, then CanGrant
// (nobody grants above their own role; a manager registers managers into
// its own sub-account only). Validated: names, e-mail, role, sub-account
// (see NewEmployee; a sub-account of another company is refused on field
// sub_account_id). Errors: *storage.ValidationError, storage.ErrForbidden,
// storage.ErrConflict when the e-mail (case-insensitive) already has an
// account — an existing person joins with AddMember. Atomic: user,
// membership and audit events, or nothing (and no notification).
func (s *Service) RegisterEmployee(ctx context.Context, by Actor, companyID string, in NewEmployee) (_ Employee, err error) {
	ctx, uc := s.obs.Start(ctx, "tenancy.RegisterEmployee", companyID, "tenancy.user.register")
	defer func() { uc.End(err) }()
	const op = opRegisterEmployee
	storage.Normalize(&in)
	if err := s.validate(ctx, op, &in); err != nil {
		return Employee{}, err
	}
	pw, hash, err := s.newPassword()
	if err != nil {
		return Employee{}, err
	}
	var out Employee
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadForGrant(ctx, op, by, companyID, in.Role, in.SubAccountID)
		if err != nil {
			return err
		}
		u, _, err := s.findOrCreateUser(ctx, op, Person{FirstName: in.FirstName, LastName: in.LastName, Email: in.Email}, hash, false)
		if err != nil {
			return err
		}
		if err := s.record(ctx, by, c.ID, "tenancy.user.register", "user", u.ID, userChanges(nil, &UserRecord{User: u, PasswordHash: hash})); err != nil {
			return err
		}
		if out, err = s.addMember(ctx, by, c.ID, u, in.Role, in.SubAccountID); err != nil {
			return err
		}
		if err := s.sendCredentials(ctx, op, u, c.ID, pw); err != nil {
			return err
		}
		return nil
	}))
	if err != nil {
		return Employee{}, err
	}
	return out, nil
}

// AddMember makes the existing user with e-mail email a member of companyID
// (a person in several companies). No password is generated: the person
// keeps its login. Authorised and validated like RegisterEmployee. Errors:
// field email when no user has that e-mail; storage.ErrConflict when already
// a member.
func (s *Service) AddMember(ctx context.Context, by Actor, companyID, email string, change MemberChange) (_ Employee, err error) {
	const op = "tenancy.AddMember"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.add")
	defer func() { uc.End(err) }()
	storage.Normalize(&change)
	email = storage.NormalizeText(email)
	if err := s.validate(ctx, op, &change); err != nil {
		return Employee{}, err
	}
	var out Employee
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadForGrant(ctx, op, by, companyID, change.Role, change.SubAccountID)
		if err != nil {
			return err
		}
		u, err := s.store.UserByEmail(ctx, email)
		if errors.Is(err, storage.ErrNotFound) {
			return storage.Invalid(op, "email", "exists", "no user has this e-mail")
		} else if err != nil {
			return err
		}
		out, err = s.addMember(ctx, by, c.ID, u.User, change.Role, change.SubAccountID)
		return err
	}))
	return out, err
}

// UpdateMember changes a member's role and sub-account. Authorised:
// ActManageUsers on the member as it is and as it will be, and CanGrant for
// both its current and its new role — so nobody changes someone above them.
// The owner's membership is changed only through ChangeOwner (field role).
func (s *Service) UpdateMember(ctx context.Context, by Actor, companyID, userID string, change MemberChange) (_ Employee, err error) {
	const op = "tenancy.UpdateMember"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&change)
	if err := s.validate(ctx, op, &change); err != nil {
		return Employee{}, err
	}
	var out Employee
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, true)
		if err != nil {
			return err
		}
		cur, err := s.loadMember(ctx, op, by, ActManageUsers, c, userID)
		if err != nil {
			return err
		}
		if err := Authorize(op, by, ActManageUsers, cur.Ref(c.Ref()).Resource()); err != nil {
			return err
		}
		if !CanGrant(by, cur.Role, cur.SubAccountID) && cur.Role != RoleOwner {
			return forbiddenTo(op, by, "change a member with role "+string(cur.Role))
		}
		if cur.Role == RoleOwner {
			return storage.Invalid(op, "role", "owner", "the owner is changed with ChangeOwner, by the platform")
		}
		r := c.Resource()
		r.SubAccountID, r.UserID = change.SubAccountID, userID
		if err := Authorize(op, by, ActManageUsers, r); err != nil {
			return err
		}
		if err := s.checkGrant(ctx, op, by, c, change.Role, change.SubAccountID); err != nil {
			return err
		}
		if err := s.regrant(ctx, by, cur, change.Role, change.SubAccountID, s.now()); err != nil {
			return err
		}
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		out = Employee{Member: *cur, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName}
		return nil
	}))
	return out, err
}

type memberCursor struct {
	UserID string `json:"u"`
}

// ListEmployees lists the members of companyID the actor may see, ordered by
// user ID with keyset pagination: every member for administrators and above
// (and the company's reseller and the platform); the own sub-account's for a
// manager; only itself for an operator. storage.ErrForbidden for a company
// the actor may not see.
func (s *Service) ListEmployees(ctx context.Context, by Actor, companyID string, page storage.PageRequest) (_ storage.Page[Employee], err error) {
	const op = "tenancy.ListEmployees"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	return s.listEmployees(ctx, op, by, companyID, EmployeeFilter{}, page)
}

// EmployeeFilter narrows FindEmployees; zero fields do not filter.
type EmployeeFilter struct {
	Role         Role   `json:"role" validate:"omitempty,text,role"`
	SubAccountID string `json:"sub_account_id" validate:"text,max=64"`
	// Text is a case-insensitive substring of the first name, last name or
	// e-mail (User.SearchKey): "anna", "lee", "anna lee", "@example".
	Text string `json:"text" validate:"text,max=100"`
	// UserIDs, when not empty, keeps only these users (at most
	// MaxPageSize): a caller that already holds a candidate set, such as
	// account's organisation search, has it checked against the scope and
	// the other filters in one query by key.
	UserIDs []string `json:"user_ids" validate:"max=1000,dive,text,max=64"`
}

// EmployeeCursor is the cursor of ListEmployees and FindEmployees that
// continues after userID: a caller paging through the employees with a
// keyset of its own (account's organisation search) resumes there.
func EmployeeCursor(userID string) string {
	if userID == "" {
		return ""
	}
	return storage.EncodeCursor(memberCursor{UserID: userID})
}

// FindEmployees is ListEmployees narrowed by f: the members the actor may
// see with role f.Role, in sub-account f.SubAccountID, whose name or
// e-mail contains f.Text, among f.UserIDs — all that are set. Same order, pagination and
// scope as ListEmployees (a manager's search stays in its sub-account).
// Pass the same filter with every page's cursor. Validated: role, text
// (100 characters at most), user_ids (1000 at most). On SQL the role and sub-account filters walk
// the indexes (company, role, user) and (company, sub-account, user); a
// text of three or more characters is looked up in a trigram index of the
// users' search keys (PostgreSQL pg_trgm, SQLite FTS5, a side table on
// MySQL/MariaDB) when it is selective, and the members it names are read by
// key; a shorter or common text is checked on the company's members walked
// in user order, stopping at the page, as the company search does.
func (s *Service) FindEmployees(ctx context.Context, by Actor, companyID string, f EmployeeFilter, page storage.PageRequest) (_ storage.Page[Employee], err error) {
	const op = "tenancy.FindEmployees"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	storage.Normalize(&f)
	if err := s.validate(ctx, op, &f); err != nil {
		return storage.Page[Employee]{}, err
	}
	f.Text = NormalizeQuery(f.Text)
	return s.listEmployees(ctx, op, by, companyID, f, page)
}

func (s *Service) listEmployees(ctx context.Context, op string, by Actor, companyID string, f EmployeeFilter, page storage.PageRequest) (storage.Page[Employee], error) {
	if err := s.fresh(ctx, op, &by); err != nil {
		return storage.Page[Employee]{}, err
	}
	q := MemberQuery{CompanyID: companyID, Limit: page.Size() + 1, Role: f.Role, Text: f.Text, UserIDs: f.UserIDs}
	if page.After != "" {
		var cur memberCursor
		if err := storage.DecodeCursor(op, page.After, &cur); err != nil {
			return storage.Page[Employee]{}, err
		}
		q.AfterUserID = cur.UserID
	}
	c, err := s.loadCompany(ctx, op, by, ActView, companyID, false)
	if err != nil {
		return storage.Page[Employee]{}, err
	}
	r := c.Resource()
	switch {
	case by.IsPlatform() || by.CompanyID != c.ID || by.Role.rank() >= RoleAdministrator.rank():
		if err := Authorize(op, by, ActView, r); err != nil {
			return storage.Page[Employee]{}, err
		}
	case by.Role == RoleManager:
		r.SubAccountID = by.SubAccountID
		if err := Authorize(op, by, ActView, r); err != nil {
			return storage.Page[Employee]{}, err
		}
		q.SubAccountID, q.OnlySub = by.SubAccountID, true
	default:
		r.UserID = by.UserID
		if err := Authorize(op, by, ActView, r); err != nil {
			return storage.Page[Employee]{}, err
		}
		q.UserID = by.UserID
	}
	if f.SubAccountID != "" {
		if q.OnlySub && q.SubAccountID != f.SubAccountID {
			return storage.Page[Employee]{}, nil // outside the manager's sub-account
		}
		q.SubAccountID, q.OnlySub = f.SubAccountID, true
	}
	items, err := s.store.ListMembers(ctx, q)
	if err != nil {
		return storage.Page[Employee]{}, err
	}
	out := storage.Page[Employee]{Items: items}
	if len(items) > page.Size() {
		out.Items = items[:page.Size()]
		out.NextCursor = storage.EncodeCursor(memberCursor{UserID: out.Items[len(out.Items)-1].UserID})
	}
	return out, nil
}

// Memberships lists the companies userID belongs to, for a login screen's
// company picker. Authorised: the user itself or the platform.
func (s *Service) Memberships(ctx context.Context, by Actor, userID string) (_ []Member, err error) {
	const op = "tenancy.Memberships"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.fresh(ctx, op, &by); err != nil {
		return nil, err
	}
	if !by.IsPlatform() && by.UserID != userID {
		return nil, forbiddenTo(op, by, "list the memberships of another user")
	}
	return s.store.Memberships(ctx, userID)
}

// Authenticate checks an e-mail (case-insensitive) and password and returns
// the user. A wrong password and an unknown e-mail give the same
// storage.ErrForbidden and take the same time, so logins do not reveal which
// e-mails exist. The host then picks a company and calls ActorFor.
func (s *Service) Authenticate(ctx context.Context, email, password string) (_ User, err error) {
	const op = "tenancy.Authenticate"
	ctx, uc := s.obs.Start(ctx, op, "", observe.ActionRead)
	defer func() { uc.End(err) }()
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return User{}, err
	}
	if u == nil {
		s.dummyOnce.Do(func() { s.dummy = dummyHash(s.cost) })
		checkPassword(s.dummy, password)
		return User{}, storage.Forbidden(op, "invalid e-mail or password")
	}
	if !checkPassword(u.PasswordHash, password) {
		return User{}, storage.Forbidden(op, "invalid e-mail or password")
	}
	return u.User, nil
}

// ChangePassword sets the actor's own password: the current one, then the
// new one twice. Authorised: ActOwnProfile on the actor's own user.
// Validated: current_password must match (field current_password), the new
// one 10..72 bytes (field new_password) and repeated identically (field
// new_password_repeat). Pending password resets are void and the
// CredentialsChangedHooks run (WithCredentialsChangedHook), so the host ends
// the user's other sessions. Audited with the hash redacted.
func (s *Service) ChangePassword(ctx context.Context, by Actor, current, next, repeat string) (err error) {
	const op = "tenancy.ChangePassword"
	ctx, uc := s.obs.Start(ctx, op, "", "tenancy.user.password")
	defer func() { uc.End(err) }()
	if field, rule, msg := checkNewPassword(next, repeat); field != "" {
		return storage.Invalid(op, field, rule, msg)
	}
	// A removed member's Actor is refused before its password is compared;
	// the transaction below decides again on the membership it reads.
	if err := s.fresh(ctx, op, &by); err != nil {
		return err
	}
	u, err := s.store.GetUser(ctx, by.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Forbidden(op, "unknown user")
	} else if err != nil {
		return err
	}
	if !checkPassword(u.PasswordHash, current) {
		return storage.Invalid(op, "current_password", "password", "does not match")
	}
	hash, err := hashPassword(next, s.cost)
	if err != nil {
		return storage.Internal(op, err)
	}
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		if err := Authorize(op, by, ActOwnProfile, Resource{CompanyID: by.CompanyID, SubAccountID: by.SubAccountID, UserID: u.ID}); err != nil {
			return err
		}
		cur, err := s.store.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		if cur.PasswordHash != u.PasswordHash {
			return storage.Conflict(op, "the password changed meanwhile")
		}
		before := *cur
		now := s.now()
		cur.PasswordHash, cur.PasswordChangedAt, cur.UpdatedAt = hash, now, now
		if err := s.store.UpdateUser(ctx, cur); err != nil {
			return err
		}
		if err := s.store.DeleteUserTokens(ctx, u.ID, TokenPasswordReset); err != nil {
			return err
		}
		if err := s.record(ctx, by, by.CompanyID, "tenancy.user.password", "user", u.ID, userChanges(&before, cur)); err != nil {
			return err
		}
		return s.credentialsChanged(ctx, CredentialsChange{UserID: u.ID, Reason: CredentialsPasswordChanged, By: by, At: now})
	}))
}

// PersonName is a user's first and last name.
type PersonName struct {
	FirstName string `json:"first_name" validate:"required,text,max=100"`
	LastName  string `json:"last_name" validate:"required,text,max=100"`
}

// RenameUser changes a member's first and last name (a user is one person
// across companies, so the name changes everywhere). Authorised: the user
// itself (ActOwnProfile), or ActManageUsers on the member in companyID plus
// CanGrant for its role — nobody edits someone above them. Audited in
// companyID's chain.
func (s *Service) RenameUser(ctx context.Context, by Actor, companyID, userID string, in PersonName) (_ User, err error) {
	const op = "tenancy.RenameUser"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.user.rename")
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
		c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, false)
		if err != nil {
			return err
		}
		m, err := s.loadMember(ctx, op, by, ActManageUsers, c, userID)
		if err != nil {
			return err
		}
		r := m.Ref(c.Ref()).Resource()
		self := by.UserID == userID && by.CompanyID == c.ID && Can(by, ActOwnProfile, r)
		if !self {
			if err := Authorize(op, by, ActManageUsers, r); err != nil {
				return err
			}
			if !CanGrant(by, m.Role, m.SubAccountID) && !by.IsPlatform() {
				return forbiddenTo(op, by, "edit a member with role "+string(m.Role))
			}
		}
		u, err := s.store.GetUser(ctx, userID)
		if err != nil {
			return err
		}
		before := *u
		u.FirstName, u.LastName, u.UpdatedAt = in.FirstName, in.LastName, s.now()
		if err := s.store.UpdateUser(ctx, u); err != nil {
			return err
		}
		if err := s.record(ctx, by, c.ID, "tenancy.user.rename", "user", userID, userChanges(&before, u)); err != nil {
			return err
		}
		out = u.User
		return nil
	}))
	return out, err
}

// RemoveMember ends userID's membership in companyID; the user account stays
// (it may belong to other companies). Authorised: ActManageUsers on the
// member and CanGrant for its role — nobody removes someone above them, a
// manager only managers of its own sub-account. The owner cannot be removed
// (field user_id: the platform changes the owner first). Hooks added with
// WithMemberRemovedHook run in the same transaction. Audited as
// tenancy.member.remove; the host hears of it through the outbox
// (OnMemberRemoved).
func (s *Service) RemoveMember(ctx context.Context, by Actor, companyID, userID string) (err error) {
	const op = "tenancy.RemoveMember"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.remove")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, true)
		if err != nil {
			return err
		}
		m, err := s.loadMember(ctx, op, by, ActManageUsers, c, userID)
		if err != nil {
			return err
		}
		if err := Authorize(op, by, ActManageUsers, m.Ref(c.Ref()).Resource()); err != nil {
			return err
		}
		if m.Role == RoleOwner || c.OwnerUserID == userID {
			return storage.Invalid(op, "user_id", "owner", "the owner cannot be removed; the platform changes the owner first")
		}
		if !CanGrant(by, m.Role, m.SubAccountID) {
			return forbiddenTo(op, by, "remove a member with role "+string(m.Role))
		}
		// The hooks release what the member holds before the membership
		// row goes: on SQL the row's delete trigger releases whatever is
		// left (the second guard), unaudited, so the audited release comes
		// first.
		for _, h := range s.onRemove {
			if err := h(ctx, by, c.ID, userID); err != nil {
				return err
			}
		}
		if err := s.store.DeleteMember(ctx, c.ID, userID); err != nil {
			return err
		}
		if err := s.record(ctx, by, c.ID, "tenancy.member.remove", "member", userID, audit.Diff(m, nil)); err != nil {
			return err
		}
		now := s.now()
		_, err = storage.Enqueue(ctx, s.box, op, now, c.ID, storage.TopicMemberRemoved,
			MemberRemoved{CompanyID: c.ID, UserID: userID, By: by.UserID, At: now})
		return err
	}))
}

// memberAdded runs the MemberAddedHooks inside the registration's transaction.
func (s *Service) memberAdded(ctx context.Context, by Actor, companyID, userID string) error {
	for _, h := range s.onAdd {
		if err := h(ctx, by, companyID, userID); err != nil {
			return err
		}
	}
	return nil
}
