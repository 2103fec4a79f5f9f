package licensing

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"

	"github.com/switchboardkit/switchboard/storage"
)

func TestDecidePlanChange(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	ongoing := Contract{Kind: ContractOngoing}
	fixed := Contract{Kind: ContractFixedTerm, EndsAt: now.AddDate(0, 6, 0)}
	expired := Contract{Kind: ContractFixedTerm, EndsAt: now.Add(-time.Second)}
	endsNow := Contract{Kind: ContractFixedTerm, EndsAt: now}
	tests := []struct {
		name      string
		plan      Plan
		to        Tier
		allowed   bool
		reason    Reason
		notBefore time.Time
	}{
		{"upgrade ongoing", Plan{TierLight, ongoing}, TierUnlimited, true, ReasonUpgrade, time.Time{}},
		{"upgrade during fixed term", Plan{TierLight, fixed}, TierUnlimited, true, ReasonUpgrade, time.Time{}},
		{"downgrade ongoing", Plan{TierUnlimited, ongoing}, TierLight, true, ReasonDowngradeOngoing, time.Time{}},
		{"downgrade during fixed term", Plan{TierUnlimited, fixed}, TierLight, false, ReasonFixedTerm, fixed.EndsAt},
		{"downgrade after fixed term ended", Plan{TierUnlimited, expired}, TierLight, true, ReasonDowngradeOngoing, time.Time{}},
		{"downgrade at the very end", Plan{TierUnlimited, endsNow}, TierLight, true, ReasonDowngradeOngoing, time.Time{}},
		{"same tier", Plan{TierLight, ongoing}, TierLight, false, ReasonUnchanged, time.Time{}},
		{"unknown tier", Plan{TierLight, ongoing}, "platinum", false, ReasonUnknownTier, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := DecidePlanChange(tc.plan, tc.to, now)
			assert.Equal(t, tc.allowed, d.Allowed)
			assert.Equal(t, tc.reason, d.Reason)
			assert.Equal(t, tc.notBefore, d.NotBefore)
			if tc.allowed {
				assert.Equal(t, now, d.EffectiveAt, "changes take effect at once")
			} else {
				assert.True(t, d.EffectiveAt.IsZero())
			}
		})
	}
}

func TestCheckAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		sign int
		rule string // "" when accepted
	}{
		{"1.00", 1, ""},
		{"1.500", 1, ""},
		{"0.01", 1, ""},
		{"1.005", 1, "precision"},
		{"0.001", 2, "precision"},
		{"0", 1, "gt"},
		{"-1", 1, "gt"},
		{"0", 0, ""},
		{"-0.01", 0, "gte"},
		{"-3.25", -2, ""},
		{"0", -2, "ne"},
		{"1000000000000000", 2, "max"},
		{"999999999999999.99", 2, ""},
	}
	for _, tc := range tests {
		verr := &storage.ValidationError{}
		checkAmount(verr, "amount", decimal.RequireFromString(tc.in), tc.sign)
		if tc.rule == "" {
			assert.NoError(t, verr.Err(), tc.in)
			continue
		}
		f, ok := verr.Field("amount")
		if assert.True(t, ok, tc.in) {
			assert.Equal(t, tc.rule, f.Rule, tc.in)
		}
	}
}

func TestItemValid(t *testing.T) {
	t.Parallel()
	for item, want := range map[Item]bool{
		"license.pro": true, "license.mobile": true, "subscription.mobile": true, "subscription.landline": true,
		"addon.call-recording_2": true, "license.gold": false, "subscription.fax": false, "addon.": false,
		"addon.Upper": false, "addon.-x": false, "pro": false, "": false,
	} {
		assert.Equal(t, want, item.Valid(), string(item))
	}
}
