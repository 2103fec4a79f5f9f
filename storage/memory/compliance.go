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
	settings     map[string]compliance.Settings
	reservations map[string]compliance.Reservation
	// bySubject lists each subject's reservations in insertion order with
	// their compact Record (kept in step by every write), so the hot read
	// for the rules touches no other map.
	bySubject map[subjectKey][]subjectEntry
}

type subjectEntry struct {
	id       string
	rec      compliance.Record
	released bool
}

func (d *complianceData) init() {
	d.settings = map[string]compliance.Settings{}
	d.reservations = map[string]compliance.Reservation{}
	d.bySubject = map[subjectKey][]subjectEntry{}
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
		out = cloneSettings(st)
		return nil
	})
	return out, err
}

// SharedSettings implements compliance.SharedSettingsReader: the stored
// value itself. Safe because a stored Settings is a private clone that is
// only ever replaced whole (SaveSettings, rollback), never modified in place.
func (c complianceStore) SharedSettings(ctx context.Context, companyID string) (compliance.Settings, bool, error) {
	var out compliance.Settings
	var ok bool
	err := c.s.read(ctx, func() error {
		out, ok = c.s.compliance.settings[companyID]
		return nil
	})
	return out, ok, err
}

func (c complianceStore) SaveSettings(ctx context.Context, st compliance.Settings) error {
	return c.s.write(ctx, func(t *tx) error {
		cur, ok := c.s.compliance.settings[st.CompanyID]
		switch {
		case st.Version == 1 && ok, st.Version != 1 && (!ok || cur.Version != st.Version-1):
			return storage.Conflict("compliance.SaveSettings", "settings of company %s changed concurrently", st.CompanyID)
		}
		put(t, c.s.compliance.settings, st.CompanyID, cloneSettings(st))
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
		entries := c.s.compliance.bySubject[subjectKey{companyID, key}]
		out = make([]compliance.Reservation, 0, len(entries))
		for _, e := range entries {
			r := c.s.compliance.reservations[e.id]
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
		es := d.bySubject[k]
		put(t, d.bySubject, k, append(es[:len(es):len(es)], subjectEntry{id: r.ID, rec: r.Record(), released: r.Status == compliance.StatusReleased}))
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
		es := slices.Clone(c.s.compliance.bySubject[k])
		for i := range es {
			if es[i].id == cur.ID {
				es[i].rec, es[i].released = cur.Record(), cur.Status == compliance.StatusReleased
			}
		}
		put(t, c.s.compliance.bySubject, k, es)
		return nil
	})
}

func (c complianceStore) PruneBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := c.s.write(ctx, func(t *tx) error {
		d := &c.s.compliance
		for k, es := range d.bySubject {
			keep := make([]subjectEntry, 0, len(es))
			for _, e := range es {
				if d.reservations[e.id].ReservedAt.Before(before) {
					del(t, d.reservations, e.id)
					n++
				} else {
					keep = append(keep, e)
				}
			}
			if len(keep) == 0 {
				del(t, d.bySubject, k)
			} else if len(keep) != len(es) {
				put(t, d.bySubject, k, keep)
			}
		}
		return nil
	})
	return n, err
}

// HistoryRecords implements compliance.RecordReader without copying whole
// reservations.
func (c complianceStore) HistoryRecords(ctx context.Context, companyID, key string, since time.Time, buf []compliance.Record) ([]compliance.Record, error) {
	sinceUS := since.UnixMicro()
	err := c.s.read(ctx, func() error {
		for _, e := range c.s.compliance.bySubject[subjectKey{companyID, key}] {
			if !e.released && e.rec.At >= sinceUS {
				buf = append(buf, e.rec)
			}
		}
		return nil
	})
	// Insertion order is nearly time order: an insertion sort is linear on it.
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && buf[j].At < buf[j-1].At; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf, err
}
