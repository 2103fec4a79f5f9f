package licensing

import "time"

// MaxContractYears is how far ahead a fixed-term contract may end: a
// contract set to end in the past, or in 9999, is a typing error, not an
// agreement.
const MaxContractYears = 30

const contractEndMessage = "must be in the future and at most 30 years ahead"

// contractEndSane reports whether end is a plausible end of a fixed-term
// contract set at now: after now, and no later than MaxContractYears years
// after it.
func contractEndSane(end, now time.Time) bool {
	return end.After(now) && !end.After(now.AddDate(MaxContractYears, 0, 0))
}
