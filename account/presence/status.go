package presence

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// HasPresence reports whether members with role r have a presence status:
// operators, managers, administrators and the owner — the people who can
// take conversations. Reseller and platform administrators act on other
// companies and have none.
func HasPresence(r tenancy.Role) bool {
	switch r {
	case tenancy.RoleOperator, tenancy.RoleManager, tenancy.RoleAdministrator, tenancy.RoleOwner:
		return true
	}
	return false
}

// Change is a requested status change. Version is the Current.Version the
// device last saw (0 when the member never had a status): a change made
// from a stale view fails with storage.ErrConflict.
type Change struct {
	State       State  `json:"state" validate:"required,text,oneof=online away offline"`
	PauseTypeID string `json:"pause_type_id" validate:"required_if=State away,excluded_unless=State away,text,max=64"`
	Version     int64  `json:"version" validate:"gte=0"`
}

// SetStatus changes the status of member userID of companyID.
//
// Authorised: tenancy.ActOwnStatus on that member (the member themself, the
// company's administrators and owner, its reseller, the platform). A user
// who is not a member is storage.ErrNotFound (entity "operator"); a member
// whose role has no presence (HasPresence) is a *storage.ValidationError on
// user_id. Validated: state, pause_type_id (required for away, a
// non-archived type of the company, else a *storage.ValidationError). A
// pause type whose daily allocation is used up is refused with
// storage.ErrLimitExceeded unless the actor may edit the company's settings
// (an administrator), in which case it is recorded as an override. A stale
// ch.Version is storage.ErrConflict; of two devices changing the status at
// once exactly one wins and the other gets storage.ErrConflict.
//
// Atomic: automatic switches that fell due before now are applied first (at
// their own instants), then the running interval is closed at the server
// clock's now (split at the member's local midnights) and the new status
// opens; status row, ledger and audit events ("presence.status.set",
// "presence.status.override", "presence.status.auto_switch") commit
// together with an outbox message per automatic switch (OnSwitch). Setting
// the status the member is already in records nothing and keeps Version.
func (s *Service) SetStatus(ctx context.Context, by tenancy.Actor, companyID, userID string, ch Change) (_ *Current, err error) {
	const op = "presence.SetStatus"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.status.set")
	defer func() { uc.End(err) }()
	storage.Normalize(&ch)
	var out *Current
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		c, err := s.company(ctx, op, companyID)
		if err != nil {
			return err
		}
		r := c.Resource()
		r.UserID = userID
		if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActOwnStatus, r); err != nil {
			return err
		}
		if err := s.member(ctx, op, companyID, userID); err != nil {
			return err
		}
		if err := storage.Validate(ctx, op, s.validate, ch); err != nil {
			return err
		}
		types, err := s.store.PauseTypes(ctx, companyID)
		if err != nil {
			return err
		}
		var target *PauseType
		if ch.State == Away {
			for _, t := range types {
				if t.ID == ch.PauseTypeID {
					target = t
				}
			}
			switch {
			case target == nil:
				return storage.Invalid(op, "pause_type_id", "exists", "is not a pause type of this company")
			case target.Archived:
				return storage.Invalid(op, "pause_type_id", "active", "is archived")
			}
		}
		stored, err := s.current(ctx, companyID, userID)
		if err != nil {
			return err
		}
		if stored.Version != ch.Version {
			return storage.Conflict(op, "status of %s is at version %d, not %d", userID, stored.Version, ch.Version)
		}
		now := storage.Timestamp(s.clock.Now())
		if now.Before(stored.Since) {
			now = stored.Since // another host's clock ran ahead: never go back in time
		}
		loc, err := s.locs.Location(ctx, companyID, userID)
		if err != nil {
			return err
		}
		p := newProjection(ctx, s.store, companyID, userID, loc, types)
		cur := *stored
		changed, err := p.advance(&cur, now)
		if err != nil {
			return err
		}
		action := "presence.status.set"
		same := cur.State == ch.State && cur.PauseTypeID == ch.PauseTypeID
		if !same {
			cause := CauseSelf
			if by.UserID != userID {
				cause = CauseAdmin
			}
			if target != nil {
				left, limited, err := p.left(&cur, target, now)
				if err != nil {
					return err
				}
				if limited && exhausted(left) {
					if !tenancy.Can(by, tenancy.ActEditSettings, c.Resource()) {
						return storage.LimitExceeded(op, "the daily allocation of pause type %q is used up; only an administrator can set it", target.Name)
					}
					cause, action = CauseOverride, "presence.status.override"
				}
			}
			p.close(&cur, now)
			cur = Current{CompanyID: companyID, UserID: userID, State: ch.State, PauseTypeID: ch.PauseTypeID,
				Since: now, Cause: cause, SetBy: by.UserID, Version: cur.Version}
			if ch.State == Away {
				if cur.DueAt, err = p.due(&cur, target.ID, now); err != nil {
					return err
				}
			}
		}
		if same && !changed {
			out = stored
			return nil
		}
		cur.Version = stored.Version + 1
		if err := s.persist(ctx, &cur, p); err != nil {
			return err
		}
		if !same {
			if _, err := s.audit.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: action,
				EntityType: "presence_status", EntityID: userID, Changes: []audit.Change{
					audit.Set("state", p.before(stored).State, cur.State),
					audit.Set("pause_type_id", p.before(stored).PauseTypeID, cur.PauseTypeID),
				}}); err != nil {
				return err
			}
		}
		out = &cur
		return nil
	}))
	return out, err
}

