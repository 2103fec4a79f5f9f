package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/switchboardkit/switchboard/compliance"
	"github.com/switchboardkit/switchboard/storage"
)

type subjectKey struct{ company, key string }

type complianceData struct {
	// settings holds each company's settings behind a pointer that is
	// replaced whole on every save (and restored on rollback), never written
	// through: SharedSettings hands it out.
	settings     map[string]*compliance.Settings
	reservations map[string]compliance.Reservation
	// bySubject is each subject's history in the compact form the rules
	// count, kept in step by every write, so the hot read touches no other
	// map.
	bySubject map[subjectKey]subjectHistory
	imports   map[subjectKey]compliance.ImportRecord
}

// subjectHistory is one subject's reservations, ascending by (Record.At,
// ID), as parallel slices so that the records copy out in one move. Writes
// build new slices (copy on write): a rolled-back transaction restores the
// old value intact.
type subjectHistory struct {
	ids       []string
	recs      []compliance.Record
	released  []bool
	nReleased int
}

// insert returns h with the reservation added in order.
func (h subjectHistory) insert(id string, rec compliance.Record, released bool) subjectHistory {
	i, _ := slices.BinarySearchFunc(h.recs, rec.At, func(r compliance.Record, at int64) int {
		switch {
		case r.At < at:
			return -1
		case r.At > at:
			return 1
		}
		return 0
	})
	for i < len(h.recs) && h.recs[i].At == rec.At && h.ids[i] < id {
		i++
	}
	out := subjectHistory{
		ids:       slices.Insert(slices.Clone(h.ids), i, id),
		recs:      slices.Insert(slices.Clone(h.recs), i, rec),
		released:  slices.Insert(slices.Clone(h.released), i, released),
		nReleased: h.nReleased,
	}
	if released {
		out.nReleased++
	}
	return out
}

