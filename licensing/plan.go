package licensing

import (
	"time"
)

// Tier is a plan tier ("gear package"). Tiers are ordered: Light < Unlimited.
type Tier string

// Plan tiers, from the smallest.
const (
	TierLight     Tier = "light"
	TierUnlimited Tier = "unlimited"
)

// rank orders tiers; 0 is unknown.
func (t Tier) rank() int {
	switch t {
	case TierLight:
		return 1
	case TierUnlimited:
		return 2
	}
	return 0
}

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t.rank() > 0 }

// ContractKind says how a company's contract runs.
type ContractKind string

// Contract kinds.
const (
	// ContractOngoing runs until cancelled; it allows downgrades.
	ContractOngoing ContractKind = "ongoing"
	// ContractFixedTerm runs until an end date; no downgrade before it.
	ContractFixedTerm ContractKind = "fixed_term"
)

// Valid reports whether k is a known contract kind.
func (k ContractKind) Valid() bool { return k == ContractOngoing || k == ContractFixedTerm }

// Contract is the agreement a plan runs under.
type Contract struct {
	Kind ContractKind `json:"kind"`
	// EndsAt is the end of a fixed-term contract (zero for ongoing). Once it
	// has passed, the contract continues as ongoing.
	EndsAt time.Time `json:"ends_at,omitzero"`
}

// fixedAt reports whether the contract binds at instant now.
func (c Contract) fixedAt(now time.Time) bool {
	return c.Kind == ContractFixedTerm && now.Before(c.EndsAt)
}

// Plan is a company's current tier and contract.
type Plan struct {
	Tier     Tier     `json:"tier"`
	Contract Contract `json:"contract"`
}

// Reason says why a plan change was allowed or refused.
type Reason string

// Reasons of a plan decision.
const (
	ReasonUpgrade          Reason = "upgrade"             // allowed, at once
	ReasonDowngradeOngoing Reason = "downgrade_ongoing"   // allowed, at once, under an ongoing contract
	ReasonFixedTerm        Reason = "fixed_term_contract" // refused: a fixed-term contract runs
	ReasonUnchanged        Reason = "unchanged"           // refused: already on that tier
	ReasonUnknownTier      Reason = "unknown_tier"        // refused: the target is no tier
)

// Decision is the plan-change policy's answer.
type Decision struct {
	From    Tier   `json:"from"`
	To      Tier   `json:"to"`
	Allowed bool   `json:"allowed"`
	Reason  Reason `json:"reason"`
	// EffectiveAt is when an allowed change takes effect (zero when refused).
	EffectiveAt time.Time `json:"effective_at,omitzero"`
	// NotBefore is, for a refusal because of a fixed-term contract, the
	// contract's end: the first instant the downgrade would be allowed.
	NotBefore time.Time `json:"not_before,omitzero"`
}

// DecidePlanChange is the plan-change policy: an upgrade
// is allowed at once; a downgrade is allowed at once under an ongoing
// contract (or a fixed-term one whose end has passed) and refused while a
// fixed-term contract runs; the same or an unknown tier is refused. It is
// pure: the Service applies it with its clock.
func DecidePlanChange(current Plan, to Tier, now time.Time) Decision {
	d := Decision{From: current.Tier, To: to}
	switch {
	case !to.Valid():
		d.Reason = ReasonUnknownTier
	case to == current.Tier:
		d.Reason = ReasonUnchanged
	case to.rank() > current.Tier.rank():
		d.Allowed, d.Reason, d.EffectiveAt = true, ReasonUpgrade, now
	case current.Contract.fixedAt(now):
		d.Reason, d.NotBefore = ReasonFixedTerm, current.Contract.EndsAt
	default:
		d.Allowed, d.Reason, d.EffectiveAt = true, ReasonDowngradeOngoing, now
	}
	return d
}
