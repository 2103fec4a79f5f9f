package bunstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboardkit/switchboard/account"
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
	ctx := context.Background()
	company, admin, subs, _ := seedEmployees(b, st)
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

// seedEmployees writes the company of n members benchFindEmployees
// describes, and its neighbour, and returns the company, its
// administrator, its sub-accounts and its members' IDs in creation order.
func seedEmployees(b *testing.B, st *bunstore.Store) (company string, admin tenancy.Actor, subs, ids []string) {
	const n = 20_000
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	now := storage.Timestamp(time.Now())
	company, other := storage.NewID(), storage.NewID()
	subs = make([]string, 20)
	for i := range subs {
		subs[i] = storage.NewID()
	}
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
		if c == company {
			ids = append(ids, u.ID)
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
	return company, admin, subs, ids
}

// benchSearchEmployees seeds seedEmployees' company, gives half its
// members the option Day and 1 % the option Night of a category Shift,
// and times account.SearchEmployees' first page (50) as its
// administrator: options alone, and options with a rare or common text.
func benchSearchEmployees(b *testing.B, st *bunstore.Store) {
	ctx := context.Background()
	company, admin, _, ids := seedEmployees(b, st)
	people := tenancy.NewService(st, st.Tenancy(), audit.NewLog(st.Audit()), st.Outbox(), tenancytest.Keys())
	keys, err := account.NewStaticKeys("bench", make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	svc := account.NewService(st, st.Account(), people, audit.NewLog(st.Audit()), keys)
	shift := &account.Category{ID: storage.NewID(), CompanyID: company, Name: "Shift"}
	day := account.CategoryOption{ID: storage.NewID(), CategoryID: shift.ID, Name: "Day"}
	night := account.CategoryOption{ID: storage.NewID(), CategoryID: shift.ID, Name: "Night"}
	shift.Options = []account.CategoryOption{day, night}
	var dayUsers, nightUsers []string
	for i, u := range ids {
		if i%2 == 0 {
			dayUsers = append(dayUsers, u)
		}
		if i%100 == 7 {
			nightUsers = append(nightUsers, u)
		}
	}
	if err := st.InTx(ctx, func(ctx context.Context) error {
		if err := st.Account().CreateCategory(ctx, shift); err != nil {
			return err
		}
		for _, g := range []struct {
			o     account.CategoryOption
			users []string
		}{{day, dayUsers}, {night, nightUsers}} {
			for len(g.users) > 0 {
				k := min(len(g.users), 500)
				if err := st.Account().Assign(ctx, company, g.o, g.users[:k]); err != nil {
					return err
				}
				g.users = g.users[k:]
			}
		}
		return nil
	}); err != nil {
		b.Fatalf("assignments: %v", err)
	}
	maintenance := map[bunstore.Dialect]string{bunstore.SQLite: "ANALYZE", bunstore.Postgres: "VACUUM ANALYZE account_org_assignments",
		bunstore.MySQL: "ANALYZE TABLE account_org_assignments"}
	if _, err := st.DB().ExecContext(ctx, maintenance[st.Dialect()]); err != nil {
		b.Fatalf("analyze: %v", err)
	}
	crit := func(o account.CategoryOption) []account.Criterion {
		return []account.Criterion{{CategoryID: shift.ID, OptionIDs: []string{o.ID}}}
	}
	for _, tc := range []struct {
		name string
		f    account.OrgFilter
	}{
		{"option=common", account.OrgFilter{Criteria: crit(day)}},
		{"option=rare", account.OrgFilter{Criteria: crit(night)}},
		{"option=common,text=rare", account.OrgFilter{Criteria: crit(day), Text: "kamiro"}},
		{"option=rare,text=rare", account.OrgFilter{Criteria: crit(night), Text: "kamiro"}},
		{"option=common,text=short", account.OrgFilter{Criteria: crit(day), Text: "ka"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			loopP50(b, func() error {
				_, err := svc.SearchEmployees(ctx, admin, company, tc.f, storage.PageRequest{Limit: 50})
				return err
			})
		})
	}
}

// BenchmarkSearchEmployeesSQLite searches the organisation of a company of
// 20 000 members on SQLite.
func BenchmarkSearchEmployeesSQLite(b *testing.B) { benchSearchEmployees(b, storagetest.OpenSQLite(b)) }

// BenchmarkSearchEmployeesPostgres is BenchmarkSearchEmployeesSQLite on PostgreSQL.
func BenchmarkSearchEmployeesPostgres(b *testing.B) {
	benchSearchEmployees(b, storagetest.OpenPostgres(b))
}

// BenchmarkSearchEmployeesMySQL is BenchmarkSearchEmployeesSQLite on MySQL/MariaDB.
func BenchmarkSearchEmployeesMySQL(b *testing.B) { benchSearchEmployees(b, storagetest.OpenMySQL(b)) }

// BenchmarkFindEmployeesSQLite filters a company of 20 000 members on SQLite.
func BenchmarkFindEmployeesSQLite(b *testing.B) { benchFindEmployees(b, storagetest.OpenSQLite(b)) }

// BenchmarkFindEmployeesPostgres filters a company of 20 000 members on PostgreSQL.
func BenchmarkFindEmployeesPostgres(b *testing.B) { benchFindEmployees(b, storagetest.OpenPostgres(b)) }

// BenchmarkFindEmployeesMySQL filters a company of 20 000 members on MySQL/MariaDB.
func BenchmarkFindEmployeesMySQL(b *testing.B) { benchFindEmployees(b, storagetest.OpenMySQL(b)) }
