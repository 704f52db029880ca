package notes_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/internal/testutil"
)

// countingStore counts the objects read.
type countingStore struct {
	gitstore.Store
	read int
}

func (s *countingStore) ReadObjects(ctx context.Context, hs []gitstore.Hash) (map[gitstore.Hash]gitstore.Object, error) {
	s.read += len(hs)
	return s.Store.ReadObjects(ctx, hs)
}

func fakeCommit(i int) gitstore.Hash {
	return gitstore.HashObject(gitstore.TypeCommit, fmt.Appendf(nil, "fake %d", i))
}

// canonical is the id of the normalized tree of want.
func canonical(t *testing.T, want map[gitstore.Hash][]byte) gitstore.Hash {
	t.Helper()
	final := map[gitstore.Hash]gitstore.Hash{}
	for c, data := range want {
		final[c] = gitstore.HashObject(gitstore.TypeBlob, data)
	}
	tree, _, err := notes.BuildTree(final, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func treeOf(t *testing.T, s gitstore.Store) gitstore.Hash {
	t.Helper()
	tip, err := s.ResolveRef(ctx, notesRef)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gitstore.ReadCommit(ctx, s, tip)
	if err != nil {
		t.Fatal(err)
	}
	return c.Tree
}

// TestIncrementalWrites sets and adds a few notes on a tree with one
// fanout level: only the trees on their paths are read, and the result is
// the tree a full rewrite makes.
func TestIncrementalWrites(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		cs := &countingStore{Store: s}
		n := notes.Notes{Store: cs, Ref: notesRef}
		want := map[gitstore.Hash][]byte{}
		for i := range 600 {
			want[fakeCommit(i)] = fmt.Appendf(nil, "note %d\n", i)
		}
		must(t, n.Add(ctx, want, "bulk", who))
		steps := []struct {
			name string
			set  bool
			m    map[gitstore.Hash][]byte
		}{
			{"set new", true, map[gitstore.Hash][]byte{fakeCommit(1000): []byte("new\n")}},
			{"set existing", true, map[gitstore.Hash][]byte{fakeCommit(5): []byte("replaced\n")}},
			{"add to existing", false, map[gitstore.Hash][]byte{fakeCommit(6): []byte("more\n"), fakeCommit(7): []byte("note 7\n")}},
			{"set several", true, map[gitstore.Hash][]byte{fakeCommit(1001): []byte("a\n"), fakeCommit(1002): []byte("b\n"), fakeCommit(8): []byte("c\n")}},
			{"unchanged", true, map[gitstore.Hash][]byte{fakeCommit(9): []byte("note 9\n")}},
		}
		for _, st := range steps {
			cs.read = 0
			if st.set {
				must(t, n.Set(ctx, st.m, st.name, who))
				maps.Copy(want, st.m)
			} else {
				must(t, n.Add(ctx, st.m, st.name, who))
				for c, data := range st.m {
					want[c] = notes.CatSortUniq(want[c], data)
				}
			}
			if cs.read > 20 {
				t.Errorf("%s: read %d objects, want the few on the notes' paths", st.name, cs.read)
			}
			if got, want := treeOf(t, s), canonical(t, want); got != want {
				t.Errorf("%s: notes tree %s, want the normalized %s", st.name, got, want)
			}
		}
		got, err := n.ReadAll(ctx)
		if err != nil || len(got) != len(want) {
			t.Fatalf("ReadAll = %d notes, %v; want %d", len(got), err, len(want))
		}
		for c, data := range want {
			if string(got[c]) != string(data) {
				t.Errorf("note of %s = %q, want %q", c, got[c], data)
			}
		}
		if repo != "" {
			testutil.Git(t, repo, "fsck", "--strict", "--no-dangling")
		}
	})
}

