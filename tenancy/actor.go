package tenancy

import (
	"github.com/switchboardkit/switchboard/audit"
)

// Role is what a member may do in a company. The zero Role is invalid.
type Role string

// Roles, from least to most powerful.
const (
	RoleOperator      Role = "operator"       // own profile and own status
	RoleManager       Role = "manager"        // own sub-account only
	RoleAdministrator Role = "administrator"  // the "Account" permission: settings, all sub-accounts, any user
	RoleOwner         Role = "owner"          // full rights in the own company; exactly one per company
	RoleResellerAdmin Role = "reseller_admin" // administrator of a reseller: its company and its affiliates
	RolePlatformAdmin Role = "platform_admin" // the SaaS operator: everything
)

// rank orders roles for "nobody grants a role above their own".
func (r Role) rank() int {
	switch r {
	case RoleOperator:
		return 1
	case RoleManager:
		return 2
	case RoleAdministrator:
		return 3
	case RoleOwner:
		return 4
	case RoleResellerAdmin:
		return 5
	case RolePlatformAdmin:
		return 6
	}
	return 0
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// ParseRole returns the Role named s, or false.
func ParseRole(s string) (Role, bool) {
	r := Role(s)
	return r, r.Valid()
}

// Actor is the principal a call is made by. Every service method takes one
// explicitly. Hosts obtain it from the SDK after authenticating the person
// (Service.ActorFor loads the membership, so the role comes from storage, not
// from the request); Platform builds the SaaS operator's actor.
type Actor struct {
	UserID       string
	CompanyID    string // the company the actor acts in; "" for the platform
	Role         Role
	SubAccountID string // the member's sub-account ("" for administrators and above)
}

// Platform returns the actor of a platform administrator (system
// administrator, technical support) identified by userID.
func Platform(userID string) Actor { return Actor{UserID: userID, Role: RolePlatformAdmin} }

// System returns the actor for changes the SDK makes on its own schedule
// (automatic pause switches, suspensions by the credit rules) on behalf of a
// company. It has no user and is recorded as such in the audit trail.
func System(companyID string) Actor {
	return Actor{UserID: "", CompanyID: companyID, Role: RolePlatformAdmin}
}

// Audit converts the actor to its audit-trail record.
func (a Actor) Audit() audit.Actor {
	return audit.Actor{UserID: a.UserID, CompanyID: a.CompanyID, Role: string(a.Role)}
}

// IsPlatform reports whether a is a platform administrator.
func (a Actor) IsPlatform() bool { return a.Role == RolePlatformAdmin }
