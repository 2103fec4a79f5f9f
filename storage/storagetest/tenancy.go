package storagetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// tenancyEnv is a tenancy.Service over the harness, the credentials its
// outbox delivered, and the cheapest password hashing.
type tenancyEnv struct {
	h        *Harness
	svc      *tenancy.Service
	rec      credentials
	log      *audit.Log
	platform tenancy.Actor
}

func newTenancyEnv(h *Harness) *tenancyEnv {
	log := audit.NewLog(h.Audit)
	return &tenancyEnv{h: h, rec: h.credentials(), log: log, platform: tenancy.Platform("platform-" + storage.NewID()),
		svc: tenancy.NewService(h.Tx, h.Tenancy, log, h.Outbox, TestKeys, tenancy.WithPasswordCost(4))}
}

func uniqueEmail(prefix string) string { return prefix + "." + storage.NewID() + "@example.test" }

func person(prefix string) tenancy.Person {
	return tenancy.Person{FirstName: "First " + prefix, LastName: "Last", Email: uniqueEmail(prefix)}
}

// companyWorld is one company with two sub-accounts and a member of every
// company role; the manager and the operator belong to subs[0].
type companyWorld struct {
	c                                 tenancy.Company
	subs                              [2]tenancy.SubAccount
	owner, admin, manager, operator   tenancy.Actor
	ownerEmail, managerEmail, opEmail string
}

// tenantWorld is a reseller with two affiliates. Two tenantWorlds built by
// newTenant differ only by their IDs: the isolation matrix runs each
// against the other, as ory/keto's isolation test runs two networks.
type tenantWorld struct {
	reseller      tenancy.Company
	resellerAdmin tenancy.Actor
	aff           [2]companyWorld
}

func (e *tenancyEnv) actor(t testing.TB, userID, companyID string) tenancy.Actor {
	t.Helper()
	a, err := e.svc.ActorFor(context.Background(), userID, companyID)
	require.NoError(t, err)
	return a
}

func (e *tenancyEnv) register(t testing.TB, by tenancy.Actor, companyID string, role tenancy.Role, sub string) (tenancy.Actor, string) {
	t.Helper()
	email := uniqueEmail(string(role))
	emp, err := e.svc.RegisterEmployee(context.Background(), by, companyID, tenancy.NewEmployee{
		FirstName: "F", LastName: "L", Email: email, Role: role, SubAccountID: sub})
	require.NoError(t, err)
	return e.actor(t, emp.UserID, companyID), email
}

func (e *tenancyEnv) newReseller(t testing.TB) (tenancy.Company, tenancy.Actor) {
	t.Helper()
	ctx := context.Background()
	r, owner, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindReseller,
		LegalName: "Reseller " + storage.NewID(), Slug: "r-" + storage.NewID(), Owner: person("rowner")})
	require.NoError(t, err)
	requireNoSecret(t, owner)
	require.False(t, r.OpenRegistration, "a new reseller registers invited companies only")
	r, err = e.svc.SetOpenRegistration(ctx, e.platform, r.ID, true)
	require.NoError(t, err)
	ra, _ := e.register(t, e.platform, r.ID, tenancy.RoleResellerAdmin, "")
	return r, ra
}

func (e *tenancyEnv) newAffiliate(t testing.TB, reseller tenancy.Company) companyWorld {
	t.Helper()
	ctx := context.Background()
	var w companyWorld
	owner := person("owner")
	c, u, err := e.svc.RegisterAffiliate(ctx, reseller.Slug, tenancy.NewAffiliate{LegalName: "Affiliate " + storage.NewID(), Owner: owner})
	require.NoError(t, err)
	requireNoSecret(t, u)
	w.c, w.ownerEmail = c, owner.Email
	w.owner = e.actor(t, u.ID, c.ID)
	for i := range w.subs {
		w.subs[i], err = e.svc.CreateSubAccount(ctx, w.owner, c.ID, fmt.Sprintf("Sub %d", i))
		require.NoError(t, err)
	}
	w.admin, _ = e.register(t, w.owner, c.ID, tenancy.RoleAdministrator, "")
	w.manager, w.managerEmail = e.register(t, w.admin, c.ID, tenancy.RoleManager, w.subs[0].ID)
	w.operator, w.opEmail = e.register(t, w.admin, c.ID, tenancy.RoleOperator, w.subs[0].ID)
	return w
}

func (e *tenancyEnv) newTenant(t testing.TB) tenantWorld {
	t.Helper()
	var w tenantWorld
	w.reseller, w.resellerAdmin = e.newReseller(t)
	for i := range w.aff {
		w.aff[i] = e.newAffiliate(t, w.reseller)
	}
	return w
}

func denied(t testing.TB, err error) {
	t.Helper()
	require.Error(t, err)
	require.True(t, errors.Is(err, storage.ErrForbidden) || errors.Is(err, storage.ErrNotFound), "want forbidden or not found, got %v", err)
}

