package account

import (
	"context"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// UpdateProfile replaces the company data with p. Authorised:
// tenancy.ActEditSettings on the company (owner, administrators, the
// company's reseller, the platform; managers and operators are refused with
// storage.ErrForbidden). Validated: every rejected field is named in one
// *storage.ValidationError and nothing is stored. Audited as
// "account.profile.update" with a field-level diff.
func (s *Service) UpdateProfile(ctx context.Context, by tenancy.Actor, companyID string, p Profile) (_ *Company, err error) {
	const op = "account.UpdateProfile"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.profile.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&p)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.profile.update",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, p); err != nil {
				return nil, err
			}
			changes := audit.Diff(c.Profile, p)
			c.Profile = p
			return changes, nil
		})
}

// ValidateRequisites checks r with the real check rules and reports every
// wrong field (JSON names) in a *storage.ValidationError. A KPP exists only
// for organisations, so it is refused next to a 12-digit INN; accounts need
// a valid BIK to check their control key against.
func (s *Service) ValidateRequisites(ctx context.Context, r Requisites) error {
	storage.Normalize(&r)
	return s.validateRequisites(ctx, "account.ValidateRequisites", r)
}

func (s *Service) validateRequisites(ctx context.Context, op string, r Requisites) error {
	err := s.check(ctx, op, r)
	if len(r.INN) == 12 && r.KPP != "" && ValidINN(r.INN) {
		ve, _ := err.(*storage.ValidationError)
		if ve == nil {
			ve = &storage.ValidationError{Op: op}
		}
		ve.Add("kpp", "kpp_individual", "must be empty for an individual's 12-digit INN")
		return ve
	}
	return err
}

// UpdateRequisites replaces the company's requisites with r (authorised,
// validated, atomic and audited like UpdateProfile; action
// "account.requisites.update").
func (s *Service) UpdateRequisites(ctx context.Context, by tenancy.Actor, companyID string, r Requisites) (_ *Company, err error) {
	const op = "account.UpdateRequisites"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.requisites.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&r)
	out, err := s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.requisites.update",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.validateRequisites(ctx, op, r); err != nil {
				return nil, err
			}
			if err := s.storeTax(ctx, by, companyID, &r); err != nil {
				return nil, err
			}
			changes := audit.Diff(c.Requisites, r)
			c.Requisites = r
			return changes, nil
		})
	return out, err
}

// FillByINN looks inn up in the host's Registry and stores what it returns:
// INN and KPP into the requisites, legal address, postal code and city into
// the profile (fields the registry leaves empty are kept). The result is
// validated before anything is stored: a registry answer for another INN, or
// with an invalid INN or KPP, is refused with a *storage.ValidationError
// naming the field (prefixed "registry."). The legal name is returned but
// not stored (tenancy owns it).
//
// The lookup runs before the transaction (it is an external call and may be
// slow); the caller is authorised both before the lookup and again inside
// the transaction. Audited as "account.requisites.fill_by_inn".
func (s *Service) FillByINN(ctx context.Context, by tenancy.Actor, companyID, inn string) (_ *Company, _ RegistryRecord, err error) {
	const op = "account.FillByINN"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.requisites.fill_by_inn")
	defer func() { uc.End(err) }()
	inn = storage.NormalizeText(inn)
	if !ValidINN(inn) {
		return nil, RegistryRecord{}, storage.Invalid(op, "inn", TagINN, tagMessage(TagINN))
	}
	if s.registry == nil {
		return nil, RegistryRecord{}, storage.E(op, storage.ErrUnavailable, "no registry configured")
	}
	if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
		return nil, RegistryRecord{}, err
	}
	rec, err := s.registry.LookupINN(ctx, inn)
	if err != nil {
		return nil, RegistryRecord{}, err
	}
	ve := &storage.ValidationError{Op: op}
	if rec.INN != inn {
		ve.Add("registry.inn", "eqfield", "registry answered for another INN")
	}
	if rec.KPP != "" && (!ValidKPP(rec.KPP) || len(inn) == 12) {
		ve.Add("registry.kpp", TagKPP, tagMessage(TagKPP))
	}
	if len(rec.LegalAddress) > 500 {
		ve.Add("registry.legal_address", "max", "must be at most 500")
	}
	if len(rec.PostalCode) > 20 {
		ve.Add("registry.postal_code", "max", "must be at most 20")
	}
	if len(rec.City) > 100 {
		ve.Add("registry.city", "max", "must be at most 100")
	}
	if err := ve.Err(); err != nil {
		return nil, RegistryRecord{}, err
	}
	c, err := s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.requisites.fill_by_inn",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			r, p := c.Requisites, c.Profile
			r.INN, r.KPP = rec.INN, rec.KPP
			if rec.LegalAddress != "" {
				p.LegalAddress = rec.LegalAddress
			}
			if rec.PostalCode != "" {
				p.PostalCode = rec.PostalCode
			}
			if rec.City != "" {
				p.City = rec.City
			}
			if err := s.validateRequisites(ctx, op, r); err != nil {
				return nil, err
			}
			if err := s.storeTax(ctx, by, companyID, &r); err != nil {
				return nil, err
			}
			changes := append(audit.Diff(c.Requisites, r), audit.Diff(c.Profile, p)...)
			c.Requisites, c.Profile = r, p
			return changes, nil
		})
	if err != nil {
		return nil, RegistryRecord{}, err
	}
	return c, rec, nil
}
