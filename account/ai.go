package account

import (
	"context"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

func (s *Service) aiInfo(f AIFeature) (AIFeatureInfo, bool) {
	for _, i := range s.ai {
		if i.Feature == f {
			return i, true
		}
	}
	return AIFeatureInfo{}, false
}

// AIFeatures returns the catalogue the Service was configured with.
func (s *Service) AIFeatures() []AIFeatureInfo { return append([]AIFeatureInfo(nil), s.ai...) }

// AIState returns feature's state in c (disabled when never set).
func (c *Company) AIState(f AIFeature) AIState {
	for _, st := range c.AI {
		if st.Feature == f {
			return st
		}
	}
	return AIState{Feature: f}
}

// SetAIFeature switches feature on or off. Enabling a feature marked
// OutsideEU needs consent (the version of the consent text the actor agreed
// to); the Service records who gave it and when, and a later enable records
// a fresh consent. Disabling keeps the last consent record for reference.
// Authorised: tenancy.ActEditSettings. Errors: an unknown feature or a
// missing consent is a *storage.ValidationError ("feature", "consent").
// Audited "account.ai.update".
func (s *Service) SetAIFeature(ctx context.Context, by tenancy.Actor, companyID string, feature AIFeature, enabled bool, consent *Consent) (_ *Company, err error) {
	const op = "account.SetAIFeature"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.ai.update")
	defer func() { uc.End(err) }()
	if consent != nil {
		c := *consent // the caller's value stays as given
		storage.Normalize(&c)
		consent = &c
	}
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.ai.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			info, ok := s.aiInfo(feature)
			if !ok {
				return nil, storage.Invalid(op, "feature", "oneof", "is not a known AI feature")
			}
			before := c.AIState(feature)
			after := before
			after.Enabled = enabled
			if enabled && info.OutsideEU {
				if consent == nil {
					return nil, storage.Invalid(op, "consent", "required", "is required: the feature may process data outside the EU")
				}
				if err := s.check(ctx, op, *consent); err != nil {
					return nil, err
				}
				after.Consent = &ConsentRecord{UserID: by.UserID, GivenAt: storage.Timestamp(s.clock.Now()), TextVersion: consent.TextVersion}
			}
			if before.Enabled == after.Enabled && after.Consent == before.Consent {
				return nil, nil
			}
			replaced := false
			for i := range c.AI {
				if c.AI[i].Feature == feature {
					c.AI[i], replaced = after, true
				}
			}
			if !replaced {
				c.AI = append(c.AI, after)
			}
			changes := []audit.Change{audit.Set(string(feature)+".enabled", before.Enabled, after.Enabled)}
			if after.Consent != before.Consent {
				changes = append(changes, audit.Set(string(feature)+".consent", before.Consent, after.Consent))
			}
			return changes, nil
		})
}

// AIFeatureEnabled reports whether feature is on for companyID. Authorised:
// tenancy.ActView on the company (any member who sees company data; hosts
// ask before calling the AI provider).
func (s *Service) AIFeatureEnabled(ctx context.Context, by tenancy.Actor, companyID string, feature AIFeature) (_ bool, err error) {
	const op = "account.AIFeatureEnabled"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	ref, err := s.company(ctx, companyID)
	if err != nil {
		return false, storage.Reop(op, err)
	}
	res := ref.Resource()
	if by.CompanyID == companyID && by.UserID != "" {
		res.UserID = by.UserID // operators may ask for themselves
	}
	if err := tenancy.AuthorizeIn(ctx, s.dir, op, by, tenancy.ActView, res); err != nil {
		return false, err
	}
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return false, err
	}
	return c.AIState(feature).Enabled, nil
}
