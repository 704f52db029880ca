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
	// The records of each chain not read for verification this run, read
	// in one batch.
	var need []gitstore.Hash
	for _, c := range chains {
		all := c.Commits()
		need = append(need, all[:len(all)-len(c.records)]...)
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
		all := c.Commits()
		for _, h := range all[:len(all)-len(c.records)] {
			if e := bad[h]; e != nil && c.Err == nil {
				c.Err = fmt.Errorf("%s: %w", c.Ref, e)
			}
			if st := read[h]; st != nil {
				cr.Records = append(cr.Records, st)
			}
		}
		for i := range c.records {
			cr.Records = append(cr.Records, &c.records[i])
		}
		out = append(out, cr)
	}
	return out, nil
}