func runTenancy(t *testing.T, h *Harness) {
	if h.Tenancy == nil {
		t.Skip("backend has no tenancy store")
	}
	t.Run("isolation matrix", func(t *testing.T) { t.Parallel(); tenancyIsolation(t, newTenancyEnv(h)) })
	t.Run("hierarchy", func(t *testing.T) { t.Parallel(); tenancyHierarchy(t, newTenancyEnv(h)) })
	t.Run("owner", func(t *testing.T) { t.Parallel(); tenancyOwner(t, newTenancyEnv(h)) })
	t.Run("concurrent registration", func(t *testing.T) { t.Parallel(); tenancyConcurrentRegistration(t, newTenancyEnv(h)) })
	t.Run("bad input", func(t *testing.T) { t.Parallel(); tenancyBadInput(t, newTenancyEnv(h)) })
	t.Run("credentials delivered once, only after commit", func(t *testing.T) { t.Parallel(); tenancyNotifier(t, newTenancyEnv(h)) })
	t.Run("passwords", func(t *testing.T) { t.Parallel(); tenancyPasswords(t, newTenancyEnv(h)) })
	t.Run("search", func(t *testing.T) { t.Parallel(); tenancySearch(t, newTenancyEnv(h)) })
	t.Run("search matches the substring oracle on random needles", func(t *testing.T) { t.Parallel(); tenancySearchProperty(t, h) })
	t.Run("sub-accounts and members", func(t *testing.T) { t.Parallel(); tenancyMembers(t, newTenancyEnv(h)) })
	t.Run("remove member", func(t *testing.T) { t.Parallel(); tenancyRemoveMember(t, newTenancyEnv(h)) })
	t.Run("directory and scopes", func(t *testing.T) { t.Parallel(); tenancyDirectory(t, newTenancyEnv(h)) })
	t.Run("identity", func(t *testing.T) { runIdentity(t, h) })
}

// Matrix vocabulary.
const (
	tOwn      = "own tenant"
	tSibling  = "sibling affiliate"
	tForeign  = "other reseller's affiliate"
	tOtherSub = "other sub-account"
)

var matrixOps = []string{"view", "edit", "sub.create", "sub.rename", "register", "list", "search", "legal", "visible"}

// expectAllowed is the tenancy rights rules written as a table: may an actor of
// role (the platform, the reseller admin of the own tenant's reseller, or a
// member of the own tenant, the manager and operator in sub-account 0) do op
// on target?
func expectAllowed(role tenancy.Role, target, op string) bool {
	switch role {
	case tenancy.RolePlatformAdmin:
		return true
	case tenancy.RoleResellerAdmin:
		return target != tForeign && op != "legal"
	}
	if target == tSibling || target == tForeign {
		return false
	}
	switch role {
	case tenancy.RoleOwner, tenancy.RoleAdministrator:
		return op != "legal"
	case tenancy.RoleManager:
		switch op {
		case "view", "list", "search":
			return true
		case "register", "visible":
			return target == tOwn
		}
	case tenancy.RoleOperator:
		return op == "list" // its own entry only
	}
	return false
}

func tenancyIsolation(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	x, y := e.newTenant(t), e.newTenant(t)
	for _, pair := range [][2]tenantWorld{{x, y}, {y, x}} {
		mine, other := pair[0], pair[1]
		own := mine.aff[0]
		type target struct {
			c   tenancy.Company
			sub tenancy.SubAccount
		}
		targets := map[string]target{
			tOwn:      {own.c, own.subs[0]},
			tSibling:  {mine.aff[1].c, mine.aff[1].subs[0]},
			tForeign:  {other.aff[0].c, other.aff[0].subs[0]},
			tOtherSub: {own.c, own.subs[1]},
		}
		actors := []tenancy.Actor{e.platform, mine.resellerAdmin, own.owner, own.admin, own.manager, own.operator}
		for _, a := range actors {
			for _, tname := range []string{tOwn, tSibling, tForeign, tOtherSub} {
				tg := targets[tname]
				for _, op := range matrixOps {
					want := expectAllowed(a.Role, tname, op)
					t.Run(fmt.Sprintf("%s/%s/%s", a.Role, tname, op), func(t *testing.T) {
						got, err := matrixCall(ctx, t, e, a, tg.c, tg.sub, op)
						if want {
							require.NoError(t, err)
							require.True(t, got, "expected allowed")
						} else {
							if err != nil {
								denied(t, err)
							}
							require.False(t, got, "expected denied")
						}
					})
				}
			}
		}
	}
}

