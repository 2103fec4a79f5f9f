package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// mxRights says, per method, which right it asks for and on what: the
// matrix's independent statement of the rules (the rights table of the
// tenancy docs), from which each role's expected outcome follows. The
// right is one of view, edit, subs, users, grant (users plus CanGrant for
// an operator), purchase, affiliate, catalog, platform, profile, status,
// dial, rename (the user itself, or users plus CanGrant), memberships (the
// user itself) and always (visible to every member; the answer is
// filtered, never refused). The target is c (the company), m (the member
// user, an operator in the sub-account) or s (the company, asked by the
// actor for itself).
var mxRights = map[string]string{
	"tenancy.GetCompany": "view c", "tenancy.SetDisplayName": "edit c", "tenancy.SetLegalIdentity": "platform c",
	"tenancy.SetStatus": "platform c", "tenancy.SetKind": "platform c", "tenancy.SetReseller": "platform c",
	"tenancy.ChangeOwner": "platform c", "tenancy.RegisterEmployee": "grant c", "tenancy.AddMember": "grant c",
	"tenancy.UpdateMember": "grant m", "tenancy.ListEmployees": "always c", "tenancy.Memberships": "memberships m",
	"tenancy.RenameUser": "rename m", "tenancy.RemoveMember": "grant m", "tenancy.VisibleSubAccounts": "always c",
	"tenancy.CreateSubAccount": "subs c", "tenancy.RenameSubAccount": "subs c", "tenancy.ListSubAccounts": "always c",
	"tenancy.SetPhone": "rename m", "tenancy.RequestEmailChange": "rename m",
	"tenancy.DeactivateMember": "grant m", "tenancy.ReactivateMember": "grant m",
	"tenancy.SetOpenRegistration": "catalog c", "tenancy.IssueInvitation": "catalog c",
	"tenancy.FindEmployees": "always c", "tenancy.SetTaxIdentity": "edit c", "tenancy.SubAccountsPage": "always c",

	"licensing.Account": "view c", "licensing.SetAgreement": "affiliate c", "licensing.SetContract": "affiliate c",
	"licensing.PreviewPlanChange": "view c", "licensing.ChangePlan": "purchase c", "licensing.SetCreditTerms": "affiliate c",
	"licensing.RecordPayment": "affiliate c", "licensing.Charge": "affiliate c", "licensing.Adjust": "affiliate c",
	"licensing.Credit": "view c", "licensing.LedgerBalance": "view c", "licensing.Ledger": "view c", "licensing.LedgerBetween": "view c",
	"licensing.PurchaseLicenses": "purchase c", "licensing.ReduceLicenses": "purchase c", "licensing.AssignLicense": "purchase c",
	"licensing.UnassignLicense": "purchase c", "licensing.Pools": "view c", "licensing.Assignments": "view c",
	"licensing.ReleaseUser": "purchase c", "licensing.DefinePackage": "catalog c", "licensing.PackageChoices": "view c",
	"licensing.SetPackageOffer": "edit c", "licensing.GrantDefaultPackages": "users m", "licensing.UserPackages": "view m",
	"licensing.AddSubscriptionKey": "catalog c", "licensing.RemoveSubscriptionKey": "catalog c", "licensing.SubscriptionKeys": "view c",
	"licensing.PurchaseSubscriptions": "purchase c", "licensing.AssignSubscription": "purchase c",
	"licensing.UnassignSubscription": "purchase c", "licensing.Subscriptions": "view c", "licensing.PurchaseAddOn": "purchase c",
	"licensing.AddOns": "view c", "licensing.SetSubscriptionPhone": "purchase c", "licensing.CancelSubscription": "purchase c",
	"licensing.ReduceAddOn": "purchase c", "licensing.UpdatePackage": "catalog c", "licensing.RetirePackage": "catalog c",
	"licensing.GrantPackage": "users m", "licensing.RevokePackage": "users m", "licensing.CostCentreSpend": "view c",
	"account.SetUserMailLogin": "profile m", "account.MailConnectionFor": "profile m", "account.RenameCostCentre": "edit c", "account.DeleteCostCentre": "edit c",

	"account.SetAIFeature": "edit c", "account.AIFeatureEnabled": "view s", "account.SetBranding": "edit c",
	"account.SetUserImages": "profile m", "account.SetOperatorProfile": "profile m", "account.CreateCostCentre": "edit c",
	"account.SetCostCentreActive": "edit c", "account.CostCentres": "view c", "account.AssignCostCentre": "edit m",
	"account.CreateCategory": "edit c", "account.RenameCategory": "edit c", "account.DeleteCategory": "edit c",
	"account.AddOption": "edit c", "account.RenameOption": "edit c", "account.DeleteOption": "edit c",
	"account.Categories": "view c", "account.AssignOption": "edit c", "account.UnassignOption": "edit c",
	"account.SearchEmployees": "always c", "account.UpdateProfile": "edit c", "account.UpdateRequisites": "edit c",
	"account.FillByINN": "edit c", "account.SetMailAccess": "edit c", "account.MailPassword": "edit c",
	"account.SetAssistant": "edit c", "account.SetPBX": "catalog c", "account.PBXPassword": "catalog c",
	"account.RotateSecrets": "edit c", "account.OpenBill": "edit c", "account.ReleaseUser": "edit c",
	"account.Company": "view c", "account.UserSettings": "view m", "account.SetLocale": "edit c",
	"account.SetUserLocale": "profile m", "account.SetDefaultMaxDialogs": "edit c", "account.SetUserMaxDialogs": "edit m",
	"account.Effective": "view m", "account.SetSMSTypes": "edit c", "account.SetSMSZone": "edit c",
	"account.MaySendSystemSMS": "view m",

	"presence.Budget": "view m", "presence.ReleaseUser": "status m", "presence.Report": "view c",
	"presence.CreatePauseType": "edit c", "presence.UpdatePauseType": "edit c", "presence.ArchivePauseType": "edit c",
	"presence.PauseTypes": "status s", "presence.SetStatus": "status m", "presence.Status": "view m",
	"presence.Ledger": "view m",

	"compliance.CheckAt": "dial c", "compliance.CheckBatch": "dial c", "compliance.CheckSeq": "dial c",
	"compliance.Schedule": "dial c", "compliance.ImportHistory": "edit c", "compliance.Settings": "view c",
	"compliance.SetSettings": "edit c", "compliance.Check": "dial c", "compliance.CheckInto": "dial c",
	"compliance.Reserve": "dial c", "compliance.Complete": "dial c", "compliance.Release": "dial c",
}