// before is the status just before the requested change: the stored one
// carried through the switches applied on the way.
func (p *projection) before(stored *Current) Current {
	if n := len(p.switches); n > 0 {
		return Current{State: Away, PauseTypeID: p.switches[n-1].To}
	}
	return *stored
}

// persist writes the new current row (conditioned on the stored version),
// the closed intervals, and the automatic switches' audit events and
// notifications.
func (s *Service) persist(ctx context.Context, cur *Current, p *projection) error {
	if err := s.store.PutCurrent(ctx, cur); err != nil {
		return err
	}
	return s.record(ctx, p.pending, p.switches, nil)
}

// member checks that userID is a member of companyID with a presence, under
// tenancy's member lock (Directory.LockMember, the lock RemoveMember takes).
func (s *Service) member(ctx context.Context, op, companyID, userID string) error {
	m, err := s.dir.LockMember(ctx, companyID, userID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return storage.NotFound(op, "operator", userID)
	case err != nil:
		return storage.Reop(op, err)
	case !HasPresence(m.Role):
		return storage.Invalid(op, "user_id", "operator", "role "+string(m.Role)+" has no presence status")
	}
	return nil
}

// current returns the stored status, or the implicit Offline at version 0.
func (s *Service) current(ctx context.Context, companyID, userID string) (*Current, error) {
	c, err := s.store.Current(ctx, companyID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return &Current{CompanyID: companyID, UserID: userID, State: Offline}, nil
	}
	return c, err
}

// authorizeMember checks that by may view member userID of company c:
// first that by acts inside c at all (so outsiders learn nothing about
// membership), then on the member's own resource.
func (s *Service) authorizeMember(ctx context.Context, op string, by tenancy.Actor, c tenancy.CompanyRef, userID string) error {
	r := c.Resource()
	r.UserID = by.UserID
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, r); err != nil {
		return err
	}
	m, err := s.dir.Member(ctx, c.ID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.NotFound(op, "operator", userID)
	}
	if err != nil {
		return storage.Reop(op, err)
	}
	return tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, m.Resource())
}

// authorizeView loads companyID and checks that by may view member userID
// of it (authorizeMember): the check of every read of one member's data.
func (s *Service) authorizeView(ctx context.Context, op string, by tenancy.Actor, companyID, userID string) error {
	c, err := s.company(ctx, op, companyID)
	if err != nil {
		return err
	}
	return s.authorizeMember(ctx, op, by, c, userID)
}

