package tenancy

import "github.com/switchboardkit/switchboard/storage"

// suspends is the set of use cases a suspended company (StatusSuspended)
// is refused, by op ("package.Method"): what consumes, grows or
// reconfigures the company. The package docs give the same rule as a table
// ("Suspension"); the suspension matrix of storage/storagetest states it
// again on its own and proves it on every backend. Calls are not here: the
// compliance domain refuses them with a decision (ReasonSuspended), not an
// error.
var suspends = map[string]bool{
	// tenancy: no one joins or comes back; the structure stays as it was.
	"tenancy.SetDisplayName": true, "tenancy.RegisterEmployee": true, "tenancy.AddMember": true,
	"tenancy.ReactivateMember": true, "tenancy.CreateSubAccount": true, "tenancy.RenameSubAccount": true,
	"tenancy.SetOpenRegistration": true, "tenancy.IssueInvitation": true,

	// licensing: no purchase, charge, assignment or catalogue change.
	"licensing.ChangePlan": true, "licensing.Charge": true, "licensing.PurchaseLicenses": true,
	"licensing.AssignLicense": true, "licensing.PurchaseSubscriptions": true, "licensing.AssignSubscription": true,
	"licensing.SetSubscriptionPhone": true, "licensing.PurchaseAddOn": true, "licensing.GrantPackage": true,
	"licensing.GrantDefaultPackages": true, "licensing.SetPackageOffer": true, "licensing.DefinePackage": true,
	"licensing.UpdatePackage": true, "licensing.RetirePackage": true, "licensing.AddSubscriptionKey": true,
	"licensing.RemoveSubscriptionKey": true,

	// account: settings, organisation, per-user settings and permissions.
	"account.SetAIFeature": true, "account.SetBranding": true, "account.SetUserImages": true,
	"account.SetOperatorProfile": true, "account.CreateCostCentre": true, "account.RenameCostCentre": true,
	"account.SetCostCentreActive": true, "account.DeleteCostCentre": true, "account.AssignCostCentre": true,
	"account.CreateCategory": true, "account.RenameCategory": true, "account.DeleteCategory": true,
	"account.AddOption": true, "account.RenameOption": true, "account.DeleteOption": true, "account.AssignOption": true,
	"account.UpdateProfile": true, "account.SetMailAccess": true, "account.SetUserMailLogin": true,
	"account.SetAssistant": true, "account.SetPBX": true, "account.SetLocale": true, "account.SetUserLocale": true,
	"account.SetDefaultMaxDialogs": true, "account.SetUserMaxDialogs": true, "account.SetSMSTypes": true,
	"account.SetSMSZone": true,

	// presence: no status change by hand, no pause-type change.
	"presence.SetStatus": true, "presence.CreatePauseType": true, "presence.UpdatePauseType": true,
	"presence.ArchivePauseType": true,

	// compliance: no settings change, no imported history.
	"compliance.SetSettings": true, "compliance.ImportHistory": true,
}

// Suspends reports whether suspension blocks the use case op
// ("licensing.PurchaseLicenses"): on a suspended company Authorize and
// AuthorizeIn refuse it with storage.ErrSuspended, whoever acts. Every use
// case not listed — reads, payments and terms, shedding what the company
// holds, people's own records, the platform's own operations — stays
// allowed (see the package docs, "Suspension").
func Suspends(op string) bool { return suspends[op] }

// suspended is storage.ErrSuspended when r's company is suspended and
// suspension blocks op, nil otherwise.
func suspended(op string, r Resource) error {
	if r.Suspended && suspends[op] {
		return storage.Suspended(op, "company %s is suspended", r.CompanyID)
	}
	return nil
}
