package account

import (
	"context"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// SetBranding sets the company avatar, default cover and the switches for
// users' own images. Authorised: tenancy.ActEditSettings. Audited
// "account.branding.update". Turning a switch off does not delete users'
// own images: they are ignored by Effective while it is off and honoured
// again when it is turned back on.
func (s *Service) SetBranding(ctx context.Context, by tenancy.Actor, companyID string, b Branding) (_ *Company, err error) {
	const op = "account.SetBranding"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.branding.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&b)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.branding.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, b); err != nil {
				return nil, err
			}
			changes := audit.Diff(c.Branding, b)
			c.Branding = b
			return changes, nil
		})
}

// UserImages is a user's own avatar and cover references ("" for none).
type UserImages struct {
	AvatarRef string `json:"avatar_ref" validate:"text,max=1024"`
	CoverRef  string `json:"cover_ref" validate:"text,max=1024"`
}

// SetUserImages sets userID's own avatar and cover. Authorised:
// tenancy.ActOwnProfile on the member. Setting a non-empty avatar (cover)
// while the company does not allow users their own is refused with
// storage.ErrForbidden naming the policy; clearing is always allowed.
// Audited "account.user.images.update".
func (s *Service) SetUserImages(ctx context.Context, by tenancy.Actor, companyID, userID string, im UserImages) (_ *User, err error) {
	const op = "account.SetUserImages"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.images.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&im)
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActOwnProfile, "account.user.images.update",
		func(_ context.Context, c *Company, u *User) ([]audit.Change, error) {
			if err := s.check(ctx, op, im); err != nil {
				return nil, err
			}
			if im.AvatarRef != "" && im.AvatarRef != u.AvatarRef && !c.Branding.UsersOwnAvatar {
				return nil, storage.Forbidden(op, "the company does not allow users their own avatar")
			}
			if im.CoverRef != "" && im.CoverRef != u.CoverRef && !c.Branding.UsersOwnCover {
				return nil, storage.Forbidden(op, "the company does not allow users their own cover")
			}
			before := cloneUser(u)
			u.AvatarRef, u.CoverRef = im.AvatarRef, im.CoverRef
			return audit.Diff(before, u), nil
		})
}

// SetOperatorProfile sets userID's operator profile in this company
// (nickname, position, photo shown to clients; e-mail signature).
// Authorised: tenancy.ActOwnProfile on the member. Audited
// "account.user.operator_profile.update".
func (s *Service) SetOperatorProfile(ctx context.Context, by tenancy.Actor, companyID, userID string, p OperatorProfile) (_ *User, err error) {
	const op = "account.SetOperatorProfile"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.operator_profile.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&p)
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActOwnProfile, "account.user.operator_profile.update",
		func(_ context.Context, _ *Company, u *User) ([]audit.Change, error) {
			if err := s.check(ctx, op, p); err != nil {
				return nil, err
			}
			changes := audit.Diff(u.Operator, p)
			u.Operator = p
			return changes, nil
		})
}