// from returns the index of the first reservation with Record.At >= us.
func (h subjectHistory) from(us int64) int {
	lo, hi := 0, len(h.recs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h.recs[m].At < us {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (d *complianceData) init() {
	d.settings = map[string]*compliance.Settings{}
	d.reservations = map[string]compliance.Reservation{}
	d.bySubject = map[subjectKey]subjectHistory{}
	d.imports = map[subjectKey]compliance.ImportRecord{}
}

// Compliance returns the store's compliance.Store.
func (s *Store) Compliance() compliance.Store { return complianceStore{s} }

type complianceStore struct{ s *Store }

var (
	_ compliance.Store                = complianceStore{}
	_ compliance.RecordReader         = complianceStore{}
	_ compliance.SharedSettingsReader = complianceStore{}
)

func cloneSettings(st compliance.Settings) compliance.Settings {
	st.Policy.Caps = slices.Clone(st.Policy.Caps)
	return st
}

func (c complianceStore) Settings(ctx context.Context, companyID string) (compliance.Settings, error) {
	var out compliance.Settings
	err := c.s.read(ctx, func() error {
		st, ok := c.s.compliance.settings[companyID]
		if !ok {
			return storage.NotFound("compliance.Settings", "compliance settings", companyID)
		}
		out = cloneSettings(*st)
		return nil
	})
	return out, err
}

// SharedSettings implements compliance.SharedSettingsReader: the stored
// value itself, which is a private clone only ever replaced, never modified.
func (c complianceStore) SharedSettings(ctx context.Context, companyID string) (*compliance.Settings, error) {
	var out *compliance.Settings
	err := c.s.read(ctx, func() error {
		out = c.s.compliance.settings[companyID]
		return nil
	})
	return out, err
}

func (c complianceStore) SaveSettings(ctx context.Context, st compliance.Settings) error {
	return c.s.write(ctx, func(t *tx) error {
		cur, ok := c.s.compliance.settings[st.CompanyID]
		switch {
		case st.Version == 1 && ok, st.Version != 1 && (!ok || cur.Version != st.Version-1):
			return storage.Conflict("compliance.SaveSettings", "settings of company %s changed concurrently", st.CompanyID)
		}
		v := cloneSettings(st)
		put(t, c.s.compliance.settings, st.CompanyID, &v)
		return nil
	})
}

func (c complianceStore) LockSubject(ctx context.Context, companyID, key string) error {
	// The memory transaction holds the whole store exclusively.
	return storage.MustBeInTx(ctx, "compliance.LockSubject")
}

func (c complianceStore) History(ctx context.Context, companyID, key string, since time.Time) ([]compliance.Reservation, error) {
	var out []compliance.Reservation
	err := c.s.read(ctx, func() error {
		h := c.s.compliance.bySubject[subjectKey{companyID, key}]
		// Record.At is ReservedAt truncated to the microsecond: start one
		// microsecond early and compare exactly below.
		i := h.from(since.UnixMicro() - 1)
		out = make([]compliance.Reservation, 0, len(h.ids)-i)
		for ; i < len(h.ids); i++ {
			r := c.s.compliance.reservations[h.ids[i]]
			if r.Status != compliance.StatusReleased && !r.ReservedAt.Before(since) {
				out = append(out, r)
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b compliance.Reservation) int {
		if c := a.ReservedAt.Compare(b.ReservedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, err
}

func (c complianceStore) InsertReservation(ctx context.Context, r compliance.Reservation) error {
	return c.s.write(ctx, func(t *tx) error {
		d := &c.s.compliance
		if _, dup := d.reservations[r.ID]; dup {
			return storage.Conflict("compliance.InsertReservation", "reservation %s exists", r.ID)
		}
		put(t, d.reservations, r.ID, r)
		k := subjectKey{r.CompanyID, r.Key}
		put(t, d.bySubject, k, d.bySubject[k].insert(r.ID, r.Record(), r.Status == compliance.StatusReleased))
		return nil
	})
}

func (c complianceStore) Reservation(ctx context.Context, id string) (compliance.Reservation, error) {
	var out compliance.Reservation
	err := c.s.read(ctx, func() error {
		r, ok := c.s.compliance.reservations[id]
		if !ok {
			return storage.NotFound("compliance.Reservation", "reservation", id)
		}
		out = r
		return nil
	})
	return out, err
}

func (c complianceStore) FinishReservation(ctx context.Context, r compliance.Reservation) error {
	const op = "compliance.FinishReservation"
	return c.s.write(ctx, func(t *tx) error {
		cur, ok := c.s.compliance.reservations[r.ID]
		if !ok {
			return storage.NotFound(op, "reservation", r.ID)
		}
		if cur.Status != compliance.StatusPending {
			return storage.Conflict(op, "reservation %s is %s", r.ID, cur.Status)
		}
		cur.Status, cur.Outcome, cur.CompletedAt = r.Status, r.Outcome, r.CompletedAt
		put(t, c.s.compliance.reservations, r.ID, cur)
		k := subjectKey{cur.CompanyID, cur.Key}
		h := c.s.compliance.bySubject[k]
		h.recs, h.released = slices.Clone(h.recs), slices.Clone(h.released)
		released := cur.Status == compliance.StatusReleased
		for i := h.from(cur.ReservedAt.UnixMicro()); i < len(h.ids); i++ {
			if h.ids[i] == cur.ID {
				if released && !h.released[i] {
					h.nReleased++
				}
				h.recs[i], h.released[i] = cur.Record(), released
				break
			}
		}
		put(t, c.s.compliance.bySubject, k, h)
		return nil
	})
}

func (c complianceStore) PruneBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := c.s.write(ctx, func(t *tx) error {
		d := &c.s.compliance
		for k, h := range d.bySubject {
			var keep subjectHistory
			for i, id := range h.ids {
				if d.reservations[id].ReservedAt.Before(before) {
					del(t, d.reservations, id)
					n++
					continue
				}
				keep.ids = append(keep.ids, id)
				keep.recs = append(keep.recs, h.recs[i])
				keep.released = append(keep.released, h.released[i])
				if h.released[i] {
					keep.nReleased++
				}
			}
			if len(keep.ids) == 0 {
				del(t, d.bySubject, k)
			} else if len(keep.ids) != len(h.ids) {
				put(t, d.bySubject, k, keep)
			}
		}
		return nil
	})
	return n, err
}

// HistoryRecords implements compliance.RecordReader: the records of the
// subject's history from since on, already in order, copied in one move
// when none of them was released.
func (c complianceStore) HistoryRecords(ctx context.Context, companyID, key string, since time.Time, buf []compliance.Record) ([]compliance.Record, error) {
	sinceUS := since.UnixMicro()
	err := c.s.read(ctx, func() error {
		h := c.s.compliance.bySubject[subjectKey{companyID, key}]
		i := h.from(sinceUS)
		if h.nReleased == 0 {
			buf = append(buf, h.recs[i:]...)
			return nil
		}
		for ; i < len(h.recs); i++ {
			if !h.released[i] {
				buf = append(buf, h.recs[i])
			}
		}
		return nil
	})
	return buf, err
}

// HistoryBatch implements compliance.Store: each key's records, as
// HistoryRecords reads them.
func (c complianceStore) HistoryBatch(ctx context.Context, companyID string, keys []string, since time.Time, fn func(key string, recs []compliance.Record)) error {
	sinceUS := since.UnixMicro()
	var buf []compliance.Record
	return c.s.read(ctx, func() error {
		for _, key := range keys {
			h := c.s.compliance.bySubject[subjectKey{companyID, key}]
			buf = buf[:0]
			for i := h.from(sinceUS); i < len(h.recs); i++ {
				if !h.released[i] {
					buf = append(buf, h.recs[i])
				}
			}
			if len(buf) > 0 {
				fn(key, buf)
			}
		}
		return nil
	})
}

// InsertReservations implements compliance.Store: every reservation or none.
func (c complianceStore) InsertReservations(ctx context.Context, rs []compliance.Reservation) error {
	return c.s.write(ctx, func(t *tx) error {
		d := &c.s.compliance
		byKey := map[subjectKey][]compliance.Reservation{}
		for _, r := range rs {
			if _, dup := d.reservations[r.ID]; dup {
				return storage.Conflict("compliance.InsertReservations", "reservation %s exists", r.ID)
			}
			put(t, d.reservations, r.ID, r)
			k := subjectKey{r.CompanyID, r.Key}
			byKey[k] = append(byKey[k], r)
		}
		for k, add := range byKey { // one copy of each subject's history
			h := d.bySubject[k]
			h = subjectHistory{ids: slices.Clone(h.ids), recs: slices.Clone(h.recs), released: slices.Clone(h.released), nReleased: h.nReleased}
			for _, r := range add {
				h = h.insertInPlace(r.ID, r.Record(), r.Status == compliance.StatusReleased)
			}
			put(t, d.bySubject, k, h)
		}
		return nil
	})
}

// insertInPlace is insert on a history the caller owns.
func (h subjectHistory) insertInPlace(id string, rec compliance.Record, released bool) subjectHistory {
	i := h.from(rec.At)
	for i < len(h.recs) && h.recs[i].At == rec.At && h.ids[i] < id {
		i++
	}
	h.ids = slices.Insert(h.ids, i, id)
	h.recs = slices.Insert(h.recs, i, rec)
	h.released = slices.Insert(h.released, i, released)
	if released {
		h.nReleased++
	}
	return h
}

// HistoryImport implements compliance.Store.
func (c complianceStore) HistoryImport(ctx context.Context, companyID, key string) (compliance.ImportRecord, error) {
	var out compliance.ImportRecord
	err := c.s.read(ctx, func() error {
		r, ok := c.s.compliance.imports[subjectKey{companyID, key}]
		if !ok {
			return storage.NotFound("compliance.HistoryImport", "history import", key)
		}
		out = r
		return nil
	})
	return out, err
}

// SaveHistoryImport implements compliance.Store.
func (c complianceStore) SaveHistoryImport(ctx context.Context, r compliance.ImportRecord) error {
	return c.s.write(ctx, func(t *tx) error {
		k := subjectKey{r.CompanyID, r.Key}
		if _, dup := c.s.compliance.imports[k]; dup {
			return storage.Conflict("compliance.SaveHistoryImport", "history import %q exists", r.Key)
		}
		put(t, c.s.compliance.imports, k, r)
		return nil
	})
}
