package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/memory"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// casbinModel is casbin's RBAC with domains: a user holds a role in a
// domain (tenant), a role is allowed an action on an object in a domain.
const casbinModel = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act
`

// authzRoles are the members of every tenant: one owner, one administrator,
// one manager, two operators.
var authzRoles = []tenancy.Role{tenancy.RoleOwner, tenancy.RoleAdministrator, tenancy.RoleManager, tenancy.RoleOperator, tenancy.RoleOperator}

// authzActs are the actions asked about, on the tenant's company-wide data.
var authzActs = map[tenancy.Action]string{
	tenancy.ActView: "view", tenancy.ActEditSettings: "edit_settings", tenancy.ActManageSubAccounts: "manage_sub_accounts",
	tenancy.ActManageUsers: "manage_users", tenancy.ActPurchase: "purchase", tenancy.ActDial: "dial", tenancy.ActReadAudit: "read_audit",
}

type authzRequest struct {
	user, tenant string
	act          tenancy.Action
}

// authzShape is n tenants with their members, and 4096 random requests by a
// member about its own tenant.
type authzShape struct {
	companies []tenancy.Company
	members   []tenancy.Member
	requests  []authzRequest
}

func newAuthzShape(n int) authzShape {
	rng := rand.New(rand.NewPCG(uint64(n), 19))
	now := storage.Timestamp(time.Now())
	var s authzShape
	acts := make([]tenancy.Action, 0, len(authzActs))
	for a := range authzActs {
		acts = append(acts, a)
	}
	for range n {
		c := tenancy.Company{ID: storage.NewID(), Kind: tenancy.KindRegular, Status: tenancy.StatusActive,
			LegalName: "Tenant " + storagetest.Word(rng), OwnerUserID: storage.NewID(), CreatedAt: now, UpdatedAt: now}
		c.DisplayName = c.LegalName
		s.companies = append(s.companies, c)
		for i, role := range authzRoles {
			id := storage.NewID()
			if i == 0 {
				id = c.OwnerUserID
			}
			s.members = append(s.members, tenancy.Member{CompanyID: c.ID, UserID: id, Role: role, CreatedAt: now, UpdatedAt: now})
		}
	}
	for range 4096 {
		m := s.members[rng.IntN(len(s.members))]
		s.requests = append(s.requests, authzRequest{user: m.UserID, tenant: m.CompanyID, act: acts[rng.IntN(len(acts))]})
	}
	return s
}

// enforcer builds casbin's side: for every tenant, one p line per role and
// action tenancy.Can allows a member of that role on company-wide data, and
// one g line per member.
func (s authzShape) enforcer(b *testing.B) *casbin.Enforcer {
	b.Helper()
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		b.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		b.Fatal(err)
	}
	var ps, gs [][]string
	for _, c := range s.companies {
		for _, role := range []tenancy.Role{tenancy.RoleOwner, tenancy.RoleAdministrator, tenancy.RoleManager, tenancy.RoleOperator} {
			for act, name := range authzActs {
				if tenancy.Can(tenancy.Actor{UserID: "u", CompanyID: c.ID, Role: role}, act, tenancy.Resource{CompanyID: c.ID}) {
					ps = append(ps, []string{string(role), c.ID, "company", name})
				}
			}
		}
	}
	for _, m := range s.members {
		gs = append(gs, []string{m.UserID, string(m.Role), m.CompanyID})
	}
	if _, err := e.AddPolicies(ps); err != nil {
		b.Fatal(err)
	}
	if _, err := e.AddGroupingPolicies(gs); err != nil {
		b.Fatal(err)
	}
	return e
}

// seed writes the shape's companies, users and memberships into h, in one
// transaction, through the backend's store.
func (s authzShape) seed(b *testing.B, h *storagetest.Harness) {
	ctx := context.Background()
	err := h.Tx.InTx(ctx, func(ctx context.Context) error {
		for i := range s.companies {
			if err := h.Tenancy.CreateCompany(ctx, &s.companies[i]); err != nil {
				return err
			}
		}
		for i := range s.members {
			m := s.members[i]
			u := tenancy.UserRecord{User: tenancy.User{ID: m.UserID, Email: strings.ToLower(m.UserID) + "@authz.example", FirstName: "A", LastName: "Z",
				PasswordChangedAt: m.CreatedAt, CreatedAt: m.CreatedAt, UpdatedAt: m.CreatedAt}, PasswordHash: "x"}
			if err := h.Tenancy.CreateUser(ctx, &u); err != nil {
				return err
			}
			if err := h.Tenancy.CreateMember(ctx, &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatalf("seed %d tenants: %v", len(s.companies), err)
	}
}

var sink bool

// BenchmarkAuthz is casbin's Enforce against ActorFor+Can for one request
// of a member about its own tenant, at 10 and 1 000 tenants.
func BenchmarkAuthz(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{10, 1000} {
		s := newAuthzShape(n)
		e := s.enforcer(b)
		b.Run(fmt.Sprintf("tenants=%d/impl=casbin", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := s.requests[i%len(s.requests)]
				i++
				ok, err := e.Enforce(r.user, r.tenant, "company", authzActs[r.act])
				if err != nil {
					b.Fatal(err)
				}
				sink = ok
			}
		})
		backends := []struct {
			name string
			open func(b *testing.B) *storagetest.Harness
		}{
			{"memory", func(*testing.B) *storagetest.Harness { return storagetest.MemoryHarness(memory.New()) }},
			{"sqlite", func(b *testing.B) *storagetest.Harness { return storagetest.BunHarness(storagetest.OpenSQLite(b)) }},
			{"postgres", func(b *testing.B) *storagetest.Harness { return storagetest.BunHarness(storagetest.OpenPostgres(b)) }},
		}
		for _, be := range backends {
			name := fmt.Sprintf("tenants=%d/impl=%s", n, be.name)
			if be.name == "postgres" && os.Getenv(storagetest.PostgresEnv) == "" {
				// Skip this pair alone (opening here would skip the rest).
				b.Run(name, func(b *testing.B) { storagetest.RequireDSN(b, storagetest.PostgresEnv, "PostgreSQL") })
				continue
			}
			// Opened and filled here, once: the sub-benchmark runs -count
			// times over the same rows.
			h := be.open(b)
			s.seed(b, h)
			svc := tenancy.NewService(h.Tx, h.Tenancy, audit.NewLog(h.Audit), h.Outbox, tenancytest.Keys())
			decide := func(r authzRequest) (bool, error) {
				a, err := svc.ActorFor(ctx, r.user, r.tenant)
				if err != nil {
					return false, err
				}
				return tenancy.Can(a, r.act, tenancy.Resource{CompanyID: r.tenant}), nil
			}
			// Both sides decide alike, or the comparison means nothing:
			// checked on a sample (casbin's Enforce takes milliseconds at
			// 1 000 tenants).
			for _, r := range s.requests[:min(len(s.requests), 20000/n)] {
				want, err := e.Enforce(r.user, r.tenant, "company", authzActs[r.act])
				if err != nil {
					b.Fatal(err)
				}
				got, err := decide(r)
				if err != nil {
					b.Fatal(err)
				}
				if got != want {
					b.Fatalf("%s %+v: ActorFor+Can says %v, casbin %v", be.name, r, got, want)
				}
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					ok, err := decide(s.requests[i%len(s.requests)])
					if err != nil {
						b.Fatal(err)
					}
					sink = ok
					i++
				}
			})
		}
	}
}
