package storagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// integrityRounds is how many times each race is run.
const integrityRounds = 30

// integrityEnv is a real tenancy service whose member-removed hook releases
// what the member holds in licensing, account and presence, and those
// services over the same store: the cross-domain seams the integrity tests
// race.
type integrityEnv struct {
	h      *Harness
	kit    *World // the services' wiring and clock
	people *tenancy.Service
	lic    *licensing.Service
	acct   *account.Service
	pres   *presence.Service
	owner  tenancy.Actor
	c      tenancy.Company
}

func newIntegrityEnv(t *testing.T, h *Harness) *integrityEnv {
	t.Helper()
	ctx := context.Background()
	// The services as a host wires them: the member-removed hook releases
	// what the member holds in licensing, account and presence.
	kit := NewWorld(t, OnHarness(h))
	e := &integrityEnv{h: h, kit: kit, people: kit.People, lic: kit.Credit, acct: kit.Settings, pres: kit.Operators}
	platform := tenancy.Platform("support")
	c, owner, err := e.people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular,
		LegalName: "Integrity " + storage.NewID(), Owner: tenancy.Person{FirstName: "O", LastName: "W", Email: storage.NewID() + "@integrity.example"}})
	require.NoError(t, err)
	e.c = c
	e.owner, err = e.people.ActorFor(ctx, owner.ID, c.ID)
	require.NoError(t, err)
	require.NoError(t, e.lic.SetAgreement(ctx, platform, c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro):              decimal.RequireFromString("9.90"),
		licensing.SubscriptionItem(licensing.SubscriptionMobile): decimal.RequireFromString("1.50")}))
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
	for _, g := range integrityGrants() {
		t.Run("removal races "+g.name, func(t *testing.T) { integrityRemoveRacesGrant(t, h, g) })
	}
	t.Run("demotion races a privileged write", func(t *testing.T) { integrityDemoteRacesWrite(t, h) })
	t.Run("stale actors", func(t *testing.T) { integrityStaleActors(t, h) })
	t.Run("reseller owner", func(t *testing.T) { integrityResellerOwner(t, h) })
	t.Run("removal ends presence", func(t *testing.T) { integrityRemovalEndsPresence(t, h) })
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

// integrityGrant is a write that grants something to a member, raced
// against the member's removal.
type integrityGrant struct {
	name string
	// setup prepares what the rounds grant, once.
	setup func(t *testing.T, e *integrityEnv) any
	// grant gives u (a fresh operator) the thing in round i.
	grant func(ctx context.Context, e *integrityEnv, state any, u tenancy.Actor, i int) error
	// holds reads the stores directly: does userID still hold it?
	holds func(t *testing.T, e *integrityEnv, state any, userID string) bool
	// presence marks the grants that need a presence store.
	presence bool
}

