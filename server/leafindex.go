package server

import (
	"context"
	"sync"

	"github.com/tracevault/tracevault/seal"
)

// leafIndex maps record hashes to the seal leaves that seal them, per org,
// built incrementally from the stored leaves (which never change), so
// inclusion proofs can be asked for by record.
type leafIndex struct {
	mu sync.Mutex
	m  map[string]*orgLeaves
}

type orgLeaves struct {
	size   int64
	byHash map[[32]byte]int64
}

// lookup returns the index of the first leaf sealing the record with
// SHA-256 h, or -1.
func (li *leafIndex) lookup(ctx context.Context, hs seal.HashStore, org string, h [32]byte) (int64, error) {
	li.mu.Lock()
	defer li.mu.Unlock()
	if li.m == nil {
		li.m = map[string]*orgLeaves{}
	}
	ol := li.m[org]
	if ol == nil {
		ol = &orgLeaves{byHash: map[[32]byte]int64{}}
		li.m[org] = ol
	}
	if i, ok := ol.byHash[h]; ok {
		return i, nil
	}
	n, err := hs.Size(ctx, org)
	if err != nil {
		return 0, err
	}
	const chunk = 4096
	for ol.size < n {
		end := min(ol.size+chunk, n)
		leaves, err := hs.ReadLeaves(ctx, org, ol.size, end)
		if err != nil {
			return 0, err
		}
		for k, b := range leaves {
			lf, err := seal.ParseLeaf(b)
			if err != nil || lf.Index != ol.size+int64(k) {
				continue // a damaged leaf seals nothing; Audit names it
			}
			if _, dup := ol.byHash[lf.Record]; !dup {
				ol.byHash[lf.Record] = lf.Index
			}
		}
		ol.size = end
	}
	if i, ok := ol.byHash[h]; ok {
		return i, nil
	}
	return -1, nil
}
