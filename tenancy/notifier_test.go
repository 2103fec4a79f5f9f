package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
)

// The Notifier runs after commit with the caller's context, not with one
// still carrying the finished transaction: SDK work it starts (here a
// lookup of the new company) must run on its own, not join a committed
// transaction (which SQL backends refuse and the memory backend would run
// without its lock).
func TestNotifierContextCarriesNoFinishedTransaction(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	var svc *tenancy.Service
	var sent []tenancy.Credentials
	mail := tenancy.NotifierFunc(func(ctx context.Context, c tenancy.Credentials) {
		require.False(t, storage.InScope(ctx), "the notifier's context carries no transaction")
		_, err := svc.GetCompany(ctx, tenancy.Platform("support"), c.CompanyID)
		require.NoError(t, err)
		sent = append(sent, c)
	})
	svc = tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), mail, tenancy.WithPasswordCost(4))

	company, owner, err := svc.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{
		Kind: tenancy.KindReseller, LegalName: "Notified", Slug: "notified",
		Owner: tenancy.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@notified.example"}})
	require.NoError(t, err)
	ownerActor, err := svc.ActorFor(ctx, owner.ID, company.ID)
	require.NoError(t, err)
	_, err = svc.RegisterEmployee(ctx, ownerActor, company.ID, tenancy.NewEmployee{
		FirstName: "Ivan", LastName: "Operator", Email: "ivan@notified.example", Role: tenancy.RoleOperator})
	require.NoError(t, err)
	_, _, err = svc.RegisterAffiliate(ctx, "notified", tenancy.NewAffiliate{LegalName: "Affiliate",
		Owner: tenancy.Person{FirstName: "Anna", LastName: "Affiliate", Email: "anna@affiliate.example"}})
	require.NoError(t, err)
	require.Len(t, sent, 3)
}
