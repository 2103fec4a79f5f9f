package audit

import "golang.org/x/mod/sumdb/tlog"

// LeafHashForTest is the reusable-buffer leaf hash Verify uses.
func LeafHashForTest(e *Event) tlog.Hash {
	var h leafHasher
	h.hash(e)
	return h.hash(e)
}
