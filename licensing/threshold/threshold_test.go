package threshold_test

import (
	"cmp"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/switchboardkit/switchboard/licensing/threshold"
)

func TestStep(t *testing.T) {
	h := threshold.Hysteresis[int]{Threshold: 0, Compare: cmp.Compare[int]}
	cases := []struct {
		armed      bool
		value      int
		fire, next bool
	}{
		{true, 5, false, true},
		{true, 0, true, false}, // exactly at the threshold counts
		{true, -3, true, false},
		{false, -3, false, false}, // still below: no repeat
		{false, 0, false, false},  // at the threshold is not "back above"
		{false, 1, false, true},   // re-armed
	}
	for _, c := range cases {
		fire, next := h.Step(c.armed, c.value)
		assert.Equal(t, c.fire, fire, "%+v", c)
		assert.Equal(t, c.next, next, "%+v", c)
	}
}

// Property: over a random walk, it fires exactly once per downward crossing.
func TestFiresOncePerCrossing(t *testing.T) {
	h := threshold.Hysteresis[int]{Threshold: 10, Compare: cmp.Compare[int]}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		armed, v, fires, crossings := true, 20, 0, 0
		above := true
		for range 300 {
			v += r.IntN(11) - 5
			if above && v <= 10 {
				crossings++
			}
			above = v > 10
			var fire bool
			fire, armed = h.Step(armed, v)
			if fire {
				fires++
			}
		}
		assert.Equal(t, crossings, fires)
	}
}
