package storagetest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// accountOrgSearch: SearchEmployees combines the organisational-structure
// criteria with tenancy's text, role and sub-account filters, pages by user
// ID and keeps to the actor's scope.
func accountOrgSearch(t *testing.T, h *Harness) {
	t.Parallel()
	ctx := context.Background()
	w := NewWorld(t, OnHarness(h))
	c := w.Company()
	sub0, sub1 := c.SubAccounts[0].ID, c.SubAccounts[1].ID
	_, sfx := w.next()
	reg := func(first, last string, role tenancy.Role, sub string) string {
		e, err := w.People.RegisterEmployee(ctx, c.Admin, c.ID, tenancy.NewEmployee{FirstName: first, LastName: last,
			Email: strings.ToLower(first+"."+last) + "-" + sfx + "@org.example", Role: role, SubAccountID: sub})
		require.NoError(t, err)
		return e.UserID
	}
	annaLee := reg("Anna", "Lee", tenancy.RoleOperator, sub0)
	borisLee := reg("Boris", "Lee", tenancy.RoleOperator, sub1)
	annaKim := reg("Anna", "Kim", tenancy.RoleOperator, sub0)
	veraLee := reg("Vera", "Lee", tenancy.RoleManager, sub0)
	glebOrlov := reg("Gleb", "Orlov", tenancy.RoleOperator, sub0)

	dept, err := w.Settings.CreateCategory(ctx, c.Admin, c.ID, "Department", []string{"Sales", "Support"})
	require.NoError(t, err)
	city, err := w.Settings.CreateCategory(ctx, c.Admin, c.ID, "City", []string{"Moscow", "Kazan"})
	require.NoError(t, err)
	bare, err := w.Settings.CreateCategory(ctx, c.Admin, c.ID, "Empty", nil)
	require.NoError(t, err)
	opt := func(cat *account.Category, name string) account.CategoryOption {
		i := slices.IndexFunc(cat.Options, func(o account.CategoryOption) bool { return o.Name == name })
		require.GreaterOrEqual(t, i, 0, name)
		return cat.Options[i]
	}
	sales, support, moscow, kazan := opt(dept, "Sales"), opt(dept, "Support"), opt(city, "Moscow"), opt(city, "Kazan")
	assign := func(o account.CategoryOption, users ...string) {
		require.NoError(t, w.Settings.AssignOption(ctx, c.Admin, c.ID, o.ID, users))
	}
	assign(sales, annaLee, borisLee, veraLee, glebOrlov)
	assign(support, annaKim)
	assign(moscow, annaLee, annaKim, veraLee, glebOrlov)
	assign(kazan, borisLee)

	// all pages through the search one row a page, and checks the
	// whole answer fits one page too.
	all := func(by tenancy.Actor, f account.OrgFilter) []account.OrgEmployee {
		t.Helper()
		var out []account.OrgEmployee
		req := storage.PageRequest{Limit: 1}
		for range 20 {
			p, err := w.Settings.SearchEmployees(ctx, by, c.ID, f, req)
			require.NoError(t, err)
			require.LessOrEqual(t, len(p.Items), 1)
			out = append(out, p.Items...)
			if p.NextCursor == "" {
				one, err := w.Settings.SearchEmployees(ctx, by, c.ID, f, storage.PageRequest{})
				require.NoError(t, err)
				assert.Equal(t, out, one.Items, "one page or many, the same employees")
				return out
			}
			req.After = p.NextCursor
		}
		t.Fatal("search did not end")
		return nil
	}
	ids := func(es []account.OrgEmployee) []string {
		out := make([]string, len(es))
		for i, e := range es {
			out[i] = e.UserID
		}
		return out
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	byDept := account.Criterion{CategoryID: dept.ID, OptionIDs: []string{sales.ID}}
	inMoscow := account.Criterion{CategoryID: city.ID, OptionIDs: []string{moscow.ID}}

	// Options and text together.
	got := all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept}, Text: "lee"})
	assert.Equal(t, sorted(annaLee, borisLee, veraLee), ids(got))
	for _, e := range got {
		assert.Equal(t, []account.CategoryOption{sales}, e.Options, "the option that matched")
		assert.NotEmpty(t, e.Email)
		assert.Equal(t, "Lee", e.LastName)
	}
	got = all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept, inMoscow}, Text: "LEE"})
	assert.Equal(t, sorted(annaLee, veraLee), ids(got))
	want := []account.CategoryOption{sales, moscow}
	slices.SortFunc(want, func(a, b account.CategoryOption) int { return strings.Compare(a.CategoryID+a.ID, b.CategoryID+b.ID) })
	assert.Equal(t, want, got[0].Options)
	// Role and sub-account filters.
	got = all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept, inMoscow}, Text: "lee", Role: tenancy.RoleOperator})
	assert.Equal(t, []string{annaLee}, ids(got))
	assert.Equal(t, tenancy.RoleOperator, got[0].Role)
	assert.Equal(t, sub0, got[0].SubAccountID)
	got = all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept}, SubAccountID: sub1})
	assert.Equal(t, []string{borisLee}, ids(got))
	// Options alone (the assignments drive), a whole category, e-mail text.
	assert.Equal(t, sorted(annaLee, veraLee, glebOrlov), ids(all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept, inMoscow}})))
	got = all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: dept.ID}}, Text: "anna"})
	assert.Equal(t, sorted(annaLee, annaKim), ids(got))
	assert.Equal(t, []string{annaKim}, ids(all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: dept.ID, OptionIDs: []string{support.ID}}}, Text: "@org.example"})))
	// A text too short for the trigram indexes, with options (they drive).
	assert.Equal(t, []string{annaKim}, ids(all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: dept.ID}}, Text: "Ki"})))
	assert.Empty(t, all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{byDept}, Text: "ki"}))
	// Text alone: the employees, no options matched.
	got = all(c.Admin, account.OrgFilter{Text: "anna"})
	assert.Equal(t, sorted(annaLee, annaKim), ids(got))
	assert.Empty(t, got[0].Options)
	assert.Empty(t, all(c.Admin, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: bare.ID}}}), "a category without options matches nobody")

	// A manager sees its own sub-account only.
	assert.Equal(t, sorted(annaLee, veraLee), ids(all(c.Manager, account.OrgFilter{Criteria: []account.Criterion{byDept}, Text: "lee"})))
	assert.Equal(t, sorted(annaLee, veraLee, glebOrlov), ids(all(c.Manager, account.OrgFilter{Criteria: []account.Criterion{byDept}})))
	assert.Empty(t, all(c.Manager, account.OrgFilter{Criteria: []account.Criterion{byDept}, SubAccountID: sub1}), "another sub-account is nobody")
	// An operator finds itself or nothing.
	anna, err := w.People.ActorFor(ctx, annaLee, c.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{annaLee}, ids(all(anna, account.OrgFilter{Criteria: []account.Criterion{byDept}})))
	assert.Equal(t, []string{annaLee}, ids(all(anna, account.OrgFilter{Text: "lee"})))
	assert.Equal(t, []string{annaLee}, ids(all(anna, account.OrgFilter{Criteria: []account.Criterion{byDept, inMoscow}, Text: "an"})))
	assert.Empty(t, all(anna, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: city.ID, OptionIDs: []string{kazan.ID}}}}))
	assert.Empty(t, all(c.Operator, account.OrgFilter{Criteria: []account.Criterion{byDept}}))

	// Another company, or none, is not found; the platform sees it.
	other := w.Company()
	_, err = w.Settings.SearchEmployees(ctx, other.Admin, c.ID, account.OrgFilter{Criteria: []account.Criterion{byDept}}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = w.Settings.SearchEmployees(ctx, other.Admin, c.ID, account.OrgFilter{Criteria: []account.Criterion{{CategoryID: storage.NewID()}}}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrNotFound, "not found before the criteria are checked against the company")
	_, err = w.Settings.SearchEmployees(ctx, c.Admin, storage.NewID(), account.OrgFilter{}, storage.PageRequest{})
	require.ErrorIs(t, err, storage.ErrNotFound)
	assert.Equal(t, sorted(annaLee, borisLee, veraLee), ids(all(w.Platform, account.OrgFilter{Criteria: []account.Criterion{byDept}, Text: "lee"})))

	// Bad input names its field.
	bad := func(f account.OrgFilter, after string, field string) {
		t.Helper()
		_, err := w.Settings.SearchEmployees(ctx, c.Admin, c.ID, f, storage.PageRequest{After: after})
		RequireInvalid(t, err, field)
	}
	bad(account.OrgFilter{Text: strings.Repeat("x", 101)}, "", "text")
	bad(account.OrgFilter{Role: "janitor"}, "", "role")
	bad(account.OrgFilter{Criteria: []account.Criterion{{CategoryID: storage.NewID()}}}, "", "criteria")
	bad(account.OrgFilter{Criteria: []account.Criterion{{CategoryID: dept.ID, OptionIDs: []string{moscow.ID}}}}, "", "criteria")
	bad(account.OrgFilter{}, "not a cursor", "after")
}
