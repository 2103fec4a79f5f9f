package presence

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/licensing/threshold"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Directory is what presence needs of tenancy: the company (for its reseller
// and status) and the membership of the person whose status changes.
// tenancy.Service implements it.
type Directory = tenancy.Directory

// MaxAllocation is the largest daily allocation a pause type may have.
const MaxAllocation = 24 * time.Hour

// Service is the presence use cases. It is safe for concurrent use and
// starts no goroutine.
type Service struct {
	obs      observe.Observer // logger and tracer (observe.WithLogger, observe.WithTracerProvider)
	store    Store
	tx       storage.Transactor
	dir      Directory
	locs     Locations
	audit    audit.Recorder
	clock    storage.Clock
	box      storage.Outbox
	validate *storage.Validator
	// batch is how many due rows ApplyDue reads per query.
	batch int
}

// Option configures a Service. It is observe.Option, so the shared observe.WithLogger and
// observe.WithTracerProvider are accepted too.
type Option = observe.Option

// WithClock sets the server clock (default storage.SystemClock). Every
// ledger time comes from it; device times are never used.
func WithClock(c storage.Clock) Option { return observe.For(func(s *Service) { s.clock = c }) }

// NewService returns the presence service over store, running every use
// case in tx, reading tenancy through dir and time zones through locs,
// recording audit events with rec and writing automatic switches to box
// (OnSwitch). It panics when a dependency is nil (storage.Need).
func NewService(tx storage.Transactor, store Store, dir Directory, locs Locations, rec audit.Recorder, box storage.Outbox, opts ...Option) *Service {
	const op = "presence.NewService"
	storage.Need(op, "the transactor", tx)
	storage.Need(op, "the store", store)
	storage.Need(op, "the tenancy directory", dir)
	storage.Need(op, "the time zones", locs)
	storage.Need(op, "the audit recorder", rec)
	storage.Need(op, "the outbox", box)
	s := &Service{store: store, tx: tx, dir: dir, locs: locs, audit: rec, box: box, clock: storage.SystemClock{},
		validate: storage.NewValidator(), batch: 500}
	observe.Apply("github.com/switchboardkit/switchboard/account/presence", s, &s.obs, opts)
	return s
}

// exhaustion is the "allocation used up" decision: the threshold with
// hysteresis from licensing/threshold on the time left, with threshold 0.
// A pause armed (time left when it began) fires once when the time left
// reaches 0; a pause begun with nothing left (an administrator's override)
// starts disarmed and never fires. Time left counts as exhausted at exactly 0.
var exhaustion = threshold.Hysteresis[time.Duration]{Threshold: 0, Compare: cmp.Compare[time.Duration]}

// exhausted reports whether left means the allocation is used up.
func exhausted(left time.Duration) bool {
	fire, _ := exhaustion.Step(true, left)
	return fire
}

// company loads the company; its status comes with it, and the
// authorisation that follows refuses what suspension blocks
// (tenancy.Suspends), after deciding visibility.
func (s *Service) company(ctx context.Context, op, companyID string) (tenancy.CompanyRef, error) {
	c, err := s.dir.Company(ctx, companyID)
	if err != nil {
		return c, storage.Reop(op, err)
	}
	return c, nil
}

// authorizeSettings loads companyID and authorises tenancy.ActEditSettings
// on it (a suspended company is storage.ErrSuspended): the check every
// pause-type change makes.
func (s *Service) authorizeSettings(ctx context.Context, op string, by tenancy.Actor, companyID string) error {
	c, err := s.company(ctx, op, companyID)
	if err != nil {
		return err
	}
	return tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActEditSettings, c.Resource())
}

// checkVersion refuses a change made from a stale view of p.
func checkVersion(op string, p *PauseType, version int64) error {
	if p.Version != version {
		return storage.Conflict(op, "pause type %s is at version %d, not %d", p.ID, p.Version, version)
	}
	return nil
}

