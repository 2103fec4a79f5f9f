package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// tourLifecycle is the rest of a company's life after sign-up, in short
// steps on the affiliate the tenancy tour built: its tax identity found by
// company search; a service package granted, then retired; cost centres
// that purchases are booked to; a subscription's number and cancellation;
// an add-on reduced; and the organisation search, which combines the
// organisational structure with a name or e-mail.
func tourLifecycle(ctx context.Context, env *tourEnv) error {
	out, people, credit, settings := env.Out, env.Tenancy, env.Credit, env.Account
	varAdmin, admin, company := env.ResellerAdmin, env.Admin, env.CompanyID

	// Tax identity: kept once, on tenancy's company, where search finds it.
	if _, err := people.SetTaxIdentity(ctx, admin, company, tenancy.TaxIdentity{INN: "5001007329", KPP: "500101001"}); err != nil {
		return err
	}
	_, err := people.SetTaxIdentity(ctx, admin, company, tenancy.TaxIdentity{INN: "7707083893"})
	fmt.Fprintln(out, "tax identity: INN 5001007329 set by the administrator; changing it again:", verdict(err))
	found, err := people.SearchCompanies(ctx, varAdmin, "5001007", storage.PageRequest{Limit: 5})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  reseller admin searches \"5001007\": %s\n", names(found.Items))

	// Service packages: the reseller defines one, the company offers it, an
	// administrator grants it; once retired it is granted no more, and
	// those who hold it keep it.
	pkg, err := credit.DefinePackage(ctx, varAdmin, env.ResellerID, licensing.PackageInput{Name: "Night shift", Description: "after-hours queues"})
	if err != nil {
		return err
	}
	if err := credit.SetPackageOffer(ctx, admin, company, pkg.ID, true, false); err != nil {
		return err
	}
	if err := credit.GrantPackage(ctx, admin, company, env.Operator.UserID, pkg.ID); err != nil {
		return err
	}
	if _, err := credit.RetirePackage(ctx, varAdmin, env.ResellerID, pkg.ID); err != nil {
		return err
	}
	err = credit.GrantPackage(ctx, admin, company, env.Manager.UserID, pkg.ID)
	held, herr := credit.UserPackages(ctx, admin, company, env.Operator.UserID)
	if herr != nil {
		return herr
	}
	fmt.Fprintf(out, "packages: %q granted to Oleg, then retired; Oleg still holds %d package(s)\n", pkg.Name, len(held))
	fmt.Fprintln(out, "  granting it to Mark:", verdict(err))

	// Cost centres: purchases are booked to an active one, and spend is
	// totalled per centre.
	cc, err := settings.CreateCostCentre(ctx, admin, company, account.CostCentreInput{Code: "CC-SALES", Name: "Sales"})
	if err != nil {
		return err
	}
	if _, err := settings.SetCostCentreActive(ctx, admin, company, cc.ID, true); err != nil {
		return err
	}
	if err := credit.SetAgreement(ctx, varAdmin, company, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):              decimal.RequireFromString("12.90"),
		licensing.LicenseItem(licensing.LicenseMobile):           decimal.RequireFromString("4.50"),
		licensing.SubscriptionItem(licensing.SubscriptionMobile): decimal.RequireFromString("1.50"),
		licensing.AddOnItem("recording"):                         decimal.RequireFromString("0.25"),
	}); err != nil {
		return err
	}
	subs, err := credit.PurchaseSubscriptions(ctx, admin, company, licensing.SubscriptionPurchase{Kind: licensing.SubscriptionMobile,
		Quantity: 2, IdempotencyKey: "subs-" + storage.NewID(), CostCentreID: cc.ID})
	if err != nil {
		return err
	}
	if _, err := credit.PurchaseAddOn(ctx, admin, company, licensing.AddOnPurchase{Code: "recording", Quantity: 5,
		IdempotencyKey: "rec-" + storage.NewID(), CostCentreID: cc.ID}); err != nil {
		return err
	}
	spend, err := credit.CostCentreSpend(ctx, admin, company, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	for _, s := range spend {
		if s.CostCentreID == cc.ID {
			fmt.Fprintf(out, "cost centre %s (%s): %d purchases, %s spent\n", cc.Code, cc.Name, s.Purchases, s.Spent.StringFixed(2))
		}
	}

	// Subscriptions: a number belongs to one subscription on the platform;
	// cancelling frees it.
	first, second := subs.SubscriptionIDs[0], subs.SubscriptionIDs[1]
	if err := credit.AssignSubscription(ctx, admin, company, first, env.Operator.UserID); err != nil {
		return err
	}
	number := licensing.SubscriptionPhone{Phone: "+79161234567"}
	if _, err := credit.SetSubscriptionPhone(ctx, admin, company, first, number); err != nil {
		return err
	}
	if _, err = credit.SetSubscriptionPhone(ctx, admin, company, second, number); !errors.Is(err, storage.ErrConflict) {
		return fmt.Errorf("a number taken: want a conflict, got %v", err)
	}
	fmt.Fprintf(out, "subscriptions: Oleg's has %s; the same number on the second: refused (conflict)\n", number.Phone)
	if err := credit.CancelSubscription(ctx, admin, company, first); err != nil {
		return err
	}
	if _, err := credit.SetSubscriptionPhone(ctx, admin, company, second, number); err != nil {
		return err
	}
	fmt.Fprintln(out, "  Oleg's cancelled: the second now has", number.Phone)

	// Add-ons: reduce a holding, never below zero.
	left, err := credit.ReduceAddOn(ctx, admin, company, "recording", 2)
	if err != nil {
		return err
	}
	_, err = credit.ReduceAddOn(ctx, admin, company, "recording", 10)
	fmt.Fprintf(out, "add-on recording: 5 bought, 2 returned, %d left; returning 10 more: %s\n", left.Quantity, verdict(err))

	// Organisation search: options of the organisational structure
	// combined with a name or e-mail, in the actor's scope.
	shift, err := settings.CreateCategory(ctx, admin, company, "Shift", []string{"Day", "Night"})
	if err != nil {
		return err
	}
	day, night := shift.Options[0], shift.Options[1] // options come back in the order given
	// The licensing tour's agents, found by tenancy's employee search.
	staff, err := people.FindEmployees(ctx, admin, company, tenancy.EmployeeFilter{Text: "agent"}, storage.PageRequest{})
	if err != nil {
		return err
	}
	var agents []string
	for _, e := range staff.Items {
		agents = append(agents, e.UserID)
	}
	if len(agents) < 3 {
		return fmt.Errorf("want the licensing tour's agents, found %d", len(agents))
	}
	if err := settings.AssignOption(ctx, admin, company, day.ID, []string{env.Operator.UserID, agents[0], agents[1]}); err != nil {
		return err
	}
	if err := settings.AssignOption(ctx, admin, company, night.ID, agents[2:3]); err != nil {
		return err
	}
	byDay := []account.Criterion{{CategoryID: shift.ID, OptionIDs: []string{day.ID}}}
	for _, q := range []struct {
		who string
		by  tenancy.Actor
		f   account.OrgFilter
	}{
		{"administrator: day shift, \"agent\"", admin, account.OrgFilter{Criteria: byDay, Text: "agent"}},
		{"administrator: day shift", admin, account.OrgFilter{Criteria: byDay}},
		{"Sales manager: day shift", env.Manager, account.OrgFilter{Criteria: byDay}},
		{"Oleg (operator): day shift", env.Operator, account.OrgFilter{Criteria: byDay}},
	} {
		p, err := settings.SearchEmployees(ctx, q.by, company, q.f, storage.PageRequest{})
		if err != nil {
			return err
		}
		found := make([]string, len(p.Items))
		for i, e := range p.Items {
			found[i] = e.Email
		}
		fmt.Fprintf(out, "organisation search, %s: %s\n", q.who, strings.Join(found, ", "))
	}
	_, err = settings.SearchEmployees(ctx, admin, company, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: shift.ID, OptionIDs: []string{cc.ID}}}}, storage.PageRequest{})
	var ve *storage.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("an option of no category: want a validation error, got %v", err)
	}
	fmt.Fprintf(out, "  an option that is not the category's: refused (invalid %s)\n", ve.Fields[0].Field)
	return nil
}

// names lists the display names of companies.
func names(cs []tenancy.Company) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%q", c.DisplayName)
	}
	return strings.Join(out, ", ")
}