// Status returns the member's status as of the server clock's now,
// including any automatic switch that fell due and was not applied yet
// (Version is still the stored one, which is what SetStatus expects).
// Authorised: tenancy.ActView on the member. A member who never had a
// status is Offline at Version 0.
func (s *Service) Status(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ *Current, err error) {
	const op = "presence.Status"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeView(ctx, op, by, companyID, userID); err != nil {
		return nil, err
	}
	cur, _, err := s.view(ctx, companyID, userID, storage.Timestamp(s.clock.Now()))
	return cur, err
}

// view is the read-only projection of a member's status to now.
func (s *Service) view(ctx context.Context, companyID, userID string, now time.Time) (*Current, *projection, error) {
	stored, err := s.current(ctx, companyID, userID)
	if err != nil {
		return nil, nil, err
	}
	types, err := s.store.PauseTypes(ctx, companyID)
	if err != nil {
		return nil, nil, err
	}
	loc, err := s.locs.Location(ctx, companyID, userID)
	if err != nil {
		return nil, nil, err
	}
	p := newProjection(ctx, s.store, companyID, userID, loc, types)
	cur := *stored
	if now.Before(cur.Since) {
		now = cur.Since
	}
	if _, err := p.advance(&cur, now); err != nil {
		return nil, nil, err
	}
	return &cur, p, nil
}

// Ledger returns the member's recorded intervals that overlap [from, to),
// by start time. The running status is not an interval yet: it is the
// Current (Status). Authorised: tenancy.ActView on the member. Validated:
// from and to set and within storage.ValidTime (1970 to 2199), from before
// to (*storage.ValidationError).
func (s *Service) Ledger(ctx context.Context, by tenancy.Actor, companyID, userID string, from, to time.Time) (_ []Interval, err error) {
	const op = "presence.Ledger"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeView(ctx, op, by, companyID, userID); err != nil {
		return nil, err
	}
	if err := (&storage.ValidationError{Op: op}).CheckTime("from", from).CheckTime("to", to).Err(); err != nil {
		return nil, err
	}
	if !from.Before(to) {
		return nil, storage.Invalid(op, "to", "gtfield", "must be after from")
	}
	ivs, err := s.store.Intervals(ctx, companyID, userID, storage.Timestamp(from).Add(-maxIntervalLength), storage.Timestamp(to))
	if err != nil {
		return nil, err
	}
	out := ivs[:0]
	for _, iv := range ivs {
		if iv.End.After(from) {
			out = append(out, iv)
		}
	}
	return out, nil
}

// maxIntervalLength bounds a stored interval: they never cross a local
// midnight, and the longest local day is 25 hours (plus slack for zones
// that moved by more).
const maxIntervalLength = 27 * time.Hour

