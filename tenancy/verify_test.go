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

func TestVerifyPassword(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	keys := tenancytest.Keys()
	mail := tenancytest.NewMailbox(st.Outbox(), keys)
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), keys, tenancy.WithPasswordCost(4))
	platform := tenancy.Platform("support")
	a, owner, err := svc.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "A",
		Owner: tenancy.Person{FirstName: "Ann", LastName: "A", Email: "ann@a.example"}})
	require.NoError(t, err)
	b, _, err := svc.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "B",
		Owner: tenancy.Person{FirstName: "Bob", LastName: "B", Email: "bob@b.example"}})
	require.NoError(t, err)
	cred, _ := mail.For("ann@a.example")

	require.NoError(t, svc.VerifyPassword(ctx, a.ID, owner.ID, cred.Password))
	require.ErrorIs(t, svc.VerifyPassword(ctx, a.ID, owner.ID, cred.Password+"x"), storage.ErrForbidden, "wrong password")
	require.ErrorIs(t, svc.VerifyPassword(ctx, b.ID, owner.ID, cred.Password), storage.ErrForbidden, "not a member there")
	require.ErrorIs(t, svc.VerifyPassword(ctx, a.ID, storage.NewID(), cred.Password), storage.ErrForbidden, "unknown user")
}
