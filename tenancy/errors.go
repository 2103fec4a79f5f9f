package tenancy

import (
	"errors"

	"github.com/switchboardkit/switchboard/storage"
)

// String names the action as a person would: "view", "edit settings",
// "manage users" … It is what a forbidden error says the actor may not do.
func (a Action) String() string {
	switch a {
	case ActView:
		return "view"
	case ActEditSettings:
		return "edit settings"
	case ActManageSubAccounts:
		return "manage sub-accounts"
	case ActManageUsers:
		return "manage users"
	case ActPurchase:
		return "purchase"
	case ActManageAffiliate:
		return "manage affiliates"
	case ActManageCatalog:
		return "manage the catalogue"
	case ActPlatform:
		return "perform platform administration"
	case ActOwnProfile:
		return "edit the own profile"
	case ActOwnStatus:
		return "set the own status"
	case ActDial:
		return "dial"
	case ActReadAudit:
		return "read the audit trail"
	}
	return "do this"
}

// ErrNoActor is the cause of the storage.ErrForbidden a call with the zero
// Actor gets: errors.Is(err, tenancy.ErrNoActor) tells a host's wiring bug
// (no actor passed) from a real refusal.
var ErrNoActor = errors.New("no actor given")

// describe names an actor in an error message.
func describe(a Actor) string {
	switch {
	case a == Actor{}:
		return "no actor"
	case a.UserID == "" && a.CompanyID == "":
		return "an actor without a user (" + string(a.Role) + ")"
	case a.UserID == "":
		return "an actor without a user (" + string(a.Role) + " in company " + a.CompanyID + ")"
	case a.CompanyID == "":
		return "user " + a.UserID + " (" + string(a.Role) + ")"
	}
	return "user " + a.UserID + " (" + string(a.Role) + " in company " + a.CompanyID + ")"
}

// forbidden is the storage.ErrForbidden of a refused decision: it names op,
// the actor and the action it may not perform. The zero Actor gets
// ErrNoActor instead of a description.
func forbidden(op string, by Actor, act Action) error {
	return forbiddenTo(op, by, act.String())
}

// forbiddenTo is forbidden with the refused action spelt out ("grant role
// manager here", "remove an owner").
func forbiddenTo(op string, by Actor, what string) error {
	if by == (Actor{}) {
		return storage.Wrap(op, storage.ErrForbidden, ErrNoActor)
	}
	return storage.Forbidden(op, "%s may not %s", describe(by), what)
}
