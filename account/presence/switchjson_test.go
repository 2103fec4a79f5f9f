package presence

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/switchboardkit/switchboard/audit"
)

// TestSwitchJSONIsMarshal checks the hand encoding of switches and their
// audit changes against encoding/json, on plain and awkward values.
func TestSwitchJSONIsMarshal(t *testing.T) {
	strs := []string{"", "01JD0000000000000000000000", "a b", `q"uote`, `back\slash`, "<tag>", "a&b", "tab\t", "é", "\u2028", "\xff", "~"}
	kolkata := time.FixedZone("x", 5*3600+30*60)
	odd := time.FixedZone("odd", 3600+7)
	times := []time.Time{
		time.Date(2026, 11, 20, 9, 10, 0, 0, time.UTC),
		time.Date(2026, 11, 20, 9, 10, 0, 123456000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2026, 3, 29, 1, 0, 0, 0, kolkata),
		time.Date(2026, 3, 29, 1, 0, 0, 0, odd),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	}
	r := rand.New(rand.NewPCG(1, 2))
	pick := func() string { return strs[r.IntN(len(strs))] }
	var atMemo, appliedMemo timeMemo // shared by the switches, as one batch's are
	for range 2000 {
		sw := Switch{CompanyID: pick(), UserID: pick(), From: pick(), To: pick(),
			At: times[r.IntN(len(times))], AppliedAt: times[r.IntN(len(times))]}
		want, werr := json.Marshal(&sw)
		got, err := switchJSON(&sw)
		if werr != nil {
			require.Error(t, err)
		} else {
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), "%+v", sw)
			_, batched, err := appendSwitchJSON(nil, &sw, &atMemo, &appliedMemo)
			require.NoError(t, err)
			require.Equal(t, string(want), string(batched), "%+v", sw)
		}
		if _, err := json.Marshal(sw.At); err != nil {
			continue // audit.Set panics on it, as the hand form falls back to it
		}
		assert.Equal(t, []audit.Change{audit.Set("pause_type_id", sw.From, sw.To), audit.Set("at", nil, sw.At)}, switchChanges(&sw))
		_, _, batched := appendSwitchChanges(nil, nil, &sw, &atMemo)
		assert.Equal(t, []audit.Change{audit.Set("pause_type_id", sw.From, sw.To), audit.Set("at", nil, sw.At)}, batched)
	}
}
