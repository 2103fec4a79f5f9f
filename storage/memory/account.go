package memory

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/switchboardkit/switchboard/account"
	"github.com/switchboardkit/switchboard/storage"
)

// Account documents are kept as JSON, as the SQL backends keep them: a
// value read back never aliases one written, and the stored bytes are what
// the conformance suite inspects for secrets.
type accountDoc struct {
	version    int64
	keyID      string
	costCentre string // a user's cost centre, for CostCentreUsers
	data       []byte
}

type accountData struct {
	companies  map[string]accountDoc
	users      map[[2]string]accountDoc
	categories map[string]account.Category       // id → category without options
	options    map[string]account.CategoryOption // id → option
	optCompany map[string]string                 // option id → company id
	assigned   map[[2]string]struct{}            // (option id, user id)
}

func (d *accountData) init() {
	d.companies = map[string]accountDoc{}
	d.users = map[[2]string]accountDoc{}
	d.categories = map[string]account.Category{}
	d.options = map[string]account.CategoryOption{}
	d.optCompany = map[string]string{}
	d.assigned = map[[2]string]struct{}{}
}

// Account returns the store's account.Store.
func (s *Store) Account() account.Store { return accountStore{s} }

type accountStore struct{ s *Store }

var _ account.Store = accountStore{}

// AccountRaw returns every stored byte of companyID's account document and
// its users' settings, for tests that prove secrets are not stored in clear.
func (s *Store) AccountRaw(companyID string) []byte {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := slices.Clone(s.account.companies[companyID].data)
	for k, d := range s.account.users {
		if k[0] == companyID {
			out = append(out, d.data...)
		}
	}
	return out
}

// decodeDoc decodes the stored document d into out; found false (no
// document) is storage.NotFound(op, entity, id).
func decodeDoc(op, entity, id string, d accountDoc, found bool, out any) error {
	if !found {
		return storage.NotFound(op, entity, id)
	}
	if err := json.Unmarshal(d.data, out); err != nil {
		return storage.Internal(op, err)
	}
	return nil
}

// stale reports whether a save made from version loses the race: the
// document was inserted (version 0) or changed since it was read.
func stale(cur accountDoc, found bool, version int64) bool {
	return found != (version != 0) || cur.version != version
}

func (a accountStore) Company(ctx context.Context, companyID string) (*account.Company, error) {
	var out *account.Company
	err := a.s.read(ctx, func() error {
		d, ok := a.s.account.companies[companyID]
		c := new(account.Company)
		if err := decodeDoc("account.Company", "account", companyID, d, ok, c); err != nil {
			return err
		}
		c.CompanyID, c.Version, c.KeyID = companyID, d.version, d.keyID
		out = c
		return nil
	})
	return out, err
}

func (a accountStore) SaveCompany(ctx context.Context, c *account.Company) error {
	const op = "account.SaveCompany"
	data, err := json.Marshal(c)
	if err != nil {
		return storage.Internal(op, err)
	}
	return a.s.write(ctx, func(t *tx) error {
		cur, ok := a.s.account.companies[c.CompanyID]
		if stale(cur, ok, c.Version) {
			return storage.E(op, storage.ErrRetryable, "account of company %s changed concurrently", c.CompanyID)
		}
		put(t, a.s.account.companies, c.CompanyID, accountDoc{version: c.Version + 1, keyID: c.KeyID, data: data})
		c.Version++
		return nil
	})
}

func (a accountStore) CompaniesNotUnderKey(ctx context.Context, keyID, after string, limit int) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		for id, d := range a.s.account.companies {
			if d.keyID != "" && d.keyID != keyID && id > after {
				out = append(out, id)
			}
		}
		for k, d := range a.s.account.users {
			if d.keyID != "" && d.keyID != keyID && k[0] > after && !slices.Contains(out, k[0]) {
				out = append(out, k[0])
			}
		}
		return nil
	})
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func (a accountStore) UsersNotUnderKey(ctx context.Context, companyID, keyID, after string, limit int) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		for k, d := range a.s.account.users {
			if k[0] == companyID && d.keyID != "" && d.keyID != keyID && k[1] > after {
				out = append(out, k[1])
			}
		}
		return nil
	})
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func (a accountStore) User(ctx context.Context, companyID, userID string) (*account.User, error) {
	var out *account.User
	err := a.s.read(ctx, func() error {
		d, ok := a.s.account.users[[2]string{companyID, userID}]
		u := new(account.User)
		if err := decodeDoc("account.User", "user settings", userID, d, ok, u); err != nil {
			return err
		}
		u.CompanyID, u.UserID, u.Version, u.KeyID = companyID, userID, d.version, d.keyID
		out = u
		return nil
	})
	return out, err
}