// matrixCall performs op as a on company c / sub-account sub and reports
// whether it was allowed; a denied mutation is checked to have left nothing.
func matrixCall(ctx context.Context, t *testing.T, e *tenancyEnv, a tenancy.Actor, c tenancy.Company, sub tenancy.SubAccount, op string) (bool, error) {
	switch op {
	case "view":
		got, err := e.svc.GetCompany(ctx, a, c.ID)
		if err == nil {
			require.Equal(t, c.ID, got.ID)
		}
		return err == nil, err
	case "edit":
		before, err := e.svc.GetCompany(ctx, e.platform, c.ID)
		require.NoError(t, err)
		_, err = e.svc.SetDisplayName(ctx, a, c.ID, "Renamed "+storage.NewID())
		if err != nil {
			after, gerr := e.svc.GetCompany(ctx, e.platform, c.ID)
			require.NoError(t, gerr)
			require.Equal(t, before.DisplayName, after.DisplayName)
		}
		return err == nil, err
	case "sub.create":
		_, err := e.svc.CreateSubAccount(ctx, a, c.ID, "New "+storage.NewID())
		return err == nil, err
	case "sub.rename":
		_, err := e.svc.RenameSubAccount(ctx, a, c.ID, sub.ID, "Renamed "+storage.NewID())
		return err == nil, err
	case "register":
		email := uniqueEmail("matrix")
		_, err := e.svc.RegisterEmployee(ctx, a, c.ID, tenancy.NewEmployee{FirstName: "M", LastName: "X", Email: email,
			Role: tenancy.RoleManager, SubAccountID: sub.ID})
		if err != nil {
			_, gerr := e.h.Tenancy.UserByEmail(ctx, email)
			require.ErrorIs(t, gerr, storage.ErrNotFound, "a refused registration stored a user")
			_, n := e.rec.For(email)
			require.Zero(t, n, "a refused registration sent a password")
		}
		return err == nil, err
	case "list":
		page, err := e.svc.ListEmployees(ctx, a, c.ID, storage.PageRequest{Limit: 100})
		if err != nil {
			return false, err
		}
		require.NotEmpty(t, page.Items)
		for _, emp := range page.Items {
			require.Equal(t, c.ID, emp.CompanyID)
			switch a.Role {
			case tenancy.RoleManager:
				require.Equal(t, a.SubAccountID, emp.SubAccountID, "a manager sees only its sub-account's users")
			case tenancy.RoleOperator:
				require.Equal(t, a.UserID, emp.UserID, "an operator sees only itself")
			}
		}
		return true, nil
	case "search":
		page, err := e.svc.SearchCompanies(ctx, a, c.ID, storage.PageRequest{})
		if err != nil {
			return false, err
		}
		for _, got := range page.Items {
			if got.ID == c.ID {
				return true, nil
			}
		}
		return false, nil
	case "legal":
		_, err := e.svc.SetLegalIdentity(ctx, a, c.ID, tenancy.LegalIdentity{LegalName: c.LegalName, RegistrationNumber: "R-" + storage.NewID()[:8]})
		return err == nil, err
	case "visible":
		all, ids, err := e.svc.VisibleSubAccounts(ctx, a, c.ID)
		if err != nil {
			return false, err
		}
		return all || slices.Contains(ids, sub.ID), nil
	}
	t.Fatalf("unknown op %q", op)
	return false, nil
}

func fieldOf(t testing.TB, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, storage.ErrInvalid)
	var ve *storage.ValidationError
	require.ErrorAs(t, err, &ve)
	_, ok := ve.Field(field)
	require.True(t, ok, "want a validation error on %q, got %v", field, err)
}

func tenancyHierarchy(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r1, ra1 := e.newReseller(t)
	r2, ra2 := e.newReseller(t)
	a := e.newAffiliate(t, r1)
	require.Equal(t, r1.ID, a.c.ResellerID, "registration through the slug makes an affiliate")
	require.Equal(t, tenancy.KindRegular, a.c.Kind)

	regular, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "Plain " + storage.NewID(), Owner: person("plain")})
	require.NoError(t, err)

	t.Run("affiliate of an affiliate refused", func(t *testing.T) {
		_, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "Deep", ResellerID: a.c.ID, Owner: person("deep")})
		fieldOf(t, err, "reseller_id")
		_, err = e.svc.SetReseller(ctx, e.platform, regular.ID, a.c.ID)
		fieldOf(t, err, "reseller_id")
		_, err = e.svc.SetKind(ctx, e.platform, a.c.ID, tenancy.KindReseller, "deep-"+storage.NewID())
		fieldOf(t, err, "kind")
	})
	t.Run("only resellers add affiliates", func(t *testing.T) {
		_, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "Under plain", ResellerID: regular.ID, Owner: person("up")})
		fieldOf(t, err, "reseller_id")
		_, err = e.svc.SetReseller(ctx, e.platform, a.c.ID, regular.ID)
		fieldOf(t, err, "reseller_id")
		_, err = e.svc.SetReseller(ctx, e.platform, r2.ID, r1.ID)
		fieldOf(t, err, "company_id")
		_, _, err = e.svc.RegisterAffiliate(ctx, "no-such-"+storage.NewID(), tenancy.NewAffiliate{LegalName: "X", Owner: person("x")})
		require.ErrorIs(t, err, storage.ErrNotFound)
	})
	t.Run("a company with affiliates stays a reseller", func(t *testing.T) {
		_, err := e.svc.SetKind(ctx, e.platform, r1.ID, tenancy.KindRegular, "")
		fieldOf(t, err, "kind")
		got, err := e.svc.GetCompany(ctx, e.platform, r1.ID)
		require.NoError(t, err)
		require.Equal(t, tenancy.KindReseller, got.Kind)
		// A reseller without affiliates may become regular, and its link dies.
		r3, _ := e.newReseller(t)
		r3, err = e.svc.SetKind(ctx, e.platform, r3.ID, tenancy.KindRegular, "")
		require.NoError(t, err)
		require.Empty(t, r3.Slug)
		// And a regular company may become a reseller with a slug.
		slug := "up-" + storage.NewID()
		up, err := e.svc.SetKind(ctx, e.platform, regular.ID, tenancy.KindReseller, slug)
		require.NoError(t, err)
		require.Equal(t, slug, up.Slug)
		_, err = e.svc.SetKind(ctx, e.platform, regular.ID, tenancy.KindRegular, "")
		require.NoError(t, err)
	})
	t.Run("attach and move are platform operations", func(t *testing.T) {
		for _, by := range []tenancy.Actor{ra1, ra2, a.owner, a.admin} {
			_, err := e.svc.SetReseller(ctx, by, a.c.ID, r2.ID)
			denied(t, err)
		}
		moved, err := e.svc.SetReseller(ctx, e.platform, a.c.ID, r2.ID)
		require.NoError(t, err)
		require.Equal(t, r2.ID, moved.ResellerID)
		_, err = e.svc.GetCompany(ctx, ra1, a.c.ID)
		denied(t, err)
		_, err = e.svc.GetCompany(ctx, ra2, a.c.ID)
		require.NoError(t, err)
		page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: a.c.ID, Action: "tenancy.company.attach"}, storage.PageRequest{})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		require.Equal(t, e.platform.UserID, page.Items[0].Actor.UserID)
		// Attach an existing regular company, then detach it.
		att, err := e.svc.SetReseller(ctx, e.platform, regular.ID, r1.ID)
		require.NoError(t, err)
		require.Equal(t, r1.ID, att.ResellerID)
		det, err := e.svc.SetReseller(ctx, e.platform, regular.ID, "")
		require.NoError(t, err)
		require.Empty(t, det.ResellerID)
	})
	t.Run("suspended reseller's link refuses registrations", func(t *testing.T) {
		r, _ := e.newReseller(t)
		_, err := e.svc.SetStatus(ctx, e.platform, r.ID, tenancy.StatusSuspended)
		require.NoError(t, err)
		_, _, err = e.svc.RegisterAffiliate(ctx, r.Slug, tenancy.NewAffiliate{LegalName: "Late", Owner: person("late")})
		require.ErrorIs(t, err, storage.ErrSuspended)
	})
	t.Run("duplicate slug", func(t *testing.T) {
		_, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindReseller, LegalName: "Dup", Slug: r1.Slug, Owner: person("dup")})
		require.ErrorIs(t, err, storage.ErrConflict)
	})
}

