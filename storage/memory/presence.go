package memory

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/switchboardkit/switchboard/account/presence"
	"github.com/switchboardkit/switchboard/storage"
)

type presenceData struct {
	types        map[string]presence.PauseType                // by ID
	companyTypes map[string][]string                          // company → its types' IDs, in creation order
	names        map[[2]string]string                         // (company, folded name) of non-archived types → ID
	current      map[string]map[string]presence.Current       // company → user → status
	dueIdx       dueIndex                                     // the rows that have a DueAt, in (DueAt, company, user) order: the platform-wide due index
	days         map[string]map[[2]string][]presence.Interval // company → (user, day) → intervals by start
	byCompany    map[string][]presence.Interval               // company → intervals in append order
}

func (d *presenceData) init() {
	d.types = map[string]presence.PauseType{}
	d.companyTypes = map[string][]string{}
	d.names = map[[2]string]string{}
	d.current = map[string]map[string]presence.Current{}
	d.dueIdx.dirty = map[[2]string]int{}
	d.days = map[string]map[[2]string][]presence.Interval{}
	d.byCompany = map[string][]presence.Interval{}
}

// Presence returns the store's presence.Store.
func (s *Store) Presence() presence.Store { return presenceStore{s} }

type presenceStore struct{ s *Store }

var _ presence.Store = presenceStore{}

func clonePauseType(p presence.PauseType) *presence.PauseType {
	if p.DailyAllocation != nil {
		a := *p.DailyAllocation
		p.DailyAllocation = &a
	}
	return &p
}

func cloneCurrent(c presence.Current) *presence.Current {
	if c.DueAt != nil {
		t := *c.DueAt
		c.DueAt = &t
	}
	return &c
}

// currents hands out copies of stored rows as cloneCurrent does, carved
// from arrays of n rows (and n due instants) allocated once.
type currents struct {
	rows []presence.Current
	dues []time.Time
}

func newCurrents(n int) currents {
	return currents{rows: make([]presence.Current, 0, n), dues: make([]time.Time, 0, n)}
}

// clone is cloneCurrent(c), from the arrays while they last.
func (cs *currents) clone(c *presence.Current) *presence.Current {
	if len(cs.rows) == cap(cs.rows) {
		return cloneCurrent(*c)
	}
	cs.rows = append(cs.rows, *c)
	out := &cs.rows[len(cs.rows)-1]
	if c.DueAt != nil {
		cs.dues = append(cs.dues, *c.DueAt)
		out.DueAt = &cs.dues[len(cs.dues)-1]
	}
	return out
}

func nameKey(p *presence.PauseType) [2]string {
	return [2]string{p.CompanyID, strings.ToLower(p.Name)}
}

func (ps presenceStore) CreatePauseType(ctx context.Context, p *presence.PauseType) error {
	return ps.s.write(ctx, func(t *tx) error {
		d := &ps.s.presence
		if _, dup := d.types[p.ID]; dup {
			return storage.Conflict("presence.CreatePauseType", "pause type %s exists", p.ID)
		}
		if !p.Archived {
			if _, dup := d.names[nameKey(p)]; dup {
				return storage.Conflict("presence.CreatePauseType", "a pause type named %q exists", p.Name)
			}
			put(t, d.names, nameKey(p), p.ID)
		}
		put(t, d.types, p.ID, *clonePauseType(*p))
		put(t, d.companyTypes, p.CompanyID, append(d.companyTypes[p.CompanyID], p.ID)) // in place: the undo restores the header
		return nil
	})
}

