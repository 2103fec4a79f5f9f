package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// mxSuspension says, per method, what becomes of it when the target
// company is suspended (tenancy status): the matrix's own statement of the
// suspension table of the tenancy docs. A suspended customer sees and
// settles, sheds what it holds and keeps its people's records right; it
// does not consume, grow or reconfigure. The classes:
//
//	read      allowed: every read, the audit trail, secrets shown to those who may see them
//	settle    allowed: payments, adjustments, credit terms and agreements, invoice details, the bill
//	shed      allowed: removing, deactivating and re-roling people; unassigning, reducing, cancelling, releasing
//	records   allowed: a person's name, phone, login and password; rotating secrets
//	platform  allowed: the platform's own operations (status, identity, kind, reseller, owner)
//	refused   storage.ErrSuspended, no row, no audit event, no message
//	decided   compliance decides the call refused with ReasonSuspended, reserving nothing
var mxSuspension = map[string]string{
	"tenancy.CreateCompany": "platform", "tenancy.GetCompany": "read", "tenancy.SetDisplayName": "refused",
	"tenancy.SetLegalIdentity": "platform", "tenancy.SetStatus": "platform", "tenancy.SetKind": "platform",
	"tenancy.SetReseller": "platform", "tenancy.ChangeOwner": "platform", "tenancy.FindCompanies": "read",
	"tenancy.SetTaxIdentity": "settle", "tenancy.SearchCompanies": "read", "tenancy.RegisterEmployee": "refused",
	"tenancy.AddMember": "refused", "tenancy.UpdateMember": "shed", "tenancy.ListEmployees": "read",
	"tenancy.Memberships": "read", "tenancy.ChangePassword": "records", "tenancy.RenameUser": "records",
	"tenancy.RemoveMember": "shed", "tenancy.VisibleSubAccounts": "read", "tenancy.AuditScope": "read",
	"tenancy.CreateSubAccount": "refused", "tenancy.RenameSubAccount": "refused", "tenancy.ListSubAccounts": "read",
	"tenancy.SetPhone": "records", "tenancy.RequestEmailChange": "records", "tenancy.SetOpenRegistration": "refused",
	"tenancy.IssueInvitation": "refused", "tenancy.FindEmployees": "read", "tenancy.SubAccountsPage": "read",
	"tenancy.PruneTokens": "platform", "tenancy.DeactivateMember": "shed", "tenancy.ReactivateMember": "refused",

	"licensing.Account": "read", "licensing.SetAgreement": "settle", "licensing.SetContract": "settle",
	"licensing.PreviewPlanChange": "read", "licensing.ChangePlan": "refused", "licensing.SetCreditTerms": "settle",
	"licensing.RecordPayment": "settle", "licensing.Charge": "refused", "licensing.Adjust": "settle",
	"licensing.Credit": "read", "licensing.LedgerBalance": "read", "licensing.Ledger": "read",
	"licensing.LedgerBetween": "read", "licensing.CostCentreSpend": "read", "licensing.PurchaseLicenses": "refused",
	"licensing.ReduceLicenses": "shed", "licensing.AssignLicense": "refused", "licensing.UnassignLicense": "shed",
	"licensing.Pools": "read", "licensing.Assignments": "read", "licensing.ReleaseUser": "shed",
	"licensing.DefinePackage": "refused", "licensing.PackageChoices": "read", "licensing.SetPackageOffer": "refused",
	"licensing.UpdatePackage": "refused", "licensing.RetirePackage": "refused", "licensing.GrantPackage": "refused",
	"licensing.RevokePackage": "shed", "licensing.GrantDefaultPackages": "refused", "licensing.UserPackages": "read",
	"licensing.AddSubscriptionKey": "refused", "licensing.RemoveSubscriptionKey": "refused",
	"licensing.SubscriptionKeys": "read", "licensing.PurchaseSubscriptions": "refused",
	"licensing.AssignSubscription": "refused", "licensing.UnassignSubscription": "shed", "licensing.Subscriptions": "read",
	"licensing.PurchaseAddOn": "refused", "licensing.AddOns": "read", "licensing.SetSubscriptionPhone": "refused",
	"licensing.CancelSubscription": "shed", "licensing.ReduceAddOn": "shed",

	"account.SetAIFeature": "refused", "account.AIFeatureEnabled": "read", "account.SetBranding": "refused",
	"account.SetUserImages": "refused", "account.SetOperatorProfile": "refused", "account.CreateCostCentre": "refused",
	"account.RenameCostCentre": "refused", "account.SetCostCentreActive": "refused", "account.DeleteCostCentre": "refused",
	"account.CostCentres": "read", "account.AssignCostCentre": "refused", "account.CreateCategory": "refused",
	"account.RenameCategory": "refused", "account.DeleteCategory": "refused", "account.AddOption": "refused",
	"account.RenameOption": "refused", "account.DeleteOption": "refused", "account.Categories": "read",
	"account.AssignOption": "refused", "account.UnassignOption": "shed", "account.SearchEmployees": "read",
	"account.UpdateProfile": "refused", "account.UpdateRequisites": "settle", "account.FillByINN": "settle",
	"account.SetMailAccess": "refused", "account.MailPassword": "read", "account.SetUserMailLogin": "refused",
	"account.MailConnectionFor": "read", "account.SetAssistant": "refused", "account.SetPBX": "refused",
	"account.PBXPassword": "read", "account.RotateSecrets": "records", "account.RotateAllSecrets": "platform",
	"account.OpenBill": "settle", "account.ReleaseUser": "shed", "account.Company": "read",
	"account.UserSettings": "read", "account.SetLocale": "refused", "account.SetUserLocale": "refused",
	"account.SetDefaultMaxDialogs": "refused", "account.SetUserMaxDialogs": "refused", "account.Effective": "read",
	"account.SetSMSTypes": "refused", "account.SetSMSZone": "refused", "account.MaySendSystemSMS": "read",

	"presence.Budget": "read", "presence.ReleaseUser": "shed", "presence.Report": "read",
	"presence.CreatePauseType": "refused", "presence.UpdatePauseType": "refused", "presence.ArchivePauseType": "refused",
	"presence.PauseTypes": "read", "presence.SetStatus": "refused", "presence.Status": "read", "presence.Ledger": "read",

	"compliance.CheckAt": "decided", "compliance.CheckBatch": "decided", "compliance.CheckSeq": "decided",
	"compliance.Schedule": "decided", "compliance.Check": "decided", "compliance.CheckInto": "decided",
	"compliance.Reserve": "decided", "compliance.ImportHistory": "refused", "compliance.Settings": "read",
	"compliance.SetSettings": "refused", "compliance.Complete": "shed", "compliance.Release": "shed",
	"compliance.Prune": "platform",
}

