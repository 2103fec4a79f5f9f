package account

import (
	"context"
	"slices"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// CostCentreInput creates a cost centre.
type CostCentreInput struct {
	Code string `json:"code" validate:"required,text,max=64,printascii"`
	Name string `json:"name" validate:"required,text,max=200"`
}

// CreateCostCentre adds an inactive cost centre with a code unique in the
// company (a taken code is storage.ErrConflict). Authorised:
// tenancy.ActEditSettings. Audited "account.cost_centre.create".
func (s *Service) CreateCostCentre(ctx context.Context, by tenancy.Actor, companyID string, in CostCentreInput) (_ CostCentre, err error) {
	const op = "account.CreateCostCentre"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.cost_centre.create")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	var cc CostCentre
	_, err = s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.cost_centre.create",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, in); err != nil {
				return nil, err
			}
			if slices.ContainsFunc(c.CostCentres, func(x CostCentre) bool { return x.Code == in.Code }) {
				return nil, storage.Conflict(op, "cost centre code %q is taken", in.Code)
			}
			cc = CostCentre{ID: storage.NewID(), Code: in.Code, Name: in.Name}
			c.CostCentres = append(c.CostCentres, cc)
			return audit.Diff(nil, cc), nil
		})
	return cc, err
}

// SetCostCentreActive activates or deactivates a cost centre (unknown ID:
// storage.ErrNotFound). Deactivating keeps existing assignments; new ones
// need an active centre. Authorised: tenancy.ActEditSettings. Audited
// "account.cost_centre.update".
func (s *Service) SetCostCentreActive(ctx context.Context, by tenancy.Actor, companyID, id string, active bool) (_ *Company, err error) {
	const op = "account.SetCostCentreActive"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.cost_centre.update")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.cost_centre.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			i := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == id })
			if i < 0 {
				return nil, storage.NotFound(op, "cost centre", id)
			}
			before := c.CostCentres[i]
			c.CostCentres[i].Active = active
			return audit.Diff(before, c.CostCentres[i]), nil
		})
}

// CostCentres lists the company's cost centres in creation order.
// Authorised: tenancy.ActView on the company.
func (s *Service) CostCentres(ctx context.Context, by tenancy.Actor, companyID string) (_ []CostCentre, err error) {
	ctx, uc := s.obs.Start(ctx, "account.CostCentres", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	c, err := s.Company(ctx, by, companyID)
	if err != nil {
		return nil, err
	}
	return c.CostCentres, nil
}

// AssignCostCentre sets userID's cost centre ("" clears it); the centre must
// exist (storage.ErrNotFound) and be active (*storage.ValidationError on
// "cost_centre_id"). Authorised: tenancy.ActEditSettings on the member.
// Audited "account.user.cost_centre.update".
func (s *Service) AssignCostCentre(ctx context.Context, by tenancy.Actor, companyID, userID, costCentreID string) (_ *User, err error) {
	const op = "account.AssignCostCentre"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.user.cost_centre.update")
	defer func() { uc.End(err) }()
	return s.updateUser(ctx, op, by, companyID, userID, tenancy.ActEditSettings, "account.user.cost_centre.update",
		func(_ context.Context, c *Company, u *User) ([]audit.Change, error) {
			if costCentreID != "" {
				i := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == costCentreID })
				if i < 0 {
					return nil, storage.NotFound(op, "cost centre", costCentreID)
				}
				if !c.CostCentres[i].Active {
					return nil, storage.Invalid(op, "cost_centre_id", "active", "cost centre is not active")
				}
			}
			before := cloneUser(u)
			u.CostCentreID = costCentreID
			return audit.Diff(before, u), nil
		})
}

// CostCentreName renames a cost centre.
type CostCentreName struct {
	Name string `json:"name" validate:"required,text,max=200"`
}

