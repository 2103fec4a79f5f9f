package account_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

func ExampleValidINN() {
	fmt.Println(account.ValidINN("7707083893"), account.ValidINN("7707083894"), account.ValidINN("500100732259"))
	fmt.Println(account.ValidCorrespondentAccount("30101810400000000225", "044525225"))
	fmt.Println(account.ValidSettlementAccount("40702810138250123017", "044525225"))
	// Output:
	// true false true
	// true
	// true
}

func ExampleService_Effective() {
	ctx := context.Background()
	st := memory.New()
	dir := tenancytest.NewDirectory()
	company := dir.AddCompany(tenancy.CompanyRef{})
	admin := dir.AddMember(company, tenancy.RoleAdministrator, "")
	op := dir.AddMember(company, tenancy.RoleOperator, "")
	keys, _ := account.NewStaticKeys("k1", bytes.Repeat([]byte{1}, 32))
	svc := account.NewService(st, st.Account(), dir, audit.NewLog(st.Audit()), keys, account.WithLanguages("ru", "en"))

	_, _ = svc.SetLocale(ctx, admin, company.ID, account.Locale{TimeZone: "Europe/Moscow", Language: "ru"})
	_, _ = svc.SetUserLocale(ctx, op, company.ID, op.UserID, account.UserLocale{Language: "en"})
	e, _ := svc.Effective(ctx, op, company.ID, op.UserID)
	fmt.Println(e.TimeZone, e.TimeZoneFrom, e.Language, e.LanguageFrom, e.MaxDialogs, e.MaxDialogsFrom)
	// Output: Europe/Moscow company en user 3000 default
}

func ExampleSecret() {
	pw := account.NewSecret("s3cret")
	fmt.Println(pw, fmt.Sprintf("%#v", pw))
	// Output: [redacted] [redacted]
}

// The organisation search combines the organisational structure with
// tenancy's employee filters; wired to the tenancy.Service, it returns
// employees with the options that matched.
func ExampleService_SearchEmployees() {
	ctx := context.Background()
	st := memory.New()
	log := audit.NewLog(st.Audit())
	people := tenancy.NewService(st, st.Tenancy(), log, st.Outbox(), tenancytest.Keys(), tenancy.WithPasswordCost(4))
	keys, _ := account.NewStaticKeys("k1", bytes.Repeat([]byte{1}, 32))
	svc := account.NewService(st, st.Account(), people, log, keys) // people is the Directory and the EmployeeFinder

	c, owner, _ := people.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "Example",
		Owner: tenancy.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@example.com"}})
	admin, _ := people.ActorFor(ctx, owner.ID, c.ID)
	var ids []string
	for _, name := range []string{"Anna Lee", "Boris Lee", "Anna Kim"} {
		var first, last string
		_, _ = fmt.Sscan(name, &first, &last)
		e, _ := people.RegisterEmployee(ctx, admin, c.ID, tenancy.NewEmployee{FirstName: first, LastName: last,
			Email: first + "." + last + "@example.com", Role: tenancy.RoleOperator})
		ids = append(ids, e.UserID)
	}
	shift, _ := svc.CreateCategory(ctx, admin, c.ID, "Shift", []string{"Day", "Night"})
	_ = svc.AssignOption(ctx, admin, c.ID, shift.Options[0].ID, ids[:2])
	_ = svc.AssignOption(ctx, admin, c.ID, shift.Options[1].ID, ids[2:])

	p, err := svc.SearchEmployees(ctx, admin, c.ID, account.OrgFilter{
		Criteria: []account.Criterion{{CategoryID: shift.ID}}, // any option of Shift
		Text:     "anna",
	}, storage.PageRequest{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range p.Items {
		fmt.Println(e.FirstName, e.LastName, e.Email, e.Options[0].Name)
	}
	// Output:
	// Anna Lee Anna.Lee@example.com Day
	// Anna Kim Anna.Kim@example.com Night
}