// savePauseType stores p, the edited copy of before, one version later and
// records action with the field-level diff.
func (s *Service) savePauseType(ctx context.Context, by tenancy.Actor, action string, before, p *PauseType) error {
	p.Version = before.Version + 1
	p.UpdatedAt = storage.Timestamp(s.clock.Now())
	if err := s.store.UpdatePauseType(ctx, p); err != nil {
		return err
	}
	_, err := s.audit.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: p.CompanyID,
		Action: action, EntityType: "pause_type", EntityID: p.ID, Changes: audit.Diff(before, p)})
	return err
}

// CreatePauseType defines a pause type in companyID.
//
// Authorised: tenancy.ActEditSettings on the company (administrators, the
// owner, its reseller, the platform). Validated: name required (≤100
// characters, unique among the company's non-archived types,
// case-insensitive, else storage.ErrConflict); daily_allocation nil
// (unlimited) or in (0, 24h]; fallback_id "" or a non-archived type of the
// same company. Audited as "presence.pause_type.create".
func (s *Service) CreatePauseType(ctx context.Context, by tenancy.Actor, companyID string, in PauseTypeInput) (_ *PauseType, err error) {
	const op = "presence.CreatePauseType"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.pause_type.create")
	defer func() { uc.End(err) }()
	var out *PauseType
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.authorizeSettings(ctx, op, by, companyID); err != nil {
			return err
		}
		now := storage.Timestamp(s.clock.Now())
		p := &PauseType{ID: storage.NewID(), CompanyID: companyID, Version: 1, CreatedAt: now, UpdatedAt: now}
		if err := s.applyInput(ctx, op, p, in); err != nil {
			return err
		}
		if err := s.store.CreatePauseType(ctx, p); err != nil {
			return err
		}
		if _, err := s.audit.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID,
			Action: "presence.pause_type.create", EntityType: "pause_type", EntityID: p.ID,
			Changes: audit.Diff(nil, p)}); err != nil {
			return err
		}
		out = p
		return nil
	}))
	return out, err
}

// UpdatePauseType replaces the definition of pause type id. version must be
// the type's current Version (else storage.ErrConflict). Authorisation and
// validation as CreatePauseType; a fallback that would close a cycle is a
// *storage.ValidationError on fallback_id; an archived type cannot be
// changed (storage.ErrConflict). A pause running when its type changes keeps
// its computed switch instant, which is re-checked when it comes (see the
// package documentation). Audited as "presence.pause_type.update".
func (s *Service) UpdatePauseType(ctx context.Context, by tenancy.Actor, companyID, id string, version int64, in PauseTypeInput) (_ *PauseType, err error) {
	const op = "presence.UpdatePauseType"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.pause_type.update")
	defer func() { uc.End(err) }()
	var out *PauseType
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.authorizeSettings(ctx, op, by, companyID); err != nil {
			return err
		}
		before, err := s.store.PauseType(ctx, companyID, id)
		if err != nil {
			return err
		}
		if err := checkVersion(op, before, version); err != nil {
			return err
		}
		if before.Archived {
			return storage.Conflict(op, "pause type %s is archived", id)
		}
		p := *before
		if err := s.applyInput(ctx, op, &p, in); err != nil {
			return err
		}
		if err := s.savePauseType(ctx, by, "presence.pause_type.update", before, &p); err != nil {
			return err
		}
		out = &p
		return nil
	}))
	return out, err
}

// ArchivePauseType archives pause type id (types are never deleted: the
// ledger keeps referring to them). An archived type can no longer be set
// nor chosen as a fallback; members currently in it stay until they change
// status. A type that is the fallback of a non-archived type cannot be
// archived (storage.ErrConflict) until that fallback is changed.
// Authorised as CreatePauseType; audited as "presence.pause_type.archive".
func (s *Service) ArchivePauseType(ctx context.Context, by tenancy.Actor, companyID, id string, version int64) (_ *PauseType, err error) {
	const op = "presence.ArchivePauseType"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.pause_type.archive")
	defer func() { uc.End(err) }()
	var out *PauseType
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.authorizeSettings(ctx, op, by, companyID); err != nil {
			return err
		}
		all, err := s.store.PauseTypes(ctx, companyID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(p *PauseType) bool { return p.ID == id })
		if i < 0 {
			return storage.NotFound(op, "pause type", id)
		}
		before := all[i]
		if err := checkVersion(op, before, version); err != nil {
			return err
		}
		if before.Archived {
			out = before
			return nil
		}
		for _, o := range all {
			if !o.Archived && o.FallbackID == id {
				return storage.Conflict(op, "pause type %s is the fallback of %q; change that first", id, o.Name)
			}
		}
		p := *before
		p.Archived = true
		if err := s.savePauseType(ctx, by, "presence.pause_type.archive", before, &p); err != nil {
			return err
		}
		out = &p
		return nil
	}))
	return out, err
}

