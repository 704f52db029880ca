package linker

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/memstore"
)

// countingHistory answers IsAncestor by a full walk and counts the calls
// (a git process each in the real store).
type countingHistory struct {
	gitstore.History
	store gitstore.Store
	calls int
}

func (h *countingHistory) IsAncestor(ctx context.Context, a, b gitstore.Hash) (bool, error) {
	h.calls++
	todo := []gitstore.Hash{b}
	seen := map[gitstore.Hash]bool{}
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		if c == a {
			return true, nil
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		cm, err := gitstore.ReadCommit(ctx, h.store, c)
		if err != nil {
			return false, err
		}
		todo = append(todo, cm.Parents...)
	}
	return false, nil
}

func TestAncestry(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	tree, err := gitstore.WriteTree(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	commit := func(msg string, parents ...gitstore.Hash) gitstore.Hash {
		who := gitstore.Signature{Name: "A", Email: "a@example.com", When: time.Unix(1700000000, 0)}
		h, err := gitstore.WriteCommit(ctx, s, &gitstore.Commit{Tree: tree, Parents: parents, Author: who, Committer: who, Message: msg + "\n"})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	// main: m0 .. m39, with a side branch s1, s2 forked at m30 and merged
	// into m35; other: o1 forked at m38.
	var m []gitstore.Hash
	var side []gitstore.Hash
	for i := range 40 {
		var parents []gitstore.Hash
		if i > 0 {
			parents = append(parents, m[i-1])
		}
		switch i {
		case 31:
			side = append(side, commit("s1", m[30]))
			side = append(side, commit("s2", side[0]))
		case 35:
			parents = append(parents, side[1])
		}
		m = append(m, commit(fmt.Sprint("m", i), parents...))
	}
	other := commit("o1", m[38])
	head := m[39]
	tests := []struct {
		name  string
		c     gitstore.Hash
		want  bool
		calls int // IsAncestor calls expected for this question alone
	}{
		{"parent", m[38], true, 0},
		{"itself", head, false, 0},
		{"recent", m[30], true, 0},
		{"merged side branch", side[0], true, 0},
		{"another branch", other, false, 1}, // 40 generations: past the walk's budget
		{"far back", m[0], true, 1},
		{"missing", gitstore.HashObject(gitstore.TypeBlob, []byte("x")), false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &countingHistory{store: s}
			cm, err := gitstore.ReadCommit(ctx, s, head)
			if err != nil {
				t.Fatal(err)
			}
			a := newAncestry(ctx, s, h, head, cm.Parents)
			if got := a.has(tt.c); got != tt.want || h.calls != tt.calls {
				t.Errorf("has(%s) = %v with %d git calls, want %v with %d", tt.name, got, h.calls, tt.want, tt.calls)
			}
			if got := a.has(tt.c); got != tt.want || h.calls != tt.calls {
				t.Errorf("has(%s) again = %v with %d git calls, want the memoised %v", tt.name, got, h.calls, tt.want)
			}
		})
	}
	// A short history is walked to its root: no git call for a non-ancestor.
	h := &countingHistory{store: s}
	cm, _ := gitstore.ReadCommit(ctx, s, m[5])
	if got := newAncestry(ctx, s, h, m[5], cm.Parents).has(other); got || h.calls != 0 {
		t.Errorf("has(other) from m5 = %v with %d git calls, want false with 0", got, h.calls)
	}
}