// mxDebt is what a company suspended for debt (licensing: the balance
// below the credit limit) is refused with storage.ErrSuspended: the
// purchases that charge and charges. Its calls are decided as for a
// suspended status ("decided" above); everything else is allowed.
var mxDebt = map[string]bool{
	"licensing.PurchaseLicenses": true, "licensing.PurchaseSubscriptions": true, "licensing.PurchaseAddOn": true,
	"licensing.Charge": true,
}

// mxDecide calls a compliance method that decides a call and returns its
// decision.
type mxDecide func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error)

// mxDecisions are the deciding methods of compliance, returning the
// decision instead of the error alone.
func mxDecisions() map[string]mxDecide {
	now := func() time.Time { return time.Now().UTC() }
	first := func(cs []compliance.Checked, err error) (compliance.Decision, error) {
		if err != nil {
			return compliance.Decision{}, err
		}
		if len(cs) != 1 {
			return compliance.Decision{}, fmt.Errorf("%d decisions for one call", len(cs))
		}
		return cs[0].Decision, cs[0].Err
	}
	return map[string]mxDecide{
		"compliance.Check": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			return w.comp.Check(ctx, by, mxCompliance(t))
		},
		"compliance.CheckAt": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			return w.comp.CheckAt(ctx, by, mxCompliance(t), now())
		},
		"compliance.CheckInto": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			var d compliance.Decision
			err := w.comp.CheckInto(ctx, by, mxCompliance(t), &d)
			return d, err
		},
		"compliance.CheckBatch": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			return first(w.comp.CheckBatch(ctx, by, []compliance.Call{mxCompliance(t)}, now()))
		},
		"compliance.CheckSeq": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			var cs []compliance.Checked
			for _, c := range w.comp.CheckSeq(ctx, by, slices.Values([]compliance.Call{mxCompliance(t)}), now()) {
				cs = append(cs, c)
			}
			return first(cs, nil)
		},
		"compliance.Schedule": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			_, cs, err := w.comp.Schedule(ctx, by, []compliance.Call{mxCompliance(t)}, now())
			return first(cs, err)
		},
		"compliance.Reserve": func(ctx context.Context, w *mxWorld, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
			r, d, err := w.comp.Reserve(ctx, by, mxCompliance(t))
			if err == nil && d.Allowed != (r.ID != "") {
				err = fmt.Errorf("reservation %q for a decision allowed=%v", r.ID, d.Allowed)
			}
			return d, err
		},
	}
}