func (a accountStore) SaveUser(ctx context.Context, u *account.User) error {
	const op = "account.SaveUser"
	data, err := json.Marshal(u)
	if err != nil {
		return storage.Internal(op, err)
	}
	k := [2]string{u.CompanyID, u.UserID}
	return a.s.write(ctx, func(t *tx) error {
		cur, ok := a.s.account.users[k]
		if stale(cur, ok, u.Version) {
			return storage.E(op, storage.ErrRetryable, "settings of user %s changed concurrently", u.UserID)
		}
		put(t, a.s.account.users, k, accountDoc{version: u.Version + 1, keyID: u.KeyID, costCentre: u.CostCentreID, data: data})
		u.Version++
		return nil
	})
}

func (a accountStore) CostCentreUsers(ctx context.Context, companyID, costCentreID string) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		for k, d := range a.s.account.users {
			if k[0] == companyID && d.costCentre == costCentreID {
				out = append(out, k[1])
			}
		}
		slices.Sort(out)
		return nil
	})
	return out, err
}

func (a accountStore) Categories(ctx context.Context, companyID string) ([]account.Category, error) {
	var out []account.Category
	err := a.s.read(ctx, func() error {
		d := &a.s.account
		for _, c := range d.categories {
			if c.CompanyID == companyID {
				c.Options = nil
				out = append(out, c)
			}
		}
		for _, o := range d.options {
			if d.optCompany[o.ID] != companyID {
				continue
			}
			for i := range out {
				if out[i].ID == o.CategoryID {
					out[i].Options = append(out[i].Options, o)
				}
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for i := range out {
		sort.Slice(out[i].Options, func(x, y int) bool { return out[i].Options[x].Name < out[i].Options[y].Name })
	}
	return out, err
}

func (a accountStore) nameTaken(companyID, exceptID, name string) bool {
	for _, c := range a.s.account.categories {
		if c.CompanyID == companyID && c.ID != exceptID && c.Name == name {
			return true
		}
	}
	return false
}

func (a accountStore) optionTaken(categoryID, exceptID, name string) bool {
	for _, o := range a.s.account.options {
		if o.CategoryID == categoryID && o.ID != exceptID && o.Name == name {
			return true
		}
	}
	return false
}

func (a accountStore) CreateCategory(ctx context.Context, c *account.Category) error {
	const op = "account.CreateCategory"
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.account
		if a.nameTaken(c.CompanyID, "", c.Name) {
			return storage.Conflict(op, "category name %q is taken", c.Name)
		}
		seen := map[string]bool{}
		for _, o := range c.Options {
			if seen[o.Name] {
				return storage.Conflict(op, "option name %q repeated", o.Name)
			}
			seen[o.Name] = true
		}
		cc := *c
		cc.Options = nil
		put(t, d.categories, c.ID, cc)
		for _, o := range c.Options {
			o.CategoryID = c.ID
			put(t, d.options, o.ID, o)
			put(t, d.optCompany, o.ID, c.CompanyID)
		}
		return nil
	})
}

func (a accountStore) RenameCategory(ctx context.Context, companyID, categoryID, name string) error {
	const op = "account.RenameCategory"
	return a.s.write(ctx, func(t *tx) error {
		c, ok := a.s.account.categories[categoryID]
		if !ok || c.CompanyID != companyID {
			return storage.NotFound(op, "category", categoryID)
		}
		if a.nameTaken(companyID, categoryID, name) {
			return storage.Conflict(op, "category name %q is taken", name)
		}
		c.Name = name
		put(t, a.s.account.categories, categoryID, c)
		return nil
	})
}

func (a accountStore) DeleteCategory(ctx context.Context, companyID, categoryID string) error {
	const op = "account.DeleteCategory"
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.account
		c, ok := d.categories[categoryID]
		if !ok || c.CompanyID != companyID {
			return storage.NotFound(op, "category", categoryID)
		}
		for id, o := range d.options {
			if o.CategoryID == categoryID {
				a.deleteOption(t, id)
			}
		}
		del(t, d.categories, categoryID)
		return nil
	})
}

func (a accountStore) deleteOption(t *tx, optionID string) {
	d := &a.s.account
	for k := range d.assigned {
		if k[0] == optionID {
			del(t, d.assigned, k)
		}
	}
	del(t, d.options, optionID)
	del(t, d.optCompany, optionID)
}

