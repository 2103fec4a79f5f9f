package audit

import (
	"crypto/sha256"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// emptyRoot is the RFC 6962 hash of the empty tree: SHA-256 of nothing.
var emptyRoot = tlog.Hash(sha256.Sum256(nil))

// frontier is the right edge of an RFC 6962 tree of n leaves: the roots of
// its perfect subtrees, largest (leftmost) first, one per set bit of n.
// Appending a leaf and computing the root need nothing else, so a seal
// extends the tree without reading it and Verify recomputes it in one pass.
type frontier struct {
	n     int64
	nodes []tlog.Hash
}

func newFrontier(h Head) (frontier, error) {
	f := frontier{n: h.Size, nodes: append([]tlog.Hash(nil), h.Frontier...)}
	if want := popcount(h.Size); len(f.nodes) != want {
		return f, fmt.Errorf("head of size %d carries %d frontier hashes, not %d", h.Size, len(f.nodes), want)
	}
	if h.Size > 0 && f.root() != h.Root {
		return f, fmt.Errorf("head's frontier does not hash to its root")
	}
	return f, nil
}

func popcount(n int64) int {
	c := 0
	for ; n > 0; n &= n - 1 {
		c++
	}
	return c
}

// push appends a leaf hash.
func (f *frontier) push(leaf tlog.Hash) {
	f.nodes = append(f.nodes, leaf)
	for m := f.n; m&1 == 1; m >>= 1 {
		k := len(f.nodes)
		f.nodes[k-2] = tlog.NodeHash(f.nodes[k-2], f.nodes[k-1])
		f.nodes = f.nodes[:k-1]
	}
	f.n++
}

// root is the tree hash of the leaves pushed so far.
func (f *frontier) root() tlog.Hash {
	if len(f.nodes) == 0 {
		return emptyRoot
	}
	r := f.nodes[len(f.nodes)-1]
	for i := len(f.nodes) - 2; i >= 0; i-- {
		r = tlog.NodeHash(f.nodes[i], r)
	}
	return r
}

// memTree holds every stored hash (tlog's layout) of a tree built in
// memory from its leaf hashes, for proofs.
type memTree struct {
	n      int64
	hashes []tlog.Hash
}

func (t *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("hash %d not in a tree of %d leaves", x, t.n)
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

func (t *memTree) push(leaf tlog.Hash) error {
	hs, err := tlog.StoredHashesForRecordHash(t.n, leaf, t)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.n++
	return nil
}
