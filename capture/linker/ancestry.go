package linker

import (
	"context"

	"github.com/tracevault/tracevault/gitstore"
)

// How far an ancestry walks in process before it asks git instead: each
// generation is one object-read exchange.
const (
	walkGenerations = 16
	walkCommits     = 256
)

// ancestry answers, for one commit being attributed, whether other commits
// are in its history (strict ancestors). The commits the spool's committed
// log names are nearly always recent ancestors (the previous commit, or a
// few before it), so it walks parents breadth-first through the store's
// batched object reads, one exchange per generation, and asks git
// (`merge-base --is-ancestor`) only when the walk ends without an answer:
// past walkGenerations or walkCommits, or at a commit it cannot read (a shallow
// boundary). Answers are memoised; errors count as no.
type ancestry struct {
	ctx      context.Context
	store    gitstore.Store
	hist     gitstore.History
	commit   gitstore.Hash
	seen     map[gitstore.Hash]bool // strict ancestors found so far
	frontier []gitstore.Hash        // seen commits whose parents are not read yet
	walked   int                    // commits read
	gens     int                    // exchanges
	stuck    bool                   // a read failed: the walk cannot be completed
	memo     map[gitstore.Hash]bool
}

// newAncestry starts from commit, whose parents are known.
func newAncestry(ctx context.Context, store gitstore.Store, hist gitstore.History, commit gitstore.Hash, parents []gitstore.Hash) *ancestry {
	a := &ancestry{ctx: ctx, store: store, hist: hist, commit: commit, seen: map[gitstore.Hash]bool{}, memo: map[gitstore.Hash]bool{}}
	a.add(parents)
	return a
}

func (a *ancestry) add(hs []gitstore.Hash) {
	for _, h := range hs {
		if !a.seen[h] {
			a.seen[h] = true
			a.frontier = append(a.frontier, h)
		}
	}
}

// has reports whether c is a strict ancestor of the commit.
func (a *ancestry) has(c gitstore.Hash) bool {
	if c == a.commit {
		return false
	}
	if v, ok := a.memo[c]; ok {
		return v
	}
	for !a.seen[c] && len(a.frontier) > 0 && !a.stuck && a.gens < walkGenerations && a.walked < walkCommits {
		a.step()
	}
	switch {
	case a.seen[c]:
		a.memo[c] = true
	case len(a.frontier) == 0 && !a.stuck:
		a.memo[c] = false // the whole history was walked
	default:
		ok, err := a.hist.IsAncestor(a.ctx, c, a.commit)
		a.memo[c] = err == nil && ok
	}
	return a.memo[c]
}

// step reads the frontier's commits and makes their parents the frontier.
func (a *ancestry) step() {
	a.gens++
	objs, err := a.store.ReadObjects(a.ctx, a.frontier)
	if err != nil {
		a.stuck = true
		return
	}
	next := a.frontier
	a.frontier = nil
	for _, h := range next {
		a.walked++
		o := objs[h]
		c, err := gitstore.ParseCommit(o.Data)
		if o.Type != gitstore.TypeCommit || err != nil {
			a.stuck = true
			return
		}
		a.add(c.Parents)
	}
}
