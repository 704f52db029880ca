package gitcli_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/internal/testutil"
)

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func commitAll(t *testing.T, dir, msg string) gitstore.Hash {
	t.Helper()
	testutil.Git(t, dir, "add", "-A")
	testutil.Git(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	h, err := gitstore.ParseHash(testutil.Git(t, dir, "rev-parse", "HEAD"))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHistory(t *testing.T) {
	repo := testutil.NewRepo(t)
	s := open(t, repo)
	c1 := commitAll(t, repo, "one")
	testutil.Git(t, repo, "checkout", "-q", "-b", "side")
	c2 := commitAll(t, repo, "two")
	testutil.Git(t, repo, "checkout", "-q", "main")
	c3 := commitAll(t, repo, "three")

	if ok, err := s.IsAncestor(ctx, c1, c2); err != nil || !ok {
		t.Errorf("IsAncestor(c1, c2) = %v, %v; want true", ok, err)
	}
	if ok, err := s.IsAncestor(ctx, c2, c3); err != nil || ok {
		t.Errorf("IsAncestor(c2, c3) = %v, %v; want false", ok, err)
	}
	if mb, err := s.MergeBase(ctx, c2, c3); err != nil || mb != c1 {
		t.Errorf("MergeBase(c2, c3) = %s, %v; want %s", mb, err, c1)
	}
	testutil.Git(t, repo, "checkout", "-q", "--orphan", "lonely")
	c4 := commitAll(t, repo, "orphan")
	if _, err := s.MergeBase(ctx, c4, c3); !errors.Is(err, gitstore.ErrNotFound) {
		t.Errorf("MergeBase(unrelated) = %v, want ErrNotFound", err)
	}
	got, err := s.RevList(ctx, gitstore.RevQuery{Include: []gitstore.Hash{c2, c3}, Exclude: []gitstore.Hash{c1}})
	if err != nil || len(got) != 2 {
		t.Errorf("RevList(c2 c3 ^c1) = %v, %v; want 2 commits", got, err)
	}
	got, err = s.RevList(ctx, gitstore.RevQuery{Include: []gitstore.Hash{c3}, Limit: 1})
	if err != nil || len(got) != 1 || got[0] != c3 {
		t.Errorf("RevList(c3, limit 1) = %v, %v; want [c3]", got, err)
	}
}

func TestDiffTree(t *testing.T) {
	repo := testutil.NewRepo(t)
	s := open(t, repo)
	long := strings.Repeat("shared line\n", 20)
	write(t, repo, "keep.txt", "a\nb\nc\nd\n")
	write(t, repo, "old name.txt", long)
	write(t, repo, "gone.txt", "bye\n")
	write(t, repo, "bin.dat", "\x00\x01\x02")
	c1 := commitAll(t, repo, "one")
	write(t, repo, "keep.txt", "a\nB\nc\nd\ne\n")
	testutil.Git(t, repo, "mv", "old name.txt", "new\tname.txt")
	write(t, repo, "new\tname.txt", long+"extra\n")
	testutil.Git(t, repo, "rm", "-q", "gone.txt")
	write(t, repo, "dir/added.txt", "x\ny")
	write(t, repo, "bin.dat", "\x00\x01\x03")
	c2 := commitAll(t, repo, "two")

	diffs, err := s.DiffTree(ctx, c1, c2, gitstore.DiffOptions{Renames: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []gitstore.FileDiff{
		{Status: gitstore.StatusModified, OldPath: "bin.dat", NewPath: "bin.dat", OldMode: gitstore.ModeFile, NewMode: gitstore.ModeFile, Binary: true},
		{Status: gitstore.StatusAdded, NewPath: "dir/added.txt", NewMode: gitstore.ModeFile,
			Hunks: []gitstore.Hunk{{OldStart: 0, OldLines: 0, NewStart: 1, NewLines: 2, Added: []string{"x", "y"}}}},
		{Status: gitstore.StatusDeleted, OldPath: "gone.txt", OldMode: gitstore.ModeFile,
			Hunks: []gitstore.Hunk{{OldStart: 1, OldLines: 1, NewStart: 0, NewLines: 0, Removed: []string{"bye"}}}},
		{Status: gitstore.StatusModified, OldPath: "keep.txt", NewPath: "keep.txt", OldMode: gitstore.ModeFile, NewMode: gitstore.ModeFile,
			Hunks: []gitstore.Hunk{
				{OldStart: 2, OldLines: 1, NewStart: 2, NewLines: 1, Removed: []string{"b"}, Added: []string{"B"}},
				{OldStart: 4, OldLines: 0, NewStart: 5, NewLines: 1, Added: []string{"e"}},
			}},
		{Status: gitstore.StatusRenamed, OldPath: "old name.txt", NewPath: "new\tname.txt", Similarity: 97,
			OldMode: gitstore.ModeFile, NewMode: gitstore.ModeFile,
			Hunks: []gitstore.Hunk{{OldStart: 20, OldLines: 0, NewStart: 21, NewLines: 1, Added: []string{"extra"}}}},
	}
	// Blob ids are checked against git itself, then left out of the
	// structural comparison.
	got := reorder(diffs, want)
	for i := range got {
		for _, side := range []struct {
			rev, path string
			h         gitstore.Hash
		}{{c1.String(), got[i].OldPath, got[i].OldHash}, {c2.String(), got[i].NewPath, got[i].NewHash}} {
			if side.path == "" {
				if !side.h.IsZero() {
					t.Errorf("DiffTree %s: blob id %s for a missing side", got[i].NewPath, side.h)
				}
				continue
			}
			if want := testutil.Git(t, repo, "rev-parse", side.rev+":"+side.path); side.h.String() != want {
				t.Errorf("DiffTree %s:%s blob = %s, want %s", side.rev, side.path, side.h, want)
			}
		}
		got[i].OldHash, got[i].NewHash = gitstore.ZeroHash, gitstore.ZeroHash
	}
	// git orders by new path; the renamed file sorts by "new\tname.txt".
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("DiffTree mismatch (-want +got):\n%s", d)
	}

	diffs, err = s.DiffTree(ctx, c1, c2, gitstore.DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 6 {
		t.Errorf("DiffTree without renames: %d files, want 6 (the rename as a delete and an add)", len(diffs))
	}
	for _, d := range diffs {
		if d.Status == gitstore.StatusRenamed {
			t.Errorf("DiffTree without renames reported a rename: %+v", d)
		}
	}
	all, err := s.DiffTree(ctx, gitstore.ZeroHash, c1, gitstore.DiffOptions{})
	if err != nil || len(all) != 4 {
		t.Errorf("DiffTree(empty, c1) = %d files, %v; want 4", len(all), err)
	}
}

// reorder returns got sorted to follow want's paths, so the comparison
// does not depend on git's output order.
func reorder(got, want []gitstore.FileDiff) []gitstore.FileDiff {
	key := func(d gitstore.FileDiff) string { return d.OldPath + "\x00" + d.NewPath }
	idx := map[string]gitstore.FileDiff{}
	for _, d := range got {
		idx[key(d)] = d
	}
	out := make([]gitstore.FileDiff, 0, len(got))
	for _, w := range want {
		if d, ok := idx[key(w)]; ok {
			out = append(out, d)
			delete(idx, key(w))
		}
	}
	for _, d := range idx {
		out = append(out, d)
	}
	return out
}

func TestParseDiffRejects(t *testing.T) {
	for _, bad := range []string{
		"junk\n",
		"diff --git a/x b/x\n@@ -1 +1 @@\n-a\n", // truncated hunk
		"diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n+c\n",             // extra line
		"diff --git a/x b/x\nfrobnicate\n",                          // unknown header
		"diff --git a/x b/x\n@@ -a +1 @@\n",                         // bad range
		"diff --git \"a/x b/x\n",                                    // bad quoting
		"diff --git a/x y b/z w\n",                                  // unsplittable, no other names
		"diff --git a/x b/x\nnew file mode 100664\n",                // bad mode
		"diff --git a/x b/x\n--- c/x\n+++ b/x\n@@ -0,0 +1 @@\n+a\n", // bad prefix
	} {
		if d, err := gitcli.ParseDiff([]byte(bad)); err == nil {
			t.Errorf("ParseDiff(%q) = %+v, want error", bad, d)
		}
	}
}

func FuzzParseDiff(f *testing.F) {
	f.Add([]byte("diff --git a/k b/k\nindex 1..2 100644\n--- a/k\n+++ b/k\n@@ -2 +2 @@\n-b\n+B\n@@ -4,0 +5 @@\n+e\n"))
	f.Add([]byte("diff --git \"a/x\\ty\" \"b/x\\ty\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/x\\ty\"\n@@ -0,0 +1 @@\n+a\n\\ No newline at end of file\n"))
	f.Add([]byte("diff --git a/o b/n\nsimilarity index 90%\nrename from o\nrename to n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		diffs, err := gitcli.ParseDiff(b)
		if err != nil {
			return
		}
		for _, d := range diffs {
			for _, h := range d.Hunks {
				if len(h.Removed) != h.OldLines || len(h.Added) != h.NewLines {
					t.Fatalf("hunk %+v: line counts disagree with header", h)
				}
			}
		}
	})
}