func (ps presenceStore) UpdatePauseType(ctx context.Context, p *presence.PauseType) error {
	const op = "presence.UpdatePauseType"
	return ps.s.write(ctx, func(t *tx) error {
		d := &ps.s.presence
		old, ok := d.types[p.ID]
		if !ok || old.CompanyID != p.CompanyID {
			return storage.NotFound(op, "pause type", p.ID)
		}
		if old.Version != p.Version-1 {
			return storage.Conflict(op, "pause type %s is at version %d", p.ID, old.Version)
		}
		if !old.Archived {
			del(t, d.names, nameKey(&old))
		}
		if !p.Archived {
			if _, dup := d.names[nameKey(p)]; dup {
				return storage.Conflict(op, "a pause type named %q exists", p.Name)
			}
			put(t, d.names, nameKey(p), p.ID)
		}
		put(t, d.types, p.ID, *clonePauseType(*p))
		return nil
	})
}

func (ps presenceStore) PauseType(ctx context.Context, companyID, id string) (*presence.PauseType, error) {
	var out *presence.PauseType
	err := ps.s.read(ctx, func() error {
		p, ok := ps.s.presence.types[id]
		if !ok || p.CompanyID != companyID {
			return storage.NotFound("presence.PauseType", "pause type", id)
		}
		out = clonePauseType(p)
		return nil
	})
	return out, err
}