// PauseTypes lists the company's pause types by name (archived ones only
// when includeArchived). Authorised: anyone who may set their own status in
// the company (tenancy.ActOwnStatus on their own user there), so operators
// can pick a reason.
func (s *Service) PauseTypes(ctx context.Context, by tenancy.Actor, companyID string, includeArchived bool) (_ []*PauseType, err error) {
	const op = "presence.PauseTypes"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	c, err := s.company(ctx, op, companyID)
	if err != nil {
		return nil, err
	}
	r := c.Resource()
	r.UserID = by.UserID
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActOwnStatus, r); err != nil {
		return nil, err
	}
	all, err := s.store.PauseTypes(ctx, companyID)
	if err != nil {
		return nil, err
	}
	if includeArchived {
		return all, nil
	}
	return slices.DeleteFunc(all, func(p *PauseType) bool { return p.Archived }), nil
}

// applyInput validates in and copies it onto p (whose ID and CompanyID are set).
func (s *Service) applyInput(ctx context.Context, op string, p *PauseType, in PauseTypeInput) error {
	storage.Normalize(&in)
	verr := &storage.ValidationError{Op: op}
	if err := storage.Validate(ctx, op, s.validate, in); err != nil && !errors.As(err, &verr) {
		return err
	}
	if a := in.DailyAllocation; a != nil {
		switch {
		case *a <= 0:
			verr.Add("daily_allocation", "gt", "must be greater than 0 (leave empty for unlimited)")
		case *a > MaxAllocation:
			verr.Add("daily_allocation", "max", "must be at most 24h")
		case *a%time.Microsecond != 0:
			verr.Add("daily_allocation", "precision", "must be a whole number of microseconds")
		}
	}
	if in.FallbackID != "" {
		why, err := s.checkFallback(ctx, p, in.FallbackID)
		if err != nil {
			return err // the store's failure, not the input's
		}
		if why != "" {
			verr.Add("fallback_id", "fallback", why)
		}
	}
	if err := verr.Err(); err != nil {
		return err
	}
	p.Name, p.Paid, p.FallbackID = in.Name, in.Paid, in.FallbackID
	p.DailyAllocation = nil
	if in.DailyAllocation != nil {
		a := *in.DailyAllocation
		p.DailyAllocation = &a
	}
	return nil
}

// checkFallback returns why fallbackID may not be p's fallback ("" when it
// may), or the store's error when the types cannot be read.
func (s *Service) checkFallback(ctx context.Context, p *PauseType, fallbackID string) (string, error) {
	if fallbackID == p.ID {
		return "a pause type cannot be its own fallback", nil
	}
	all, err := s.store.PauseTypes(ctx, p.CompanyID)
	if err != nil {
		return "", err
	}
	byID := make(map[string]*PauseType, len(all))
	for _, o := range all {
		byID[o.ID] = o
	}
	fb, ok := byID[fallbackID]
	switch {
	case !ok:
		return "must be a pause type of the same company", nil
	case fb.Archived:
		return "is archived", nil
	}
	seen := map[string]bool{}
	for cur := fb; cur != nil && cur.FallbackID != ""; cur = byID[cur.FallbackID] {
		if cur.FallbackID == p.ID {
			return "would make a cycle of fallbacks", nil
		}
		if seen[cur.ID] {
			break // an existing cycle cannot be stored; stop anyway
		}
		seen[cur.ID] = true
	}
	return "", nil
}
