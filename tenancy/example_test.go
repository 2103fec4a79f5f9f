package tenancy_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// The platform bootstraps a company with its owner; the owner adds a
// sub-account and an administrator, who adds a manager; the manager may
// register managers only into its own sub-account.
func Example() {
	ctx := context.Background()
	st := memory.New()
	keys := tenancytest.Keys()
	mail := tenancytest.NewMailbox(st.Outbox(), keys)
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), keys, tenancy.WithPasswordCost(4))

	company, owner, err := svc.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{
		Kind: tenancy.KindRegular, LegalName: "New ways company",
		Owner: tenancy.Person{FirstName: "Nina", LastName: "Novak", Email: "nina@newways.example"}})
	if err != nil {
		panic(err)
	}
	nina, _ := svc.ActorFor(ctx, owner.ID, company.ID)
	sales, _ := svc.CreateSubAccount(ctx, nina, company.ID, "Sales")
	support, _ := svc.CreateSubAccount(ctx, nina, company.ID, "Support")
	emp, _ := svc.RegisterEmployee(ctx, nina, company.ID, tenancy.NewEmployee{
		FirstName: "Mark", LastName: "Mann", Email: "Mark@NewWays.example", Role: tenancy.RoleManager, SubAccountID: sales.ID})
	mark, _ := svc.ActorFor(ctx, emp.UserID, company.ID)

	_, err = svc.RegisterEmployee(ctx, mark, company.ID, tenancy.NewEmployee{
		FirstName: "Eve", LastName: "Evans", Email: "eve@newways.example", Role: tenancy.RoleManager, SubAccountID: support.ID})
	fmt.Println("manager adds into another sub-account:", errors.Is(err, storage.ErrForbidden))

	_, err = svc.RegisterEmployee(ctx, nina, company.ID, tenancy.NewEmployee{
		FirstName: "Mark", LastName: "Again", Email: "mark@newways.example", Role: tenancy.RoleOperator})
	fmt.Println("same e-mail, other case:", errors.Is(err, storage.ErrConflict))

	cred, n := mail.For("mark@newways.example")
	_, err = svc.Authenticate(ctx, "mark@newways.example", cred.Password)
	fmt.Println("passwords sent to Mark:", n, "login ok:", err == nil)

	page, _ := svc.SearchCompanies(ctx, mark, "WAYS", storage.PageRequest{})
	fmt.Println("search:", page.Items[0].LegalName)
	// Output:
	// manager adds into another sub-account: true
	// same e-mail, other case: true
	// passwords sent to Mark: 1 login ok: true
	// search: New ways company
}
