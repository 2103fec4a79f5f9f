package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

type tenancyData struct {
	companies map[string]tenancy.Company
	slugs     map[string]string // slug → company ID
	subs      map[string]tenancy.SubAccount
	subNames  map[[2]string]string // (company ID, name key) → sub-account ID
	users     map[string]tenancy.UserRecord
	emails    map[string]string // e-mail key → user ID
	members   map[[2]string]tenancy.Member
	tokens    map[string]tenancy.UserToken // token hash → token
}

func (d *tenancyData) init() {
	d.companies = map[string]tenancy.Company{}
	d.slugs = map[string]string{}
	d.subs = map[string]tenancy.SubAccount{}
	d.subNames = map[[2]string]string{}
	d.users = map[string]tenancy.UserRecord{}
	d.emails = map[string]string{}
	d.members = map[[2]string]tenancy.Member{}
	d.tokens = map[string]tenancy.UserToken{}
}

// lookup reads one value under the store's read lock: find returns it and
// whether it exists; absent, it is storage.NotFound(op, entity, id).
func lookup[V any](ctx context.Context, s *Store, op, entity, id string, find func() (V, bool)) (V, error) {
	var out V
	err := s.read(ctx, func() error {
		v, ok := find()
		if !ok {
			return storage.NotFound(op, entity, id)
		}
		out = v
		return nil
	})
	return out, err
}

// collect returns, under the store's read lock, the values of m that keep
// accepts, sorted by cmp (nil when none).
func collect[K comparable, V any](ctx context.Context, s *Store, m map[K]V, keep func(k K, v V) bool, cmp func(a, b V) int) ([]V, error) {
	var out []V
	err := s.read(ctx, func() error {
		for k, v := range m {
			if keep(k, v) {
				out = append(out, v)
			}
		}
		return nil
	})
	slices.SortFunc(out, cmp)
	return out, err
}

// reindex moves id's entry in the unique index idx from oldKey to newKey (the
// zero key stands for "no entry"). It changes nothing and reports false when
// newKey already belongs to another entry.
func reindex[K comparable](t *tx, idx map[K]string, oldKey, newKey K, id string) bool {
	if newKey == oldKey {
		return true
	}
	var none K
	if newKey != none {
		if _, dup := idx[newKey]; dup {
			return false
		}
		put(t, idx, newKey, id)
	}
	if oldKey != none {
		del(t, idx, oldKey)
	}
	return true
}

// lookupRef is lookup returning a pointer to the copy, nil when absent.
func lookupRef[V any](ctx context.Context, s *Store, op, entity, id string, find func() (V, bool)) (*V, error) {
	v, err := lookup(ctx, s, op, entity, id, find)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// Tenancy returns the store's tenancy.Store.
func (s *Store) Tenancy() tenancy.Store { return tenancyStore{s} }

type tenancyStore struct{ s *Store }

var _ tenancy.Store = tenancyStore{}

func (m tenancyStore) CreateCompany(ctx context.Context, c *tenancy.Company) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		if _, dup := d.companies[c.ID]; dup {
			return storage.Conflict("tenancy.CreateCompany", "company %s exists", c.ID)
		}
		if !reindex(t, d.slugs, "", c.Slug, c.ID) {
			return storage.Conflict("tenancy.CreateCompany", "slug %q is taken", c.Slug)
		}
		put(t, d.companies, c.ID, *c)
		return nil
	})
}

func (m tenancyStore) UpdateCompany(ctx context.Context, c *tenancy.Company) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		old, ok := d.companies[c.ID]
		if !ok {
			return storage.NotFound("tenancy.UpdateCompany", "company", c.ID)
		}
		if !reindex(t, d.slugs, old.Slug, c.Slug, c.ID) {
			return storage.Conflict("tenancy.UpdateCompany", "slug %q is taken", c.Slug)
		}
		put(t, d.companies, c.ID, *c)
		return nil
	})
}

func (m tenancyStore) GetCompany(ctx context.Context, id string, _ bool) (*tenancy.Company, error) {
	return lookupRef(ctx, m.s, "tenancy.GetCompany", "company", id, func() (tenancy.Company, bool) {
		c, ok := m.s.tenancy.companies[id]
		return c, ok
	})
}

func (m tenancyStore) CompanyBySlug(ctx context.Context, slug string) (*tenancy.Company, error) {
	return lookupRef(ctx, m.s, "tenancy.CompanyBySlug", "registration link", slug, func() (tenancy.Company, bool) {
		id, ok := m.s.tenancy.slugs[slug]
		return m.s.tenancy.companies[id], ok
	})
}

