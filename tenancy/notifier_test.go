package tenancy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// Credentials reach the host through the outbox: the handler runs when the
// host dispatches, outside any transaction, so SDK work it starts (here a
// lookup of the new company) runs on its own.
func TestCredentialsHandlerRunsOutsideTheTransaction(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	keys := tenancytest.Keys()
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), keys, tenancy.WithPasswordCost(4))
	d := storage.NewDispatcher(st.Outbox(), storage.WithKeys(keys))
	var sent []tenancy.Credentials
	tenancy.OnCredentials(d, func(ctx context.Context, _ string, c tenancy.Credentials) error {
		require.False(t, storage.InScope(ctx), "the handler's context carries no transaction")
		_, err := svc.GetCompany(ctx, tenancy.Platform("support"), c.CompanyID)
		require.NoError(t, err)
		sent = append(sent, c)
		return nil
	})

	company, owner, err := svc.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{
		Kind: tenancy.KindReseller, LegalName: "Notified", Slug: "notified",
		Owner: tenancy.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@notified.example"}})
	require.NoError(t, err)
	ownerActor, err := svc.ActorFor(ctx, owner.ID, company.ID)
	require.NoError(t, err)
	_, err = svc.RegisterEmployee(ctx, ownerActor, company.ID, tenancy.NewEmployee{
		FirstName: "Ivan", LastName: "Operator", Email: "ivan@notified.example", Role: tenancy.RoleOperator})
	require.NoError(t, err)
	_, err = svc.SetOpenRegistration(ctx, tenancy.Platform("support"), company.ID, true)
	require.NoError(t, err)
	_, _, err = svc.RegisterAffiliate(ctx, "notified", tenancy.NewAffiliate{LegalName: "Affiliate",
		Owner: tenancy.Person{FirstName: "Anna", LastName: "Affiliate", Email: "anna@affiliate.example"}})
	require.NoError(t, err)
	require.Empty(t, sent, "nothing is delivered until the host dispatches")
	rep, err := d.Drain(ctx)
	require.NoError(t, err)
	require.Equal(t, 3, rep.Delivered)
	require.Len(t, sent, 3)
	require.NotEmpty(t, sent[1].Password)
}

// A service cannot be built without its outbox or keys: the refusal comes
// at construction, naming what is missing, not after a commit.
func TestNewServiceRefusesMissingDependencies(t *testing.T) {
	st := memory.New()
	log := audit.NewLog(st.Audit())
	require.PanicsWithValue(t, "tenancy.NewService: the outbox is nil; the service cannot be built without it", func() {
		tenancy.NewService(st, st.Tenancy(), log, nil, tenancytest.Keys())
	})
	require.PanicsWithValue(t, "tenancy.NewService: the key provider is nil; the service cannot be built without it", func() {
		var keys *storage.StaticKeys
		tenancy.NewService(st, st.Tenancy(), log, st.Outbox(), keys)
	})
}