func (a accountStore) AddOption(ctx context.Context, companyID string, o *account.CategoryOption) error {
	const op = "account.AddOption"
	return a.s.write(ctx, func(t *tx) error {
		d := &a.s.account
		c, ok := d.categories[o.CategoryID]
		if !ok || c.CompanyID != companyID {
			return storage.NotFound(op, "category", o.CategoryID)
		}
		if a.optionTaken(o.CategoryID, "", o.Name) {
			return storage.Conflict(op, "option name %q is taken", o.Name)
		}
		put(t, d.options, o.ID, *o)
		put(t, d.optCompany, o.ID, companyID)
		return nil
	})
}

func (a accountStore) option(companyID, optionID string) (account.CategoryOption, bool) {
	o, ok := a.s.account.options[optionID]
	return o, ok && a.s.account.optCompany[optionID] == companyID
}

func (a accountStore) RenameOption(ctx context.Context, companyID, optionID, name string) error {
	const op = "account.RenameOption"
	return a.s.write(ctx, func(t *tx) error {
		o, ok := a.option(companyID, optionID)
		if !ok {
			return storage.NotFound(op, "option", optionID)
		}
		if a.optionTaken(o.CategoryID, optionID, name) {
			return storage.Conflict(op, "option name %q is taken", name)
		}
		o.Name = name
		put(t, a.s.account.options, optionID, o)
		return nil
	})
}

func (a accountStore) DeleteOption(ctx context.Context, companyID, optionID string) error {
	return a.s.write(ctx, func(t *tx) error {
		if _, ok := a.option(companyID, optionID); !ok {
			return storage.NotFound("account.DeleteOption", "option", optionID)
		}
		a.deleteOption(t, optionID)
		return nil
	})
}

func (a accountStore) Option(ctx context.Context, companyID, optionID string) (*account.CategoryOption, error) {
	var out *account.CategoryOption
	err := a.s.read(ctx, func() error {
		o, ok := a.option(companyID, optionID)
		if !ok {
			return storage.NotFound("account.Option", "option", optionID)
		}
		out = &o
		return nil
	})
	return out, err
}

func (a accountStore) Assign(ctx context.Context, companyID string, o account.CategoryOption, userIDs []string) error {
	return a.s.write(ctx, func(t *tx) error {
		if _, ok := a.option(companyID, o.ID); !ok {
			return storage.NotFound("account.Assign", "option", o.ID)
		}
		for _, u := range userIDs {
			put(t, a.s.account.assigned, [2]string{o.ID, u}, struct{}{})
		}
		return nil
	})
}

func (a accountStore) Unassign(ctx context.Context, companyID, optionID string, userIDs []string) error {
	return a.s.write(ctx, func(t *tx) error {
		if _, ok := a.option(companyID, optionID); !ok {
			return storage.NotFound("account.Unassign", "option", optionID)
		}
		for _, u := range userIDs {
			del(t, a.s.account.assigned, [2]string{optionID, u})
		}
		return nil
	})
}

func (a accountStore) UserOptions(ctx context.Context, companyID, userID string) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		for k := range a.s.account.assigned {
			if k[1] == userID && a.s.account.optCompany[k[0]] == companyID {
				out = append(out, k[0])
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func (a accountStore) HeldOptions(ctx context.Context, companyID string, userIDs, optionIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	err := a.s.read(ctx, func() error {
		for _, u := range userIDs {
			for _, o := range optionIDs {
				if _, ok := a.s.account.assigned[[2]string{o, u}]; ok && a.s.account.optCompany[o] == companyID && !slices.Contains(out[u], o) {
					out[u] = append(out[u], o)
				}
			}
		}
		return nil
	})
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out, err
}

func (a accountStore) SearchUsers(ctx context.Context, companyID string, groups [][]string, after string, limit int) ([]string, error) {
	var out []string
	err := a.s.read(ctx, func() error {
		d := &a.s.account
		hits := map[string]int{} // user → number of groups matched
		for gi, g := range groups {
			seen := map[string]bool{}
			for k := range d.assigned {
				if d.optCompany[k[0]] == companyID && slices.Contains(g, k[0]) && !seen[k[1]] && strings.Compare(k[1], after) > 0 {
					seen[k[1]] = true
					if hits[k[1]] == gi {
						hits[k[1]]++
					}
				}
			}
		}
		for u, n := range hits {
			if n == len(groups) {
				out = append(out, u)
			}
		}
		return nil
	})
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}
