package account_test

import (
	"bytes"
	"context"
	"fmt"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/audit"
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
