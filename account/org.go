package account

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// orgChange runs one organisational-structure change: in one transaction it
// authorises tenancy.ActEditSettings on the company, runs fn and records the
// audit entry fn returns (with actor and company filled in).
func (s *Service) orgChange(ctx context.Context, op string, by tenancy.Actor, companyID string, fn func(ctx context.Context) (audit.Entry, error)) error {
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
			return err
		}
		e, err := fn(ctx)
		if err != nil {
			return err
		}
		e.Actor, e.CompanyID = by.Audit(), companyID
		_, err = s.log.Record(ctx, e)
		return err
	}))
}

// requireMembers checks that every user of userIDs is a member of
// companyID, under tenancy's member lock (Directory.LockMember, the lock
// RemoveMember takes). One who is not is a *storage.ValidationError on field; any
// other directory failure is returned as it is (a transient one must reach
// InTx to be retried).
func (s *Service) requireMembers(ctx context.Context, op, field, companyID string, userIDs []string) error {
	for _, u := range userIDs {
		if _, err := s.dir.LockMember(ctx, companyID, u); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return storage.Invalid(op, field, "member", "user "+u+" is not a member of the company")
			}
			return err
		}
	}
	return nil
}

func checkName(op, field, name string) (string, error) {
	name = storage.NormalizeText(name)
	if err := (&storage.ValidationError{Op: op}).CheckText(field, name, 200, true).Err(); err != nil {
		return "", err
	}
	return name, nil
}

// CreateCategory creates an organisational-structure category (e.g. "Cost
// centre") with its options. Names are single-line text
// (storage.ValidText), trimmed, required, at most 200 characters; a category name taken in the company or a repeated option name is
// storage.ErrConflict. Authorised: tenancy.ActEditSettings. Audited
// "account.org.category.create".
func (s *Service) CreateCategory(ctx context.Context, by tenancy.Actor, companyID, name string, options []string) (_ *Category, err error) {
	const op = "account.CreateCategory"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.category.create")
	defer func() { uc.End(err) }()
	name, err = checkName(op, "name", name)
	if err != nil {
		return nil, err
	}
	c := &Category{ID: storage.NewID(), CompanyID: companyID, Name: name}
	for _, o := range options {
		o, err := checkName(op, "options", o)
		if err != nil {
			return nil, err
		}
		c.Options = append(c.Options, CategoryOption{ID: storage.NewID(), CategoryID: c.ID, Name: o})
	}
	err = s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		if err := s.store.CreateCategory(ctx, c); err != nil {
			return audit.Entry{}, err
		}
		names := make([]string, len(c.Options))
		for i, o := range c.Options {
			names[i] = o.Name
		}
		return audit.Entry{Action: "account.org.category.create", EntityType: "account.category", EntityID: c.ID,
			Changes: []audit.Change{audit.Set("name", nil, c.Name), audit.Set("options", nil, names)}}, nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Service) findCategory(ctx context.Context, companyID, id string) (*Category, error) {
	cats, err := s.store.Categories(ctx, companyID)
	if err != nil {
		return nil, err
	}
	for i := range cats {
		if cats[i].ID == id {
			return &cats[i], nil
		}
	}
	return nil, storage.NotFound("account.Category", "category", id)
}

// RenameCategory renames a category. Audited "account.org.category.rename".
func (s *Service) RenameCategory(ctx context.Context, by tenancy.Actor, companyID, categoryID, name string) (err error) {
	const op = "account.RenameCategory"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.category.rename")
	defer func() { uc.End(err) }()
	name, err = checkName(op, "name", name)
	if err != nil {
		return err
	}
	return s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		c, err := s.findCategory(ctx, companyID, categoryID)
		if err != nil {
			return audit.Entry{}, err
		}
		if err := s.store.RenameCategory(ctx, companyID, categoryID, name); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: "account.org.category.rename", EntityType: "account.category", EntityID: categoryID,
			Changes: []audit.Change{audit.Set("name", c.Name, name)}}, nil
	})
}