// mxSuspect is an actor of the suspension matrix: aimed at a suspended
// company, and at its active twin (built the same way) for comparison.
type mxSuspect struct {
	label        string
	by, twinBy   tenancy.Actor
	target, twin mxTarget
	global       bool // also tries the methods that name no company
	traced       bool // refused calls are checked for the audit events and messages they left behind
	digested     bool // and for the rows they changed (SQL backends)
	debt         bool // the company is suspended for debt, not by its status
}

// class is what becomes of method name for s: its mxSuspension class, or
// for a company suspended for debt "refused" (mxDebt), "decided" or
// "allowed".
func (s mxSuspect) class(name string) string {
	c := mxSuspension[name]
	switch {
	case !s.debt || c == "decided":
		return c
	case mxDebt[name]:
		return "refused"
	}
	return "allowed"
}

// suspects builds the suspended companies: a regular company with an
// administrator, and an affiliate of the first reseller.
func (w *mxWorld) suspects(t *testing.T) []mxSuspect {
	t.Helper()
	ctx := context.Background()
	sc, owner := w.company(t, "Suspended", tenancy.KindRegular, "")
	admin := w.employee(t, owner, sc.company, tenancy.RoleAdministrator, "")
	sa, _ := w.company(t, "Suspended affiliate", tenancy.KindRegular, w.reseller.company)
	for _, id := range []string{sc.company, sa.company} {
		_, err := w.people.SetStatus(ctx, w.platform, id, tenancy.StatusSuspended)
		require.NoError(t, err)
	}
	// The fixtures' purchases took the balance below 0: a limit of 0
	// suspends the company for debt.
	dc, dOwner := w.company(t, "Indebted", tenancy.KindRegular, "")
	dAdmin := w.employee(t, dOwner, dc.company, tenancy.RoleAdministrator, "")
	_, err := w.lic.SetCreditTerms(ctx, w.platform, dc.company, licensing.CreditTerms{CreditLimit: decimal.NewNullDecimal(decimal.Zero)})
	require.NoError(t, err)
	susp, err := w.lic.Suspended(ctx, dc.company)
	require.NoError(t, err)
	require.True(t, susp, "the indebted company is suspended for debt")
	return []mxSuspect{
		{label: "an administrator of a suspended company", by: admin, twinBy: w.admin, target: sc, twin: w.own, global: true, traced: true, digested: true},
		{label: "the reseller's administrator on its suspended affiliate", by: w.resellerAdmin, twinBy: w.resellerAdmin, target: sa, twin: w.affiliate, traced: true},
		{label: "the platform on a suspended company", by: w.platform, twinBy: w.platform, target: sc, twin: w.own},
		{label: "an administrator of a company suspended for debt", by: dAdmin, twinBy: w.admin, target: dc, twin: w.own,
			global: true, traced: true, debt: true},
	}
}

