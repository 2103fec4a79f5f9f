package tenancy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/switchboardkit/switchboard/tenancy"
)

// Two resellers R and Q; A and B are R's affiliates, C is Q's. Company A has
// sub-accounts s1 and s2.
var (
	resA      = tenancy.Resource{CompanyID: "A", ResellerID: "R"}
	resAs1    = tenancy.Resource{CompanyID: "A", ResellerID: "R", SubAccountID: "s1"}
	resAs2    = tenancy.Resource{CompanyID: "A", ResellerID: "R", SubAccountID: "s2"}
	resB      = tenancy.Resource{CompanyID: "B", ResellerID: "R"}
	resC      = tenancy.Resource{CompanyID: "C", ResellerID: "Q"}
	resR      = tenancy.Resource{CompanyID: "R"}
	resRKind  = tenancy.Resource{CompanyID: "R", Reseller: true}
	platform  = tenancy.Platform("p")
	resellerR = tenancy.Actor{UserID: "ra", CompanyID: "R", Role: tenancy.RoleResellerAdmin}
	ownerA    = tenancy.Actor{UserID: "o", CompanyID: "A", Role: tenancy.RoleOwner}
	ownerR    = tenancy.Actor{UserID: "ro", CompanyID: "R", Role: tenancy.RoleOwner}
	adminA    = tenancy.Actor{UserID: "ad", CompanyID: "A", Role: tenancy.RoleAdministrator}
	managerA  = tenancy.Actor{UserID: "m", CompanyID: "A", Role: tenancy.RoleManager, SubAccountID: "s1"}
	operatorA = tenancy.Actor{UserID: "op", CompanyID: "A", Role: tenancy.RoleOperator, SubAccountID: "s1"}
)

func TestCan(t *testing.T) {
	t.Parallel()
	self := func(a tenancy.Actor) tenancy.Resource {
		return tenancy.Resource{CompanyID: a.CompanyID, ResellerID: "R", SubAccountID: a.SubAccountID, UserID: a.UserID}
	}
	cases := []struct {
		name string
		a    tenancy.Actor
		act  tenancy.Action
		r    tenancy.Resource
		want bool
	}{
		{"platform anything", platform, tenancy.ActPlatform, resC, true},
		{"reseller views affiliate", resellerR, tenancy.ActView, resA, true},
		{"reseller edits sibling affiliate", resellerR, tenancy.ActEditSettings, resB, true},
		{"reseller manages affiliate credit", resellerR, tenancy.ActManageAffiliate, resA, true},
		{"reseller not its own credit", resellerR, tenancy.ActManageAffiliate, resR, false},
		{"reseller own catalogue", resellerR, tenancy.ActManageCatalog, resR, true},
		{"reseller not other reseller's affiliate", resellerR, tenancy.ActView, resC, false},
		{"reseller no platform action", resellerR, tenancy.ActPlatform, resA, false},
		{"owner edits own", ownerA, tenancy.ActEditSettings, resA, true},
		{"owner not sibling", ownerA, tenancy.ActView, resB, false},
		{"owner no platform action", ownerA, tenancy.ActPlatform, resA, false},
		{"owner no affiliate credit", ownerA, tenancy.ActManageAffiliate, resA, false},
		{"owner of a non-reseller no catalogue", ownerA, tenancy.ActManageCatalog, resA, false},
		{"reseller owner views affiliate", ownerR, tenancy.ActView, resA, true},
		{"reseller owner manages affiliate users", ownerR, tenancy.ActManageUsers, resAs1, true},
		{"reseller owner manages affiliate credit", ownerR, tenancy.ActManageAffiliate, resB, true},
		{"reseller owner affiliate catalogue", ownerR, tenancy.ActManageCatalog, resA, true},
		{"reseller owner own catalogue", ownerR, tenancy.ActManageCatalog, resRKind, true},
		{"reseller owner not its own credit", ownerR, tenancy.ActManageAffiliate, resRKind, false},
		{"reseller owner not other reseller's affiliate", ownerR, tenancy.ActView, resC, false},
		{"reseller owner no platform action", ownerR, tenancy.ActPlatform, resA, false},
		{"admin sub-accounts", adminA, tenancy.ActManageSubAccounts, resAs2, true},
		{"admin reads audit", adminA, tenancy.ActReadAudit, resA, true},
		{"manager views company", managerA, tenancy.ActView, resA, true},
		{"manager views own sub", managerA, tenancy.ActView, resAs1, true},
		{"manager not other sub", managerA, tenancy.ActView, resAs2, false},
		{"manager users in own sub", managerA, tenancy.ActManageUsers, resAs1, true},
		{"manager not users in other sub", managerA, tenancy.ActManageUsers, resAs2, false},
		{"manager not company-wide users", managerA, tenancy.ActManageUsers, resA, false},
		{"manager no sub-account admin", managerA, tenancy.ActManageSubAccounts, resAs1, false},
		{"manager no settings", managerA, tenancy.ActEditSettings, resA, false},
		{"manager no audit", managerA, tenancy.ActReadAudit, resA, false},
		{"manager own profile", managerA, tenancy.ActOwnProfile, self(managerA), true},
		{"manager without sub sees no sub", tenancy.Actor{UserID: "m2", CompanyID: "A", Role: tenancy.RoleManager}, tenancy.ActView, tenancy.Resource{CompanyID: "A", SubAccountID: ""}, true},
		{"manager without sub manages nobody", tenancy.Actor{UserID: "m2", CompanyID: "A", Role: tenancy.RoleManager}, tenancy.ActManageUsers, tenancy.Resource{CompanyID: "A"}, false},
		{"operator own profile", operatorA, tenancy.ActOwnProfile, self(operatorA), true},
		{"operator own status", operatorA, tenancy.ActOwnStatus, self(operatorA), true},
		{"operator not another's profile", operatorA, tenancy.ActOwnProfile, self(managerA), false},
		{"operator not company", operatorA, tenancy.ActView, resA, false},
		{"operator dials", operatorA, tenancy.ActDial, resA, true},
		{"operator not in other company", operatorA, tenancy.ActDial, resB, false},
		{"no company, no rights", tenancy.Actor{UserID: "x", Role: tenancy.RoleOwner}, tenancy.ActView, tenancy.Resource{}, false},
		{"unknown role", tenancy.Actor{UserID: "x", CompanyID: "A", Role: "janitor"}, tenancy.ActView, resA, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tenancy.Can(tc.a, tc.act, tc.r), tc.name)
	}
}

