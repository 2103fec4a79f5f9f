package storagetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// mxTarget names a company and one entity of each kind in it: the
// arguments the matrix passes to a method aimed at that company.
type mxTarget struct {
	company, user, sub, category, option, pauseType, subscription, key, costCentre, reservation string

	owner tenancy.Actor // the company's owner
	self  tenancy.Actor // the member user: an operator in sub
}

// ids returns the target's IDs, for blanking them out of error messages.
func (t mxTarget) ids() []string {
	return []string{t.company, t.user, t.sub, t.category, t.option, t.pauseType, t.subscription, t.key, t.costCentre, t.reservation}
}

// mxWorld is every domain service over one backend; two unrelated
// companies and two resellers with an affiliate each, every company with
// one entity of each kind; an administrator of the first company and that
// company's former administrator, removed; the first reseller's
// administrator and its affiliate's administrator.
type mxWorld struct {
	h        *Harness
	kit      *World
	trail    *audit.Log
	people   *tenancy.Service
	lic      *licensing.Service
	acct     *account.Service
	pres     *presence.Service
	comp     *compliance.Service
	platform tenancy.Actor
	pkg      string
	own      mxTarget      // the actors' company
	foreign  mxTarget      // an unrelated company
	missing  mxTarget      // IDs nothing has
	admin    tenancy.Actor // an administrator of own
	stale    tenancy.Actor // a former administrator of own, removed

	reseller, affiliate, otherAffiliate mxTarget      // reseller 1, its affiliate, reseller 2's affiliate
	resellerAdmin, affiliateAdmin       tenancy.Actor // reseller 1's administrator, its affiliate's
}

// mxUnseen is an actor aimed at a company it does not see.
type mxUnseen struct {
	label  string
	by     tenancy.Actor
	target mxTarget
}

func (w *mxWorld) unseen() []mxUnseen {
	return []mxUnseen{
		{"an administrator on an unrelated company", w.admin, w.foreign},
		{"an affiliate's administrator on its reseller", w.affiliateAdmin, w.reseller},
		{"a reseller's administrator on another reseller's affiliate", w.resellerAdmin, w.otherAffiliate},
	}
}

func newMxWorld(t *testing.T, h *Harness) *mxWorld {
	t.Helper()
	ctx := context.Background()
	// The services as a host wires them (NewWorld), with a registry that
	// knows every INN and a password check that passes: the matrix is
	// about who may ask.
	kit := NewWorld(t, OnHarness(h), WithAccount(account.WithRegistry(mxRegistry{}), account.WithPasswordChecker(mxPasswords{})))
	w := &mxWorld{h: h, kit: kit, trail: kit.Trail, people: kit.People, lic: kit.Credit, acct: kit.Settings, pres: kit.Operators,
		comp: kit.Calls, platform: kit.Platform}
	pkg, err := w.lic.DefinePackage(ctx, w.platform, "", licensing.PackageInput{Name: "Matrix " + storage.NewID()})
	require.NoError(t, err)
	w.pkg = pkg.ID
	var ownOwner, affOwner tenancy.Actor
	w.own, ownOwner = w.company(t, "Own", tenancy.KindRegular, "")
	w.foreign, _ = w.company(t, "Foreign", tenancy.KindRegular, "")
	w.reseller, _ = w.company(t, "Reseller", tenancy.KindReseller, "")
	w.affiliate, affOwner = w.company(t, "Affiliate", tenancy.KindRegular, w.reseller.company)
	other, _ := w.company(t, "Other reseller", tenancy.KindReseller, "")
	w.otherAffiliate, _ = w.company(t, "Other affiliate", tenancy.KindRegular, other.company)
	w.resellerAdmin = w.employee(t, w.platform, w.reseller.company, tenancy.RoleResellerAdmin, "")
	w.affiliateAdmin = w.employee(t, affOwner, w.affiliate.company, tenancy.RoleAdministrator, "")
	w.missing = mxTarget{company: storage.NewID(), user: storage.NewID(), sub: storage.NewID(), category: storage.NewID(),
		option: storage.NewID(), pauseType: storage.NewID(), subscription: storage.NewID(), key: storage.NewID(),
		costCentre: storage.NewID(), reservation: storage.NewID()}
	w.admin = w.employee(t, ownOwner, w.own.company, tenancy.RoleAdministrator, "")
	w.stale = w.employee(t, ownOwner, w.own.company, tenancy.RoleAdministrator, "")
	require.NoError(t, w.people.RemoveMember(ctx, ownOwner, w.own.company, w.stale.UserID))
	return w
}

