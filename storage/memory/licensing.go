package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/switchboardkit/switchboard/licensing"
	"github.com/switchboardkit/switchboard/storage"
)

type poolKey struct {
	company string
	kind    licensing.LicenseKind
}

type assignKey struct {
	company, user string
	kind          licensing.LicenseKind
}

type pairKey struct{ a, b string }

type licensingData struct {
	accounts      map[string]licensing.Account
	ledger        map[string][]licensing.LedgerEntry // company → entries by seq
	idem          map[pairKey]licensing.IdempotencyRecord
	pools         map[poolKey]licensing.Pool
	assignments   map[assignKey]licensing.LicenseAssignment
	subscriptions map[string]licensing.Subscription
	addOns        map[pairKey]licensing.AddOn
	packages      map[string]licensing.ServicePackage
	packageNames  map[pairKey]string // (owner, name) → ID
	offers        map[pairKey]licensing.PackageOffer
	userPackages  map[pairKey][]string // (company, user) → sorted package IDs
	keys          map[string]licensing.SubscriptionKey
	keyCodes      map[pairKey]string // (company, code) → ID
}

func (d *licensingData) init() {
	d.accounts = map[string]licensing.Account{}
	d.ledger = map[string][]licensing.LedgerEntry{}
	d.idem = map[pairKey]licensing.IdempotencyRecord{}
	d.pools = map[poolKey]licensing.Pool{}
	d.assignments = map[assignKey]licensing.LicenseAssignment{}
	d.subscriptions = map[string]licensing.Subscription{}
	d.addOns = map[pairKey]licensing.AddOn{}
	d.packages = map[string]licensing.ServicePackage{}
	d.packageNames = map[pairKey]string{}
	d.offers = map[pairKey]licensing.PackageOffer{}
	d.userPackages = map[pairKey][]string{}
	d.keys = map[string]licensing.SubscriptionKey{}
	d.keyCodes = map[pairKey]string{}
}

// Licensing returns the store's licensing.Store.
func (s *Store) Licensing() licensing.Store { return licensingStore{s} }

type licensingStore struct{ s *Store }

var _ licensing.Store = licensingStore{}

func (l licensingStore) d() *licensingData { return &l.s.licensing }

func (l licensingStore) LockAccount(ctx context.Context, companyID string) (licensing.Account, error) {
	if err := storage.MustBeInTx(ctx, "licensing.LockAccount"); err != nil {
		return licensing.Account{}, err
	}
	var out licensing.Account
	// The transaction holds the whole store exclusively: that is the lock.
	err := l.s.write(ctx, func(t *tx) error {
		a, ok := l.d().accounts[companyID]
		if !ok {
			a = licensing.NewAccount(companyID)
			put(t, l.d().accounts, companyID, a)
		}
		out = licensing.CloneAccount(a)
		return nil
	})
	return out, err
}

func (l licensingStore) Account(ctx context.Context, companyID string) (licensing.Account, error) {
	return lookup(ctx, l.s, "licensing.Account", "licensing account", companyID, func() (licensing.Account, bool) {
		a, ok := l.d().accounts[companyID]
		return licensing.CloneAccount(a), ok
	})
}

func (l licensingStore) SaveAccount(ctx context.Context, a licensing.Account) error {
	return l.s.write(ctx, func(t *tx) error {
		if _, ok := l.d().accounts[a.CompanyID]; !ok {
			return storage.NotFound("licensing.SaveAccount", "licensing account", a.CompanyID)
		}
		put(t, l.d().accounts, a.CompanyID, licensing.CloneAccount(a))
		return nil
	})
}

func (l licensingStore) AppendEntry(ctx context.Context, e licensing.LedgerEntry) error {
	return l.s.write(ctx, func(t *tx) error {
		es := l.d().ledger[e.CompanyID]
		if n := len(es); e.Seq != int64(n)+1 {
			return storage.Conflict("licensing.AppendEntry", "ledger of %s is at %d, not %d", e.CompanyID, n, e.Seq-1)
		}
		put(t, l.d().ledger, e.CompanyID, append(es[:len(es):len(es)], e))
		return nil
	})
}