func tenancyOwner(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, ra := e.newReseller(t)
	w := e.newAffiliate(t, r)
	for _, by := range []tenancy.Actor{w.owner, w.admin, ra} {
		_, err := e.svc.ChangeOwner(ctx, by, w.c.ID, w.admin.UserID)
		denied(t, err)
	}
	// Nobody but the platform grants or changes the owner role.
	_, err := e.svc.UpdateMember(ctx, w.owner, w.c.ID, w.admin.UserID, tenancy.MemberChange{Role: tenancy.RoleOwner})
	require.Error(t, err)
	_, err = e.svc.UpdateMember(ctx, w.admin, w.c.ID, w.owner.UserID, tenancy.MemberChange{Role: tenancy.RoleOperator, SubAccountID: w.subs[0].ID})
	require.Error(t, err)

	c, err := e.svc.ChangeOwner(ctx, e.platform, w.c.ID, w.admin.UserID)
	require.NoError(t, err)
	require.Equal(t, w.admin.UserID, c.OwnerUserID)
	page, err := e.svc.ListEmployees(ctx, e.platform, w.c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	owners := 0
	for _, emp := range page.Items {
		if emp.Role == tenancy.RoleOwner {
			owners++
			require.Equal(t, w.admin.UserID, emp.UserID)
		}
		if emp.UserID == w.owner.UserID {
			require.Equal(t, tenancy.RoleAdministrator, emp.Role, "the previous owner stays as an administrator")
		}
	}
	require.Equal(t, 1, owners, "exactly one owner")
	_, err = e.svc.ChangeOwner(ctx, e.platform, w.c.ID, storage.NewID())
	fieldOf(t, err, "user_id")
}

func tenancyConcurrentRegistration(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w1, w2 := e.newAffiliate(t, r), e.newAffiliate(t, r)
	email := uniqueEmail("race")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			by, company := w1.admin, w1.c.ID
			if i%2 == 1 {
				by, company = w2.admin, w2.c.ID
			}
			addr := email
			if i%3 == 0 {
				addr = strings.ToUpper(email) // the same login, differently cased
			}
			_, errs[i] = e.svc.RegisterEmployee(ctx, by, company, tenancy.NewEmployee{FirstName: "R", LastName: "C", Email: addr, Role: tenancy.RoleOperator})
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		require.ErrorIs(t, err, storage.ErrConflict)
	}
	require.Equal(t, 1, ok, "exactly one registration succeeds")
	_, sent := e.rec.For(email)
	require.Equal(t, 1, sent, "exactly one password sent")
	u, err := e.h.Tenancy.UserByEmail(ctx, email)
	require.NoError(t, err)
	ms, err := e.h.Tenancy.Memberships(ctx, u.ID)
	require.NoError(t, err)
	require.Len(t, ms, 1)
}