func (w *mxWorld) employee(t *testing.T, by tenancy.Actor, companyID string, role tenancy.Role, sub string) tenancy.Actor {
	t.Helper()
	ctx := context.Background()
	emp, err := w.people.RegisterEmployee(ctx, by, companyID, tenancy.NewEmployee{FirstName: "M", LastName: "X",
		Email: storage.NewID() + "@matrix.example", Role: role, SubAccountID: sub})
	require.NoError(t, err)
	a, err := w.people.ActorFor(ctx, emp.UserID, companyID)
	require.NoError(t, err)
	return a
}

// company creates a company holding one entity of each kind.
func (w *mxWorld) company(t *testing.T, name string, kind tenancy.CompanyKind, resellerID string) (mxTarget, tenancy.Actor) {
	t.Helper()
	ctx := context.Background()
	in := tenancy.NewCompany{Kind: kind, ResellerID: resellerID,
		LegalName: name + " " + storage.NewID(), Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@matrix.example"}}
	if kind == tenancy.KindReseller {
		in.Slug = "r-" + strings.ToLower(storage.NewID()[24:])
	}
	c, o, err := w.people.CreateCompany(ctx, w.platform, in)
	require.NoError(t, err)
	owner, err := w.people.ActorFor(ctx, o.ID, c.ID)
	require.NoError(t, err)
	tg := mxTarget{company: c.ID}
	sub, err := w.people.CreateSubAccount(ctx, owner, c.ID, "Sales")
	require.NoError(t, err)
	tg.sub = sub.ID
	op := w.employee(t, owner, c.ID, tenancy.RoleOperator, sub.ID)
	tg.user, tg.self, tg.owner = op.UserID, op, owner
	cat, err := w.acct.CreateCategory(ctx, owner, c.ID, "City", []string{"Moscow"})
	require.NoError(t, err)
	tg.category, tg.option = cat.ID, cat.Options[0].ID
	pt, err := w.pres.CreatePauseType(ctx, owner, c.ID, presence.PauseTypeInput{Name: "Rest"})
	require.NoError(t, err)
	tg.pauseType = pt.ID
	require.NoError(t, w.lic.SetAgreement(ctx, w.platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):              decimal.RequireFromString("9.90"),
		licensing.SubscriptionItem(licensing.SubscriptionMobile): decimal.RequireFromString("1.50"),
		licensing.AddOnItem("storage"):                           decimal.RequireFromString("2.00")}))
	p, err := w.lic.PurchaseSubscriptions(ctx, owner, c.ID, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile,
		Quantity: 1, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	tg.subscription = p.SubscriptionIDs[0]
	_, err = w.lic.PurchaseLicenses(ctx, owner, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 2, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	_, err = w.lic.AssignLicense(ctx, owner, c.ID, op.UserID, licensing.LicensePro)
	require.NoError(t, err)
	k, err := w.lic.AddSubscriptionKey(ctx, w.platform, c.ID, licensing.KeyInput{Code: "KEY-" + storage.NewID()})
	require.NoError(t, err)
	tg.key = k.ID
	_, err = w.acct.SetBranding(ctx, owner, c.ID, account.Branding{UsersOwnAvatar: true, UsersOwnCover: true})
	require.NoError(t, err)
	cc, err := w.acct.CreateCostCentre(ctx, owner, c.ID, account.CostCentreInput{Code: "CC1", Name: "Sales"})
	require.NoError(t, err)
	tg.costCentre = cc.ID
	all := compliance.Window{Start: 0, End: compliance.Clock(24, 0, 0)}
	_, err = w.comp.SetSettings(ctx, owner, c.ID, false, compliance.Policy{Name: "matrix",
		Windows: compliance.Windows{Working: all, Weekend: all, Holiday: all}, MaxInFlight: 5})
	require.NoError(t, err)
	r, d, err := w.comp.Reserve(ctx, op, compliance.Call{CompanyID: c.ID, Phone: "+74951234567", Zone: "Europe/Moscow"})
	require.NoError(t, err)
	require.True(t, d.Allowed, "the matrix's reservation is granted: %+v", d)
	tg.reservation = r.ID
	return tg, owner
}

// mxCall calls one method as by, aimed at target t, with arguments that
// pass every input check.
type mxCall func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error

// mxRow is the matrix's row of one exported method: how to call it, or
// why no actor decides it.
type mxRow struct {
	call mxCall
	// global marks a method that names no company (or only through what
	// it is given): only the stale actor is tried.
	global bool
	// exempt says why the method takes no actor (a Directory read, the
	// login flow, a scheduler's entry point, a pure helper).
	exempt string
	// want is the error a foreign and a missing target give (default
	// storage.ErrNotFound): a method aimed at a user rather than a
	// company refuses every user but the actor alike.
	want error
}

// mxRegistry answers every INN with a record of that INN.
type mxRegistry struct{}

func (mxRegistry) LookupINN(_ context.Context, inn string) (account.RegistryRecord, error) {
	return account.RegistryRecord{LegalName: "Registry " + inn, INN: inn}, nil
}

// mxPasswords accepts every password: the matrix is about who may ask.
type mxPasswords struct{}

func (mxPasswords) CheckPassword(context.Context, string, string, account.Secret) error { return nil }

// mxFirstErr is the first per-call error of a batch.
func mxFirstErr(cs []compliance.Checked) error {
	for _, c := range cs {
		if c.Err != nil {
			return c.Err
		}
	}
	return nil
}

func e0[T any](_ T, err error) error { return err }

func e1[T, U any](_ T, _ U, err error) error { return err }

func mxCompliance(t mxTarget) compliance.Call {
	return compliance.Call{CompanyID: t.company, Phone: "+74951234567", Zone: "Europe/Moscow"}
}

// mxRows is the table: one row per exported method of every domain
// service, keyed "package.Method".
func mxRows() map[string]mxRow {
	const (
		directory = "a tenancy.Directory read for the SDK's own use cases, not for end users"
		login     = "the host's login flow, before there is an actor"
		scheduler = "a scheduler's or the host's own entry point, acting for the system"
		pure      = "a pure helper that reads nothing stored"
	)
	pw := account.NewSecret("s3cret-Password")
	now := func() time.Time { return time.Now().UTC() }
	return map[string]mxRow{
		// tenancy
		"tenancy.CreateCompany": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e1(w.people.CreateCompany(ctx, by, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "New " + storage.NewID(),
				Owner: tenancy.Person{FirstName: "A", LastName: "B", Email: storage.NewID() + "@matrix.example"}}))
		}},
		"tenancy.RegisterAffiliate": {exempt: "a reseller's public sign-up, by slug, before there is an actor"},
		"tenancy.GetCompany": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.GetCompany(ctx, by, t.company))
		}},
		"tenancy.SetDisplayName": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetDisplayName(ctx, by, t.company, "Renamed"))
		}},
		"tenancy.SetLegalIdentity": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetLegalIdentity(ctx, by, t.company, tenancy.LegalIdentity{LegalName: "Legal " + storage.NewID()}))
		}},
		"tenancy.SetStatus": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetStatus(ctx, by, t.company, tenancy.StatusSuspended))
		}},
		"tenancy.SetKind": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetKind(ctx, by, t.company, tenancy.KindReseller, "slug-"+strings.ToLower(storage.NewID()[:8])))
		}},
		"tenancy.SetReseller": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetReseller(ctx, by, t.company, ""))
		}},
		"tenancy.ChangeOwner": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.ChangeOwner(ctx, by, t.company, t.user))
		}},
		"tenancy.FindCompanies": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.people.FindCompanies(ctx, by, tenancy.CompanyFilter{Query: "Own", Status: tenancy.StatusActive}, storage.PageRequest{}))
		}},
		"tenancy.SetTaxIdentity": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetTaxIdentity(ctx, by, t.company, tenancy.TaxIdentity{INN: "7707083893", KPP: "773601001"}))
		}},
		"tenancy.SearchCompanies": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.people.SearchCompanies(ctx, by, "Own", storage.PageRequest{}))
		}},
		"tenancy.Verify":     {exempt: directory},
		"tenancy.LockMember": {exempt: directory},
		"tenancy.Company":    {exempt: directory},
		"tenancy.Member":     {exempt: directory},
		"tenancy.ActorFor":   {exempt: login},
		"tenancy.RegisterEmployee": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.RegisterEmployee(ctx, by, t.company, tenancy.NewEmployee{FirstName: "N", LastName: "E",
				Email: storage.NewID() + "@matrix.example", Role: tenancy.RoleOperator}))
		}},
		"tenancy.AddMember": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.AddMember(ctx, by, t.company, storage.NewID()+"@matrix.example", tenancy.MemberChange{Role: tenancy.RoleOperator}))
		}},
		"tenancy.UpdateMember": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.UpdateMember(ctx, by, t.company, t.user, tenancy.MemberChange{Role: tenancy.RoleOperator}))
		}},
		"tenancy.ListEmployees": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.ListEmployees(ctx, by, t.company, storage.PageRequest{}))
		}},
		"tenancy.Memberships": {want: storage.ErrForbidden, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.Memberships(ctx, by, t.user))
		}},
		"tenancy.Authenticate": {exempt: login},
		"tenancy.ChangePassword": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return w.people.ChangePassword(ctx, by, "wrong-password-1", "Next-password-12", "Next-password-12")
		}},
		"tenancy.RenameUser": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.RenameUser(ctx, by, t.company, t.user, tenancy.PersonName{FirstName: "R", LastName: "N"}))
		}},
		"tenancy.RemoveMember": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.people.RemoveMember(ctx, by, t.company, t.user)
		}},
		"tenancy.VisibleSubAccounts": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			_, _, err := w.people.VisibleSubAccounts(ctx, by, t.company)
			return err
		}},
		"tenancy.AuditScope": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.people.AuditScope(ctx, by))
		}},
		"tenancy.CreateSubAccount": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.CreateSubAccount(ctx, by, t.company, "New "+storage.NewID()))
		}},
		"tenancy.RenameSubAccount": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.RenameSubAccount(ctx, by, t.company, t.sub, "Renamed "+storage.NewID()))
		}},
		"tenancy.ListSubAccounts": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.ListSubAccounts(ctx, by, t.company))
		}},
		"tenancy.VerifyPassword": {exempt: login},
		"tenancy.SetPhone": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetPhone(ctx, by, t.company, t.user, tenancy.PhoneInput{Phone: "+74951234567"}))
		}},
		"tenancy.RequestEmailChange": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.RequestEmailChange(ctx, by, t.company, t.user, tenancy.EmailChangeInput{NewEmail: storage.NewID() + "@matrix.example"}))
		}},
		"tenancy.ConfirmEmailChange":   {exempt: "the holder of a token sent to the new address confirms it, before there is an actor"},
		"tenancy.RequestPasswordReset": {exempt: login},
		"tenancy.ResetPassword":        {exempt: "the holder of a token sent to the user's address sets a password, before there is an actor"},
		"tenancy.SetOpenRegistration": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SetOpenRegistration(ctx, by, t.company, true))
		}},
		"tenancy.IssueInvitation": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.IssueInvitation(ctx, by, t.company, tenancy.InvitationInput{Email: storage.NewID() + "@matrix.example"}))
		}},
		"tenancy.FindEmployees": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.FindEmployees(ctx, by, t.company, tenancy.EmployeeFilter{Role: tenancy.RoleOperator, Text: "m"}, storage.PageRequest{}))
		}},
		"tenancy.SubAccountsPage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.people.SubAccountsPage(ctx, by, t.company, storage.PageRequest{}))
		}},
		"tenancy.PruneTokens": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.people.PruneTokens(ctx, by))
		}},
		"tenancy.DeactivateMember": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.people.DeactivateMember(ctx, by, t.company, t.user)
		}},
		"tenancy.ReactivateMember": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.people.ReactivateMember(ctx, by, t.company, t.user)
		}},

		// licensing
		"licensing.Account": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Account(ctx, by, t.company))
		}},
		"licensing.SetAgreement": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.SetAgreement(ctx, by, t.company, map[licensing.Item]decimal.Decimal{
				licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("1.00")})
		}},
		"licensing.SetContract": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.SetContract(ctx, by, t.company, licensing.Contract{Kind: licensing.ContractOngoing})
		}},
		"licensing.PreviewPlanChange": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.PreviewPlanChange(ctx, by, t.company, licensing.TierUnlimited))
		}},
		"licensing.ChangePlan": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.ChangePlan(ctx, by, t.company, licensing.TierUnlimited))
		}},
		"licensing.SetCreditTerms": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.SetCreditTerms(ctx, by, t.company, licensing.CreditTerms{
				CreditLimit: decimal.NewNullDecimal(decimal.RequireFromString("100"))}))
		}},
		"licensing.RecordPayment": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.RecordPayment(ctx, by, t.company, licensing.MoneyInput{Amount: decimal.RequireFromString("5"), IdempotencyKey: storage.NewID()}))
		}},
		"licensing.Charge": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Charge(ctx, by, t.company, licensing.MoneyInput{Amount: decimal.RequireFromString("5"), IdempotencyKey: storage.NewID()}))
		}},
		"licensing.Adjust": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Adjust(ctx, by, t.company, licensing.MoneyInput{Amount: decimal.RequireFromString("5"), IdempotencyKey: storage.NewID()}))
		}},
		"licensing.Credit": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Credit(ctx, by, t.company))
		}},
		"licensing.LedgerBalance": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.LedgerBalance(ctx, by, t.company))
		}},
		"licensing.Ledger": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Ledger(ctx, by, t.company, storage.PageRequest{}))
		}},
		"licensing.LedgerBetween": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.LedgerBetween(ctx, by, t.company, now().Add(-time.Hour), now(), storage.PageRequest{}))
		}},
		"licensing.CostCentreSpend": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.CostCentreSpend(ctx, by, t.company, time.Time{}, time.Time{}))
		}},
		"licensing.Suspended": {exempt: "compliance's suspension source (compliance.WithSuspensions), read in the dialing transaction"},
		"licensing.PurchaseLicenses": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.PurchaseLicenses(ctx, by, t.company, licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: storage.NewID()}))
		}},
		"licensing.ReduceLicenses": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.ReduceLicenses(ctx, by, t.company, licensing.LicensePro, 1))
		}},
		"licensing.AssignLicense": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.AssignLicense(ctx, by, t.company, t.user, licensing.LicenseMobile))
		}},
		"licensing.UnassignLicense": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.UnassignLicense(ctx, by, t.company, t.user, licensing.LicensePro)
		}},
		"licensing.Pools": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Pools(ctx, by, t.company))
		}},
		"licensing.Assignments": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Assignments(ctx, by, t.company, storage.PageRequest{}))
		}},
		"licensing.ReleaseUser": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.ReleaseUser(ctx, by, t.company, t.user))
		}},
		"licensing.DefinePackage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.DefinePackage(ctx, by, t.company, licensing.PackageInput{Name: "P " + storage.NewID()}))
		}},
		"licensing.PackageChoices": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.PackageChoices(ctx, by, t.company))
		}},
		"licensing.SetPackageOffer": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.SetPackageOffer(ctx, by, t.company, w.pkg, true, false)
		}},
		"licensing.UpdatePackage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.UpdatePackage(ctx, by, t.company, w.pkg, licensing.PackageInput{Name: "P " + storage.NewID()}))
		}},
		"licensing.RetirePackage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.RetirePackage(ctx, by, t.company, w.pkg))
		}},
		"licensing.GrantPackage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.GrantPackage(ctx, by, t.company, t.user, w.pkg)
		}},
		"licensing.RevokePackage": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.RevokePackage(ctx, by, t.company, t.user, w.pkg)
		}},
		"licensing.GrantDefaultPackages": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.GrantDefaultPackages(ctx, by, t.company, t.user))
		}},
		"licensing.UserPackages": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.UserPackages(ctx, by, t.company, t.user))
		}},
		"licensing.AddSubscriptionKey": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.AddSubscriptionKey(ctx, by, t.company, licensing.KeyInput{Code: "K-" + storage.NewID()}))
		}},
		"licensing.RemoveSubscriptionKey": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.RemoveSubscriptionKey(ctx, by, t.company, t.key)
		}},
		"licensing.SubscriptionKeys": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.SubscriptionKeys(ctx, by, t.company))
		}},
		"licensing.PurchaseSubscriptions": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.PurchaseSubscriptions(ctx, by, t.company, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile,
				Quantity: 1, IdempotencyKey: storage.NewID()}))
		}},
		"licensing.AssignSubscription": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.AssignSubscription(ctx, by, t.company, t.subscription, t.user)
		}},
		"licensing.UnassignSubscription": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.UnassignSubscription(ctx, by, t.company, t.subscription)
		}},
		"licensing.Subscriptions": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.Subscriptions(ctx, by, t.company, licensing.SubscriptionFilter{}, storage.PageRequest{}))
		}},
		"licensing.SetSubscriptionPhone": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.SetSubscriptionPhone(ctx, by, t.company, t.subscription, licensing.SubscriptionPhone{Phone: "+79161234567"}))
		}},
		"licensing.CancelSubscription": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.lic.CancelSubscription(ctx, by, t.company, t.subscription)
		}},
		"licensing.ReduceAddOn": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.ReduceAddOn(ctx, by, t.company, "storage", 1))
		}},
		"licensing.PurchaseAddOn": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.PurchaseAddOn(ctx, by, t.company, licensing.AddOnPurchase{Code: "storage", Quantity: 1, IdempotencyKey: storage.NewID()}))
		}},
		"licensing.AddOns": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.lic.AddOns(ctx, by, t.company))
		}},

		// account
		"account.AIFeatures": {exempt: pure},
		"account.SetAIFeature": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetAIFeature(ctx, by, t.company, account.AIChatTranslate, true, &account.Consent{TextVersion: "v1"}))
		}},
		"account.AIFeatureEnabled": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.AIFeatureEnabled(ctx, by, t.company, account.AIChatTranslate))
		}},
		"account.SetBranding": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetBranding(ctx, by, t.company, account.Branding{AvatarRef: "img/a.png"}))
		}},
		"account.SetUserImages": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetUserImages(ctx, by, t.company, t.user, account.UserImages{AvatarRef: "img/u.png"}))
		}},
		"account.SetOperatorProfile": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetOperatorProfile(ctx, by, t.company, t.user, account.OperatorProfile{Nickname: "Nick"}))
		}},
		"account.CreateCostCentre": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.CreateCostCentre(ctx, by, t.company, account.CostCentreInput{Code: "CC" + storage.NewID()[:6], Name: "New"}))
		}},
		"account.SetCostCentreActive": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetCostCentreActive(ctx, by, t.company, t.costCentre, false))
		}},
		"account.CostCentres": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.CostCentres(ctx, by, t.company))
		}},
		"account.SetUserMailLogin": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetUserMailLogin(ctx, by, t.company, t.user, account.UserMailInput{Username: "u@example.com", Password: account.NewSecret("pw")}))
		}},
		"account.MailConnectionFor": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.MailConnectionFor(ctx, by, t.company, t.user))
		}},
		"account.RenameCostCentre": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.RenameCostCentre(ctx, by, t.company, t.costCentre, account.CostCentreName{Name: "Renamed"}))
		}},
		"account.DeleteCostCentre": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.DeleteCostCentre(ctx, by, t.company, t.costCentre, ""))
		}},
		"account.ActiveCostCentre": {exempt: "licensing's cost-centre check (licensing.WithCostCentres), read in the purchase transaction after its authorisation"},
		"account.AssignCostCentre": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.AssignCostCentre(ctx, by, t.company, t.user, t.costCentre))
		}},
		"account.CreateCategory": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.CreateCategory(ctx, by, t.company, "Cat "+storage.NewID(), []string{"A"}))
		}},
		"account.RenameCategory": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.RenameCategory(ctx, by, t.company, t.category, "Renamed "+storage.NewID())
		}},
		"account.DeleteCategory": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.DeleteCategory(ctx, by, t.company, t.category)
		}},
		"account.AddOption": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.AddOption(ctx, by, t.company, t.category, "Opt "+storage.NewID()))
		}},
		"account.RenameOption": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.RenameOption(ctx, by, t.company, t.option, "Renamed "+storage.NewID())
		}},
		"account.DeleteOption": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.DeleteOption(ctx, by, t.company, t.option)
		}},
		"account.Categories": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.Categories(ctx, by, t.company))
		}},
		"account.AssignOption": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.AssignOption(ctx, by, t.company, t.option, []string{t.user})
		}},
		"account.UnassignOption": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return w.acct.UnassignOption(ctx, by, t.company, t.option, []string{t.user})
		}},
		"account.SearchEmployees": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SearchEmployees(ctx, by, t.company, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: t.category}}, Text: "m"}, storage.PageRequest{}))
		}},
		"account.UpdateProfile": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.UpdateProfile(ctx, by, t.company, account.Profile{DisplayName: "Profile"}))
		}},
		"account.ValidateRequisites": {exempt: pure},
		"account.UpdateRequisites": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.UpdateRequisites(ctx, by, t.company, account.Requisites{BankName: "Bank"}))
		}},
		"account.FillByINN": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e1(w.acct.FillByINN(ctx, by, t.company, "7707083893"))
		}},
		"account.SetMailAccess": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetMailAccess(ctx, by, t.company, account.MailConnection{Host: "mail.example.com", Port: 993,
				Security: account.MailSecurity("tls"), Username: "u", Password: pw}))
		}},
		"account.MailPassword": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.MailPassword(ctx, by, t.company))
		}},
		"account.SetAssistant": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetAssistant(ctx, by, t.company, account.Assistant{Name: "Ann"}))
		}},
		"account.SetPBX": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetPBX(ctx, by, t.company, account.PBXInput{Type: "asterisk", AccountID: "a1", Password: pw}))
		}},
		"account.PBXPassword": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.PBXPassword(ctx, by, t.company))
		}},
		"account.RotateSecrets": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.RotateSecrets(ctx, by, t.company))
		}},
		"account.RotateAllSecrets": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.acct.RotateAllSecrets(ctx, by, 10))
		}},
		"account.OpenBill": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.OpenBill(ctx, by, t.company, pw))
		}},
		"account.VerifyBillGrant": {exempt: "the billing site checks a grant's token; OpenBill authorised the grant"},
		"account.ReleaseUser": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.ReleaseUser(ctx, by, t.company, t.user))
		}},
		"account.Company": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.Company(ctx, by, t.company))
		}},
		"account.UserSettings": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.UserSettings(ctx, by, t.company, t.user))
		}},
		"account.SetLocale": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetLocale(ctx, by, t.company, account.Locale{TimeZone: "Europe/Moscow", Language: "ru"}))
		}},
		"account.SetUserLocale": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetUserLocale(ctx, by, t.company, t.user, account.UserLocale{TimeZone: "Europe/Moscow", Language: "ru"}))
		}},
		"account.SetDefaultMaxDialogs": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetDefaultMaxDialogs(ctx, by, t.company, 3))
		}},
		"account.SetUserMaxDialogs": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			n := 2
			return e0(w.acct.SetUserMaxDialogs(ctx, by, t.company, t.user, &n))
		}},
		"account.Effective": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.Effective(ctx, by, t.company, t.user))
		}},
		"account.Location": {exempt: "presence's time-zone source (presence.Locations), read in its caller's transaction"},
		"account.SetSMSTypes": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetSMSTypes(ctx, by, t.company, []account.SMSType{account.SMSSurvey}))
		}},
		"account.SetSMSZone": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.SetSMSZone(ctx, by, t.company, account.SMSZone{Zone: "ru", Access: account.ZoneSelected, Users: []string{t.user}}))
		}},
		"account.MaySendSystemSMS": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.acct.MaySendSystemSMS(ctx, by, t.company, t.user, account.SMSSurvey, "ru"))
		}},

		// presence
		"presence.Budget": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.Budget(ctx, by, t.company, t.user, now().Format(time.DateOnly)))
		}},
		"presence.ReleaseUser": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.ReleaseUser(ctx, by, t.company, t.user))
		}},
		"presence.Report": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			d := now().Format(time.DateOnly)
			return e0(w.pres.Report(ctx, by, presence.ReportRequest{CompanyID: t.company, From: d, To: d}))
		}},
		"presence.CreatePauseType": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.CreatePauseType(ctx, by, t.company, presence.PauseTypeInput{Name: "P " + storage.NewID()}))
		}},
		"presence.UpdatePauseType": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.UpdatePauseType(ctx, by, t.company, t.pauseType, 1, presence.PauseTypeInput{Name: "Renamed"}))
		}},
		"presence.ArchivePauseType": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.ArchivePauseType(ctx, by, t.company, t.pauseType, 1))
		}},
		"presence.PauseTypes": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.PauseTypes(ctx, by, t.company, true))
		}},
		"presence.SetStatus": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.SetStatus(ctx, by, t.company, t.user, presence.Change{State: presence.Online}))
		}},
		"presence.Status": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.Status(ctx, by, t.company, t.user))
		}},
		"presence.Ledger": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.pres.Ledger(ctx, by, t.company, t.user, now().Add(-time.Hour), now()))
		}},
		"presence.NextTransition":         {exempt: scheduler},
		"presence.NextPlatformTransition": {exempt: scheduler},
		"presence.ApplyDue":               {exempt: scheduler},
		"presence.ApplyPlatformDue":       {exempt: scheduler},

		// compliance
		"compliance.CheckAt": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.CheckAt(ctx, by, mxCompliance(t), now()))
		}},
		"compliance.CheckBatch": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			cs, err := w.comp.CheckBatch(ctx, by, []compliance.Call{mxCompliance(t)}, now())
			if err != nil {
				return err
			}
			return mxFirstErr(cs)
		}},
		"compliance.CheckSeq": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			for _, c := range w.comp.CheckSeq(ctx, by, slices.Values([]compliance.Call{mxCompliance(t)}), now()) {
				return c.Err
			}
			return errors.New("CheckSeq yielded nothing")
		}},
		"compliance.Schedule": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			_, cs, err := w.comp.Schedule(ctx, by, []compliance.Call{mxCompliance(t)}, now())
			if err != nil {
				return err
			}
			return mxFirstErr(cs)
		}},
		"compliance.ImportHistory": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.ImportHistory(ctx, by, t.company, "import-"+storage.NewID(), []compliance.PastCall{
				{Phone: "+74951234567", At: now().Add(-time.Hour), Outcome: compliance.OutcomeNoAnswer}}))
		}},
		"compliance.Settings": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.Settings(ctx, by, t.company))
		}},
		"compliance.SetSettings": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.SetSettings(ctx, by, t.company, true, compliance.DefaultPolicy()))
		}},
		"compliance.Check": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.Check(ctx, by, mxCompliance(t)))
		}},
		"compliance.CheckInto": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			var d compliance.Decision
			return w.comp.CheckInto(ctx, by, mxCompliance(t), &d)
		}},
		"compliance.Reserve": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e1(w.comp.Reserve(ctx, by, mxCompliance(t)))
		}},
		"compliance.Complete": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.Complete(ctx, by, t.reservation, compliance.OutcomeNoAnswer))
		}},
		"compliance.Release": {call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) error {
			return e0(w.comp.Release(ctx, by, t.reservation))
		}},
		"compliance.Prune": {global: true, call: func(ctx context.Context, w *mxWorld, by tenancy.Actor, _ mxTarget) error {
			return e0(w.comp.Prune(ctx, by))
		}},
	}
}