func (l licensingStore) Entries(ctx context.Context, companyID string, afterSeq int64, limit int) ([]licensing.LedgerEntry, error) {
	var out []licensing.LedgerEntry
	err := l.s.read(ctx, func() error {
		es := l.d().ledger[companyID] // position i holds seq i+1
		for i := max(afterSeq, 0); i < int64(len(es)) && len(out) < limit; i++ {
			out = append(out, es[i])
		}
		return nil
	})
	return out, err
}

func (l licensingStore) EntriesBetween(ctx context.Context, companyID string, q licensing.EntryRange, limit int) ([]licensing.LedgerEntry, error) {
	var out []licensing.LedgerEntry
	err := l.s.read(ctx, func() error {
		for _, e := range l.d().ledger[companyID] {
			if !q.From.IsZero() && e.CreatedAt.Before(q.From) || !q.To.IsZero() && !e.CreatedAt.Before(q.To) {
				continue
			}
			if q.AfterSeq > 0 && (e.CreatedAt.Before(q.AfterAt) || e.CreatedAt.Equal(q.AfterAt) && e.Seq <= q.AfterSeq) {
				continue
			}
			out = append(out, e)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b licensing.LedgerEntry) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Seq, b.Seq)
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

func (l licensingStore) Idempotent(ctx context.Context, companyID, key string) (licensing.IdempotencyRecord, error) {
	return lookup(ctx, l.s, "licensing.Idempotent", "idempotency key", key, func() (licensing.IdempotencyRecord, bool) {
		r, ok := l.d().idem[pairKey{companyID, key}]
		r.Result = slices.Clone(r.Result)
		return r, ok
	})
}

func (l licensingStore) SaveIdempotent(ctx context.Context, r licensing.IdempotencyRecord) error {
	return l.s.write(ctx, func(t *tx) error {
		k := pairKey{r.CompanyID, r.Key}
		if _, dup := l.d().idem[k]; dup {
			return storage.Conflict("licensing.SaveIdempotent", "idempotency key %q exists", r.Key)
		}
		r.Result = slices.Clone(r.Result)
		put(t, l.d().idem, k, r)
		return nil
	})
}

func (l licensingStore) AddLicenses(ctx context.Context, companyID string, kind licensing.LicenseKind, n int) error {
	return l.s.write(ctx, func(t *tx) error {
		k := poolKey{companyID, kind}
		p, ok := l.d().pools[k]
		if !ok {
			p = licensing.Pool{CompanyID: companyID, Kind: kind}
		}
		p.Bought += n
		put(t, l.d().pools, k, p)
		return nil
	})
}

func (l licensingStore) RemoveLicenses(ctx context.Context, companyID string, kind licensing.LicenseKind, n int) error {
	const op = "licensing.RemoveLicenses"
	return l.s.write(ctx, func(t *tx) error {
		k := poolKey{companyID, kind}
		p, ok := l.d().pools[k]
		switch {
		case !ok:
			return storage.NotFound(op, "license pool", companyID+"/"+string(kind))
		case p.Bought-n < p.Assigned:
			return storage.Conflict(op, "only %d of %d %s licenses are unassigned", p.Unassigned(), p.Bought, kind)
		}
		p.Bought -= n
		put(t, l.d().pools, k, p)
		return nil
	})
}

func (l licensingStore) AssignLicense(ctx context.Context, a licensing.LicenseAssignment) error {
	const op = "licensing.AssignLicense"
	return l.s.write(ctx, func(t *tx) error {
		ak := assignKey{a.CompanyID, a.UserID, a.Kind}
		if _, dup := l.d().assignments[ak]; dup {
			return storage.Conflict(op, "user %s already holds a %s license", a.UserID, a.Kind)
		}
		pk := poolKey{a.CompanyID, a.Kind}
		p := l.d().pools[pk]
		if p.Assigned >= p.Bought {
			return storage.LimitExceeded(op, "no unassigned %s license", a.Kind)
		}
		p.Assigned++
		put(t, l.d().pools, pk, p)
		put(t, l.d().assignments, ak, a)
		return nil
	})
}

func (l licensingStore) UnassignLicense(ctx context.Context, companyID, userID string, kind licensing.LicenseKind) error {
	return l.s.write(ctx, func(t *tx) error {
		ak := assignKey{companyID, userID, kind}
		if _, ok := l.d().assignments[ak]; !ok {
			return storage.NotFound("licensing.UnassignLicense", "license assignment", userID+"/"+string(kind))
		}
		pk := poolKey{companyID, kind}
		p := l.d().pools[pk]
		p.Assigned--
		put(t, l.d().pools, pk, p)
		del(t, l.d().assignments, ak)
		return nil
	})
}

func (l licensingStore) Pools(ctx context.Context, companyID string) ([]licensing.Pool, error) {
	return collect(ctx, l.s, l.d().pools, func(k poolKey, _ licensing.Pool) bool { return k.company == companyID },
		func(a, b licensing.Pool) int { return cmp.Compare(a.Kind, b.Kind) })
}

func (l licensingStore) Assignments(ctx context.Context, companyID string, after *licensing.AssignmentCursor, limit int) ([]licensing.LicenseAssignment, error) {
	all, err := collect(ctx, l.s, l.d().assignments, func(k assignKey, a licensing.LicenseAssignment) bool {
		return k.company == companyID && (after == nil || a.UserID > after.UserID || a.UserID == after.UserID && a.Kind > after.Kind)
	}, func(a, b licensing.LicenseAssignment) int {
		return cmp.Or(cmp.Compare(a.UserID, b.UserID), cmp.Compare(a.Kind, b.Kind))
	})
	return all[:min(limit, len(all))], err
}

func (l licensingStore) InsertSubscriptions(ctx context.Context, subs []licensing.Subscription) error {
	return l.s.write(ctx, func(t *tx) error {
		for _, sub := range subs {
			if _, dup := l.d().subscriptions[sub.ID]; dup {
				return storage.Conflict("licensing.InsertSubscriptions", "subscription %s exists", sub.ID)
			}
			put(t, l.d().subscriptions, sub.ID, sub)
		}
		return nil
	})
}

func (l licensingStore) AssignSubscription(ctx context.Context, companyID, id, userID string) error {
	const op = "licensing.AssignSubscription"
	return l.s.write(ctx, func(t *tx) error {
		sub, ok := l.d().subscriptions[id]
		switch {
		case !ok || sub.CompanyID != companyID:
			return storage.NotFound(op, "subscription", id)
		case sub.UserID != "":
			return storage.Conflict(op, "subscription %s is assigned", id)
		}
		sub.UserID = userID
		put(t, l.d().subscriptions, id, sub)
		return nil
	})
}

func (l licensingStore) UnassignSubscription(ctx context.Context, companyID, id string) error {
	const op = "licensing.UnassignSubscription"
	return l.s.write(ctx, func(t *tx) error {
		sub, ok := l.d().subscriptions[id]
		switch {
		case !ok || sub.CompanyID != companyID:
			return storage.NotFound(op, "subscription", id)
		case sub.UserID == "":
			return storage.Conflict(op, "subscription %s is not assigned", id)
		}
		sub.UserID = ""
		put(t, l.d().subscriptions, id, sub)
		return nil
	})
}

func (l licensingStore) Subscriptions(ctx context.Context, companyID string, f licensing.SubscriptionFilter, afterID string, limit int) ([]licensing.Subscription, error) {
	all, err := collect(ctx, l.s, l.d().subscriptions, func(_ string, sub licensing.Subscription) bool {
		return sub.CompanyID == companyID && sub.ID > afterID && (f.Kind == "" || sub.Kind == f.Kind) &&
			(f.Assigned == nil || *f.Assigned == (sub.UserID != "")) && (f.UserID == "" || sub.UserID == f.UserID)
	}, func(a, b licensing.Subscription) int { return cmp.Compare(a.ID, b.ID) })
	return all[:min(limit, len(all))], err
}

func (l licensingStore) AddAddOn(ctx context.Context, companyID, code string, qty int) error {
	return l.s.write(ctx, func(t *tx) error {
		k := pairKey{companyID, code}
		a, ok := l.d().addOns[k]
		if !ok {
			a = licensing.AddOn{CompanyID: companyID, Code: code}
		}
		a.Quantity += qty
		put(t, l.d().addOns, k, a)
		return nil
	})
}

func (l licensingStore) AddOns(ctx context.Context, companyID string) ([]licensing.AddOn, error) {
	return collect(ctx, l.s, l.d().addOns, func(k pairKey, _ licensing.AddOn) bool { return k.a == companyID },
		func(a, b licensing.AddOn) int { return cmp.Compare(a.Code, b.Code) })
}

func (l licensingStore) InsertPackage(ctx context.Context, p licensing.ServicePackage) error {
	const op = "licensing.InsertPackage"
	return l.s.write(ctx, func(t *tx) error {
		nk := pairKey{p.OwnerCompanyID, p.Name}
		if _, dup := l.d().packageNames[nk]; dup {
			return storage.Conflict(op, "a package named %q exists", p.Name)
		}
		if _, dup := l.d().packages[p.ID]; dup {
			return storage.Conflict(op, "package %s exists", p.ID)
		}
		put(t, l.d().packages, p.ID, p)
		put(t, l.d().packageNames, nk, p.ID)
		return nil
	})
}

func (l licensingStore) Package(ctx context.Context, id string) (licensing.ServicePackage, error) {
	return lookup(ctx, l.s, "licensing.Package", "service package", id, func() (licensing.ServicePackage, bool) {
		p, ok := l.d().packages[id]
		return p, ok
	})
}

func (l licensingStore) Packages(ctx context.Context, ownerIDs []string) ([]licensing.ServicePackage, error) {
	return collect(ctx, l.s, l.d().packages, func(_ string, p licensing.ServicePackage) bool {
		return slices.Contains(ownerIDs, p.OwnerCompanyID)
	}, func(a, b licensing.ServicePackage) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

func (l licensingStore) SaveOffer(ctx context.Context, o licensing.PackageOffer) error {
	return l.s.write(ctx, func(t *tx) error {
		put(t, l.d().offers, pairKey{o.CompanyID, o.PackageID}, o)
		return nil
	})
}

func (l licensingStore) Offers(ctx context.Context, companyID string) ([]licensing.PackageOffer, error) {
	return collect(ctx, l.s, l.d().offers, func(k pairKey, _ licensing.PackageOffer) bool { return k.a == companyID },
		func(a, b licensing.PackageOffer) int { return cmp.Compare(a.PackageID, b.PackageID) })
}

func (l licensingStore) GrantPackages(ctx context.Context, companyID, userID string, packageIDs []string) error {
	return l.s.write(ctx, func(t *tx) error {
		k := pairKey{companyID, userID}
		held := slices.Clone(l.d().userPackages[k])
		for _, id := range packageIDs {
			if !slices.Contains(held, id) {
				held = append(held, id)
			}
		}
		slices.Sort(held)
		put(t, l.d().userPackages, k, held)
		return nil
	})
}

func (l licensingStore) UserPackages(ctx context.Context, companyID, userID string) ([]string, error) {
	var out []string
	err := l.s.read(ctx, func() error {
		out = slices.Clone(l.d().userPackages[pairKey{companyID, userID}])
		return nil
	})
	return out, err
}

func (l licensingStore) RevokePackages(ctx context.Context, companyID, userID string) error {
	return l.s.write(ctx, func(t *tx) error {
		del(t, l.d().userPackages, pairKey{companyID, userID})
		return nil
	})
}

func (l licensingStore) InsertKey(ctx context.Context, k licensing.SubscriptionKey) error {
	const op = "licensing.InsertKey"
	return l.s.write(ctx, func(t *tx) error {
		ck := pairKey{k.CompanyID, k.Code}
		if _, dup := l.d().keyCodes[ck]; dup {
			return storage.Conflict(op, "key %q exists", k.Code)
		}
		put(t, l.d().keys, k.ID, k)
		put(t, l.d().keyCodes, ck, k.ID)
		return nil
	})
}

func (l licensingStore) DeleteKey(ctx context.Context, companyID, id string) error {
	return l.s.write(ctx, func(t *tx) error {
		k, ok := l.d().keys[id]
		if !ok || k.CompanyID != companyID {
			return storage.NotFound("licensing.DeleteKey", "subscription key", id)
		}
		del(t, l.d().keys, id)
		del(t, l.d().keyCodes, pairKey{companyID, k.Code})
		return nil
	})
}

func (l licensingStore) Keys(ctx context.Context, companyID string) ([]licensing.SubscriptionKey, error) {
	return collect(ctx, l.s, l.d().keys, func(_ string, k licensing.SubscriptionKey) bool { return k.CompanyID == companyID },
		func(a, b licensing.SubscriptionKey) int { return cmp.Compare(a.Code, b.Code) })
}
