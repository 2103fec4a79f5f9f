package bunstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/bunstore"
	"github.com/switchboardkit/switchboard/storage/storagetest"
	"github.com/switchboardkit/switchboard/tenancy"
	"github.com/switchboardkit/switchboard/tenancy/tenancytest"
)

// benchFindEmployees seeds one company of n members — 1 % managers, 2 %
// administrators, the rest operators, over 20 sub-accounts — next to
// another company of n members, and times FindEmployees' first page (50)
// as the company's administrator for each filter.
func benchFindEmployees(b *testing.B, st *bunstore.Store) {
	const n = 20_000
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	now := storage.Timestamp(time.Now())
	company, other := storage.NewID(), storage.NewID()
	subs := make([]string, 20)
	for i := range subs {
		subs[i] = storage.NewID()
	}
	var admin tenancy.Actor
	users := make([]bunstore.UserRow, 0, 1000)
	members := make([]bunstore.MemberRow, 0, 1000)
	flush := func() {
		if len(users) == 0 {
			return
		}
		if _, err := st.DB().NewInsert().Model(&users).Exec(ctx); err != nil {
			b.Fatalf("seed users: %v", err)
		}
		if _, err := st.DB().NewInsert().Model(&members).Exec(ctx); err != nil {
			b.Fatalf("seed members: %v", err)
		}
		users, members = users[:0], members[:0]
	}
	for i := range 2 * n {
		c := company
		if i >= n {
			c = other
		}
		u := tenancy.User{ID: storage.NewID(), FirstName: storagetest.Word(rng), LastName: storagetest.Word(rng)}
		u.Email = fmt.Sprintf("%s.%s.%d@bench.example", u.FirstName, u.LastName, i)
		role, sub := tenancy.RoleOperator, subs[rng.IntN(len(subs))]
		switch r := rng.IntN(100); {
		case r == 0:
			role = tenancy.RoleManager
		case r <= 2:
			role, sub = tenancy.RoleAdministrator, ""
		}
		if i == 0 {
			role, sub = tenancy.RoleAdministrator, ""
			admin = tenancy.Actor{UserID: u.ID, CompanyID: company, Role: role}
		}
		u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = now, now, now
		users = append(users, *bunstore.ToUserRow(&tenancy.UserRecord{User: u, PasswordHash: "x"}))
		members = append(members, *bunstore.ToMemberRow(&tenancy.Member{CompanyID: c, UserID: u.ID, Role: role, SubAccountID: sub,
			CreatedAt: now, UpdatedAt: now}))
		if len(users) == cap(users) {
			flush()
		}
	}
	flush()
	if err := st.InTx(ctx, func(ctx context.Context) error {
		return st.Tenancy().CreateCompany(ctx, &tenancy.Company{ID: company, Kind: tenancy.KindRegular, LegalName: "Bench employees",
			DisplayName: "Bench employees", Status: tenancy.StatusActive, OwnerUserID: admin.UserID, CreatedAt: now, UpdatedAt: now})
	}); err != nil {
		b.Fatalf("company: %v", err)
	}
	// Rows written behind the store's back: index them as a bulk import must.
	if err := st.RebuildCompanySearch(ctx); err != nil {
		b.Fatalf("search index: %v", err)
	}
	maintenance := map[bunstore.Dialect]string{bunstore.SQLite: "ANALYZE", bunstore.Postgres: "VACUUM ANALYZE tenancy_members, tenancy_users",
		bunstore.MySQL: "ANALYZE TABLE tenancy_members, tenancy_users, tenancy_user_trigrams"}
	if _, err := st.DB().ExecContext(ctx, maintenance[st.Dialect()]); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	svc := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), tenancytest.Keys())
	filters := []struct {
		name string
		f    tenancy.EmployeeFilter
	}{
		{"none", tenancy.EmployeeFilter{}},
		{"role=manager", tenancy.EmployeeFilter{Role: tenancy.RoleManager}},
		{"sub-account", tenancy.EmployeeFilter{SubAccountID: subs[7]}},
		{"text=common", tenancy.EmployeeFilter{Text: "ka"}},
		{"text=rare", tenancy.EmployeeFilter{Text: "kamiro"}},
		{"text=absent", tenancy.EmployeeFilter{Text: "zzzz"}},
	}
	for _, tc := range filters {
		b.Run(tc.name, func(b *testing.B) {
			loopP50(b, func() error {
				_, err := svc.FindEmployees(ctx, admin, company, tc.f, storage.PageRequest{Limit: 50})
				return err
			})
		})
	}
}

// BenchmarkFindEmployeesSQLite filters a company of 20 000 members on SQLite.
func BenchmarkFindEmployeesSQLite(b *testing.B) { benchFindEmployees(b, storagetest.OpenSQLite(b)) }

// BenchmarkFindEmployeesPostgres filters a company of 20 000 members on PostgreSQL.
func BenchmarkFindEmployeesPostgres(b *testing.B) { benchFindEmployees(b, storagetest.OpenPostgres(b)) }

// BenchmarkFindEmployeesMySQL filters a company of 20 000 members on MySQL/MariaDB.
func BenchmarkFindEmployeesMySQL(b *testing.B) { benchFindEmployees(b, storagetest.OpenMySQL(b)) }
