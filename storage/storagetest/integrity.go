package storagetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// integrityRounds is how many times each race is run.
const integrityRounds = 30

// integrityEnv is a real tenancy service whose member-removed hook releases
// the member's licenses, and a licensing service over the same store: the
// cross-domain seam the integrity tests race.
type integrityEnv struct {
	h      *Harness
	people *tenancy.Service
	lic    *licensing.Service
	owner  tenancy.Actor
	c      tenancy.Company
}

func newIntegrityEnv(t *testing.T, h *Harness) *integrityEnv {
	t.Helper()
	ctx := context.Background()
	trail := audit.NewLog(h.Audit)
	e := &integrityEnv{h: h}
	e.people = tenancy.NewService(h.Tx, h.Tenancy, trail, h.Outbox, TestKeys, tenancy.WithPasswordCost(4),
		tenancy.WithMemberRemovedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			_, err := e.lic.ReleaseUser(ctx, by, companyID, userID)
			return err
		}))
	e.lic = licensing.NewService(h.Tx, h.Licensing, e.people, trail, h.Outbox)
	platform := tenancy.Platform("support")
	c, owner, err := e.people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
		LegalName: "Integrity " + storage.NewID(), Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@integrity.example"}})
	require.NoError(t, err)
	e.c = c
	e.owner, err = e.people.ActorFor(ctx, owner.ID, c.ID)
	require.NoError(t, err)
	require.NoError(t, e.lic.SetAgreement(ctx, platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("9.90")}))
	_, err = e.lic.PurchaseLicenses(ctx, e.owner, c.ID, licensing.LicensePurchase{Kind: licensing.LicensePro,
		Quantity: 2 * integrityRounds, IdempotencyKey: storage.NewID()})
	require.NoError(t, err)
	return e
}

func (e *integrityEnv) member(t *testing.T, role tenancy.Role) tenancy.Actor {
	t.Helper()
	ctx := context.Background()
	emp, err := e.people.RegisterEmployee(ctx, e.owner, e.c.ID, tenancy.NewEmployee{FirstName: "M", LastName: "B",
		Email: storage.NewID() + "@integrity.example", Role: role})
	require.NoError(t, err)
	a, err := e.people.ActorFor(ctx, emp.UserID, e.c.ID)
	require.NoError(t, err)
	return a
}

// holders returns the users holding a license of e's company, and checks
// that every pool's count equals its assignment rows.
func (e *integrityEnv) holders(t *testing.T) map[string]bool {
	t.Helper()
	ctx := context.Background()
	got := map[string]bool{}
	perKind := map[licensing.LicenseKind]int{}
	page := storage.PageRequest{Limit: 100}
	for {
		p, err := e.lic.Assignments(ctx, e.owner, e.c.ID, page)
		require.NoError(t, err)
		for _, a := range p.Items {
			got[a.UserID] = true
			perKind[a.Kind]++
		}
		if p.NextCursor == "" {
			break
		}
		page.After = p.NextCursor
	}
	pools, err := e.lic.Pools(ctx, e.owner, e.c.ID)
	require.NoError(t, err)
	for _, p := range pools {
		assert.Equal(t, perKind[p.Kind], p.Assigned, "pool %s counts its rows", p.Kind)
	}
	return got
}

// runIntegrity races a member's removal against a license assignment, and
// a demotion against a privileged write, and proves that a removed or
// demoted member's old Actor is judged on the stored membership.
func runIntegrity(t *testing.T, h *Harness) {
	t.Run("removal races assignment", func(t *testing.T) { integrityRemoveRacesAssign(t, h) })
	t.Run("demotion races a privileged write", func(t *testing.T) { integrityDemoteRacesWrite(t, h) })
	t.Run("stale actors", func(t *testing.T) { integrityStaleActors(t, h) })
}

func integrityRemoveRacesAssign(t *testing.T, h *Harness) {
	e := newIntegrityEnv(t, h)
	ctx := context.Background()
	var removed []string
	assigned, refused := 0, 0
	for range integrityRounds {
		u := e.member(t, tenancy.RoleOperator)
		var wg sync.WaitGroup
		var assignErr, removeErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, assignErr = e.lic.AssignLicense(ctx, e.owner, e.c.ID, u.UserID, licensing.LicensePro)
		}()
		go func() { defer wg.Done(); removeErr = e.people.RemoveMember(ctx, e.owner, e.c.ID, u.UserID) }()
		wg.Wait()
		require.NoError(t, removeErr)
		if assignErr == nil {
			assigned++
		} else {
			require.ErrorIs(t, assignErr, storage.ErrInvalid, "the loser sees no member")
			refused++
		}
		removed = append(removed, u.UserID)
	}
	held := e.holders(t)
	leftovers := 0
	for _, u := range removed {
		if held[u] {
			leftovers++
		}
	}
	t.Logf("rounds: %d (assignment first: %d, removal first: %d), leftovers: %d", integrityRounds, assigned, refused, leftovers)
	assert.Zero(t, leftovers, "no removed user holds a license")
}