// mxRefusedHere reports whether err is a refusal on rights or visibility.
func mxRefusedHere(err error, company string) bool {
	return errors.Is(err, storage.ErrForbidden) ||
		errors.Is(err, storage.ErrNotFound) && strings.Contains(err.Error(), "company "+company)
}

// runSuspensionMatrix calls every exported method with an isolation row as
// an administrator of a suspended company, as its reseller's administrator
// and as the platform — and as an administrator of a company suspended for
// debt, against mxDebt — and compares each outcome with the same call on an
// active twin company and with mxSuspension: an allowed method behaves as
// on the twin (same error kind, never storage.ErrSuspended); a refused one
// is storage.ErrSuspended (unless the actor has no right to it at all:
// then it is refused as on the twin, so suspension reveals nothing) and
// leaves no audit event, no outbox message and — on SQL — no changed row;
// a deciding compliance method decides the call refused with
// ReasonSuspended and reserves nothing. A method without an entry fails.
func runSuspensionMatrix(t *testing.T, h *Harness) {
	if h.Presence == nil || h.Compliance == nil || h.Account == nil {
		t.Skip("backend lacks a domain store")
	}
	w := newMxWorld(t, h)
	rows := mxRows()
	decide := mxDecisions()
	ctx := context.Background()
	methods := w.mxMethods()
	for _, name := range methods {
		row, ok := rows[name]
		if ok && row.exempt != "" {
			continue
		}
		if _, has := mxSuspension[name]; !has {
			t.Errorf("%s has no suspension row (storagetest.mxSuspension)", name)
		}
	}
	for name, class := range mxSuspension {
		if !slices.Contains(methods, name) {
			t.Errorf("the suspension matrix has a row for %s, which no service has", name)
		}
		if class == "decided" && decide[name] == nil {
			t.Errorf("%s is decided but has no deciding call (storagetest.mxDecisions)", name)
		}
	}
	kit := w.kit.For(t)
	suspects := w.suspects(t)
	calls, refused, decided, violations := 0, 0, 0, 0
	violate := func(format string, args ...any) {
		violations++
		t.Errorf(format, args...)
	}
	for _, name := range methods {
		row, ok := rows[name]
		_, has := mxSuspension[name]
		if !ok || row.exempt != "" || !has {
			continue
		}
		for _, s := range suspects {
			if row.global && !s.global {
				continue
			}
			calls++
			class := s.class(name)
			switch class {
			case "decided":
				twin, twinErr := mxDecideRolledBack(ctx, w, decide[name], s.twinBy, s.twin)
				if twinErr == nil && twin.Reasons.Has(compliance.ReasonSuspended) {
					violate("%s by %s: the active twin is decided suspended: %v", name, s.label, twin.Reasons)
				}
				var d compliance.Decision
				var err error
				call := func() error {
					d, err = decide[name](ctx, w, s.by, s.target)
					return err
				}
				if s.traced {
					w.untraced(t, kit, s, name, violate, call)
				} else {
					_ = call()
				}
				switch {
				case twinErr != nil && mxRefusedHere(twinErr, s.twin.company):
					if KindOf(err) != KindOf(twinErr) {
						violate("%s by %s: want %s as on the active twin, got %v", name, s.label, KindOf(twinErr), err)
					}
				case err != nil:
					violate("%s by %s: want a refusing decision, got %v", name, s.label, err)
				case d.Allowed || !d.Reasons.Has(compliance.ReasonSuspended):
					violate("%s by %s: want the call refused with ReasonSuspended, got allowed=%v reasons %v", name, s.label, d.Allowed, d.Reasons)
				default:
					decided++
				}
			case "refused":
				twinErr := w.tryCall(ctx, row, s.twinBy, s.twin)
				if errors.Is(twinErr, storage.ErrSuspended) {
					violate("%s by %s: the active twin is refused as suspended: %v", name, s.label, twinErr)
				}
				var err error
				call := func() error {
					err = row.call(ctx, w, s.by, s.target)
					return err
				}
				if mxRefusedHere(twinErr, s.twin.company) {
					// No right to it at all: the refusal is the rights', and
					// suspension must not tell the actor anything more.
					err = w.tryCall(ctx, row, s.by, s.target)
					if KindOf(err) != KindOf(twinErr) {
						violate("%s by %s: want %s as on the active twin, got %v", name, s.label, KindOf(twinErr), err)
					}
					continue
				}
				if s.traced {
					w.untraced(t, kit, s, name, violate, call)
				} else {
					_ = call()
				}
				if !errors.Is(err, storage.ErrSuspended) {
					violate("%s by %s: want ErrSuspended, got %v", name, s.label, err)
				} else {
					refused++
				}
			default:
				twinErr := w.tryCall(ctx, row, s.twinBy, s.twin)
				err := w.tryCall(ctx, row, s.by, s.target)
				switch {
				case errors.Is(err, storage.ErrSuspended):
					violate("%s by %s: want allowed (%s), got %v", name, s.label, class, err)
				case KindOf(err) != KindOf(twinErr):
					violate("%s by %s: want %s as on the active twin (%s), got %v (twin: %v)", name, s.label, KindOf(twinErr), class, err, twinErr)
				}
			}
		}
	}
	t.Logf("suspension matrix: %d methods × %d actors: %d calls, %d refused with ErrSuspended, %d decided suspended, violations: %d",
		len(mxSuspension), len(suspects), calls, refused, decided, violations)
	require.Zero(t, violations, fmt.Sprintf("%d calls disagree with the suspension table", violations))
}