// mxMethods lists by reflection every exported method of the domain
// services, as "package.Method".
func (w *mxWorld) mxMethods() []string {
	var out []string
	for _, svc := range []any{w.people, w.lic, w.acct, w.pres, w.comp} {
		typ := reflect.TypeOf(svc)
		pkg := typ.Elem().PkgPath()
		pkg = pkg[strings.LastIndex(pkg, "/")+1:]
		for i := range typ.NumMethod() {
			out = append(out, pkg+"."+typ.Method(i).Name)
		}
	}
	sort.Strings(out)
	return out
}

// auditCount is how many audit events the companies' chains hold.
func (w *mxWorld) auditCount(t *testing.T, companyIDs ...string) int {
	t.Helper()
	ctx := context.Background()
	n := 0
	p := storage.PageRequest{Limit: storage.MaxPageSize}
	for {
		page, err := w.trail.Query(ctx, audit.Scope{CompanyIDs: companyIDs}, audit.Filter{}, p)
		require.NoError(t, err)
		n += len(page.Items)
		if page.NextCursor == "" {
			return n
		}
		p.After = page.NextCursor
	}
}

// mxShape is err's message with the target's IDs blanked out, so a foreign
// and a missing target can be compared.
func mxShape(err error, t mxTarget) string {
	if err == nil {
		return "<nil>"
	}
	msg := err.Error()
	for _, id := range t.ids() {
		if id != "" {
			msg = strings.ReplaceAll(msg, id, "<id>")
		}
	}
	return msg
}