func integrityGrants() []integrityGrant {
	return []integrityGrant{{
		name: "subscription assignment",
		setup: func(t *testing.T, e *integrityEnv) any {
			p, err := e.lic.PurchaseSubscriptions(context.Background(), e.owner, e.c.ID, licensing.SubscriptionPurchase{
				Kind: licensing.SubscriptionMobile, Quantity: integrityRounds + 1, IdempotencyKey: storage.NewID()})
			require.NoError(t, err)
			return p.SubscriptionIDs
		},
		grant: func(ctx context.Context, e *integrityEnv, state any, u tenancy.Actor, i int) error {
			return e.lic.AssignSubscription(ctx, e.owner, e.c.ID, state.([]string)[i], u.UserID)
		},
		holds: func(t *testing.T, e *integrityEnv, _ any, userID string) bool {
			subs, err := e.h.Licensing.Subscriptions(context.Background(), e.c.ID, licensing.SubscriptionFilter{UserID: userID}, "", 10)
			require.NoError(t, err)
			return len(subs) > 0
		},
	}, {
		name: "default packages",
		setup: func(t *testing.T, e *integrityEnv) any {
			ctx := context.Background()
			pkg, err := e.lic.DefinePackage(ctx, tenancy.Platform("support"), "", licensing.PackageInput{Name: "Integrity " + storage.NewID()})
			require.NoError(t, err)
			require.NoError(t, e.lic.SetPackageOffer(ctx, e.owner, e.c.ID, pkg.ID, true, true))
			return nil
		},
		grant: func(ctx context.Context, e *integrityEnv, _ any, u tenancy.Actor, _ int) error {
			_, err := e.lic.GrantDefaultPackages(ctx, e.owner, e.c.ID, u.UserID)
			return err
		},
		holds: func(t *testing.T, e *integrityEnv, _ any, userID string) bool {
			held, err := e.h.Licensing.UserPackages(context.Background(), e.c.ID, userID)
			require.NoError(t, err)
			return len(held) > 0
		},
	}, {
		name: "organisation option",
		setup: func(t *testing.T, e *integrityEnv) any {
			cat, err := e.acct.CreateCategory(context.Background(), e.owner, e.c.ID, "City "+storage.NewID(), []string{"Moscow"})
			require.NoError(t, err)
			return cat.Options[0].ID
		},
		grant: func(ctx context.Context, e *integrityEnv, state any, u tenancy.Actor, _ int) error {
			return e.acct.AssignOption(ctx, e.owner, e.c.ID, state.(string), []string{u.UserID})
		},
		holds: func(t *testing.T, e *integrityEnv, _ any, userID string) bool {
			held, err := e.h.Account.UserOptions(context.Background(), e.c.ID, userID)
			require.NoError(t, err)
			return len(held) > 0
		},
	}, {
		name: "SMS permission",
		setup: func(t *testing.T, e *integrityEnv) any {
			_, err := e.acct.SetSMSTypes(context.Background(), e.owner, e.c.ID, []account.SMSType{account.SMSSurvey})
			require.NoError(t, err)
			return nil
		},
		grant: func(ctx context.Context, e *integrityEnv, _ any, u tenancy.Actor, i int) error {
			_, err := e.acct.SetSMSZone(ctx, e.owner, e.c.ID, account.SMSZone{Zone: fmt.Sprintf("zone-%d", i),
				Access: account.ZoneSelected, Users: []string{u.UserID}})
			return err
		},
		holds: func(t *testing.T, e *integrityEnv, _ any, userID string) bool {
			doc, err := e.h.Account.Company(context.Background(), e.c.ID)
			if errors.Is(err, storage.ErrNotFound) {
				return false
			}
			require.NoError(t, err)
			for _, z := range doc.SMS.Zones {
				if slices.Contains(z.Users, userID) {
					return true
				}
			}
			return false
		},
	}, {
		name:     "presence status",
		presence: true,
		setup:    func(*testing.T, *integrityEnv) any { return nil },
		grant: func(ctx context.Context, e *integrityEnv, _ any, u tenancy.Actor, _ int) error {
			_, err := e.pres.SetStatus(ctx, u, e.c.ID, u.UserID, presence.Change{State: presence.Online})
			return err
		},
		holds: func(t *testing.T, e *integrityEnv, _ any, userID string) bool {
			cur, err := e.h.Presence.Current(context.Background(), e.c.ID, userID)
			if errors.Is(err, storage.ErrNotFound) {
				return false
			}
			require.NoError(t, err)
			return cur.State != presence.Offline || cur.DueAt != nil
		},
	}}
}

