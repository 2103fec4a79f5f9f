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