// DeleteCategory deletes a category with its options and their
// assignments. Audited "account.org.category.delete".
func (s *Service) DeleteCategory(ctx context.Context, by tenancy.Actor, companyID, categoryID string) (err error) {
	const op = "account.DeleteCategory"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.category.delete")
	defer func() { uc.End(err) }()
	return s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		c, err := s.findCategory(ctx, companyID, categoryID)
		if err != nil {
			return audit.Entry{}, err
		}
		if err := s.store.DeleteCategory(ctx, companyID, categoryID); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: "account.org.category.delete", EntityType: "account.category", EntityID: categoryID,
			Changes: []audit.Change{audit.Set("name", c.Name, nil)}}, nil
	})
}

// AddOption adds an option to a category. Audited "account.org.option.create".
func (s *Service) AddOption(ctx context.Context, by tenancy.Actor, companyID, categoryID, name string) (_ CategoryOption, err error) {
	const op = "account.AddOption"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.option.create")
	defer func() { uc.End(err) }()
	name, err = checkName(op, "name", name)
	if err != nil {
		return CategoryOption{}, err
	}
	o := CategoryOption{ID: storage.NewID(), CategoryID: categoryID, Name: name}
	err = s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		if err := s.store.AddOption(ctx, companyID, &o); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: "account.org.option.create", EntityType: "account.category_option", EntityID: o.ID,
			Changes: audit.Diff(nil, o)}, nil
	})
	return o, err
}

// RenameOption renames an option. Audited "account.org.option.rename".
func (s *Service) RenameOption(ctx context.Context, by tenancy.Actor, companyID, optionID, name string) (err error) {
	const op = "account.RenameOption"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.option.rename")
	defer func() { uc.End(err) }()
	name, err = checkName(op, "name", name)
	if err != nil {
		return err
	}
	return s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		o, err := s.store.Option(ctx, companyID, optionID)
		if err != nil {
			return audit.Entry{}, err
		}
		if err := s.store.RenameOption(ctx, companyID, optionID, name); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: "account.org.option.rename", EntityType: "account.category_option", EntityID: optionID,
			Changes: []audit.Change{audit.Set("name", o.Name, name)}}, nil
	})
}

// DeleteOption deletes an option and its assignments. Audited
// "account.org.option.delete".
func (s *Service) DeleteOption(ctx context.Context, by tenancy.Actor, companyID, optionID string) (err error) {
	const op = "account.DeleteOption"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.option.delete")
	defer func() { uc.End(err) }()
	return s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		o, err := s.store.Option(ctx, companyID, optionID)
		if err != nil {
			return audit.Entry{}, err
		}
		if err := s.store.DeleteOption(ctx, companyID, optionID); err != nil {
			return audit.Entry{}, err
		}
		return audit.Entry{Action: "account.org.option.delete", EntityType: "account.category_option", EntityID: optionID,
			Changes: audit.Diff(o, nil)}, nil
	})
}

// Categories lists the company's categories and options by name.
// Authorised: tenancy.ActView on the company.
func (s *Service) Categories(ctx context.Context, by tenancy.Actor, companyID string) (_ []Category, err error) {
	const op = "account.Categories"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActView); err != nil {
		return nil, err
	}
	return s.store.Categories(ctx, companyID)
}

// AssignOption gives the option to the users (each must be a member of
// the company: *storage.ValidationError on "user_ids" otherwise; already
// assigned users are kept). Authorised: tenancy.ActEditSettings on the
// company. Audited "account.org.option.assign".
func (s *Service) AssignOption(ctx context.Context, by tenancy.Actor, companyID, optionID string, userIDs []string) (err error) {
	ctx, uc := s.obs.Start(ctx, "account.AssignOption", companyID, "account.org.option.assign")
	defer func() { uc.End(err) }()
	return s.assign(ctx, "account.AssignOption", "account.org.option.assign", by, companyID, optionID, userIDs, true)
}