// mxRole is an actor of the role matrix: its class in the rights table and
// how it stands to the target's member user.
type mxRole struct {
	label   string
	by      tenancy.Actor
	class   string // platform, reseller (administrator or owner, on an affiliate), owner, admin, manager, operator
	target  mxTarget
	self    bool // the actor is the target's member user
	sameSub bool // the actor manages the member user's sub-account
}

// mxExpect is the rights table: may an actor of class do right on the target?
func mxExpect(r mxRole, right, on string) bool {
	if r.class == "platform" {
		return true
	}
	self := on == "s" || on == "m" && r.self
	switch right {
	case "platform":
		return false
	case "affiliate", "catalog":
		return r.class == "reseller"
	case "memberships":
		return r.self
	case "always":
		return true
	}
	switch r.class {
	case "reseller", "owner", "admin":
		return true
	case "manager":
		switch right {
		case "view":
			return on != "m" || r.sameSub || self
		case "users":
			return on == "m" && r.sameSub
		case "profile", "status", "rename":
			return self
		case "dial":
			return true
		}
	case "operator":
		switch right {
		case "view", "profile", "status", "rename":
			return self
		case "dial":
			return true
		}
	}
	return false
}

var errMxRollback = errors.New("matrix: rolled back")

// tryCall runs the call in a transaction it rolls back, so every actor
// meets the same fixtures.
func (w *mxWorld) tryCall(ctx context.Context, row mxRow, by tenancy.Actor, t mxTarget) error {
	var got error
	err := w.h.Tx.InTx(ctx, func(ctx context.Context) error {
		got = row.call(ctx, w, by, t)
		return errMxRollback
	})
	if !errors.Is(err, errMxRollback) {
		return err
	}
	return got
}