func integrityDemoteRacesWrite(t *testing.T, h *Harness) {
	e := newIntegrityEnv(t, h)
	ctx := context.Background()
	violations := 0
	for i := range integrityRounds {
		admin := e.member(t, tenancy.RoleAdministrator)
		target := e.member(t, tenancy.RoleOperator)
		var wg sync.WaitGroup
		var assignErr, demoteErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, assignErr = e.lic.AssignLicense(ctx, admin, e.c.ID, target.UserID, licensing.LicensePro)
		}()
		go func() {
			defer wg.Done()
			_, demoteErr = e.people.UpdateMember(ctx, e.owner, e.c.ID, admin.UserID, tenancy.MemberChange{Role: tenancy.RoleOperator})
		}()
		wg.Wait()
		require.NoError(t, demoteErr)
		if assignErr != nil {
			require.ErrorIs(t, assignErr, storage.ErrForbidden, "round %d", i)
		}
		// After the demotion the old Actor has operator rights only.
		_, err := e.lic.AssignLicense(ctx, admin, e.c.ID, e.member(t, tenancy.RoleOperator).UserID, licensing.LicensePro)
		if !errors.Is(err, storage.ErrForbidden) {
			violations++
		}
	}
	e.holders(t)
	t.Logf("rounds: %d, writes by a demoted actor accepted: %d", integrityRounds, violations)
	assert.Zero(t, violations)
}

func integrityStaleActors(t *testing.T, h *Harness) {
	e := newIntegrityEnv(t, h)
	ctx := context.Background()
	admin := e.member(t, tenancy.RoleAdministrator)
	op := e.member(t, tenancy.RoleOperator)
	_, err := e.lic.AssignLicense(ctx, admin, e.c.ID, op.UserID, licensing.LicensePro)
	require.NoError(t, err, "an administrator assigns")

	// Demoted to manager of a sub-account: manager rights at once.
	sub, err := e.people.CreateSubAccount(ctx, e.owner, e.c.ID, "Sales "+storage.NewID())
	require.NoError(t, err)
	_, err = e.people.UpdateMember(ctx, e.owner, e.c.ID, admin.UserID, tenancy.MemberChange{Role: tenancy.RoleManager, SubAccountID: sub.ID})
	require.NoError(t, err)
	require.ErrorIs(t, e.lic.UnassignLicense(ctx, admin, e.c.ID, op.UserID, licensing.LicensePro), storage.ErrForbidden)
	_, err = e.people.RegisterEmployee(ctx, admin, e.c.ID, tenancy.NewEmployee{FirstName: "N", LastName: "A",
		Email: storage.NewID() + "@integrity.example", Role: tenancy.RoleAdministrator})
	require.ErrorIs(t, err, storage.ErrForbidden, "a demoted administrator grants no administrator")
	page, err := e.people.ListEmployees(ctx, admin, e.c.ID, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "a manager sees its own sub-account only: itself")
	assert.Equal(t, admin.UserID, page.Items[0].UserID)

	// Removed: the old Actor is refused everywhere.
	require.NoError(t, e.people.RemoveMember(ctx, e.owner, e.c.ID, admin.UserID))
	calls := map[string]error{}
	_, calls["tenancy.GetCompany"] = e.people.GetCompany(ctx, admin, e.c.ID)
	_, calls["tenancy.ListEmployees"] = e.people.ListEmployees(ctx, admin, e.c.ID, storage.PageRequest{})
	_, _, calls["tenancy.VisibleSubAccounts"] = e.people.VisibleSubAccounts(ctx, admin, e.c.ID)
	_, calls["tenancy.AuditScope"] = e.people.AuditScope(ctx, admin)
	_, calls["licensing.Pools"] = e.lic.Pools(ctx, admin, e.c.ID)
	_, calls["licensing.Credit"] = e.lic.Credit(ctx, admin, e.c.ID)
	_, calls["licensing.PurchaseLicenses"] = e.lic.PurchaseLicenses(ctx, admin, e.c.ID,
		licensing.LicensePurchase{Kind: licensing.LicensePro, Quantity: 1, IdempotencyKey: storage.NewID()})
	for name, err := range calls {
		assert.ErrorIs(t, err, storage.ErrForbidden, fmt.Sprintf("%s by a removed member", name))
	}
}