// integrityRemoveRacesGrant races RemoveMember against g's write for a
// fresh operator, integrityRounds times, and counts the removed users who
// still hold what g grants.
func integrityRemoveRacesGrant(t *testing.T, h *Harness, g integrityGrant) {
	if g.presence && h.Presence == nil {
		t.Skip("backend offers no presence store")
	}
	e := newIntegrityEnv(t, h)
	ctx := context.Background()
	state := g.setup(t, e)
	// In sequence first: the grant holds, and the removal releases it.
	first := e.member(t, tenancy.RoleOperator)
	require.NoError(t, g.grant(ctx, e, state, first, integrityRounds))
	require.True(t, g.holds(t, e, state, first.UserID), "the %s is granted", g.name)
	require.NoError(t, e.people.RemoveMember(ctx, e.owner, e.c.ID, first.UserID))
	require.False(t, g.holds(t, e, state, first.UserID), "the removal releases the %s", g.name)

	var removed []string
	granted, refused := 0, 0
	for i := range integrityRounds {
		u := e.member(t, tenancy.RoleOperator)
		var wg sync.WaitGroup
		var grantErr, removeErr error
		wg.Add(2)
		go func() { defer wg.Done(); grantErr = g.grant(ctx, e, state, u, i) }()
		go func() { defer wg.Done(); removeErr = e.people.RemoveMember(ctx, e.owner, e.c.ID, u.UserID) }()
		wg.Wait()
		require.NoError(t, removeErr, "round %d", i)
		if grantErr == nil {
			granted++
		} else {
			// The loser sees no member: not a member (validation), not
			// found, or, when the member acts itself, no longer a member.
			require.Truef(t, errors.Is(grantErr, storage.ErrInvalid) || errors.Is(grantErr, storage.ErrNotFound) ||
				errors.Is(grantErr, storage.ErrForbidden), "round %d: %v", i, grantErr)
			refused++
		}
		removed = append(removed, u.UserID)
	}
	leftovers := 0
	for _, u := range removed {
		if g.holds(t, e, state, u) {
			leftovers++
		}
	}
	t.Logf("%s: rounds: %d (write first: %d, removal first: %d), leftovers: %d", g.name, integrityRounds, granted, refused, leftovers)
	assert.Zero(t, leftovers, "no removed user keeps a %s", g.name)
	e.holders(t) // pool counts equal the rows
}

// integrityResellerOwner proves that a reseller's owner holds the
// reseller's rights: it prices its affiliate, sets its credit terms,
// appoints a reseller administrator, defines a package in its own
// catalogue and reads its affiliates' audit trails; the owner of a company
// that is not a reseller gets none of them.
func integrityResellerOwner(t *testing.T, h *Harness) {
	ctx := context.Background()
	e := newIntegrityEnv(t, h)
	platform := tenancy.Platform("support")
	r, ro, err := e.people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindReseller, Slug: "ro-" + strings.ToLower(storage.NewID()[24:]),
		LegalName: "Reseller " + storage.NewID(), Owner: tenancy.Person{FirstName: "R", LastName: "O", Email: storage.NewID() + "@integrity.example"}})
	require.NoError(t, err)
	owner, err := e.people.ActorFor(ctx, ro.ID, r.ID)
	require.NoError(t, err)
	aff, _, err := e.people.CreateCompany(ctx, platform, tenancy.NewCompany{Kind: tenancy.KindRegular, ResellerID: r.ID,
		LegalName: "Affiliate " + storage.NewID(), Owner: tenancy.Person{FirstName: "A", LastName: "O", Email: storage.NewID() + "@integrity.example"}})
	require.NoError(t, err)

	require.NoError(t, e.lic.SetAgreement(ctx, owner, aff.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("7.50")}), "the reseller's owner prices its affiliate")
	_, err = e.lic.SetCreditTerms(ctx, owner, aff.ID, licensing.CreditTerms{CreditLimit: decimal.NewNullDecimal(decimal.RequireFromString("100"))})
	require.NoError(t, err, "and sets its credit terms")
	emp, err := e.people.RegisterEmployee(ctx, owner, r.ID, tenancy.NewEmployee{FirstName: "R", LastName: "A",
		Email: storage.NewID() + "@integrity.example", Role: tenancy.RoleResellerAdmin})
	require.NoError(t, err, "and appoints a reseller administrator")
	assert.Equal(t, tenancy.RoleResellerAdmin, emp.Role)
	_, err = e.lic.DefinePackage(ctx, owner, r.ID, licensing.PackageInput{Name: "Owner's " + storage.NewID()})
	require.NoError(t, err, "and defines packages in its own catalogue")
	scope, err := e.people.AuditScope(ctx, owner)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{r.ID, aff.ID}, scope.CompanyIDs, "and reads its affiliates' audit trails")

	// The owner of a regular company: none of the reseller's rights.
	_, err = e.lic.DefinePackage(ctx, e.owner, e.c.ID, licensing.PackageInput{Name: "Not " + storage.NewID()})
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = e.people.RegisterEmployee(ctx, e.owner, e.c.ID, tenancy.NewEmployee{FirstName: "N", LastName: "R",
		Email: storage.NewID() + "@integrity.example", Role: tenancy.RoleResellerAdmin})
	require.ErrorIs(t, err, storage.ErrInvalid, "only a reseller has reseller administrators")
	require.ErrorIs(t, e.lic.SetAgreement(ctx, e.owner, e.c.ID, map[licensing.Item]decimal.Decimal{
		licensing.LicenseItem(licensing.LicensePro): decimal.RequireFromString("1")}), storage.ErrForbidden, "nobody prices its own company")
	// Nor over another reseller's affiliate.
	_, err = e.lic.SetCreditTerms(ctx, owner, e.c.ID, licensing.CreditTerms{CreditLimit: decimal.NewNullDecimal(decimal.RequireFromString("1"))})
	require.ErrorIs(t, err, storage.ErrNotFound)
}