func (w *mxWorld) roles(t *testing.T) []mxRole {
	t.Helper()
	ctx := context.Background()
	manager := w.employee(t, w.own.owner, w.own.company, tenancy.RoleManager, w.own.sub)
	sub2, err := w.people.CreateSubAccount(ctx, w.own.owner, w.own.company, "Support")
	require.NoError(t, err)
	manager2 := w.employee(t, w.own.owner, w.own.company, tenancy.RoleManager, sub2.ID)
	other := w.employee(t, w.own.owner, w.own.company, tenancy.RoleOperator, w.own.sub)
	demoted := w.employee(t, w.own.owner, w.own.company, tenancy.RoleAdministrator, "")
	_, err = w.people.UpdateMember(ctx, w.own.owner, w.own.company, demoted.UserID, tenancy.MemberChange{Role: tenancy.RoleOperator})
	require.NoError(t, err)
	return []mxRole{
		{label: "the platform", by: w.platform, class: "platform", target: w.own},
		{label: "the owner", by: w.own.owner, class: "owner", target: w.own},
		{label: "an administrator", by: w.admin, class: "admin", target: w.own},
		{label: "the sub-account's manager", by: manager, class: "manager", target: w.own, sameSub: true},
		{label: "another sub-account's manager", by: manager2, class: "manager", target: w.own},
		{label: "the member itself", by: w.own.self, class: "operator", target: w.own, self: true},
		{label: "another operator", by: other, class: "operator", target: w.own},
		{label: "an administrator demoted to operator", by: demoted, class: "operator", target: w.own},
		{label: "the reseller's administrator on its affiliate", by: w.resellerAdmin, class: "reseller", target: w.affiliate},
		{label: "the reseller's owner on its affiliate", by: w.reseller.owner, class: "reseller", target: w.affiliate},
	}
}

// runRoleMatrix calls every method with a rights row as every role of the
// rights table, each call in a transaction rolled back, and compares the
// outcome with the table: a refused call is storage.ErrForbidden; an
// allowed one is anything else but a not-found company (it may still fail
// on its input or the state).
func runRoleMatrix(t *testing.T, h *Harness) {
	if h.Presence == nil || h.Compliance == nil || h.Account == nil {
		t.Skip("backend lacks a domain store")
	}
	w := newMxWorld(t, h)
	rows := mxRows()
	ctx := context.Background()
	for name, row := range rows {
		_, has := mxRights[name]
		if row.exempt == "" && !row.global && !has {
			t.Errorf("%s has no rights row (storagetest.mxRights)", name)
		}
	}
	roles := w.roles(t)
	calls, violations, succeeded := 0, 0, 0
	failedOtherwise := map[string]int{} // allowed calls that failed on their input or the state, by error kind
	for _, name := range w.mxMethods() {
		right, ok := mxRights[name]
		if !ok {
			continue
		}
		r, on, _ := strings.Cut(right, " ")
		for _, role := range roles {
			want := mxExpect(role, r, on)
			err := w.tryCall(ctx, rows[name], role.by, role.target)
			calls++
			refused := errors.Is(err, storage.ErrForbidden)
			hidden := errors.Is(err, storage.ErrNotFound) && strings.Contains(err.Error(), "company "+role.target.company)
			switch {
			case want && err == nil:
				succeeded++
			case want && !refused && !hidden:
				failedOtherwise[name+": "+mxKind(err)]++
			}
			switch {
			case want && (refused || hidden):
				violations++
				t.Errorf("%s by %s: want allowed (%s), got %v", name, role.label, right, err)
			case !want && !refused:
				violations++
				t.Errorf("%s by %s: want ErrForbidden (%s), got %v", name, role.label, right, err)
			}
		}
	}
	t.Logf("role matrix: %d methods × %d roles = %d calls (each rolled back), %d allowed and succeeded, violations: %d",
		len(mxRights), len(roles), calls, succeeded, violations)
	for k, n := range failedOtherwise {
		t.Logf("allowed, failed past authorisation: %s ×%d", k, n)
	}
	require.Zero(t, violations, fmt.Sprintf("%d calls disagree with the rights table", violations))
}

// mxKind names err's sentinel kind.
func mxKind(err error) string {
	for _, k := range []error{storage.ErrNotFound, storage.ErrConflict, storage.ErrInvalid, storage.ErrLimitExceeded,
		storage.ErrSuspended, storage.ErrPrecondition, storage.ErrUnavailable} {
		if errors.Is(err, k) {
			return k.Error()
		}
	}
	return err.Error()
}