// TestIncrementalTwoLevels writes into a tree with two fanout levels (built
// by hand: a normalized tree needs 65,536 notes for that) and keeps them.
func TestIncrementalTwoLevels(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		b := gitstore.NewBatch(s)
		leaves := map[string][]gitstore.TreeEntry{}
		for i := range 40 {
			h := fakeCommit(i).String()
			leaves[h[:4]] = append(leaves[h[:4]], gitstore.TreeEntry{Name: h[4:], Mode: gitstore.ModeFile, Hash: b.AddBlob(fmt.Appendf(nil, "note %d\n", i))})
		}
		mids := map[string][]gitstore.TreeEntry{}
		for p, es := range leaves {
			mids[p[:2]] = append(mids[p[:2]], gitstore.TreeEntry{Name: p[2:], Mode: gitstore.ModeTree, Hash: mustH(b.AddTree(es))})
		}
		var root []gitstore.TreeEntry
		for p, es := range mids {
			root = append(root, gitstore.TreeEntry{Name: p, Mode: gitstore.ModeTree, Hash: mustH(b.AddTree(es))})
		}
		tip := mustH(b.AddCommit(&gitstore.Commit{Tree: mustH(b.AddTree(root)), Author: who, Committer: who, Message: "two levels\n"}))
		must(t, b.Flush(ctx))
		must(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: notesRef, New: tip}}))

		n := notes.Notes{Store: s, Ref: notesRef}
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{fakeCommit(3): []byte("three\n"), fakeCommit(100): []byte("hundred\n")}, "set", who))
		got, err := n.ReadAll(ctx)
		if err != nil || len(got) != 41 || string(got[fakeCommit(3)]) != "three\n" || string(got[fakeCommit(100)]) != "hundred\n" || string(got[fakeCommit(4)]) != "note 4\n" {
			t.Fatalf("ReadAll = %d notes, %v", len(got), err)
		}
		if repo != "" {
			for _, p := range strings.Fields(testutil.Git(t, repo, "ls-tree", "-r", "--name-only", notesRef)) {
				if len(p) != 42 || p[2] != '/' || p[5] != '/' {
					t.Fatalf("path %q in the notes tree: want two fanout levels kept", p)
				}
			}
			if out := testutil.Git(t, repo, "notes", "--ref=tracevault", "show", fakeCommit(100).String()); out != "hundred" {
				t.Errorf("git notes show = %q", out)
			}
			testutil.Git(t, repo, "fsck", "--strict", "--no-dangling")
		}
	})
}

// TestIncrementalFallsBack checks the writes that need the full rewrite: a
// removal (the tree may shrink to flat) and a flat note mixed into a
// fanout root (normalized away).
func TestIncrementalFallsBack(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		n := notes.Notes{Store: s, Ref: notesRef}
		want := map[gitstore.Hash][]byte{}
		for i := range 256 {
			want[fakeCommit(i)] = fmt.Appendf(nil, "note %d\n", i)
		}
		must(t, n.Add(ctx, want, "bulk", who))
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{fakeCommit(0): nil}, "remove", who))
		delete(want, fakeCommit(0))
		if got, want := treeOf(t, s), canonical(t, want); got != want {
			t.Errorf("after a removal: notes tree %s, want the flat %s", got, want)
		}

		// Mixed: fanout directories plus a flat copy of another note.
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{fakeCommit(0): []byte("back\n")}, "re-add", who))
		want[fakeCommit(0)] = []byte("back\n")
		b := gitstore.NewBatch(s)
		root := mustEntries(gitstore.ReadTree(ctx, s, treeOf(t, s)))
		flat := b.AddBlob([]byte("flat copy\n"))
		root = append(root, gitstore.TreeEntry{Name: fakeCommit(1).String(), Mode: gitstore.ModeFile, Hash: flat})
		old, _ := s.ResolveRef(ctx, notesRef)
		tip := mustH(b.AddCommit(&gitstore.Commit{Tree: mustH(b.AddTree(root)), Parents: []gitstore.Hash{old}, Author: who, Committer: who, Message: "mixed\n"}))
		must(t, b.Flush(ctx))
		must(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: notesRef, New: tip, Old: old}}))
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{fakeCommit(2): []byte("two\n")}, "set", who))
		want[fakeCommit(2)] = []byte("two\n")
		want[fakeCommit(1)] = []byte("flat copy\n\nnote 1\n") // variants joined in path order
		if got, want := treeOf(t, s), canonical(t, want); got != want {
			t.Errorf("after writing into a mixed tree: notes tree %s, want the normalized %s", got, want)
		}
		if repo != "" {
			testutil.Git(t, repo, "fsck", "--strict", "--no-dangling")
		}
	})
}

func mustEntries(es []gitstore.TreeEntry, err error) []gitstore.TreeEntry {
	if err != nil {
		panic(err)
	}
	return es
}
