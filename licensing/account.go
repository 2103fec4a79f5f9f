package licensing

import (
	"context"
	"maps"

	"github.com/shopspring/decimal"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Account returns companyID's licensing account (the default one if
// licensing never saw the company). Authorised: tenancy.ActView.
func (s *Service) Account(ctx context.Context, by tenancy.Actor, companyID string) (_ Account, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.Account", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, "licensing.Account", by, tenancy.ActView, companyID); err != nil {
		return Account{}, err
	}
	return s.account(ctx, companyID)
}

// SetAgreement replaces companyID's agreement: the unit price of each item
// the company may buy (items without a price cannot be bought). Authorised:
// tenancy.ActManageAffiliate. Validated: every item is a known license or
// subscription kind or a well-formed add-on code ("addon.<code>"), every
// price >= 0 with at most MinorUnits decimals (field "prices.<item>").
func (s *Service) SetAgreement(ctx context.Context, by tenancy.Actor, companyID string, prices map[Item]decimal.Decimal) (err error) {
	const op = "licensing.SetAgreement"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.agreement.set")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageAffiliate, companyID); err != nil {
			return err
		}
		verr := &storage.ValidationError{Op: op}
		clean := make(map[Item]decimal.Decimal, len(prices))
		for item, p := range prices {
			field := "prices." + string(item)
			if !item.Valid() {
				verr.Add(field, "item", "is not a license, subscription or add-on item")
				continue
			}
			checkAmount(verr, field, p, 0)
			clean[item] = norm(p)
		}
		if err := verr.Err(); err != nil {
			return err
		}
		acct, err := s.store.LockAccount(ctx, companyID)
		if err != nil {
			return err
		}
		before := acct.Prices
		acct.Prices = clean
		acct.UpdatedAt = storage.Timestamp(s.clock.Now())
		if err := s.store.SaveAccount(ctx, acct); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.agreement.set", "agreement", companyID,
			audit.Set("prices", before, clean))
	}))
}

// SetContract sets the contract companyID's plan runs under. Authorised:
// tenancy.ActManageAffiliate. Validated: a known kind; a fixed-term contract
// needs ends_at, in the future (by the service's clock) and at most
// MaxContractYears years ahead; an ongoing one must not have it.
func (s *Service) SetContract(ctx context.Context, by tenancy.Actor, companyID string, c Contract) (err error) {
	const op = "licensing.SetContract"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.contract.set")
	defer func() { uc.End(err) }()
	return storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActManageAffiliate, companyID); err != nil {
			return err
		}
		verr := &storage.ValidationError{Op: op}
		switch {
		case !c.Kind.Valid():
			verr.Add("kind", "oneof", "must be one of ongoing fixed_term")
		case c.Kind == ContractFixedTerm && c.EndsAt.IsZero():
			verr.Add("ends_at", "required_if", "is required for a fixed-term contract")
		case c.Kind == ContractOngoing && !c.EndsAt.IsZero():
			verr.Add("ends_at", "excluded_if", "must be empty for an ongoing contract")
		case c.Kind == ContractFixedTerm && !contractEndSane(c.EndsAt, s.clock.Now()):
			verr.Add("ends_at", "contract_end", contractEndMessage)
		}
		if err := verr.Err(); err != nil {
			return err
		}
		if !c.EndsAt.IsZero() {
			c.EndsAt = storage.Timestamp(c.EndsAt)
		}
		acct, err := s.store.LockAccount(ctx, companyID)
		if err != nil {
			return err
		}
		before := acct.Plan.Contract
		acct.Plan.Contract = c
		acct.UpdatedAt = storage.Timestamp(s.clock.Now())
		if err := s.store.SaveAccount(ctx, acct); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.contract.set", "plan", companyID, audit.Diff(before, c)...)
	}))
}

// PreviewPlanChange returns what ChangePlan would decide now, changing
// nothing. Authorised: tenancy.ActView.
func (s *Service) PreviewPlanChange(ctx context.Context, by tenancy.Actor, companyID string, to Tier) (_ Decision, err error) {
	ctx, uc := s.obs.Start(ctx, "licensing.PreviewPlanChange", companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if _, err := s.company(ctx, "licensing.PreviewPlanChange", by, tenancy.ActView, companyID); err != nil {
		return Decision{}, err
	}
	acct, err := s.account(ctx, companyID)
	if err != nil {
		return Decision{}, err
	}
	return DecidePlanChange(acct.Plan, to, s.clock.Now()), nil
}

// ChangePlan moves companyID to tier to if DecidePlanChange allows it, and
// returns the decision either way. Authorised: tenancy.ActPurchase. Errors:
// *storage.ValidationError (field "tier") for an unknown tier;
// storage.ErrConflict, with the refusing Decision, when the policy refuses
// (same tier, or a downgrade during a fixed-term contract). Audited.
func (s *Service) ChangePlan(ctx context.Context, by tenancy.Actor, companyID string, to Tier) (_ Decision, err error) {
	const op = "licensing.ChangePlan"
	ctx, uc := s.obs.Start(ctx, op, companyID, "licensing.plan.change")
	defer func() { uc.End(err) }()
	var d Decision
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.company(ctx, op, by, tenancy.ActPurchase, companyID); err != nil {
			return err
		}
		if !to.Valid() {
			d = Decision{To: to, Reason: ReasonUnknownTier}
			return storage.Invalid(op, "tier", "oneof", "must be one of light unlimited")
		}
		acct, err := s.store.LockAccount(ctx, companyID)
		if err != nil {
			return err
		}
		d = DecidePlanChange(acct.Plan, to, storage.Timestamp(s.clock.Now()))
		if !d.Allowed {
			return storage.Conflict(op, "plan change %s → %s refused: %s", d.From, d.To, d.Reason)
		}
		acct.Plan.Tier = to
		acct.UpdatedAt = d.EffectiveAt
		if err := s.store.SaveAccount(ctx, acct); err != nil {
			return err
		}
		return s.record(ctx, by, companyID, "licensing.plan.change", "plan", companyID,
			audit.Set("tier", d.From, d.To), audit.Set("reason", nil, d.Reason))
	}))
	return d, err
}

// cloneAccount deep-copies a (its price map), for stores.
func cloneAccount(a Account) Account {
	a.Prices = maps.Clone(a.Prices)
	if a.Prices == nil {
		a.Prices = map[Item]decimal.Decimal{}
	}
	return a
}

// CloneAccount returns a deep copy of a, for stores that keep values.
func CloneAccount(a Account) Account { return cloneAccount(a) }