// UnassignOption takes the option from the users. Audited
// "account.org.option.unassign".
func (s *Service) UnassignOption(ctx context.Context, by tenancy.Actor, companyID, optionID string, userIDs []string) (err error) {
	ctx, uc := s.obs.Start(ctx, "account.UnassignOption", companyID, "account.org.option.unassign")
	defer func() { uc.End(err) }()
	return s.assign(ctx, "account.UnassignOption", "account.org.option.unassign", by, companyID, optionID, userIDs, false)
}

func (s *Service) assign(ctx context.Context, op, action string, by tenancy.Actor, companyID, optionID string, userIDs []string, add bool) error {
	ids := slices.Clone(userIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	switch {
	case len(ids) == 0:
		return storage.Invalid(op, "user_ids", "required", "is required: list 1–1000 users")
	case len(ids) > 1000:
		return storage.Invalid(op, "user_ids", "max", "must list at most 1000 users")
	}
	return s.orgChange(ctx, op, by, companyID, func(ctx context.Context) (audit.Entry, error) {
		o, err := s.store.Option(ctx, companyID, optionID)
		if err != nil {
			return audit.Entry{}, err
		}
		if add {
			if err := s.requireMembers(ctx, op, "user_ids", companyID, ids); err != nil {
				return audit.Entry{}, err
			}
			err = s.store.Assign(ctx, companyID, *o, ids)
		} else {
			err = s.store.Unassign(ctx, companyID, optionID, ids)
		}
		if err != nil {
			return audit.Entry{}, err
		}
		ch := audit.Set("user_ids", nil, ids)
		if !add {
			ch = audit.Set("user_ids", ids, nil)
		}
		return audit.Entry{Action: action, EntityType: "account.category_option", EntityID: optionID, Changes: []audit.Change{ch}}, nil
	})
}

// Criterion selects users holding any of OptionIDs of one category (all
// options of the category when OptionIDs is empty).
type Criterion struct {
	CategoryID string   `json:"category_id" validate:"text,max=64"`
	OptionIDs  []string `json:"option_ids" validate:"max=1000,dive,text,max=64"`
}

// EmployeeFinder is the employee search the organisation search narrows:
// tenancy.Service implements it (FindEmployees), with its scope, filters
// and text index.
type EmployeeFinder interface {
	FindEmployees(ctx context.Context, by tenancy.Actor, companyID string, f tenancy.EmployeeFilter, page storage.PageRequest) (storage.Page[tenancy.Employee], error)
}

// WithEmployees sets the employee search SearchEmployees asks (wire the
// tenancy.Service). Default: the Directory given to NewService when it
// implements EmployeeFinder, as tenancy.Service does; otherwise
// SearchEmployees fails with storage.ErrUnavailable.
func WithEmployees(f EmployeeFinder) Option { return observe.For(func(s *Service) { s.people = f }) }

// OrgFilter is an organisation search: the organisational-structure
// Criteria (AND across categories, OR within one) and tenancy's employee
// filters (tenancy.EmployeeFilter: role, sub-account, a name or e-mail
// substring); zero fields do not filter, and a filter with none lists the
// employees the actor sees.
type OrgFilter struct {
	Criteria     []Criterion  `json:"criteria" validate:"max=20,dive"`
	Text         string       `json:"text" validate:"text,max=100"`
	Role         tenancy.Role `json:"role" validate:"omitempty,text,role"`
	SubAccountID string       `json:"sub_account_id" validate:"text,max=64"`
}

// OrgEmployee is one employee an organisation search found, with the
// options that made it match: each option it holds that a criterion named
// (every option it holds in a criterion's category when the criterion
// names none), ordered by category ID then option ID; empty without
// criteria.
type OrgEmployee struct {
	tenancy.Employee
	Options []CategoryOption `json:"options"`
}

type orgCursor struct {
	UserID string `json:"u"`
}

// SearchEmployees finds the employees of companyID matching f, ordered by
// user ID, one keyset page at a time (pass the same filter with every
// page's cursor). Scope is tenancy's (FindEmployees): administrators and
// above, the company's reseller and the platform see every member, a
// manager its own sub-account, an operator only itself; a company the
// actor does not see is storage.ErrNotFound. Validated: text (100
// characters at most), role, sub_account_id, and criteria — an unknown
// category or an option of another category is a *storage.ValidationError
// on "criteria", at most 20 criteria.
//
// How it runs: with criteria and no text (or one under three characters,
// which no trigram index serves) the company's assignments drive — a
// batch of users holding the options (index company, option, user) is
// handed to FindEmployees as its UserIDs, which checks scope, role,
// sub-account and text by key; otherwise (a text of three characters or
// more, no criteria, or an operator, who sees only itself) tenancy drives
// — FindEmployees pages through the members with its text index (pg_trgm,
// FTS5, trigram side table) and the batch's options are read by key
// (index company, user). Every query walks an index; the first batch is
// the page size and each further one twice the last (up to
// storage.MaxPageSize), until the page is full, so a rare match on the
// other side walks the driving side's candidates in few round trips.
func (s *Service) SearchEmployees(ctx context.Context, by tenancy.Actor, companyID string, f OrgFilter, p storage.PageRequest) (_ storage.Page[OrgEmployee], err error) {
	const op = "account.SearchEmployees"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	var none storage.Page[OrgEmployee]
	storage.Normalize(&f)
	if err := s.check(ctx, op, &f); err != nil {
		return none, err
	}
	if s.people == nil {
		return none, storage.Unavailable(op, errors.New("no employee search configured (account.WithEmployees)"))
	}
	var after string
	if p.After != "" {
		var cur orgCursor
		if err := storage.DecodeCursor(op, p.After, &cur); err != nil {
			return none, err
		}
		after = cur.UserID
	}
	ref, err := s.company(ctx, companyID)
	if err != nil {
		return none, storage.Reop(op, err)
	}
	fresh, err := s.dir.Verify(ctx, by)
	if err != nil {
		return none, storage.Reop(op, err)
	}
	if !tenancy.Sees(fresh, ref) {
		return none, storage.NotFound(op, "company", companyID)
	}
	groups, wanted, err := s.orgGroups(ctx, op, companyID, f.Criteria)
	if err != nil {
		return none, err
	}
	if groups == nil {
		return none, nil // a criterion whose category has no options matches nobody
	}
	size := p.Size()
	batch := min(size+1, storage.MaxPageSize)
	ef := tenancy.EmployeeFilter{Role: f.Role, SubAccountID: f.SubAccountID, Text: f.Text}
	// The assignments drive unless a text the index can look up (three
	// characters or more) or an operator's scope (itself) is narrower.
	byOptions := len(groups) > 0 && utf8.RuneCountInString(tenancy.NormalizeQuery(f.Text)) < 3 &&
		(fresh.Role != tenancy.RoleOperator || fresh.CompanyID != companyID)
	var out []OrgEmployee
	for len(out) <= size {
		var emps []tenancy.Employee
		done := false
		if byOptions {
			ids, err := s.store.SearchUsers(ctx, companyID, groups, after, batch)
			if err != nil {
				return none, storage.Reop(op, err)
			}
			done = len(ids) < batch
			if len(ids) > 0 {
				ef.UserIDs = ids
				pg, err := s.people.FindEmployees(ctx, by, companyID, ef, storage.PageRequest{Limit: len(ids)})
				if err != nil {
					return none, storage.Reop(op, err)
				}
				emps = pg.Items
				after = ids[len(ids)-1]
			}
		} else {
			pg, err := s.people.FindEmployees(ctx, by, companyID, ef, storage.PageRequest{After: tenancy.EmployeeCursor(after), Limit: batch})
			if err != nil {
				return none, storage.Reop(op, err)
			}
			emps, done = pg.Items, pg.NextCursor == ""
			if len(emps) > 0 {
				after = emps[len(emps)-1].UserID
			}
		}
		found, err := s.matchOptions(ctx, companyID, emps, groups, wanted)
		if err != nil {
			return none, storage.Reop(op, err)
		}
		out = append(out, found...)
		if done {
			break
		}
		batch = min(2*batch, storage.MaxPageSize) // few matched: read more at a time
	}
	if len(out) > size {
		return storage.Page[OrgEmployee]{Items: out[:size], NextCursor: storage.EncodeCursor(orgCursor{UserID: out[size-1].UserID})}, nil
	}
	return storage.Page[OrgEmployee]{Items: out}, nil
}

// orgGroups resolves criteria against the company's categories: one group
// of option IDs per criterion, and every option named, by ID. Without
// criteria groups is empty; when a criterion's category has no options
// it is nil (nobody matches).
func (s *Service) orgGroups(ctx context.Context, op, companyID string, criteria []Criterion) ([][]string, map[string]CategoryOption, error) {
	if len(criteria) == 0 {
		return [][]string{}, nil, nil
	}
	cats, err := s.store.Categories(ctx, companyID)
	if err != nil {
		return nil, nil, storage.Reop(op, err)
	}
	groups := make([][]string, 0, len(criteria))
	wanted := map[string]CategoryOption{}
	empty := false
	for _, cr := range criteria {
		i := slices.IndexFunc(cats, func(c Category) bool { return c.ID == cr.CategoryID })
		if i < 0 {
			return nil, nil, storage.Invalid(op, "criteria", "category", "unknown category "+cr.CategoryID)
		}
		var g []string
		for _, o := range cats[i].Options {
			if len(cr.OptionIDs) == 0 || slices.Contains(cr.OptionIDs, o.ID) {
				g = append(g, o.ID)
				wanted[o.ID] = o
			}
		}
		for _, id := range cr.OptionIDs {
			if !slices.Contains(g, id) {
				return nil, nil, storage.Invalid(op, "criteria", "option", "option "+id+" is not in category "+cr.CategoryID)
			}
		}
		empty = empty || len(g) == 0
		groups = append(groups, g)
	}
	if empty {
		return nil, wanted, nil
	}
	return groups, wanted, nil
}

// matchOptions keeps the employees holding an option of every group, with
// the options they hold among wanted (every employee, with none, when
// groups is empty).
func (s *Service) matchOptions(ctx context.Context, companyID string, emps []tenancy.Employee, groups [][]string, wanted map[string]CategoryOption) ([]OrgEmployee, error) {
	if len(emps) == 0 {
		return nil, nil
	}
	if len(groups) == 0 {
		out := make([]OrgEmployee, len(emps))
		for i, e := range emps {
			out[i] = OrgEmployee{Employee: e}
		}
		return out, nil
	}
	ids := make([]string, len(emps))
	for i, e := range emps {
		ids[i] = e.UserID
	}
	held, err := s.store.HeldOptions(ctx, companyID, ids, slices.Sorted(maps.Keys(wanted)))
	if err != nil {
		return nil, err
	}
	var out []OrgEmployee
	for _, e := range emps {
		h := held[e.UserID]
		holds := func(g []string) bool {
			return slices.ContainsFunc(g, func(o string) bool { return slices.Contains(h, o) })
		}
		if !slices.ContainsFunc(groups, func(g []string) bool { return !holds(g) }) {
			opts := make([]CategoryOption, len(h))
			for i, o := range h {
				opts[i] = wanted[o]
			}
			slices.SortFunc(opts, func(a, b CategoryOption) int {
				return cmp.Or(strings.Compare(a.CategoryID, b.CategoryID), strings.Compare(a.ID, b.ID))
			})
			out = append(out, OrgEmployee{Employee: e, Options: opts})
		}
	}
	return out, nil
}
