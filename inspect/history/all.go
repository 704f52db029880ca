package history

import (
	"context"
	"fmt"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// ChainRecords are the records of one chain, in sequence order.
type ChainRecords struct {
	Chain   *Chain
	Records []*record.Stored
}

// AllRecords reads every record of every writer chain: each chain is
// verified (or its verification taken from the cache), and the records of
// chains whose verification was cached are read in one batched read.
// progress, if not nil, is called with the number of chains done.
func (r *Reader) AllRecords(ctx context.Context, progress func(int)) ([]ChainRecords, error) {
	chains, err := r.Chains(ctx)
	if err != nil {
		return nil, err
	}
	var need []gitstore.Hash
	for _, c := range chains {
		if c.records == nil {
			need = append(need, c.Commits...)
		}
		if progress != nil {
			progress(1)
		}
	}
	read, bad, err := ReadRecords(ctx, r.Store, need)
	if err != nil {
		return nil, err
	}
	out := make([]ChainRecords, 0, len(chains))
	for _, c := range chains {
		cr := ChainRecords{Chain: c}
		if c.records != nil {
			for i := range c.records {
				cr.Records = append(cr.Records, &c.records[i])
			}
		} else {
			for _, h := range c.Commits {
				if e := bad[h]; e != nil && c.Err == nil {
					c.Err = fmt.Errorf("%s: %w", c.Ref, e)
				}
				if st := read[h]; st != nil {
					cr.Records = append(cr.Records, st)
				}
			}
		}
		out = append(out, cr)
	}
	return out, nil
}
