package account

import (
	"context"
	"slices"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/storage/observe"
	"github.com/switchboardkit/switchboard/tenancy"
)

// SetSMSTypes sets which system SMS types are available (a subset of
// survey and response_group; duplicates are removed). Authorised:
// tenancy.ActEditSettings. Audited "account.sms.types.update".
func (s *Service) SetSMSTypes(ctx context.Context, by tenancy.Actor, companyID string, types []SMSType) (_ *Company, err error) {
	const op = "account.SetSMSTypes"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.sms.types.update")
	defer func() { uc.End(err) }()
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.sms.types.update",
		func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			ts := slices.Clone(types)
			slices.Sort(ts)
			ts = slices.Compact(ts)
			for _, t := range ts {
				if t != SMSSurvey && t != SMSResponseGroup {
					return nil, storage.Invalid(op, "types", "oneof", "must be survey or response_group")
				}
			}
			if slices.Equal(ts, c.SMS.Types) {
				return nil, nil
			}
			ch := audit.Set("sms.types", c.SMS.Types, ts)
			c.SMS.Types = ts
			return []audit.Change{ch}, nil
		})
}

// SetSMSZone sets the policy of one SMS zone: closed, open to all users, or
// to the selected users (who must be members of the company; the list is
// kept sorted without duplicates and is cleared for the other modes).
// Authorised: tenancy.ActEditSettings. Audited "account.sms.zone.update".
func (s *Service) SetSMSZone(ctx context.Context, by tenancy.Actor, companyID string, z SMSZone) (_ *Company, err error) {
	const op = "account.SetSMSZone"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.sms.zone.update")
	defer func() { uc.End(err) }()
	storage.Normalize(&z)
	return s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.sms.zone.update",
		func(ctx context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
			if err := s.check(ctx, op, z); err != nil {
				return nil, err
			}
			z.Users = slices.Clone(z.Users)
			if z.Access != ZoneSelected {
				z.Users = nil
			}
			slices.Sort(z.Users)
			z.Users = slices.Compact(z.Users)
			if err := s.requireMembers(ctx, op, "users", companyID, z.Users); err != nil {
				return nil, err
			}
			var before *SMSZone
			i := slices.IndexFunc(c.SMS.Zones, func(x SMSZone) bool { return x.Zone == z.Zone })
			if i >= 0 {
				b := c.SMS.Zones[i]
				before = &b
				c.SMS.Zones[i] = z
			} else {
				c.SMS.Zones = append(c.SMS.Zones, z)
				slices.SortFunc(c.SMS.Zones, func(a, b SMSZone) int {
					switch {
					case a.Zone < b.Zone:
						return -1
					case a.Zone > b.Zone:
						return 1
					}
					return 0
				})
			}
			var ch []audit.Change
			for _, d := range audit.Diff(before, &z) {
				d.Field = "sms.zones." + z.Zone + "." + d.Field
				ch = append(ch, d)
			}
			return ch, nil
		})
}

// MaySendSystemSMS answers "may userID send system SMS of type t to zone
// zone": t must be an available type and the zone open to all users or to
// userID among the selected ones. An unconfigured zone is closed.
// Authorised: tenancy.ActView on the member (the user asks for itself, or
// its manager / administrators).
func (s *Service) MaySendSystemSMS(ctx context.Context, by tenancy.Actor, companyID, userID string, t SMSType, zone string) (_ bool, err error) {
	const op = "account.MaySendSystemSMS"
	ctx, uc := s.obs.Start(ctx, op, companyID, observe.ActionRead)
	defer func() { uc.End(err) }()
	if err := s.authorizeMember(ctx, op, by, companyID, userID, tenancy.ActView); err != nil {
		return false, err
	}
	c, err := s.loadCompany(ctx, companyID)
	if err != nil {
		return false, err
	}
	if !slices.Contains(c.SMS.Types, t) {
		return false, nil
	}
	for _, z := range c.SMS.Zones {
		if z.Zone == zone {
			switch z.Access {
			case ZoneAll:
				return true, nil
			case ZoneSelected:
				_, ok := slices.BinarySearch(z.Users, userID)
				return ok, nil
			}
			return false, nil
		}
	}
	return false, nil
}