func TestCanGrant(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		a    tenancy.Actor
		role tenancy.Role
		sub  string
		want bool
	}{
		{"platform grants owner", platform, tenancy.RoleOwner, "", true},
		{"reseller grants administrator", resellerR, tenancy.RoleAdministrator, "", true},
		{"reseller not owner", resellerR, tenancy.RoleOwner, "", false},
		{"owner grants administrator", ownerA, tenancy.RoleAdministrator, "", true},
		{"owner grants reseller admin (refused by the use case outside a reseller)", ownerA, tenancy.RoleResellerAdmin, "", true},
		{"reseller owner grants reseller admin", ownerR, tenancy.RoleResellerAdmin, "", true},
		{"reseller owner not owner", ownerR, tenancy.RoleOwner, "", false},
		{"admin grants manager anywhere", adminA, tenancy.RoleManager, "s2", true},
		{"admin not owner", adminA, tenancy.RoleOwner, "", false},
		{"admin not above itself", adminA, tenancy.RoleResellerAdmin, "", false},
		{"manager grants manager in own sub", managerA, tenancy.RoleManager, "s1", true},
		{"manager not in other sub", managerA, tenancy.RoleManager, "s2", false},
		{"manager not operator", managerA, tenancy.RoleOperator, "s1", false},
		{"manager not administrator", managerA, tenancy.RoleAdministrator, "", false},
		{"operator grants nothing", operatorA, tenancy.RoleOperator, "s1", false},
		{"invalid role", platform, "janitor", "", false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, tenancy.CanGrant(tc.a, tc.role, tc.sub), tc.name)
	}
}

// canSink keeps the compiler from dropping the calls being measured.
var canSink bool

func TestCanAllocationFree(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		canSink = tenancy.Can(managerA, tenancy.ActManageUsers, resAs2)
		canSink = tenancy.Can(resellerR, tenancy.ActView, resC)
	})
	assert.Zero(t, allocs)
}

var sink bool

// BenchmarkCan measures the authorization decision over a mix of roles,
// actions and resources.
func BenchmarkCan(b *testing.B) {
	actors := []tenancy.Actor{platform, resellerR, ownerA, adminA, managerA, operatorA}
	acts := []tenancy.Action{tenancy.ActView, tenancy.ActEditSettings, tenancy.ActManageUsers, tenancy.ActManageAffiliate, tenancy.ActOwnProfile}
	res := []tenancy.Resource{resA, resAs1, resAs2, resB, resC}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		sink = tenancy.Can(actors[i%len(actors)], acts[i%len(acts)], res[i%len(res)])
		i++
	}
}