// NextTransition returns the next instant at which some member of the
// company needs an automatic switch, so the host can schedule ApplyDue
// then; ok is false when none is pending. It needs no actor: it reveals
// nothing but a time.
func (s *Service) NextTransition(ctx context.Context, companyID string) (at time.Time, ok bool, err error) {
	ctx, uc := s.obs.Start(ctx, "presence.NextTransition", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	return s.store.NextDue(ctx, companyID)
}

// NextPlatformTransition is NextTransition across every company: the next
// instant at which any member of any company needs an automatic switch,
// read from the store's index on the due instant. A host runs one loop for
// the whole platform: sleep until this instant, call ApplyPlatformDue,
// repeat. Like NextTransition it needs no actor and reveals only a time.
func (s *Service) NextPlatformTransition(ctx context.Context) (at time.Time, ok bool, err error) {
	return s.store.PlatformNextDue(ctx)
}

// ApplyDue applies every automatic switch of the company's members that is
// due at or before now (capped at the service clock's now: the server's
// time wins) and returns how many switches this call applied. Each switch is
// recorded at its due instant, however late ApplyDue runs, audited as
// "presence.status.auto_switch" by the system actor, and notified once after
// its commit.
//
// It is idempotent and safe to run from several hosts at once: each member's
// switch is conditioned on the version of the member's status row, so
// exactly one host applies a given switch and the others skip it. Switches
// are committed in groups of members (one transaction per group, each
// member re-read and conditioned in it); when a group fails it is retried
// one member per transaction, so the first error (a time zone that cannot
// be read, an unavailable database) stops the call and is returned, the
// switches applied before it stay applied, and the next call picks up the
// rest. Pause type definitions are read once per call. A zero or
// out-of-range now (storage.ValidTime) is a *storage.ValidationError on
// field "now".
func (s *Service) ApplyDue(ctx context.Context, companyID string, now time.Time) (_ int, err error) {
	const op = "presence.ApplyDue"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.status.auto_switch")
	defer func() { uc.End(err) }()
	return s.applyDue(ctx, op, now, func(until time.Time, after *DueCursor) ([]*Current, error) {
		return s.store.DueCurrents(ctx, companyID, until, after, s.batch)
	})
}

// ApplyPlatformDue is ApplyDue across every company: it applies every
// automatic switch due at or before now (capped at the service clock's now)
// in the whole platform, in due order, found through the store's index on
// the due instant, so its cost follows the switches due, not the number of
// companies or members. Each switch is applied, recorded, audited (by the
// system actor of the member's company) and notified exactly as ApplyDue
// does, with the same guarantees for concurrent hosts and the same error
// behaviour; pause types are read once per company per call. It is the
// platform operator's call (the SDK's own scheduling) and needs no actor.
func (s *Service) ApplyPlatformDue(ctx context.Context, now time.Time) (_ int, err error) {
	const op = "presence.ApplyPlatformDue"
	ctx, uc := s.obs.Start(ctx, op, "", "presence.status.auto_switch")
	defer func() { uc.End(err) }()
	return s.applyDue(ctx, op, now, func(until time.Time, after *DueCursor) ([]*Current, error) {
		return s.store.PlatformDueCurrents(ctx, until, after, s.batch)
	})
}

// applyGroup is how many members' switches share one transaction.
const applyGroup = 500

// applyDue walks the due rows list returns, page by page, and applies them.
func (s *Service) applyDue(ctx context.Context, op string, now time.Time, list func(until time.Time, after *DueCursor) ([]*Current, error)) (int, error) {
	if err := (&storage.ValidationError{Op: op}).CheckTime("now", now).Err(); err != nil {
		return 0, err
	}
	now = storage.Timestamp(now)
	if c := storage.Timestamp(s.clock.Now()); c.Before(now) {
		now = c
	}
	types := map[string][]*PauseType{}
	applied := 0
	var after *DueCursor
	sc := new(scratch) // the groups' working memory, reused from one to the next
	for {
		rows, err := list(now, after)
		if err != nil {
			return applied, storage.Reop(op, err)
		}
		for _, row := range rows {
			if _, ok := types[row.CompanyID]; ok {
				continue
			}
			t, err := s.store.PauseTypes(ctx, row.CompanyID)
			if err != nil {
				return applied, storage.Reop(op, err)
			}
			types[row.CompanyID] = t
		}
		for group := range slices.Chunk(rows, applyGroup) {
			n, err := s.applyRows(ctx, op, group, now, types, sc)
			if err != nil {
				// One member spoils the group: apply its members one by
				// one, so those before the failing one stay applied.
				for _, row := range group {
					m, err := s.applyRows(ctx, op, []*Current{row}, now, types, sc)
					applied += m
					if err != nil {
						return applied, err
					}
				}
				continue
			}
			applied += n
		}
		if len(rows) < s.batch {
			return applied, nil
		}
		last := rows[len(rows)-1]
		after = &DueCursor{DueAt: *last.DueAt, CompanyID: last.CompanyID, UserID: last.UserID}
	}
}

// applyRows applies the due switches of rows in one transaction and returns
// how many it applied. A member whose row moved since it was listed
// (another host or the member got there first) is skipped.
//
// It is set-based: the group's status rows are read and locked with one
// LockCurrents, the day's intervals of every member with one DaysIntervals,
// and the changes written with one UpdateCurrents, one AppendIntervals, one
// RecordAll and one EnqueueMessages. The rows are locked before they are
// checked, so UpdateCurrents cannot conflict with another writer; if it
// does anyway, a group of several members fails (and applyDue retries it
// member by member), and a group of one is skipped, as that member's
// conflicting write has written nothing.
func (s *Service) applyRows(ctx context.Context, op string, rows []*Current, now time.Time, types map[string][]*PauseType, sc *scratch) (int, error) {
	n := 0
	err := storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		n = 0
		sc.members, sc.version, sc.still = reuse(sc.members, len(rows)), reuse(sc.version, len(rows)), reuse(sc.still, len(rows))
		members := sc.members[:len(rows)]
		version := sc.version[:len(rows)] // at a member's first place: the version its last listing saw
		if sc.first == nil {
			sc.first = make(map[Member]int, len(rows))
		}
		clear(sc.first)
		first := sc.first // a member's first place in rows
		for i, row := range rows {
			members[i] = Member{CompanyID: row.CompanyID, UserID: row.UserID}
			j, ok := first[members[i]]
			if !ok {
				j = i
				first[members[i]] = i
			}
			version[j] = row.Version
		}
		stored, err := s.store.LockCurrents(ctx, members)
		if err != nil {
			return err
		}
		// The members still as listed, at their first place in the listing.
		still := sc.still[:len(rows)]
		for _, c := range stored {
			if j, ok := first[Member{CompanyID: c.CompanyID, UserID: c.UserID}]; ok && c.Version == version[j] && c.DueAt != nil && !c.DueAt.After(now) {
				still[j] = c
			}
		}
		var (
			due  = reuse(sc.due, len(rows))
			locs = reuse(sc.locs, len(rows))
			days = reuse(sc.days, len(rows))
		)
		sc.due, sc.locs, sc.days = due, locs, days
		names := new(dayMemo)
		for i, m := range members {
			c := still[i]
			if c == nil {
				continue // another host or the member got there first (or listed twice: applied once)
			}
			loc, err := s.locs.Location(ctx, m.CompanyID, m.UserID)
			if err != nil {
				return err
			}
			due, locs = append(due, c), append(locs, loc)
			days = append(days, MemberDay{CompanyID: m.CompanyID, UserID: m.UserID, Day: names.of(*c.DueAt, loc)})
		}
		if len(due) == 0 {
			return nil
		}
		spent, err := s.store.DaysIntervals(ctx, days)
		if err != nil {
			return err
		}
		var (
			curs     = reuse(sc.curs, len(due))
			pending  = reuse(sc.pending, len(due))
			switches = reuse(sc.switches, len(due))
		)
		byID := map[string]map[string]*PauseType{} // each company's types, shared by its members' projections
		var p *projection                          // one for every member in turn (what it collects is copied out)
		for i, c := range due {
			ts, ok := byID[c.CompanyID]
			if !ok {
				ts = typesByID(types[c.CompanyID])
				byID[c.CompanyID] = ts
			}
			if p == nil {
				p = newProjectionOf(ctx, s.store, c.CompanyID, c.UserID, locs[i], ts)
				p.names, p.ids = names, &idPool{batch: len(due)}
			} else {
				p.reset(c.CompanyID, c.UserID, locs[i], ts)
			}
			p.days[days[i].Day] = spent[days[i]]
			cur := c // the locked row is this call's copy: advance it in place
			if _, err := p.advance(cur, now); err != nil {
				return err
			}
			cur.Version++
			curs = append(curs, cur)
			pending = append(pending, p.pending...)
			switches = append(switches, p.switches...)
		}
		sc.curs, sc.pending, sc.switches = curs, pending, switches
		if err := s.store.UpdateCurrents(ctx, curs); err != nil {
			if len(rows) == 1 && errors.Is(err, storage.ErrConflict) {
				return nil // nothing of this member was written: skip it
			}
			return err
		}
		if err := s.record(ctx, pending, switches, sc); err != nil {
			return err
		}
		n = len(switches)
		return nil
	}))
	return n, err
}

