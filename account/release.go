package account

import (
	"context"
	"slices"

	"github.com/switchboardkit/switchboard/audit"
	"github.com/switchboardkit/switchboard/storage"
	"github.com/switchboardkit/switchboard/tenancy"
)

// Released is what ReleaseUser took from a departing user.
type Released struct {
	Options  []string `json:"options"`   // the organisation options unassigned, ascending
	SMSZones []string `json:"sms_zones"` // the SMS zones whose selected users no longer list the user
}

// ReleaseUser takes from userID everything account grants a member of
// companyID: its organisation options and its place among the selected
// users of every SMS zone. Tenancy (or the host) calls it when the user
// leaves the company, in RemoveMember's transaction
// (tenancy.WithMemberRemovedHook); the user need no longer be a member.
// Authorised: tenancy.ActEditSettings on the company, as AssignOption and
// SetSMSZone. Audited "account.org.option.unassign" per option and
// "account.sms.zone.update" when a zone changed. Atomic; releasing a user
// who holds nothing records nothing.
func (s *Service) ReleaseUser(ctx context.Context, by tenancy.Actor, companyID, userID string) (_ Released, err error) {
	const op = "account.ReleaseUser"
	ctx, uc := s.obs.Start(ctx, op, companyID, "account.org.option.unassign")
	defer func() { uc.End(err) }()
	var out Released
	err = storage.Reop(op, s.tx.InTx(ctx, func(ctx context.Context) error {
		out = Released{}
		if _, err := s.authorizeCompany(ctx, op, by, companyID, tenancy.ActEditSettings); err != nil {
			return err
		}
		if userID == "" {
			return storage.Invalid(op, "user_id", "required", "is required")
		}
		opts, err := s.store.UserOptions(ctx, companyID, userID)
		if err != nil {
			return err
		}
		for _, o := range opts {
			if err := s.store.Unassign(ctx, companyID, o, []string{userID}); err != nil {
				return err
			}
			if err := s.record(ctx, by, companyID, "account.org.option.unassign", "account.category_option", o,
				[]audit.Change{audit.Set("user_ids", []string{userID}, nil)}); err != nil {
				return err
			}
		}
		out.Options = opts
		_, err = s.updateCompany(ctx, op, by, companyID, tenancy.ActEditSettings, "account.sms.zone.update",
			func(_ context.Context, _ tenancy.CompanyRef, c *Company) ([]audit.Change, error) {
				var ch []audit.Change
				for i, z := range c.SMS.Zones {
					j, ok := slices.BinarySearch(z.Users, userID)
					if !ok {
						continue
					}
					users := slices.Delete(slices.Clone(z.Users), j, j+1)
					ch = append(ch, audit.Set("sms.zones."+z.Zone+".users", z.Users, users))
					c.SMS.Zones[i].Users = users
					out.SMSZones = append(out.SMSZones, z.Zone)
				}
				return ch, nil
			})
		return err
	}))
	return out, err
}
