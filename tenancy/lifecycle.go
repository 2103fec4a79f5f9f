package tenancy

import (
	"context"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// WithMemberDeactivatedHook adds a hook DeactivateMember runs in its
// transaction after the membership is marked deactivated, so the host can
// end what the member does in the company atomically with it — typically
// presence.Service.ReleaseUser, which closes its running status interval
// and leaves it Offline. An error rolls the deactivation back.
func WithMemberDeactivatedHook(h MemberRemovedHook) Option {
	return observe.For(func(s *Service) { s.onDeact = append(s.onDeact, h) })
}

// DeactivateMember suspends userID's membership in companyID without ending
// it, for a person on leave or under review. While deactivated:
//
//   - it cannot act in the company: Verify (so every domain's
//     authorisation), ActorFor and VerifyPassword refuse it with
//     storage.ErrForbidden; its other companies are unaffected;
//   - nothing is given to it there: Directory.LockMember, which every
//     "assign to a member" write takes (licenses, subscriptions, packages,
//     organisation options, SMS permissions, presence status), is
//     storage.ErrPrecondition, and ChangeOwner refuses it (field user_id);
//   - what it holds is kept: its seats (licenses, subscriptions, packages,
//     options) stay assigned, so ReactivateMember restores the member as
//     it was and the company keeps paying for them — an administrator who
//     wants a seat back unassigns it, which stays allowed;
//   - its status goes offline: the WithMemberDeactivatedHook hooks run in
//     the transaction (wire presence.Service.ReleaseUser there), and it
//     cannot set a status until reactivated;
//   - it still appears in ListEmployees, with Deactivated set, and can be
//     removed (RemoveMember) or edited by an administrator.
//
// Authorised as RemoveMember: ActManageUsers on the member and CanGrant for
// its role. The owner cannot be deactivated, nor the actor itself (field
// user_id). Deactivating a deactivated member changes nothing. Audited
// "tenancy.member.deactivate"; the host hears of it through the outbox
// (storage.TopicMemberDeactivated, OnMemberDeactivated) to end its sessions.
func (s *Service) DeactivateMember(ctx context.Context, by Actor, companyID, userID string) (err error) {
	const op = "tenancy.DeactivateMember"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.deactivate")
	defer func() { uc.End(err) }()
	return s.setDeactivated(ctx, op, by, companyID, userID, true)
}

// ReactivateMember ends a deactivation (DeactivateMember): the member acts
// and can be assigned again, with the seats it kept; its status stays
// offline until it sets one. Authorised as DeactivateMember. Reactivating an
// active member changes nothing. Audited "tenancy.member.reactivate".
func (s *Service) ReactivateMember(ctx context.Context, by Actor, companyID, userID string) (err error) {
	const op = "tenancy.ReactivateMember"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.member.reactivate")
	defer func() { uc.End(err) }()
	return s.setDeactivated(ctx, op, by, companyID, userID, false)
}

func (s *Service) setDeactivated(ctx context.Context, op string, by Actor, companyID, userID string, deactivate bool) error {
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.fresh(ctx, op, &by); err != nil {
			return err
		}
		c, err := s.loadCompany(ctx, op, by, ActManageUsers, companyID, true)
		if err != nil {
			return err
		}
		if _, err := s.loadMember(ctx, op, by, ActManageUsers, c, userID); err != nil {
			return err
		}
		// The membership is read again as a write of it (LockMember), so a
		// concurrent assignment on another node of a cluster conflicts.
		m, err := s.store.LockMember(ctx, c.ID, userID)
		if err != nil {
			return err
		}
		if err := Authorize(op, by, ActManageUsers, m.Ref(c.Ref()).Resource()); err != nil {
			return err
		}
		if m.Role == RoleOwner || c.OwnerUserID == userID {
			return storage.Invalid(op, "user_id", "owner", "the owner cannot be deactivated")
		}
		if !CanGrant(by, m.Role, m.SubAccountID) {
			return forbiddenTo(op, by, "deactivate a member with role "+string(m.Role))
		}
		if deactivate && by.UserID == userID && by.CompanyID == c.ID {
			return storage.Invalid(op, "user_id", "self", "a member cannot deactivate itself")
		}
		if m.Deactivated == deactivate {
			return nil
		}
		before := *m
		now := s.now()
		m.Deactivated, m.UpdatedAt = deactivate, now
		if err := s.store.UpdateMember(ctx, m); err != nil {
			return err
		}
		action := "tenancy.member.reactivate"
		if deactivate {
			action = "tenancy.member.deactivate"
		}
		if err := s.record(ctx, by, c.ID, action, "member", userID, audit.Diff(&before, m)); err != nil {
			return err
		}
		if !deactivate {
			return nil
		}
		for _, h := range s.onDeact {
			if err := h(ctx, by, c.ID, userID); err != nil {
				return err
			}
		}
		_, err = storage.Enqueue(ctx, s.box, op, now, c.ID, storage.TopicMemberDeactivated,
			MemberDeactivated{CompanyID: c.ID, UserID: userID, By: by.UserID, At: now})
		return err
	}))
}
