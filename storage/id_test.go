package storage

import (
	"regexp"
	"testing"
)

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestNewIDsIncrease checks that NewIDs gives well-formed UUIDv7 strings,
// distinct and increasing, interleaved with NewID's in call order.
func TestNewIDsIncrease(t *testing.T) {
	var all []string
	for i := range 50 {
		all = append(all, NewID())
		all = append(all, NewIDs(i)...)
	}
	if got := NewIDs(0); got != nil {
		t.Errorf("NewIDs(0) = %v, want nil", got)
	}
	for i, id := range all {
		if !uuidV7.MatchString(id) {
			t.Fatalf("id %d = %q is not a UUIDv7", i, id)
		}
		if i > 0 && id <= all[i-1] {
			t.Fatalf("id %d = %q does not sort after %q", i, id, all[i-1])
		}
	}
}