func (m tenancyStore) AffiliateIDs(ctx context.Context, resellerID string) ([]string, error) {
	var out []string
	err := m.s.read(ctx, func() error {
		for id, c := range m.s.tenancy.companies {
			if c.ResellerID == resellerID && resellerID != "" {
				out = append(out, id)
			}
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

func (m tenancyStore) SearchCompanies(ctx context.Context, q tenancy.CompanyQuery) ([]tenancy.Company, error) {
	var out []tenancy.Company
	err := m.s.read(ctx, func() error {
		for _, c := range m.s.tenancy.companies {
			if !q.All && c.ID != q.ScopeID && (!q.WithAffiliates || c.ResellerID != q.ScopeID || q.ScopeID == "") {
				continue
			}
			if c.ID <= q.AfterID || !strings.Contains(c.SearchText(), q.Text) ||
				q.Status != "" && c.Status != q.Status || q.Kind != "" && c.Kind != q.Kind {
				continue
			}
			out = append(out, c)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b tenancy.Company) int { return strings.Compare(a.ID, b.ID) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, err
}

func (m tenancyStore) CreateSubAccount(ctx context.Context, sa *tenancy.SubAccount) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		if !reindex(t, d.subNames, [2]string{}, [2]string{sa.CompanyID, sa.NameKey()}, sa.ID) {
			return storage.Conflict("tenancy.CreateSubAccount", "sub-account %q exists", sa.Name)
		}
		put(t, d.subs, sa.ID, *sa)
		return nil
	})
}

func (m tenancyStore) UpdateSubAccount(ctx context.Context, sa *tenancy.SubAccount) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		old, ok := d.subs[sa.ID]
		if !ok || old.CompanyID != sa.CompanyID {
			return storage.NotFound("tenancy.UpdateSubAccount", "sub-account", sa.ID)
		}
		if !reindex(t, d.subNames, [2]string{old.CompanyID, old.NameKey()}, [2]string{sa.CompanyID, sa.NameKey()}, sa.ID) {
			return storage.Conflict("tenancy.UpdateSubAccount", "sub-account %q exists", sa.Name)
		}
		put(t, d.subs, sa.ID, *sa)
		return nil
	})
}

func (m tenancyStore) GetSubAccount(ctx context.Context, companyID, id string) (*tenancy.SubAccount, error) {
	return lookupRef(ctx, m.s, "tenancy.GetSubAccount", "sub-account", id, func() (tenancy.SubAccount, bool) {
		sa, ok := m.s.tenancy.subs[id]
		return sa, ok && sa.CompanyID == companyID
	})
}

func (m tenancyStore) ListSubAccounts(ctx context.Context, companyID string) ([]tenancy.SubAccount, error) {
	return collect(ctx, m.s, m.s.tenancy.subs, func(_ string, sa tenancy.SubAccount) bool { return sa.CompanyID == companyID },
		func(a, b tenancy.SubAccount) int {
			if c := strings.Compare(a.NameKey(), b.NameKey()); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
}

func (m tenancyStore) SubAccountsAfter(ctx context.Context, companyID, afterNameKey, afterID string, limit int) ([]tenancy.SubAccount, error) {
	list, err := m.ListSubAccounts(ctx, companyID)
	if err != nil {
		return nil, err
	}
	out := []tenancy.SubAccount{}
	for _, sa := range list {
		k := sa.NameKey()
		if afterNameKey != "" || afterID != "" {
			if k < afterNameKey || k == afterNameKey && sa.ID <= afterID {
				continue
			}
		}
		if len(out) == limit {
			break
		}
		out = append(out, sa)
	}
	return out, nil
}

func (m tenancyStore) CreateUser(ctx context.Context, u *tenancy.UserRecord) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		if _, dup := d.emails[u.EmailKey()]; dup {
			return storage.Conflict("tenancy.CreateUser", "e-mail %q is already registered", u.Email)
		}
		if _, dup := d.users[u.ID]; dup {
			return storage.Conflict("tenancy.CreateUser", "user %s exists", u.ID)
		}
		put(t, d.emails, u.EmailKey(), u.ID)
		put(t, d.users, u.ID, *u)
		return nil
	})
}

func (m tenancyStore) UpdateUser(ctx context.Context, u *tenancy.UserRecord) error {
	return m.s.write(ctx, func(t *tx) error {
		d := &m.s.tenancy
		old, ok := d.users[u.ID]
		if !ok {
			return storage.NotFound("tenancy.UpdateUser", "user", u.ID)
		}
		if !reindex(t, d.emails, old.EmailKey(), u.EmailKey(), u.ID) {
			return storage.Conflict("tenancy.UpdateUser", "e-mail %q is already registered", u.Email)
		}
		put(t, d.users, u.ID, *u)
		return nil
	})
}

func (m tenancyStore) GetUser(ctx context.Context, id string) (*tenancy.UserRecord, error) {
	return lookupRef(ctx, m.s, "tenancy.GetUser", "user", id, func() (tenancy.UserRecord, bool) {
		u, ok := m.s.tenancy.users[id]
		return u, ok
	})
}

func (m tenancyStore) UserByEmail(ctx context.Context, email string) (*tenancy.UserRecord, error) {
	return lookupRef(ctx, m.s, "tenancy.UserByEmail", "user", email, func() (tenancy.UserRecord, bool) {
		id, ok := m.s.tenancy.emails[tenancy.EmailKey(email)]
		return m.s.tenancy.users[id], ok
	})
}

