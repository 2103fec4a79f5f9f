package account

import (
	"context"
	"errors"
	"slices"

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
	CategoryID string
	OptionIDs  []string
}

// SearchUsers returns the IDs of the users matching every criterion (AND
// across categories, OR within one), ascending, one keyset page at a time,
// limited to the users by may see: administrators all, managers the users
// of their own sub-account (tenancy.Can with ActView on each member).
// Authorised: tenancy.ActView on the company (operators are refused).
// Errors: an unknown category or an option of another category is a
// *storage.ValidationError on "criteria".
func (s *Service) SearchUsers(ctx context.Context, by tenancy.Actor, companyID string, criteria []Criterion, p storage.PageRequest) (_ storage.Page[string], err error) {
	const op = "account.SearchUsers"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActView); err != nil {
		return storage.Page[string]{}, err
	}
	if len(criteria) == 0 {
		return storage.Page[string]{}, storage.Invalid(op, "criteria", "required", "is required")
	}
	var after string
	if p.After != "" {
		if err := storage.DecodeCursor(op, p.After, &after); err != nil {
			return storage.Page[string]{}, err
		}
	}
	cats, err := s.store.Categories(ctx, companyID)
	if err != nil {
		return storage.Page[string]{}, err
	}
	groups := make([][]string, 0, len(criteria))
	for _, cr := range criteria {
		i := slices.IndexFunc(cats, func(c Category) bool { return c.ID == cr.CategoryID })
		if i < 0 {
			return storage.Page[string]{}, storage.Invalid(op, "criteria", "category", "unknown category "+cr.CategoryID)
		}
		var g []string
		for _, o := range cats[i].Options {
			if len(cr.OptionIDs) == 0 || slices.Contains(cr.OptionIDs, o.ID) {
				g = append(g, o.ID)
			}
		}
		for _, id := range cr.OptionIDs {
			if !slices.Contains(g, id) {
				return storage.Page[string]{}, storage.Invalid(op, "criteria", "option", "option "+id+" is not in category "+cr.CategoryID)
			}
		}
		if len(g) == 0 { // a category without options matches nobody
			return storage.Page[string]{}, nil
		}
		groups = append(groups, g)
	}
	size := p.Size()
	var out []string
	for {
		batch, err := s.store.SearchUsers(ctx, companyID, groups, after, size+1)
		if err != nil {
			return storage.Page[string]{}, err
		}
		for _, u := range batch {
			m, err := s.dir.Member(ctx, companyID, u)
			if errors.Is(err, storage.ErrNotFound) {
				after = u
				continue // no longer a member
			}
			if err != nil {
				return storage.Page[string]{}, err
			}
			if !tenancy.Can(by, tenancy.ActView, m.Resource()) {
				after = u
				continue
			}
			if len(out) == size {
				return storage.Page[string]{Items: out, NextCursor: storage.EncodeCursor(out[size-1])}, nil
			}
			out = append(out, u)
			after = u
		}
		if len(batch) < size+1 {
			return storage.Page[string]{Items: out}, nil
		}
	}
}
