package licensing_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// A reseller prices licenses for its affiliate; the affiliate's admin buys
// two (retrying the request is harmless) and assigns them; the third
// assignment finds no free license.
func ExampleService_PurchaseLicenses() {
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	svc := licensing.NewService(st, st.Licensing(), dir, audit.NewLog(st.Audit()), st.Outbox())

	reseller := dir.AddCompany(tenancy.CompanyRef{Kind: tenancy.KindReseller})
	varAdmin := dir.AddMember(reseller, tenancy.RoleResellerAdmin, "")
	company := dir.AddCompany(tenancy.CompanyRef{ResellerID: reseller.ID})
	admin := dir.AddMember(company, tenancy.RoleAdministrator, "")
	_ = svc.SetAgreement(ctx, varAdmin, company.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("12.90"),
	})

	order := licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 2, IdempotencyKey: "order-2026-001"}
	first, _ := svc.PurchaseLicenses(ctx, admin, company.ID, order)
	retry, _ := svc.PurchaseLicenses(ctx, admin, company.ID, order) // e.g. after a timeout
	fmt.Println("same purchase:", first.ID == retry.ID, "total:", first.Total.StringFixed(2))

	for range 3 {
		user := dir.AddMember(company, tenancy.RoleOperator, "").UserID
		if _, err := svc.AssignLicense(ctx, admin, company.ID, user, licensing.LicensePro); errors.Is(err, storage.ErrLimitExceeded) {
			fmt.Println("no free pro license")
		}
	}
	pools, _ := svc.Pools(ctx, admin, company.ID)
	fmt.Printf("pro: bought %d, assigned %d, unassigned %d\n", pools[0].Bought, pools[0].Assigned, pools[0].Unassigned())
	credit, _ := svc.Credit(ctx, admin, company.ID)
	fmt.Println("balance:", credit.Balance.StringFixed(2))
	// Output:
	// same purchase: true total: 25.80
	// no free pro license
	// pro: bought 2, assigned 2, unassigned 0
	// balance: -25.80
}