// RenameCostCentre gives cost centre id a new name (its code stays: the
// ledger and the host's books know it by ID and code). Authorised:
// tenancy.ActEditSettings. Errors: *storage.ValidationError (field "name");
// storage.ErrNotFound for an unknown centre. The same name changes
// nothing. Audited "account.cost_centre.update".
func (s *Service) RenameCostCentre(ctx context.Context, by tenancy.Actor, companyID, id string, in CostCentreName) (_ *Company, err error) {
	const op = "account.RenameCostCentre"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.cost_centre.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.cost_centre.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, in); err != nil {
				return nil, err
			}
			i := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == id })
			if i < 0 {
				return nil, storage.NotFound(op, "cost centre", id)
			}
			before := c.CostCentres[i]
			c.CostCentres[i].Name = in.Name
			return audit.Diff(before, c.CostCentres[i]), nil
		})
}

// DeleteCostCentre removes cost centre id. While users are assigned to it
// the deletion is refused (storage.ErrConflict, saying how many) unless
// reassignTo names another active centre of the company, to which they
// are all moved in the same transaction (each move audited
// "account.user.cost_centre.update"). Purchases and ledger entries booked
// to the centre do not count as use and are not moved: the ledger is
// append-only history (see the package docs), its entries keep the ID,
// licensing.Service.CostCentreSpend still reports what was spent on it,
// and this deletion's audit event keeps the centre's code and name.
// Authorised: tenancy.ActEditSettings. Errors: storage.ErrNotFound for an
// unknown centre; *storage.ValidationError (field "reassign_to") for a
// reassignment to itself, to an unknown or to an inactive centre. Audited
// "account.cost_centre.delete".
func (s *Service) DeleteCostCentre(ctx context.Context, by tenancy.Actor, companyID, id, reassignTo string) (_ *Company, err error) {
	const op = "account.DeleteCostCentre"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.cost_centre.delete")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.cost_centre.delete",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			i := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == id })
			if i < 0 {
				return nil, storage.NotFound(op, "cost centre", id)
			}
			if reassignTo != "" {
				j := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == reassignTo })
				switch {
				case reassignTo == id:
					return nil, storage.Invalid(op, "reassign_to", "other", "must be another cost centre")
				case j < 0:
					return nil, storage.Invalid(op, "reassign_to", "exists", "is not a cost centre of the company")
				case !c.CostCentres[j].Active:
					return nil, storage.Invalid(op, "reassign_to", "active", "cost centre is not active")
				}
			}
			users, err := s.store.CostCentreUsers(ctx, companyID, id)
			if err != nil {
				return nil, err
			}
			if len(users) > 0 && reassignTo == "" {
				return nil, storage.Conflict(op, "cost centre %s is assigned to %d users: reassign them first, or name a centre to move them to", id, len(users))
			}
			now := storage.Timestamp(s.clock.Now())
			for _, userID := range users {
				before, err := s.loadUser(ctx, companyID, userID)
				if err != nil {
					return nil, err
				}
				after := cloneUser(before)
				after.CostCentreID, after.UpdatedAt = reassignTo, now
				if err := s.saveUser(ctx, after); err != nil {
					return nil, err
				}
				if err := s.record(ctx, by, companyID, "account.user.cost_centre.update", "account.user", userID, audit.Diff(before, after)); err != nil {
					return nil, err
				}
			}
			removed := c.CostCentres[i]
			c.CostCentres = slices.Delete(c.CostCentres, i, i+1)
			changes := audit.Diff(removed, nil)
			if len(users) > 0 {
				changes = append(changes, audit.Set("reassigned_to", nil, reassignTo), audit.Set("reassigned_users", nil, len(users)))
			}
			return changes, nil
		})
}

// ActiveCostCentre reports whether costCentreID is an active cost centre
// of companyID: nil if so, else a *storage.ValidationError on field
// "cost_centre_id". It is licensing's cost-centre check
// (licensing.WithCostCentres), read in the purchase's transaction; it
// authorises nothing, the purchase being authorised already.
func (s *Service) ActiveCostCentre(ctx context.Context, companyID, costCentreID string) error {
	const op = "account.ActiveCostCentre"
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return storage.Reop(op, err)
	}
	i := slices.IndexFunc(c.CostCentres, func(x CostCentre) bool { return x.ID == costCentreID })
	switch {
	case i < 0:
		return storage.Invalid(op, "cost_centre_id", "exists", "is not a cost centre of the company")
	case !c.CostCentres[i].Active:
		return storage.Invalid(op, "cost_centre_id", "active", "cost centre is not active")
	}
	return nil
}