// runMatrix calls every exported method of every domain service as a
// removed member (refused: storage.ErrForbidden) and as an administrator
// aimed at an unrelated company and at IDs nothing has (both
// storage.ErrNotFound, with the same message once the IDs are blanked),
// and checks that no refused call wrote an audit event. A method without a
// row fails the test.
func runMatrix(t *testing.T, h *Harness) {
	if h.Presence == nil || h.Compliance == nil || h.Account == nil {
		t.Skip("backend lacks a domain store")
	}
	w := newMxWorld(t, h)
	rows := mxRows()
	methods := w.mxMethods()
	for _, m := range methods {
		if _, ok := rows[m]; !ok {
			t.Errorf("%s has no row in the isolation matrix (storagetest.mxRows)", m)
		}
	}
	for name := range rows {
		if !slices.Contains(methods, name) {
			t.Errorf("the isolation matrix has a row for %s, which no service has", name)
		}
	}
	ctx := context.Background()
	companies := []string{w.own.company, w.foreign.company, w.reseller.company, w.affiliate.company, w.otherAffiliate.company}
	before := w.auditCount(t, companies...)
	calls, exempt, violations := 0, 0, 0
	violate := func(format string, args ...any) {
		violations++
		t.Errorf(format, args...)
	}
	for _, name := range methods {
		row, ok := rows[name]
		if !ok || row.exempt != "" {
			exempt++
			continue
		}
		err := row.call(ctx, w, w.stale, w.own)
		calls++
		if !errors.Is(err, storage.ErrForbidden) {
			violate("%s by a removed member: want ErrForbidden, got %v", name, err)
		}
		if row.global {
			continue
		}
		want := row.want
		if want == nil {
			want = storage.ErrNotFound
		}
		for _, u := range w.unseen() {
			foreign := row.call(ctx, w, u.by, u.target)
			missing := row.call(ctx, w, u.by, w.missing)
			calls += 2
			if !errors.Is(foreign, want) {
				violate("%s by %s: want %v, got %v", name, u.label, want, foreign)
			}
			if !errors.Is(missing, want) {
				violate("%s by %s, on missing IDs: want %v, got %v", name, u.label, want, missing)
			}
			if fs, ms := mxShape(foreign, u.target), mxShape(missing, w.missing); fs != ms {
				violate("%s by %s: the unseen company and a missing one differ:\n  unseen:  %s\n  missing: %s", name, u.label, fs, ms)
			}
		}
	}
	after := w.auditCount(t, companies...)
	assert.Equal(t, before, after, "a refused call records no audit event")
	t.Logf("matrix: %d methods (%d exempt with a reason), %d refused calls, violations: %d", len(methods), exempt, calls, violations)
}
