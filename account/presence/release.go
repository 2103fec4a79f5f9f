package presence

import (
	"context"
	"errors"
	"time"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// ReleaseUser ends userID's presence in companyID: the running interval is
// closed at the server clock's now (automatic switches that fell due are
// applied first, as SetStatus does) and the status becomes Offline, with
// nothing due. Tenancy (or the host) calls it when the user leaves the
// company, in RemoveMember's transaction (tenancy.WithMemberRemovedHook);
// the user need no longer be a member, and a suspended company's members
// are released too. The day boundaries follow the user's time zone while
// Locations still knows it, else the company's. Authorised:
// tenancy.ActOwnStatus on the user, as SetStatus for another member
// (administrators). Audited "presence.status.set" with cause admin when the
// status changed; a member already offline records nothing. It returns the
// status left behind.
func (s *Service) ReleaseUser(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ *Current, err error) {
	const op = "presence.ReleaseUser"
	ctx, uc := s.obs.Start(ctx, op, companyID, "presence.status.set")
	defer func() { uc.End(err) }()
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
		if userID == "" {
			return storage.Invalid(op, "user_id", "required", "is required")
		}
		stored, err := s.current(ctx, companyID, userID)
		if err != nil {
			return err
		}
		if stored.Version == 0 || stored.State == Offline && stored.DueAt == nil {
			out = stored
			return nil
		}
		types, err := s.store.PauseTypes(ctx, companyID)
		if err != nil {
			return err
		}
		now := storage.Timestamp(s.clock.Now())
		if now.Before(stored.Since) {
			now = stored.Since
		}
		loc, err := s.releaseLocation(ctx, companyID, userID)
		if err != nil {
			return err
		}
		p := newProjection(ctx, s.store, companyID, userID, loc, types)
		cur := *stored
		if _, err := p.advance(&cur, now); err != nil {
			return err
		}
		before := p.before(stored)
		p.close(&cur, now)
		cur = Current{CompanyID: companyID, UserID: userID, State: Offline, Since: now, Cause: CauseAdmin,
			SetBy: by.UserID, Version: stored.Version + 1}
		if err := s.persist(ctx, &cur, p); err != nil {
			return err
		}
		if before.State != Offline {
			if _, err := s.audit.Record(ctx, audit.Entry{Actor: by.Audit(), CompanyID: companyID, Action: "presence.status.set",
				EntityType: "presence_status", EntityID: userID, Changes: []audit.Change{
					audit.Set("state", before.State, cur.State),
					audit.Set("pause_type_id", before.PauseTypeID, cur.PauseTypeID),
				}}); err != nil {
				return err
			}
		}
		out = &cur
		return nil
	}))
	return out, err
}

// releaseLocation is the user's zone, or the company's once the user is no
// longer a member (Locations answers storage.ErrNotFound for a non-member).
func (s *Service) releaseLocation(ctx context.Context, companyID, userID string) (*time.Location, error) {
	loc, err := s.locs.Location(ctx, companyID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return s.locs.Location(ctx, companyID, "")
	}
	return loc, err
}
