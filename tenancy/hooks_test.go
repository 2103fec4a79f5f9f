package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// A member-added hook runs in the registration's transaction: what it does
// commits with the registration, and its failure undoes the registration
// and sends no password.
func TestMemberAddedHook(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	keys := tenancytest.Keys()
	mail := tenancytest.NewMailbox(st.Outbox(), keys)
	var calls [][2]string
	fail := false
	hook := func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
		require.True(t, storage.InScope(ctx), "hook runs inside the transaction")
		if fail {
			return errors.New("equipping failed")
		}
		calls = append(calls, [2]string{companyID, userID})
		return nil
	}
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), keys,
		tenancy.WithPasswordCost(4), tenancy.WithMemberAddedHook(hook))
	company, owner, err := svc.CreateCompany(ctx, tenancy.Platform("support"), tenancy.NewCompany{
		Kind: tenancy.KindRegular, LegalName: "Hooked",
		Owner: tenancy.Person{FirstName: "Olga", LastName: "Owner", Email: "olga@hooked.example"}})
	require.NoError(t, err)
	olga, err := svc.ActorFor(ctx, owner.ID, company.ID)
	require.NoError(t, err)
	sent := len(mail.Sent())

	emp, err := svc.RegisterEmployee(ctx, olga, company.ID, tenancy.NewEmployee{
		FirstName: "Ann", LastName: "Agent", Email: "ann@hooked.example", Role: tenancy.RoleOperator})
	require.NoError(t, err)
	assert.Contains(t, calls, [2]string{company.ID, emp.UserID})

	fail = true
	_, err = svc.RegisterEmployee(ctx, olga, company.ID, tenancy.NewEmployee{
		FirstName: "Bob", LastName: "Agent", Email: "bob@hooked.example", Role: tenancy.RoleOperator})
	require.Error(t, err)
	_, n := mail.For("bob@hooked.example")
	assert.Zero(t, n, "no password for a registration that rolled back")
	assert.Len(t, mail.Sent(), sent+1)
	_, err = svc.AddMember(ctx, olga, company.ID, "bob@hooked.example", tenancy.MemberChange{Role: tenancy.RoleOperator})
	require.ErrorIs(t, err, storage.ErrInvalid, "the user was never stored")
}