// integrityRemovalEndsPresence proves that RemoveMember's hook ends the
// member's presence: an away member is offline afterwards, its running
// interval is in the ledger and the change is audited.
func integrityRemovalEndsPresence(t *testing.T, h *Harness) {
	if h.Presence == nil {
		t.Skip("backend offers no presence store")
	}
	ctx := context.Background()
	e := newIntegrityEnv(t, h)
	from := time.Now().UTC().Truncate(time.Second)
	clock := e.kit.Clock // what every service of the env, the removal hook's presence included, reads
	clock.Set(from)
	pt, err := e.pres.CreatePauseType(ctx, e.owner, e.c.ID, presence.PauseTypeInput{Name: "Lunch " + storage.NewID()})
	require.NoError(t, err)
	u := e.member(t, tenancy.RoleOperator)
	_, err = e.pres.SetStatus(ctx, u, e.c.ID, u.UserID, presence.Change{State: presence.Away, PauseTypeID: pt.ID})
	require.NoError(t, err)
	clock.Advance(10 * time.Minute)
	require.NoError(t, e.people.RemoveMember(ctx, e.owner, e.c.ID, u.UserID))

	cur, err := e.h.Presence.Current(ctx, e.c.ID, u.UserID)
	require.NoError(t, err)
	assert.Equal(t, presence.Offline, cur.State)
	assert.Nil(t, cur.DueAt)
	assert.Equal(t, e.owner.UserID, cur.SetBy, "ended by the remover")
	ivs, err := e.h.Presence.Intervals(ctx, e.c.ID, u.UserID, from, from.Add(time.Hour))
	require.NoError(t, err)
	var away time.Duration
	for _, iv := range ivs {
		if iv.State == presence.Away {
			away += iv.End.Sub(iv.Start)
		}
	}
	assert.Equal(t, 10*time.Minute, away, "the away interval is closed into the ledger at the removal")
	evs, err := audit.NewLog(h.Audit).Query(ctx, audit.Scope{CompanyIDs: []string{e.c.ID}}, audit.Filter{CompanyID: e.c.ID,
		ActorID: e.owner.UserID, Action: "presence.status.set", EntityID: u.UserID}, storage.PageRequest{})
	require.NoError(t, err)
	assert.Len(t, evs.Items, 1, "the end of presence is audited as the remover's")
}
