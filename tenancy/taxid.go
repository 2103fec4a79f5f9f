package tenancy

import (
	"context"
	"errors"

	"github.com/switchboardkit/switchboard/storage"
)

// TaxIdentity is a company's INN and KPP, kept once, on its Company
// (TaxID and KPP), where company search finds them.
type TaxIdentity struct {
	INN string `json:"inn" validate:"omitempty,text,max=12,inn"`
	KPP string `json:"kpp" validate:"omitempty,text,max=9,kpp"`
}

// SetTaxIdentity sets companyID's INN (Company.TaxID) and KPP. The rules:
//
//   - the platform sets and changes both;
//   - the company (ActEditSettings: its owner and administrators, its
//     reseller) gives its INN while it has none — self-registration, or a
//     fill from the state registry — and changes its KPP at any time (an
//     organisation moving to another tax office gets a new one); once an
//     INN is set only the platform changes or removes it (field "inn");
//   - a KPP exists only next to an organisation's 10-digit INN (field
//     "kpp": refused alone or next to an individual's 12-digit INN).
//
// Errors: *storage.ValidationError for a malformed INN (check digits) or
// KPP, or a rule above. Setting what is there changes nothing. Audited
// "tenancy.company.tax_identity" with the fields that changed.
func (s *Service) SetTaxIdentity(ctx context.Context, by Actor, companyID string, in TaxIdentity) (_ Company, err error) {
	const op = "tenancy.SetTaxIdentity"
	ctx, uc := s.obs.Start(ctx, op, companyID, "tenancy.company.tax_identity")
	defer func() { uc.End(err) }()
	storage.Normalize(&in)
	if err := s.validate(ctx, op, &in); err != nil {
		return Company{}, err
	}
	var same Company
	out, err := s.updateCompany(ctx, op, by, companyID, ActEditSettings, "tenancy.company.tax_identity", func(_ context.Context, c *Company) error {
		if c.TaxID == in.INN && c.KPP == in.KPP {
			same = *c
			return errUnchanged
		}
		if !by.IsPlatform() && c.TaxID != "" && in.INN != c.TaxID {
			return storage.Invalid(op, "inn", "platform", "only the platform changes a company's INN once it is set")
		}
		if in.KPP != "" && len(in.INN) != 10 {
			return storage.Invalid(op, "kpp", "kpp_organisation", "exists only next to an organisation's 10-digit INN")
		}
		c.TaxID, c.KPP = in.INN, in.KPP
		return nil
	})
	if errors.Is(err, errUnchanged) {
		return same, nil
	}
	return out, err
}

// errUnchanged rolls back a company update that would change nothing.
var errUnchanged = errors.New("tenancy: unchanged")
