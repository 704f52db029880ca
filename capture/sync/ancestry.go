package sync

import (
	"context"
	"errors"

	"github.com/tracevault/tracevault/gitstore"
)

// walkLimit bounds the first-parent walks relate makes in-process before
// it asks `git merge-base`.
const walkLimit = 64

type relation int

const (
	same relation = iota
	behind
	ahead
	forked
)

// relate says how the local tip l stands to the remote's tip r (either
// may be zero: absent). Chains and notes usually differ by a few commits,
// so it first walks first parents from each tip through the store's
// object reader (no new process); only when neither walk settles it does
// it run `git merge-base`.
func (s *syncer) relate(ctx context.Context, l, r gitstore.Hash) (relation, error) {
	switch {
	case l == r:
		return same, nil
	case l.IsZero():
		return behind, nil
	case r.IsZero():
		return ahead, nil
	}
	found, rAll, err := s.walk(ctx, r, l)
	if err != nil || found {
		return behind, err
	}
	found, lAll, err := s.walk(ctx, l, r)
	if err != nil || found {
		return ahead, err
	}
	if rAll && lAll {
		return forked, nil // both histories walked completely
	}
	base, err := s.repo.MergeBase(ctx, l, r)
	switch {
	case errors.Is(err, gitstore.ErrNotFound):
		return forked, nil // unrelated histories
	case err != nil:
		return same, err
	case base == l:
		return behind, nil
	case base == r:
		return ahead, nil
	}
	return forked, nil
}

// walk follows first parents from tip for up to walkLimit commits looking
// for want. all reports that the walk reached a root through commits with
// one parent each, so tip's ancestors are exactly the commits seen: want
// is then not an ancestor. A missing object ends the walk without error.
func (s *syncer) walk(ctx context.Context, tip, want gitstore.Hash) (found, all bool, err error) {
	h := tip
	for range walkLimit {
		if h == want {
			return true, false, nil
		}
		t, data, err := s.repo.ReadObject(ctx, h)
		if errors.Is(err, gitstore.ErrNotFound) {
			return false, false, nil
		}
		if err != nil {
			return false, false, err
		}
		if t != gitstore.TypeCommit {
			return false, false, nil
		}
		c, err := gitstore.ParseCommit(data)
		if err != nil {
			return false, false, nil // let git decide
		}
		switch len(c.Parents) {
		case 0:
			return false, true, nil
		case 1:
			h = c.Parents[0]
		default: // a merge (notes histories): check its parents only
			for _, p := range c.Parents {
				if p == want {
					return true, false, nil
				}
			}
			return false, false, nil
		}
	}
	return false, false, nil
}
