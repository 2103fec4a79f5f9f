package tenancy

import (
	"context"
	"errors"

	"github.com/switchboardkit/switchboard/storage"
)

// Verify implements Directory: it re-reads the acting membership of a inside
// the transaction ctx carries and returns the actor with the stored role and
// sub-account, so a decision never rests on a cached Actor's fields. A
// removed or deactivated member's Actor (or one naming a company that no
// longer exists) is refused with storage.ErrForbidden; a demoted administrator is returned
// with its new role, so Can grants the new role's rights at once. Platform
// and System actors are host-asserted and returned as they are: the SDK keeps
// no record of platform administrators. The zero Actor is refused with
// ErrNoActor as the cause. Cost: one indexed read of the membership.
//
// The other facts Can decides on are the target's, and every use case reads
// them in the same transaction: the target company's reseller link and
// status come with its CompanyRef (Directory.Company), so an affiliate moved
// to another reseller, or a company suspended, is judged on what is stored
// now. The actor's own company needs no second read: a reseller
// administrator's rights over an affiliate follow from the affiliate's
// stored reseller, not from the Actor.
func (s *Service) Verify(ctx context.Context, a Actor) (Actor, error) {
	const op = "tenancy.Verify"
	if a.IsPlatform() {
		return a, nil
	}
	if a.UserID == "" || a.CompanyID == "" {
		return Actor{}, forbiddenTo(op, a, "act: no membership named")
	}
	m, err := s.store.GetMember(ctx, a.CompanyID, a.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return Actor{}, forbiddenTo(op, a, "act: no longer a member of the company")
	}
	if err != nil {
		return Actor{}, storage.Reop(op, err)
	}
	if m.Deactivated {
		return Actor{}, forbiddenTo(op, a, "act: the membership is deactivated")
	}
	return Actor{UserID: m.UserID, CompanyID: m.CompanyID, Role: m.Role, SubAccountID: m.SubAccountID}, nil
}

// LockMember implements Directory: it locks companyID's row until the
// transaction ends and then reads userID's membership. Every write gated by
// "userID is a member" (licenses, subscriptions, packages, organisation
// options, SMS permissions, presence state) takes it before it writes, and
// RemoveMember takes the same company lock before deleting the membership, so
// the removal and its member-removed hooks serialise with those writes: a
// write that wins sees the member and its row is released by the hook; a
// write that loses sees no member. The order is always the company row, then
// the member row. The membership is read as a write of it (Store.LockMember):
// on a multi-primary cluster the company row lock is local to one node, and
// what makes a removal on one node conflict with an assignment on another
// is that both write the membership row. storage.ErrNotFound when the
// company or the membership is unknown; storage.ErrPrecondition when the
// member is deactivated, so nothing (license, subscription, package,
// option, status) is assigned to it.
func (s *Service) LockMember(ctx context.Context, companyID, userID string) (MemberRef, error) {
	c, err := s.store.GetCompany(ctx, companyID, true)
	if err != nil {
		return MemberRef{}, err
	}
	m, err := s.store.LockMember(ctx, companyID, userID)
	if err != nil {
		return MemberRef{}, err
	}
	if m.Deactivated {
		return MemberRef{}, storage.Precondition("tenancy.LockMember", "member %s is deactivated: reactivate it first", userID)
	}
	return m.Ref(c.Ref()), nil
}

// fresh replaces *by with the actor Verify reads in the running transaction.
func (s *Service) fresh(ctx context.Context, op string, by *Actor) error {
	a, err := s.Verify(ctx, *by)
	if err != nil {
		return storage.Reop(op, err)
	}
	*by = a
	return nil
}

// Sees reports whether a may know that company c exists: the platform sees
// every company, a member its own company, a reseller's administrators and
// owner its affiliates. A company a does not see is storage.ErrNotFound to
// it, exactly as a company that does not exist.
func Sees(a Actor, c CompanyRef) bool {
	switch {
	case a.IsPlatform():
		return true
	case a.CompanyID == "":
		return false
	case a.CompanyID == c.ID:
		return true
	}
	return c.ResellerID != "" && c.ResellerID == a.CompanyID && (a.Role == RoleResellerAdmin || a.Role == RoleOwner)
}

// AuthorizeIn is how every domain decides: it re-reads by through dir in
// the transaction ctx carries (Directory.Verify) and asks Can with the fresh
// actor. A removed member is storage.ErrForbidden; to a non-platform actor a
// company it does not see (Sees) is storage.ErrNotFound naming the company,
// exactly as a missing one; a visible resource the actor may not act on is
// storage.ErrForbidden (Authorize); an allowed use case that suspension
// blocks (Suspends) on a suspended company is storage.ErrSuspended.
func AuthorizeIn(ctx context.Context, dir Directory, op string, by Actor, act Action, r Resource) error {
	fresh, err := dir.Verify(ctx, by)
	if err != nil {
		return storage.Reop(op, err)
	}
	if Can(fresh, act, r) {
		return suspended(op, r)
	}
	if act != ActPlatform && r.CompanyID != "" && !Sees(fresh, CompanyRef{ID: r.CompanyID, ResellerID: r.ResellerID}) {
		return storage.NotFound(op, "company", r.CompanyID)
	}
	return forbidden(op, fresh, act)
}