func tenancyBadInput(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w, other := e.newAffiliate(t, r), e.newAffiliate(t, r)
	good := func() tenancy.NewEmployee {
		return tenancy.NewEmployee{FirstName: "Ann", LastName: "Lee", Email: uniqueEmail("bad"), Role: tenancy.RoleManager, SubAccountID: w.subs[0].ID}
	}
	cases := []struct {
		name, field string
		mut         func(*tenancy.NewEmployee)
	}{
		{"invalid e-mail", "email", func(n *tenancy.NewEmployee) { n.Email = "not-an-address" }},
		{"empty first name", "first_name", func(n *tenancy.NewEmployee) { n.FirstName = "  " }},
		{"empty last name", "last_name", func(n *tenancy.NewEmployee) { n.LastName = "" }},
		{"unknown role", "role", func(n *tenancy.NewEmployee) { n.Role = "janitor" }},
		{"manager without sub-account", "sub_account_id", func(n *tenancy.NewEmployee) { n.SubAccountID = "" }},
		{"sub-account of another company", "sub_account_id", func(n *tenancy.NewEmployee) { n.SubAccountID = other.subs[0].ID }},
		{"administrator with a sub-account", "sub_account_id", func(n *tenancy.NewEmployee) { n.Role = tenancy.RoleAdministrator }},
		{"reseller admin in a regular company", "role", func(n *tenancy.NewEmployee) { n.Role, n.SubAccountID = tenancy.RoleResellerAdmin, "" }},
	}
	before, err := e.svc.ListEmployees(ctx, e.platform, w.c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.mut(&in)
			_, err := e.svc.RegisterEmployee(ctx, e.platform, w.c.ID, in)
			fieldOf(t, err, tc.field)
			if in.Email != "not-an-address" {
				_, err = e.h.Tenancy.UserByEmail(ctx, in.Email)
				require.ErrorIs(t, err, storage.ErrNotFound)
			}
		})
	}
	after, err := e.svc.ListEmployees(ctx, e.platform, w.c.ID, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, len(before.Items), len(after.Items), "nothing stored")
	require.Empty(t, func() []tenancy.Credentials {
		var out []tenancy.Credentials
		for _, c := range e.rec.Sent() {
			if strings.HasPrefix(c.Email, "bad.") {
				out = append(out, c)
			}
		}
		return out
	}())

	_, _, err = e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: "franchise", LegalName: "", TaxID: "1234567890", Owner: tenancy.Person{Email: "x"}})
	require.ErrorIs(t, err, storage.ErrInvalid)
	for _, f := range []string{"kind", "legal_name", "tax_id", "owner.email", "owner.first_name"} {
		fieldOf(t, err, f)
	}
	_, _, err = e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindReseller, LegalName: "No slug", Owner: person("ns")})
	fieldOf(t, err, "slug")
	_, err = e.svc.CreateSubAccount(ctx, w.owner, w.c.ID, " ")
	fieldOf(t, err, "name")
	_, err = e.svc.CreateSubAccount(ctx, w.owner, w.c.ID, strings.ToUpper(w.subs[0].Name))
	require.ErrorIs(t, err, storage.ErrConflict, "sub-account names are unique per company, case-insensitively")
	_, err = e.svc.SetDisplayName(ctx, w.owner, w.c.ID, "")
	fieldOf(t, err, "display_name")
	_, err = e.svc.SearchCompanies(ctx, w.owner, "x", storage.PageRequest{After: "%%%"})
	fieldOf(t, err, "after")
}