func (ps presenceStore) PauseTypes(ctx context.Context, companyID string) ([]*presence.PauseType, error) {
	var out []*presence.PauseType
	err := ps.s.read(ctx, func() error {
		d := &ps.s.presence
		for _, id := range d.companyTypes[companyID] { // a type never changes company
			out = append(out, clonePauseType(d.types[id]))
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *presence.PauseType) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	return out, err
}

func (ps presenceStore) Current(ctx context.Context, companyID, userID string) (*presence.Current, error) {
	var out *presence.Current
	err := ps.s.read(ctx, func() error {
		c, ok := ps.s.presence.current[companyID][userID]
		if !ok {
			return storage.NotFound("presence.Current", "presence status", userID)
		}
		out = cloneCurrent(c)
		return nil
	})
	return out, err
}

func (ps presenceStore) PutCurrent(ctx context.Context, c *presence.Current) error {
	const op = "presence.PutCurrent"
	return ps.s.write(ctx, func(t *tx) error {
		d := &ps.s.presence
		users := d.current[c.CompanyID]
		old, ok := users[c.UserID]
		switch {
		case !ok && c.Version != 1, ok && old.Version != c.Version-1:
			return storage.Conflict(op, "status of %s changed meanwhile", c.UserID)
		}
		if users == nil {
			users = map[string]presence.Current{}
			put(t, d.current, c.CompanyID, users)
		}
		k := [2]string{c.CompanyID, c.UserID}
		d.markDue(k) // before its due instant changes
		put(t, users, c.UserID, *cloneCurrent(*c))
		// Undone before the change above (undo runs backwards): a fold in
		// between put the changed instant into sorted, and the mark must
		// remember that one.
		t.onRollback(func() { d.markDue(k) })
		return nil
	})
}

// LockCurrents reads the rows; the transaction holding the store is their lock.
func (ps presenceStore) LockCurrents(ctx context.Context, members []presence.Member) ([]*presence.Current, error) {
	out := make([]*presence.Current, 0, len(members))
	err := ps.s.read(ctx, func() error {
		rows := newCurrents(len(members))
		var users map[string]presence.Current
		for i, m := range members {
			if i == 0 || m.CompanyID != members[i-1].CompanyID {
				users = ps.s.presence.current[m.CompanyID]
			}
			if c, ok := users[m.UserID]; ok {
				out = append(out, rows.clone(&c))
			}
		}
		return nil
	})
	return out, err
}

// UpdateCurrents checks every row before writing any, so a conflict writes
// nothing.
func (ps presenceStore) UpdateCurrents(ctx context.Context, cs []*presence.Current) error {
	const op = "presence.UpdateCurrents"
	return ps.s.write(ctx, func(t *tx) error {
		d := &ps.s.presence
		// One undo for the batch (the rows exist, checked below before
		// anything is written): the old rows come back, each key marked for
		// the due index first (as PutCurrent's undo does).
		type was struct {
			row presence.Current
		}
		olds := make([]was, len(cs))
		var users map[string]presence.Current // the rows of cs[i].CompanyID
		for i, c := range cs {
			if i == 0 || c.CompanyID != cs[i-1].CompanyID {
				users = d.current[c.CompanyID]
			}
			old, ok := users[c.UserID]
			if !ok || c.Version < 2 || old.Version != c.Version-1 {
				return storage.Conflict(op, "status of %s changed meanwhile", c.UserID)
			}
			olds[i] = was{row: old}
		}
		t.onRollback(func() {
			for i := len(cs) - 1; i >= 0; i-- {
				c, o := cs[i], &olds[i]
				k := [2]string{c.CompanyID, c.UserID}
				d.markDue(k)
				d.current[c.CompanyID][c.UserID] = o.row
			}
		})
		dues := make([]time.Time, 0, len(cs)) // the rows' due instants, in one allocation
		for i, c := range cs {
			if i == 0 || c.CompanyID != cs[i-1].CompanyID {
				users = d.current[c.CompanyID]
			}
			k := [2]string{c.CompanyID, c.UserID}
			prev := users[c.UserID].DueAt        // (cs may name a row twice)
			if _, ok := d.dueIdx.dirty[k]; !ok { // markDue
				w := dueWas{ok: prev != nil}
				if prev != nil {
					w.at = *prev
				}
				d.dueIdx.mark(k, w)
			}
			row := *c
			if c.DueAt != nil {
				dues = append(dues, *c.DueAt)
				row.DueAt = &dues[len(dues)-1]
			}
			users[c.UserID] = row
		}
		return nil
	})
}

func (ps presenceStore) DueCurrents(ctx context.Context, companyID string, until time.Time, after *presence.DueCursor, limit int) ([]*presence.Current, error) {
	var out []*presence.Current
	err := ps.s.read(ctx, func() error {
		users := ps.s.presence.current[companyID]
		var due []presence.DueCursor
		for _, c := range users {
			if c.DueAt == nil || c.DueAt.After(until) {
				continue
			}
			if after != nil && (c.DueAt.Before(after.DueAt) || c.DueAt.Equal(after.DueAt) && c.UserID <= after.UserID) {
				continue
			}
			due = append(due, presence.DueCursor{DueAt: *c.DueAt, UserID: c.UserID})
		}
		slices.SortFunc(due, func(a, b presence.DueCursor) int {
			return cmp.Or(a.DueAt.Compare(b.DueAt), cmp.Compare(a.UserID, b.UserID))
		})
		for _, k := range due[:min(limit, len(due))] {
			out = append(out, cloneCurrent(users[k.UserID]))
		}
		return nil
	})
	return out, err
}

func (ps presenceStore) NextDue(ctx context.Context, companyID string) (time.Time, bool, error) {
	var at time.Time
	found := false
	err := ps.s.read(ctx, func() error {
		for _, c := range ps.s.presence.current[companyID] {
			if c.DueAt != nil && (!found || c.DueAt.Before(at)) {
				at, found = *c.DueAt, true
			}
		}
		return nil
	})
	return at, found, err
}

// dueIndex keeps the due rows sorted by (DueAt, CompanyID, UserID), so a
// page of the platform-wide listing is a binary search and a walk. Writers
// (who hold the store exclusively) only mark the keys they change dirty,
// rolled-back changes included, remembering for each the entry sorted
// still has for it (its due instant when the key was first marked since
// the last fold); the next read (holding the store shared, and mu against
// other readers) finds those entries (at the front, by binary search, or
// in one pass when there are many), drops them and merges the keys'
// current due instants in, so sorted always mirrors the rows' DueAt once
// the marks are folded in.
type dueIndex struct {
	mu     sync.Mutex
	sorted []presence.DueCursor
	dirty  map[[2]string]int // a dirty key's place in marks
	marks  []dueMark         // the dirty keys, in the order they were first marked
}

// dueMark is a dirty key and its entry in dueIndex.sorted; drop is the
// fold's note that the entry goes.
type dueMark struct {
	k    [2]string
	was  dueWas
	drop bool
}

// dueWas is a dirty key's entry in dueIndex.sorted: at, when ok.
type dueWas struct {
	at time.Time
	ok bool
}

// markDue marks row k dirty before its due instant changes.
func (d *presenceData) markDue(k [2]string) {
	if _, ok := d.dueIdx.dirty[k]; !ok {
		at, had := dueOf(d.current[k[0]], k[1])
		d.dueIdx.mark(k, dueWas{at: at, ok: had})
	}
}

// dueOf is the due instant of the row of user in users, if it has one.
func dueOf(users map[string]presence.Current, user string) (time.Time, bool) {
	if c, ok := users[user]; ok && c.DueAt != nil {
		return *c.DueAt, true
	}
	return time.Time{}, false
}

// mark records k, not yet dirty, as dirty with entry was.
func (x *dueIndex) mark(k [2]string, was dueWas) {
	x.dirty[k] = len(x.marks)
	x.marks = append(x.marks, dueMark{k: k, was: was})
}

// dueSorted folds the dirty keys into the sorted list and returns it; the
// caller holds d.dueIdx.mu and the store (shared or exclusive).
func (d *presenceData) dueSorted() []presence.DueCursor {
	x := &d.dueIdx
	if len(x.marks) == 0 {
		return x.sorted
	}
	// What changed: the entries to drop, the instants to add (in mark
	// order, which is often nearly sorted order already).
	var add []presence.DueCursor
	drops := 0
	var users map[string]presence.Current // the rows of x.marks[i]'s company
	for i := range x.marks {
		m := &x.marks[i]
		if i == 0 || m.k[0] != x.marks[i-1].k[0] {
			users = d.current[m.k[0]]
		}
		at, ok := dueOf(users, m.k[1])
		if ok && m.was.ok && at.Equal(m.was.at) {
			continue // its entry is still right
		}
		if m.was.ok {
			m.drop = true
			drops++
		}
		if ok {
			if add == nil {
				add = make([]presence.DueCursor, 0, len(x.marks)-i)
			}
			add = append(add, presence.DueCursor{DueAt: at, CompanyID: m.k[0], UserID: m.k[1]})
		}
	}
	keep := x.sorted
	// dropped is whether e is a dirty key's entry that goes (e is the
	// entry a dirty key with was.ok has in sorted, keys being unique).
	dropped := func(e *presence.DueCursor) bool {
		i, ok := x.dirty[[2]string{e.CompanyID, e.UserID}]
		return ok && x.marks[i].drop
	}
	// The rows whose switches were just applied are usually the first
	// ones: peel those off the front.
	p := 0
	for p < len(keep) && drops > 0 && dropped(&keep[p]) {
		p++
		drops--
	}
	var last presence.DueCursor // the last entry peeled off
	if p > 0 {
		last = keep[p-1]
		clear(keep[:p]) // drop the strings' references
		keep = keep[p:]
	}
	switch {
	case drops == 0:
	case 16*drops >= len(keep): // many: one pass
		w := 0
		for i := range keep {
			if !dropped(&keep[i]) {
				keep[w] = keep[i]
				w++
			}
		}
		clear(keep[w:])
		keep = keep[:w]
	default: // a few: find each
		var at []int
		for i := range x.marks {
			m := &x.marks[i]
			if !m.drop {
				continue
			}
			c := presence.DueCursor{DueAt: m.was.at, CompanyID: m.k[0], UserID: m.k[1]}
			if p > 0 && compareDue(c, last) <= 0 {
				continue // peeled off above
			}
			if j, found := slices.BinarySearchFunc(keep, c, compareDue); found {
				at = append(at, j)
			}
		}
		slices.Sort(at)
		w := 0
		if len(at) > 0 {
			w = at[0]
		}
		for j, i := range at {
			end := len(keep)
			if j+1 < len(at) {
				end = at[j+1]
			}
			w += copy(keep[w:], keep[i+1:end])
		}
		if len(at) > 0 {
			clear(keep[w:]) // drop the strings' references
			keep = keep[:w]
		}
	}
	if len(x.marks) > 4096 {
		// Clearing costs what the map grew to: after a bulk load, start
		// afresh.
		x.dirty, x.marks = map[[2]string]int{}, nil
	} else {
		clear(x.dirty)
		clear(x.marks)
		x.marks = x.marks[:0]
	}
	slices.SortFunc(add, compareDue)
	// Merge from the back, in place.
	n, m := len(keep), len(add)
	merged := slices.Grow(keep, m)[:n+m]
	for i, j, w := n-1, m-1, n+m-1; j >= 0; w-- {
		if i >= 0 && compareDue(merged[i], add[j]) > 0 {
			merged[w] = merged[i]
			i--
		} else {
			merged[w] = add[j]
			j--
		}
	}
	x.sorted = merged
	return merged
}

// PlatformDueCurrents reads the due index (only the rows that have a
// DueAt, in order), not every company's rows.
func (ps presenceStore) PlatformDueCurrents(ctx context.Context, until time.Time, after *presence.DueCursor, limit int) ([]*presence.Current, error) {
	var out []*presence.Current
	err := ps.s.read(ctx, func() error {
		d := &ps.s.presence
		d.dueIdx.mu.Lock()
		defer d.dueIdx.mu.Unlock()
		sorted := d.dueSorted()
		i := 0
		if after != nil {
			i = sort.Search(len(sorted), func(i int) bool { return compareDue(sorted[i], *after) > 0 })
		}
		rows := newCurrents(max(0, min(limit, len(sorted)-i)))
		var users map[string]presence.Current // the rows of sorted[i].CompanyID
		for j := i; j < len(sorted) && len(out) < limit && !sorted[j].DueAt.After(until); j++ {
			if j == i || sorted[j].CompanyID != sorted[j-1].CompanyID {
				users = d.current[sorted[j].CompanyID]
			}
			c := users[sorted[j].UserID]
			out = append(out, rows.clone(&c))
		}
		return nil
	})
	return out, err
}

// compareDue orders due positions by (DueAt, CompanyID, UserID).
func compareDue(a, b presence.DueCursor) int {
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	if c := strings.Compare(a.CompanyID, b.CompanyID); c != 0 {
		return c
	}
	return strings.Compare(a.UserID, b.UserID)
}

func (ps presenceStore) PlatformNextDue(ctx context.Context) (time.Time, bool, error) {
	var at time.Time
	found := false
	err := ps.s.read(ctx, func() error {
		d := &ps.s.presence
		d.dueIdx.mu.Lock()
		defer d.dueIdx.mu.Unlock()
		if sorted := d.dueSorted(); len(sorted) > 0 {
			at, found = sorted[0].DueAt, true
		}
		return nil
	})
	return at, found, err
}

func (ps presenceStore) Currents(ctx context.Context, companyID, userID string, before time.Time) ([]*presence.Current, error) {
	var out []*presence.Current
	err := ps.s.read(ctx, func() error {
		for _, c := range ps.s.presence.current[companyID] {
			if (userID == "" || c.UserID == userID) && c.Since.Before(before) {
				out = append(out, cloneCurrent(c))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *presence.Current) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, err
}

func (ps presenceStore) AppendIntervals(ctx context.Context, ivs []presence.Interval) error {
	return ps.s.write(ctx, func(t *tx) error {
		d := &ps.s.presence
		// Appending in place is safe: the undo restores the old slice
		// headers (one undo for the batch, run backwards, so a key listed
		// twice gets its first header back), and nobody else holds the
		// backing arrays (reads copy).
		type dayWas struct {
			k   [2]string // (user, day) in the days of companies[c]
			c   int
			ivs []presence.Interval
			had bool
		}
		type companyWas struct {
			c       string
			ivs     []presence.Interval
			had     bool
			newDays bool // its map of days was made here
		}
		days := make([]dayWas, 0, len(ivs))
		var companies []companyWas
		t.onRollback(func() {
			for i := len(days) - 1; i >= 0; i-- {
				w := &days[i]
				m := d.days[companies[w.c].c]
				if w.had {
					m[w.k] = w.ivs
				} else {
					delete(m, w.k)
				}
			}
			for i := len(companies) - 1; i >= 0; i-- {
				w := &companies[i]
				if w.had {
					d.byCompany[w.c] = w.ivs
				} else {
					delete(d.byCompany, w.c)
				}
				if w.newDays {
					delete(d.days, w.c)
				}
			}
		})
		for i := 0; i < len(ivs); {
			// A run of one company's intervals: one lookup of its list
			// (grown once) and of its days.
			c := ivs[i].CompanyID
			end := i + 1
			for end < len(ivs) && ivs[end].CompanyID == c {
				end++
			}
			list, had := d.byCompany[c]
			cm := d.days[c]
			companies = append(companies, companyWas{c: c, ivs: list, had: had, newDays: cm == nil})
			if cm == nil {
				cm = map[[2]string][]presence.Interval{}
				d.days[c] = cm
			}
			list = slices.Grow(list, end-i)
			for ; i < end; i++ {
				iv := &ivs[i]
				list = append(list, *iv)
				k := [2]string{iv.UserID, iv.Day}
				old, had := cm[k]
				days = append(days, dayWas{k, len(companies) - 1, old, had})
				if had {
					cm[k] = append(old, *iv)
				} else {
					// A day first written here shares the company list's
					// array, as a one-element slice of it: appending to
					// it copies, and appending to the list writes past it.
					n := len(list)
					cm[k] = list[n-1 : n : n]
				}
			}
			d.byCompany[c] = list
		}
		return nil
	})
}

func (ps presenceStore) DayIntervals(ctx context.Context, companyID, userID, day string) ([]presence.Interval, error) {
	var out []presence.Interval
	err := ps.s.read(ctx, func() error {
		out = slices.Clone(ps.s.presence.days[companyID][[2]string{userID, day}])
		return nil
	})
	sortIntervals(out)
	return out, err
}

func (ps presenceStore) DaysIntervals(ctx context.Context, days []presence.MemberDay) (map[presence.MemberDay][]presence.Interval, error) {
	var out map[presence.MemberDay][]presence.Interval // made at the first day that has intervals
	err := ps.s.read(ctx, func() error {
		var cm map[[2]string][]presence.Interval // the days of days[i].CompanyID
		for i, k := range days {
			if i == 0 || k.CompanyID != days[i-1].CompanyID {
				cm = ps.s.presence.days[k.CompanyID]
			}
			if ivs := cm[[2]string{k.UserID, k.Day}]; len(ivs) > 0 {
				ivs = slices.Clone(ivs)
				sortIntervals(ivs)
				if out == nil {
					out = make(map[presence.MemberDay][]presence.Interval, len(days)-i)
				}
				out[k] = ivs
			}
		}
		return nil
	})
	if out == nil {
		out = map[presence.MemberDay][]presence.Interval{}
	}
	return out, err
}

func (ps presenceStore) Intervals(ctx context.Context, companyID, userID string, from, to time.Time) ([]presence.Interval, error) {
	var out []presence.Interval
	err := ps.s.read(ctx, func() error {
		for _, iv := range ps.s.presence.byCompany[companyID] {
			if (userID == "" || iv.UserID == userID) && !iv.Start.Before(from) && iv.Start.Before(to) {
				out = append(out, iv)
			}
		}
		return nil
	})
	sortIntervals(out)
	return out, err
}

func sortIntervals(ivs []presence.Interval) {
	slices.SortFunc(ivs, func(a, b presence.Interval) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID))
	})
}