// mxDecideRolledBack runs a deciding call in a transaction it rolls back.
func mxDecideRolledBack(ctx context.Context, w *mxWorld, call mxDecide, by tenancy.Actor, t mxTarget) (compliance.Decision, error) {
	var d compliance.Decision
	var got error
	err := w.h.Tx.InTx(ctx, func(ctx context.Context) error {
		d, got = call(ctx, w, by, t)
		return errMxRollback
	})
	if !errors.Is(err, errMxRollback) {
		return d, err
	}
	return d, got
}

// untraced runs call outside any transaction of the matrix and reports
// what it left behind: audit events in the target's and the actor's
// chains, outbox messages and, when s is digested on a SQL backend, rows
// added, changed or removed in any table.
func (w *mxWorld) untraced(t *testing.T, kit *World, s mxSuspect, name string, violate func(string, ...any), call func() error) {
	companies := []string{s.target.company}
	if s.by.CompanyID != "" && s.by.CompanyID != s.target.company {
		companies = append(companies, s.by.CompanyID)
	}
	events := func() int { return w.auditCount(t, companies...) }
	digest := func() map[string]string {
		if !s.digested || w.h.Digest == nil {
			return nil
		}
		d, err := w.h.Digest(context.Background())
		require.NoError(t, err)
		return d
	}
	beforeEvents, beforeMsgs, beforeRows := events(), len(kit.Delivered("")), digest()
	_ = call()
	afterEvents, afterMsgs, afterRows := events(), len(kit.Delivered("")), digest()
	var left []string
	if n := afterEvents - beforeEvents; n > 0 {
		left = append(left, fmt.Sprintf("%d audit event(s)", n))
	}
	if n := afterMsgs - beforeMsgs; n > 0 {
		left = append(left, fmt.Sprintf("%d outbox message(s)", n))
	}
	for table, d := range afterRows {
		if beforeRows[table] != d {
			left = append(left, "rows of table "+table)
		}
	}
	slices.Sort(left)
	if len(left) > 0 {
		violate("%s by %s: the refused call left behind: %s", name, s.label, strings.Join(left, ", "))
	}
}
