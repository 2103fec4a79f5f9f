package tenancy

import (
	"context"
	"errors"

	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
)

// VerifyPassword re-authenticates a member: it succeeds only when userID is
// an active member of companyID and password is that user's current
// password. Hosts use it where a product asks for the password again
// before a sensitive step (the account domain's bill access takes it as its
// PasswordChecker through a one-line adapter). Every failure — unknown
// user, not a member, a deactivated member, wrong password — is the same
// storage.ErrForbidden, so it reveals nothing.
func (s *Service) VerifyPassword(ctx context.Context, companyID, userID, password string) (err error) {
	const op = "tenancy.VerifyPassword"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	denied := storage.Forbidden(op, "invalid credentials")
	if m, err := s.store.GetMember(ctx, companyID, userID); errors.Is(err, storage.ErrNotFound) || err == nil && m.Deactivated {
		return denied
	} else if err != nil {
		return storage.Reop(op, err)
	}
	u, err := s.store.GetUser(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return denied
	} else if err != nil {
		return storage.Reop(op, err)
	}
	if !checkPassword(u.PasswordHash, password) {
		return denied
	}
	return nil
}
