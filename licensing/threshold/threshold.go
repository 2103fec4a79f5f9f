package threshold

// Hysteresis watches values of type T against Threshold; Compare orders two
// values like cmp.Compare (decimal.Decimal.Cmp, say).
type Hysteresis[T any] struct {
	Threshold T
	Compare   func(a, b T) int
}

// Step takes the stored armed flag and the new value and returns whether to
// fire now and the armed flag to store. A value exactly at the threshold
// counts as reached. A fresh watcher starts armed.
//
//	armed, value <= threshold  → fire, disarm
//	disarmed, value > threshold → re-arm (no fire)
//	otherwise                   → nothing changes
func (h Hysteresis[T]) Step(armed bool, value T) (fire, armedAfter bool) {
	below := h.Compare(value, h.Threshold) <= 0
	switch {
	case armed && below:
		return true, false
	case !armed && !below:
		return false, true
	}
	return false, armed
}
