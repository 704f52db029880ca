package seal

import (
	"context"
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// A frontier holds, for a tree of n leaves, the hash of the last complete
// subtree at each level whose bit is set in n: exactly the hashes needed to
// extend the tree by one leaf and to compute its root. Appending leaves
// through a frontier yields the same stored hashes as tlog.StoredHashes,
// without reading the store.
type frontier struct {
	n int64
	h [64]tlog.Hash
}

// frontierIndexes returns the stored-hash indexes a frontier of n leaves
// holds, lowest level first.
func frontierIndexes(n int64) []int64 {
	var idx []int64
	for l := 0; l < 63; l++ {
		if n>>l&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(l, n>>l-1))
		}
	}
	return idx
}

// loadFrontier reads the frontier of org's tree of n leaves from r.
func loadFrontier(ctx context.Context, r HashReader, org string, n int64) (*frontier, error) {
	f := &frontier{n: n}
	idx := frontierIndexes(n)
	if len(idx) == 0 {
		return f, nil
	}
	hs, err := r.ReadHashes(ctx, org, idx)
	if err != nil {
		return nil, fmt.Errorf("reading tree frontier of size %d: %w", n, err)
	}
	if len(hs) != len(idx) {
		return nil, fmt.Errorf("reading tree frontier of size %d: store returned %d hashes for %d indexes", n, len(hs), len(idx))
	}
	for i, k := range idx {
		level, _ := tlog.SplitStoredHashIndex(k)
		f.h[level] = hs[i]
	}
	return f, nil
}

// append adds a leaf with hash h and appends the hashes to store for it
// (those at stored-hash indexes tlog.StoredHashCount(n) onwards) to dst.
func (f *frontier) append(h tlog.Hash, dst []tlog.Hash) []tlog.Hash {
	for l := 0; ; l++ {
		dst = append(dst, h)
		if f.n>>l&1 == 0 {
			f.h[l] = h
			break
		}
		h = tlog.NodeHash(f.h[l], h)
	}
	f.n++
	return dst
}

// root returns the Merkle tree hash of the frontier's n leaves.
func (f *frontier) root() tlog.Hash {
	if f.n == 0 {
		h, _ := tlog.TreeHash(0, nil) // the hash of the empty tree
		return h
	}
	low := bits.TrailingZeros64(uint64(f.n))
	r := f.h[low]
	for l := low + 1; l < 63; l++ {
		if f.n>>l&1 == 1 {
			r = tlog.NodeHash(f.h[l], r)
		}
	}
	return r
}