// scratch is the working memory of one applyDue's groups, reused from one
// group to the next: no store keeps what it is given (each copies what it
// keeps), and nothing in it outlives its group.
type scratch struct {
	members  []Member
	version  []int64
	still    []*Current
	first    map[Member]int
	due      []*Current
	locs     []*time.Location
	days     []MemberDay
	curs     []*Current
	pending  []Interval
	switches []Switch
	entries  []audit.Entry
	msgs     []storage.Message
	changes  []audit.Change
	payloads []byte
	values   []byte
}

// reuse is s emptied, with room for n: s's array, cleared, when it has
// the room.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	clear(s[:cap(s)])
	return s[:0]
}

// record writes what advancing statuses produced besides the status rows:
// the closed intervals, and the automatic switches' audit events and
// notifications, each kind in one call. Its buffers come from sc (nil: its
// own).
func (s *Service) record(ctx context.Context, pending []Interval, switches []Switch, sc *scratch) error {
	if sc == nil {
		sc = new(scratch)
	}
	if len(pending) > 0 {
		if err := s.store.AppendIntervals(ctx, pending); err != nil {
			return err
		}
	}
	if len(switches) == 0 {
		return nil
	}
	applied := storage.Timestamp(s.clock.Now())
	sc.entries, sc.msgs = reuse(sc.entries, len(switches)), reuse(sc.msgs, len(switches))
	entries, msgs := sc.entries[:len(switches)], sc.msgs[:len(switches)]
	// The payloads, the changes and their values of the batch, each in one
	// allocation (RecordAll and EnqueueMessages copy what they keep).
	payloadSize, valueSize := 0, 0
	for i := range switches {
		payloadSize += switchJSONSize(&switches[i])
		valueSize += switchChangesSize(&switches[i])
	}
	payloads, values := reuse(sc.payloads, payloadSize), reuse(sc.values, valueSize)
	changes := reuse(sc.changes, 2*len(switches))
	ids := storage.NewIDs(len(switches))
	var atMemo, appliedMemo timeMemo
	for i := range switches {
		sw := &switches[i]
		sw.AppliedAt = applied
		var ch []audit.Change
		values, changes, ch = appendSwitchChanges(values, changes, sw, &atMemo)
		entries[i] = autoSwitchEntry(sw, ch)
		var payload []byte
		var err error
		if payloads, payload, err = appendSwitchJSON(payloads, sw, &atMemo, &appliedMemo); err != nil {
			return storage.Internal("presence.switch", err)
		}
		// storage.NewMessage's message, with the payload encoded above.
		msgs[i] = storage.Message{ID: ids[i], CompanyID: sw.CompanyID, Topic: storage.TopicPauseSwitch,
			Payload: payload, Created: applied, NextAttempt: applied}
	}
	sc.payloads, sc.values, sc.changes = payloads, values, changes
	if _, err := s.audit.RecordAll(ctx, entries); err != nil {
		return err
	}
	return storage.Reop("presence.switch", s.box.EnqueueMessages(ctx, msgs))
}

// autoSwitchEntry is the audit entry of one automatic switch, by the
// system actor of the member's company, with changes switchChanges(sw).
func autoSwitchEntry(sw *Switch, changes []audit.Change) audit.Entry {
	return audit.Entry{Actor: tenancy.System(sw.CompanyID).Audit(), CompanyID: sw.CompanyID,
		Action: "presence.status.auto_switch", EntityType: "presence_status", EntityID: sw.UserID,
		Changes: changes}
}