func (m tenancyStore) CreateMember(ctx context.Context, mem *tenancy.Member) error {
	return m.s.write(ctx, func(t *tx) error {
		key := [2]string{mem.CompanyID, mem.UserID}
		if _, dup := m.s.tenancy.members[key]; dup {
			return storage.Conflict("tenancy.CreateMember", "user %s is already a member", mem.UserID)
		}
		put(t, m.s.tenancy.members, key, *mem)
		return nil
	})
}

func (m tenancyStore) UpdateMember(ctx context.Context, mem *tenancy.Member) error {
	return m.s.write(ctx, func(t *tx) error {
		key := [2]string{mem.CompanyID, mem.UserID}
		if _, ok := m.s.tenancy.members[key]; !ok {
			return storage.NotFound("tenancy.UpdateMember", "member", mem.UserID)
		}
		put(t, m.s.tenancy.members, key, *mem)
		return nil
	})
}

func (m tenancyStore) DeleteMember(ctx context.Context, companyID, userID string) error {
	return m.s.write(ctx, func(t *tx) error {
		key := [2]string{companyID, userID}
		if _, ok := m.s.tenancy.members[key]; !ok {
			return storage.NotFound("tenancy.DeleteMember", "member", userID)
		}
		del(t, m.s.tenancy.members, key)
		return nil
	})
}

func (m tenancyStore) GetMember(ctx context.Context, companyID, userID string) (*tenancy.Member, error) {
	return lookupRef(ctx, m.s, "tenancy.GetMember", "member", userID, func() (tenancy.Member, bool) {
		mem, ok := m.s.tenancy.members[[2]string{companyID, userID}]
		return mem, ok
	})
}

// LockMember is GetMember: the memory store's transactions are serial.
func (m tenancyStore) LockMember(ctx context.Context, companyID, userID string) (*tenancy.Member, error) {
	return m.GetMember(ctx, companyID, userID)
}

func (m tenancyStore) ListMembers(ctx context.Context, q tenancy.MemberQuery) ([]tenancy.Employee, error) {
	var out []tenancy.Employee
	err := m.s.read(ctx, func() error {
		for _, mem := range m.s.tenancy.members {
			if mem.CompanyID != q.CompanyID || mem.UserID <= q.AfterUserID ||
				(q.OnlySub && mem.SubAccountID != q.SubAccountID) || (q.UserID != "" && mem.UserID != q.UserID) ||
				(q.Role != "" && mem.Role != q.Role) || (len(q.UserIDs) > 0 && !slices.Contains(q.UserIDs, mem.UserID)) {
				continue
			}
			u := m.s.tenancy.users[mem.UserID]
			if q.Text != "" && !strings.Contains(u.SearchKey(), q.Text) {
				continue
			}
			out = append(out, tenancy.Employee{Member: mem, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b tenancy.Employee) int { return strings.Compare(a.UserID, b.UserID) })
	if len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, err
}

func (m tenancyStore) Memberships(ctx context.Context, userID string) ([]tenancy.Member, error) {
	return collect(ctx, m.s, m.s.tenancy.members, func(_ [2]string, mem tenancy.Member) bool { return mem.UserID == userID },
		func(a, b tenancy.Member) int { return strings.Compare(a.CompanyID, b.CompanyID) })
}

func (m tenancyStore) PutToken(ctx context.Context, tok *tenancy.UserToken) error {
	return m.s.write(ctx, func(t *tx) error {
		if _, dup := m.s.tenancy.tokens[tok.Hash]; dup {
			return storage.Conflict("tenancy.PutToken", "the token exists")
		}
		put(t, m.s.tenancy.tokens, tok.Hash, *tok)
		return nil
	})
}

func (m tenancyStore) GetToken(ctx context.Context, purpose tenancy.TokenPurpose, hash string) (*tenancy.UserToken, error) {
	return lookupRef(ctx, m.s, "tenancy.GetToken", "token", "", func() (tenancy.UserToken, bool) {
		tok, ok := m.s.tenancy.tokens[hash]
		return tok, ok && tok.Purpose == purpose
	})
}

func (m tenancyStore) DeleteToken(ctx context.Context, hash string) error {
	return m.s.write(ctx, func(t *tx) error {
		if _, ok := m.s.tenancy.tokens[hash]; !ok {
			return storage.NotFound("tenancy.DeleteToken", "token", "")
		}
		del(t, m.s.tenancy.tokens, hash)
		return nil
	})
}

func (m tenancyStore) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := m.s.write(ctx, func(t *tx) error {
		for h, tok := range m.s.tenancy.tokens {
			if !tok.ExpiresAt.After(before) {
				del(t, m.s.tenancy.tokens, h)
				n++
			}
		}
		return nil
	})
	return n, err
}

func (m tenancyStore) DeleteUserTokens(ctx context.Context, userID string, purpose tenancy.TokenPurpose) error {
	return m.s.write(ctx, func(t *tx) error {
		for h, tok := range m.s.tenancy.tokens {
			if tok.UserID == userID && tok.Purpose == purpose {
				del(t, m.s.tenancy.tokens, h)
			}
		}
		return nil
	})
}