func tenancyNotifier(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	_, n := e.rec.For(w.ownerEmail)
	require.Equal(t, 1, n, "the affiliate's owner got its password once")

	email := uniqueEmail("rollback")
	boom := errors.New("host failed later in the same transaction")
	err := e.h.Tx.InTx(ctx, func(ctx context.Context) error {
		_, err := e.svc.RegisterEmployee(ctx, w.admin, w.c.ID, tenancy.NewEmployee{FirstName: "Rolled", LastName: "Back", Email: email, Role: tenancy.RoleAdministrator})
		require.NoError(t, err)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, n = e.rec.For(email)
	require.Zero(t, n, "nothing is sent for a registration that rolled back")
	_, err = e.h.Tenancy.UserByEmail(ctx, email)
	require.ErrorIs(t, err, storage.ErrNotFound)

	emp, err := e.svc.RegisterEmployee(ctx, w.admin, w.c.ID, tenancy.NewEmployee{FirstName: "Kept", LastName: "User", Email: email, Role: tenancy.RoleAdministrator})
	require.NoError(t, err)
	cred, n := e.rec.For(email)
	require.Equal(t, 1, n)
	require.Equal(t, emp.UserID, cred.UserID)
	require.GreaterOrEqual(t, len(cred.Password), 20)
	u, err := e.h.Tenancy.GetUser(ctx, emp.UserID)
	require.NoError(t, err)
	require.NotContains(t, u.PasswordHash, cred.Password, "only a hash is stored")
	require.True(t, strings.HasPrefix(u.PasswordHash, "$2"), "bcrypt hash")

	// The audit trail records the registration with the hash redacted.
	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: w.c.ID, EntityID: emp.UserID, Action: "tenancy.user.register"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	for _, ch := range page.Items[0].Changes {
		require.NotContains(t, string(ch.After), cred.Password)
		if ch.Field == "password_hash" {
			require.True(t, ch.Redacted)
		}
	}
}

func tenancyPasswords(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	cred, _ := e.rec.For(w.managerEmail)
	u, err := e.svc.Authenticate(ctx, strings.ToUpper(w.managerEmail), cred.Password)
	require.NoError(t, err, "login is case-insensitive on the e-mail")
	require.Equal(t, w.manager.UserID, u.ID)
	requireNoSecret(t, u)
	_, err = e.svc.Authenticate(ctx, w.managerEmail, cred.Password+"x")
	require.ErrorIs(t, err, storage.ErrForbidden)
	_, err = e.svc.Authenticate(ctx, uniqueEmail("nobody"), cred.Password)
	require.ErrorIs(t, err, storage.ErrForbidden)

	err = e.svc.ChangePassword(ctx, w.manager, "wrong-current", "new-password-1", "new-password-1")
	fieldOf(t, err, "current_password")
	err = e.svc.ChangePassword(ctx, w.manager, cred.Password, "new-password-1", "new-password-2")
	fieldOf(t, err, "new_password_repeat")
	err = e.svc.ChangePassword(ctx, w.manager, cred.Password, "short", "short")
	fieldOf(t, err, "new_password")
	require.NoError(t, e.svc.ChangePassword(ctx, w.manager, cred.Password, "new-password-1", "new-password-1"))
	_, err = e.svc.Authenticate(ctx, w.managerEmail, cred.Password)
	require.ErrorIs(t, err, storage.ErrForbidden, "the old password no longer works")
	_, err = e.svc.Authenticate(ctx, w.managerEmail, "new-password-1")
	require.NoError(t, err)
	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{EntityID: w.manager.UserID, Action: "tenancy.user.password"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.Len(t, page.Items[0].Changes, 1)
	require.True(t, page.Items[0].Changes[0].Redacted)
}

func tenancySearch(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, ra := e.newReseller(t)
	tag := strings.ReplaceAll(storage.NewID(), "-", "")[:12]
	mk := func(legal, display, inn string) tenancy.Company {
		c, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: legal + " " + tag,
			DisplayName: display, TaxID: inn, ResellerID: r.ID, Owner: person("s")})
		require.NoError(t, err)
		return c
	}
	nw := mk("New ways company", "", "7707083893")
	pct := mk("100% real_deal", "", "")
	plain := mk("1000 realXdeal", "", "")
	cyr := mk("ООО Ромашка", "Ромашка Плюс", "")
	outside, _, err := e.svc.CreateCompany(ctx, e.platform, tenancy.NewCompany{Kind: tenancy.KindRegular, LegalName: "New ways company " + tag, Owner: person("o")})
	require.NoError(t, err)

	ids := func(p storage.Page[tenancy.Company]) []string {
		var out []string
		for _, c := range p.Items {
			out = append(out, c.ID)
		}
		return out
	}
	find := func(by tenancy.Actor, q string) []string {
		t.Helper()
		p, err := e.svc.SearchCompanies(ctx, by, q, storage.PageRequest{Limit: 100})
		require.NoError(t, err)
		return ids(p)
	}
	for _, q := range []string{"new", "WAYS", "comp", "company", "New ways company " + tag, "770708", nw.ID[4:20]} {
		assert.Contains(t, find(ra, q), nw.ID, "query %q", q)
	}
	assert.Contains(t, find(ra, "0% real_"), pct.ID)
	assert.NotContains(t, find(ra, "0% real_"), plain.ID, "%% and _ are literal")
	assert.NotContains(t, find(ra, "0_r"), pct.ID)
	assert.Contains(t, find(ra, "ромашка"), cyr.ID, "case folding is Unicode")
	assert.Contains(t, find(ra, "ПЛЮС"), cyr.ID)
	assert.NotContains(t, find(ra, tag), outside.ID, "a reseller sees itself and its affiliates only")
	assert.Contains(t, find(e.platform, tag), outside.ID, "the platform sees all")
	assert.Contains(t, find(ra, strings.ToUpper(r.ID[:8])), r.ID, "a reseller finds itself")
	owner := e.actor(t, nw.OwnerUserID, nw.ID)
	assert.Equal(t, []string{nw.ID}, find(owner, tag), "a company admin sees its own company only")

	// A renamed company is found by its new name and no longer by the old one.
	zebra := "Zebra " + tag
	_, err = e.svc.SetDisplayName(ctx, ra, cyr.ID, zebra)
	require.NoError(t, err)
	assert.Contains(t, find(ra, "zebra "+tag), cyr.ID)
	assert.NotContains(t, find(ra, "ромашка плюс"), cyr.ID)
	assert.Contains(t, find(ra, "ооо ромашка"), cyr.ID, "the legal name still matches")

	// Keyset pagination visits every match exactly once.
	var seen []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		p, err := e.svc.SearchCompanies(ctx, ra, tag, storage.PageRequest{After: cursor, Limit: 2})
		require.NoError(t, err)
		require.LessOrEqual(t, len(p.Items), 2)
		seen = append(seen, ids(p)...)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	want := []string{nw.ID, pct.ID, plain.ID, cyr.ID}
	slices.Sort(want)
	require.Equal(t, want, seen)
}

func tenancyMembers(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, _ := e.newReseller(t)
	w := e.newAffiliate(t, r)
	other := e.newAffiliate(t, r)

	// A manager adds only managers, only into its own sub-account.
	_, err := e.svc.RegisterEmployee(ctx, w.manager, w.c.ID, tenancy.NewEmployee{FirstName: "A", LastName: "B", Email: uniqueEmail("m"), Role: tenancy.RoleOperator, SubAccountID: w.subs[0].ID})
	denied(t, err)
	_, err = e.svc.RegisterEmployee(ctx, w.manager, w.c.ID, tenancy.NewEmployee{FirstName: "A", LastName: "B", Email: uniqueEmail("m"), Role: tenancy.RoleAdministrator})
	denied(t, err)
	// A manager may not change an operator (it only grants "manager"), nor
	// anybody grant above itself; an administrator may promote a manager.
	_, err = e.svc.UpdateMember(ctx, w.manager, w.c.ID, w.operator.UserID, tenancy.MemberChange{Role: tenancy.RoleManager, SubAccountID: w.subs[0].ID})
	denied(t, err)
	_, err = e.svc.UpdateMember(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.MemberChange{Role: tenancy.RoleOwner})
	fieldOf(t, err, "role")
	_, err = e.svc.UpdateMember(ctx, w.admin, w.c.ID, w.owner.UserID, tenancy.MemberChange{Role: tenancy.RoleAdministrator})
	require.Error(t, err, "the owner is changed only by the platform")
	emp0, err := e.svc.UpdateMember(ctx, w.admin, w.c.ID, w.manager.UserID, tenancy.MemberChange{Role: tenancy.RoleAdministrator})
	require.NoError(t, err)
	require.Equal(t, tenancy.RoleAdministrator, emp0.Role)
	require.Empty(t, emp0.SubAccountID)
	// A person in several companies: the operator joins the other affiliate.
	opEmail := w.opEmail
	emp, err := e.svc.AddMember(ctx, other.admin, other.c.ID, strings.ToUpper(opEmail), tenancy.MemberChange{Role: tenancy.RoleAdministrator})
	require.NoError(t, err)
	require.Equal(t, w.operator.UserID, emp.UserID)
	ms, err := e.svc.Memberships(ctx, w.operator, w.operator.UserID)
	require.NoError(t, err)
	require.Len(t, ms, 2)
	a2 := e.actor(t, w.operator.UserID, other.c.ID)
	require.Equal(t, tenancy.RoleAdministrator, a2.Role, "the role is per company")
	_, err = e.svc.AddMember(ctx, other.admin, other.c.ID, opEmail, tenancy.MemberChange{Role: tenancy.RoleAdministrator})
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.AddMember(ctx, other.admin, other.c.ID, uniqueEmail("ghost"), tenancy.MemberChange{Role: tenancy.RoleAdministrator})
	fieldOf(t, err, "email")
	_, err = e.svc.Memberships(ctx, w.admin, w.operator.UserID)
	denied(t, err)

	// Names: oneself, or whoever manages the member; not a manager over another sub-account's user.
	u, err := e.svc.RenameUser(ctx, w.operator, w.c.ID, w.operator.UserID, tenancy.PersonName{FirstName: "Olga", LastName: "Self"})
	require.NoError(t, err)
	require.Equal(t, "Olga", u.FirstName)
	requireNoSecret(t, u)
	_, err = e.svc.RenameUser(ctx, w.admin, w.c.ID, w.operator.UserID, tenancy.PersonName{FirstName: "Olga", LastName: "Admin-set"})
	require.NoError(t, err)
	_, err = e.svc.RenameUser(ctx, w.operator, w.c.ID, w.admin.UserID, tenancy.PersonName{FirstName: "Hacked", LastName: "X"})
	denied(t, err)
	_, err = e.svc.RenameUser(ctx, other.admin, w.c.ID, w.operator.UserID, tenancy.PersonName{FirstName: "Hacked", LastName: "X"})
	denied(t, err)
	_, err = e.svc.RenameUser(ctx, w.admin, w.c.ID, w.owner.UserID, tenancy.PersonName{FirstName: "Hacked", LastName: "X"})
	denied(t, err)
	_, err = e.svc.RenameUser(ctx, w.admin, w.c.ID, w.operator.UserID, tenancy.PersonName{FirstName: "", LastName: "X"})
	fieldOf(t, err, "first_name")

	// Sub-accounts: list visibility and rename.
	list, err := e.svc.ListSubAccounts(ctx, w.admin, w.c.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	mgr, _ := e.register(t, w.admin, w.c.ID, tenancy.RoleManager, w.subs[1].ID)
	list, err = e.svc.ListSubAccounts(ctx, mgr, w.c.ID)
	require.NoError(t, err)
	require.Equal(t, []string{w.subs[1].ID}, []string{list[0].ID})
	require.Len(t, list, 1)
	sa, err := e.svc.RenameSubAccount(ctx, w.admin, w.c.ID, w.subs[1].ID, "Renamed")
	require.NoError(t, err)
	require.Equal(t, "Renamed", sa.Name)
	_, err = e.svc.RenameSubAccount(ctx, w.admin, w.c.ID, w.subs[0].ID, "renamed")
	require.ErrorIs(t, err, storage.ErrConflict)
	_, err = e.svc.RenameSubAccount(ctx, w.admin, w.c.ID, other.subs[0].ID, "Stolen")
	require.ErrorIs(t, err, storage.ErrNotFound, "another company's sub-account is not found in this one")

	// Employee listing paginates by keyset.
	var seen []string
	cursor := ""
	for {
		p, err := e.svc.ListEmployees(ctx, w.admin, w.c.ID, storage.PageRequest{After: cursor, Limit: 2})
		require.NoError(t, err)
		for _, it := range p.Items {
			seen = append(seen, it.UserID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	require.True(t, slices.IsSorted(seen))
	require.Len(t, seen, 5) // owner, admin, manager (now admin), operator, mgr
}

func tenancyDirectory(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	r, ra := e.newReseller(t)
	w := e.newAffiliate(t, r)
	var dir tenancy.Directory = e.svc
	ref, err := dir.Company(ctx, w.c.ID)
	require.NoError(t, err)
	require.Equal(t, tenancy.CompanyRef{ID: w.c.ID, Kind: tenancy.KindRegular, ResellerID: r.ID, Status: tenancy.StatusActive}, ref)
	m, err := dir.Member(ctx, w.c.ID, w.manager.UserID)
	require.NoError(t, err)
	require.Equal(t, tenancy.MemberRef{UserID: w.manager.UserID, CompanyID: w.c.ID, ResellerID: r.ID, Role: tenancy.RoleManager, SubAccountID: w.subs[0].ID}, m)
	_, err = dir.Company(ctx, storage.NewID())
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = dir.Member(ctx, r.ID, w.manager.UserID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = e.svc.ActorFor(ctx, w.manager.UserID, r.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)

	sc, err := e.svc.AuditScope(ctx, ra)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{r.ID, w.c.ID}, sc.CompanyIDs)
	sc, err = e.svc.AuditScope(ctx, w.admin)
	require.NoError(t, err)
	require.Equal(t, audit.Scope{CompanyIDs: []string{w.c.ID}}, sc)
	sc, err = e.svc.AuditScope(ctx, w.manager)
	require.NoError(t, err)
	require.False(t, sc.All)
	require.Empty(t, sc.CompanyIDs)
	sc, err = e.svc.AuditScope(ctx, e.platform)
	require.NoError(t, err)
	require.True(t, sc.All)

	// Every change so far is in the affiliate's audit chain, and the chain verifies.
	page, err := e.log.Query(ctx, sc, audit.Filter{CompanyID: w.c.ID}, storage.PageRequest{Limit: 100})
	require.NoError(t, err)
	actions := map[string]int{}
	for _, ev := range page.Items {
		actions[ev.Action]++
	}
	require.Equal(t, 1, actions["tenancy.company.register"])
	require.Equal(t, 2, actions["tenancy.sub_account.create"])
	require.Equal(t, 4, actions["tenancy.member.add"])
	require.Equal(t, 4, actions["tenancy.user.register"])
	v, err := e.log.Verify(ctx, sc, w.c.ID)
	require.NoError(t, err)
	require.True(t, v.OK)
}

func tenancyRemoveMember(t *testing.T, e *tenancyEnv) {
	ctx := context.Background()
	boom := errors.New("host refused")
	var mu sync.Mutex
	var released []string
	var fail bool
	svc := tenancy.NewService(e.h.Tx, e.h.Tenancy, e.log, e.h.Outbox, TestKeys, tenancy.WithPasswordCost(4),
		tenancy.WithMemberRemovedHook(func(ctx context.Context, by tenancy.Actor, companyID, userID string) error {
			require.True(t, storage.InScope(ctx), "hooks run inside the transaction")
			mu.Lock()
			defer mu.Unlock()
			if fail {
				return boom
			}
			released = append(released, userID)
			return nil
		}))
	r, _ := e.newReseller(t)
	w, sib := e.newAffiliate(t, r), e.newAffiliate(t, r)
	peer, peerEmail := e.register(t, w.admin, w.c.ID, tenancy.RoleManager, w.subs[0].ID)

	denied(t, svc.RemoveMember(ctx, w.manager, w.c.ID, w.operator.UserID)) // a manager manages only managers
	denied(t, svc.RemoveMember(ctx, w.operator, w.c.ID, peer.UserID))
	denied(t, svc.RemoveMember(ctx, sib.admin, w.c.ID, peer.UserID))
	denied(t, svc.RemoveMember(ctx, w.admin, w.c.ID, storage.NewID()))
	fieldOf(t, svc.RemoveMember(ctx, w.admin, w.c.ID, w.owner.UserID), "user_id")

	setFail := func(v bool) { mu.Lock(); fail = v; mu.Unlock() }
	setFail(true)
	require.ErrorIs(t, svc.RemoveMember(ctx, w.manager, w.c.ID, peer.UserID), boom)
	_, err := svc.ActorFor(ctx, peer.UserID, w.c.ID)
	require.NoError(t, err, "a failed hook rolls the removal back")
	setFail(false)

	require.NoError(t, svc.RemoveMember(ctx, w.manager, w.c.ID, peer.UserID))
	require.Equal(t, []string{peer.UserID}, released)
	_, err = svc.ActorFor(ctx, peer.UserID, w.c.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	cred, _ := e.rec.For(peerEmail)
	_, err = svc.Authenticate(ctx, peerEmail, cred.Password)
	require.NoError(t, err, "the user account stays")
	page, err := e.log.Query(ctx, audit.Scope{All: true}, audit.Filter{CompanyID: w.c.ID, Action: "tenancy.member.remove"}, storage.PageRequest{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	require.Equal(t, peer.UserID, page.Items[0].EntityID)
	denied(t, svc.RemoveMember(ctx, w.admin, w.c.ID, peer.UserID))
	require.ErrorIs(t, svc.RemoveMember(ctx, e.platform, w.c.ID, peer.UserID), storage.ErrNotFound)
}

// requireNoSecret asserts that no rendering of a returned value carries a
// bcrypt hash.
func requireNoSecret(t testing.TB, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	for _, s := range []string{string(b), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v)} {
		require.NotContains(t, s, "$2a$", "a password hash left the service")
		require.NotContains(t, s, "password_hash")
	}
}
