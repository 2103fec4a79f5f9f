package tenancy

// Action is something an actor may be allowed to do to a resource. Every
// service method of every domain maps to one of these and asks Can.
type Action uint8

// Actions.
const (
	// ActView reads company data, settings, users, licenses, reports. Managers
	// see company-wide data and their own sub-account's; operators only their own user.
	ActView Action = iota + 1
	// ActEditSettings changes company profile and settings (account domain).
	ActEditSettings
	// ActManageSubAccounts creates and renames sub-accounts.
	ActManageSubAccounts
	// ActManageUsers registers and edits users; CanGrant decides which role
	// and sub-account a new or changed member may get.
	ActManageUsers
	// ActPurchase buys and assigns licenses, subscriptions and add-ons.
	ActPurchase
	// ActManageAffiliate sets an affiliate's credit limit and reminder
	// threshold: the affiliate's reseller or the platform only.
	ActManageAffiliate
	// ActManageCatalog defines service packages and subscription keys: the
	// company's reseller (or a reseller for itself) or the platform.
	ActManageCatalog
	// ActPlatform changes legal identity, attaches or moves a company, changes
	// the account owner: the platform only.
	ActPlatform
	// ActOwnProfile edits the actor's own profile; Resource.UserID must be the actor.
	ActOwnProfile
	// ActOwnStatus sets the actor's own presence status; Resource.UserID must be the actor.
	ActOwnStatus
	// ActDial asks compliance whether a call may be placed and reports outcomes.
	ActDial
	// ActReadAudit reads the company's audit trail.
	ActReadAudit
)

// Resource is what an action touches, described by the facts the decision
// needs. Services load them before asking.
type Resource struct {
	CompanyID    string // the company the resource belongs to
	ResellerID   string // that company's reseller, "" if it has none
	SubAccountID string // the sub-account the resource belongs to, "" if company-wide
	UserID       string // the user the resource is or belongs to, if any
	// Reseller says the company is a reseller (CompanyRef.Resource sets
	// it): its owner then holds the reseller's own catalogue rights.
	Reseller bool
	// Suspended says the company is suspended (CompanyRef.Resource and
	// MemberRef.Resource set it from the status read in the transaction):
	// Authorize then refuses the use cases suspension blocks (Suspends).
	Suspended bool
}

// Can is the single place that decides whether actor a may perform act on r.
// It is pure, allocation-free and safe for concurrent use. The rules:
//
//   - platform admin: everything;
//   - reseller admin, and a reseller's owner: everything in its own company
//     and in its affiliates, including their credit settings and catalogue;
//     nothing of other resellers;
//   - owner (of a company that is not a reseller) and administrator:
//     everything in their own company except platform-only and
//     reseller-only actions;
//   - manager: views company-wide data, and views and manages users only in
//     its own sub-account; its own profile and status; dialing;
//   - operator: its own user, profile and status; dialing.
//
// Nobody acts across companies except the platform and a reseller over its
// affiliates.
func Can(a Actor, act Action, r Resource) bool {
	if a.Role == RolePlatformAdmin {
		return true
	}
	if act == ActPlatform || a.CompanyID == "" {
		return false
	}
	// A company with affiliates is a reseller, so the owner whose company
	// is the target's reseller is a reseller's owner.
	staff := a.Role == RoleResellerAdmin || a.Role == RoleOwner
	reseller := staff && r.ResellerID != "" && r.ResellerID == a.CompanyID
	own := a.CompanyID == r.CompanyID
	switch act {
	case ActManageAffiliate:
		return reseller
	case ActManageCatalog:
		return reseller || own && (a.Role == RoleResellerAdmin || a.Role == RoleOwner && r.Reseller)
	}
	if reseller {
		return true
	}
	if !own {
		return false
	}
	switch a.Role {
	case RoleResellerAdmin, RoleOwner, RoleAdministrator:
		return true
	case RoleManager:
		switch act {
		case ActView:
			return r.SubAccountID == "" && r.UserID == "" || r.SubAccountID == a.SubAccountID && a.SubAccountID != "" || r.UserID == a.UserID
		case ActManageUsers:
			return a.SubAccountID != "" && r.SubAccountID == a.SubAccountID
		case ActOwnProfile, ActOwnStatus:
			return r.UserID == a.UserID
		case ActDial:
			return true
		}
	case RoleOperator:
		switch act {
		case ActView, ActOwnProfile, ActOwnStatus:
			return r.UserID != "" && r.UserID == a.UserID
		case ActDial:
			return true
		}
	}
	return false
}

// CanGrant decides whether a may give a member of company r.CompanyID the
// role role in sub-account subAccountID (on registration or a role change).
// Nobody grants a role above their own, except that an owner grants
// reseller_admin (which only a reseller's members may hold: the use cases
// refuse it elsewhere); the owner and platform roles are granted by the
// platform only; a manager grants only "manager", only in its
// own sub-account; an operator grants nothing. It assumes Can(a, ActManageUsers, r) already holds.
func CanGrant(a Actor, role Role, subAccountID string) bool {
	switch {
	case !role.Valid():
		return false
	case a.Role == RolePlatformAdmin:
		return true
	case role == RoleOwner || role == RolePlatformAdmin:
		return false
	case a.Role == RoleManager:
		return role == RoleManager && subAccountID != "" && subAccountID == a.SubAccountID
	case a.Role == RoleOperator:
		return false // operators manage nobody, not even other operators
	case a.Role == RoleOwner && role == RoleResellerAdmin:
		return true // a reseller's owner appoints its administrators
	}
	return role.rank() <= a.Role.rank()
}

// Authorize is Can returning the SDK's error: storage.ErrForbidden naming
// op, the actor and the action ("tenancy.RenameUser: forbidden: user u1
// (operator in company c1) may not manage users"). The zero Actor is
// refused with ErrNoActor as the cause ("…: forbidden: no actor given").
//
// A use case Can allows is still refused with storage.ErrSuspended when
// r's company is suspended and suspension blocks op (Suspends).
func Authorize(op string, a Actor, act Action, r Resource) error {
	if Can(a, act, r) {
		return suspended(op, r)
	}
	return forbidden(op, a, act)
}
