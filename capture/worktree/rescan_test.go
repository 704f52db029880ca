package worktree

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// sameEntries compares two snapshots' entries: paths and stat tuples
// equal, and hashes equal where both carry one (a rescan keeps a hash the
// full scan may read again, or leave out for a file it need not read).
func sameEntries(t *testing.T, want, got *Snapshot) {
	t.Helper()
	if len(want.Entries) != len(got.Entries) {
		t.Errorf("rescan has %d entries, scan %d\nrescan: %v\nscan:   %v", len(got.Entries), len(want.Entries), paths(got), paths(want))
		return
	}
	for i, w := range want.Entries {
		g := got.Entries[i]
		if w.Path != g.Path || !w.sameStat(g.FileState) || (w.Hash != "" && g.Hash != "" && w.Hash != g.Hash) {
			t.Errorf("entry %d: rescan %+v, scan %+v", i, g, w)
		}
	}
}

// sameChanges compares two change lists: paths, kinds and stat tuples
// equal, hashes where both carry one.
func sameChanges(t *testing.T, want, got []Change) {
	t.Helper()
	same := func(a, b FileState) bool {
		return a.sameStat(b) && (a.Hash == "" || b.Hash == "" || a.Hash == b.Hash)
	}
	if len(want) != len(got) {
		t.Errorf("rescan look has %d changes, scan %d:\nrescan: %+v\nscan:   %+v", len(got), len(want), got, want)
		return
	}
	for i, w := range want {
		g := got[i]
		if w.Path != g.Path || w.Kind != g.Kind || !same(w.Before, g.Before) || !same(w.After, g.After) {
			t.Errorf("change %d: rescan %+v, scan %+v", i, g, w)
		}
	}
}

func paths(s *Snapshot) []string {
	var out []string
	for _, e := range s.Entries {
		out = append(out, e.Path)
	}
	return out
}

// rescanRepo makes a work tree with ignore rules, a tracked file in an
// ignored directory and a nested repository.
func rescanRepo(t *testing.T) (string, Repo) {
	t.Helper()
	dir := testutil.NewRepo(t)
	for p, c := range map[string]string{
		".gitignore":           "build/\n*.log\n",
		"a/one.go":             "package a\n",
		"a/b/two.go":           "package b\n",
		"a/b/.gitignore":       "gen_*\n!gen_keep.go\n",
		"build/tracked.txt":    "forced\n",
		"docs/readme.md":       "hello\n",
		"nested/.git/HEAD":     "ref: refs/heads/main\n",
		"nested/inner.go":      "package nested\n",
		"top.txt":              "top\n",
		"a-b/sorts-between.go": "package ab\n",
	} {
		writeFile(t, dir, p, c)
	}
	testutil.Git(t, dir, "add", ".gitignore", "a", "docs", "top.txt", "a-b")
	testutil.Git(t, dir, "add", "-f", "build/tracked.txt")
	testutil.Git(t, dir, "commit", "-q", "-m", "base")
	repo, err := FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, repo
}

// TestRescanMatchesScan applies random file operations, each reporting
// the paths a watcher would see change, and checks after every few that a
// Rescan from the previous snapshot with those paths equals a full Scan.
func TestRescanMatchesScan(t *testing.T) {
	dir, repo := rescanRepo(t)
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a/x.go", "a/b/gen_x.go", "a/b/gen_keep.go", "a/b/c/d/deep.go", "build/out.bin", "build/tracked.txt",
		"docs/readme.md", "top.txt", "app.log", "nested/new.go", "a-b/sorts-between.go", "a-b/z.go", "new/dir/f.txt", "a/one.go"}
	dirs := []string{"a/b/c", "new", "a-b", "docs", "build", "a/b"}
	full := func(p string) string { return filepath.Join(dir, filepath.FromSlash(p)) }
	// Each operation returns the paths whose directory entry or content it
	// changed, as inotify names them.
	ops := []func() []string{
		func() []string { // write a file
			p := names[rng.IntN(len(names))]
			touched := newDir(dir, p)
			if err := os.MkdirAll(filepath.Dir(full(p)), 0o755); err != nil {
				t.Fatal(err)
			}
			os.Remove(full(p)) // a symbolic link made earlier
			if err := os.WriteFile(full(p), fmt.Appendf(nil, "v%d\n", rng.IntN(1000)), 0o644); err != nil {
				t.Fatal(err)
			}
			return touched
		},
		func() []string { // remove a file
			p := names[rng.IntN(len(names))]
			os.Remove(full(p))
			return []string{p}
		},
		func() []string { // remove a directory tree
			d := dirs[rng.IntN(len(dirs))]
			os.RemoveAll(full(d))
			return []string{d}
		},
		func() []string { // rename a directory
			d := dirs[rng.IntN(len(dirs))]
			to := d + "-moved"
			if os.Rename(full(d), full(to)) != nil {
				return nil
			}
			return []string{d, to}
		},
		func() []string { // rename a file
			from, to := names[rng.IntN(len(names))], names[rng.IntN(len(names))]
			touched := newDir(dir, to)
			if os.MkdirAll(filepath.Dir(full(to)), 0o755) != nil || os.Rename(full(from), full(to)) != nil {
				return touched // directories made, nothing moved
			}
			return append(touched, from)
		},
		func() []string { // chmod
			p := names[rng.IntN(len(names))]
			os.Chmod(full(p), 0o755)
			return []string{p}
		},
		func() []string { // a symbolic link
			p := names[rng.IntN(len(names))]
			os.Remove(full(p))
			if os.Symlink("target", full(p)) != nil {
				return nil
			}
			return []string{p}
		},
	}
	prev, err := Scan(repo, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for round := range 60 {
		var touched []string
		for range 1 + rng.IntN(4) {
			touched = append(touched, ops[rng.IntN(len(ops))]()...)
		}
		want, err := Scan(repo, ScanOptions{Baseline: prev})
		if err != nil {
			t.Fatal(err)
		}
		look, next, err := RescanLook(repo, prev, slices.Clone(touched), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got := next()
		sameEntries(t, want, got)
		wantLook, err := LookFrom(repo, prev, want)
		if err != nil {
			t.Fatal(err)
		}
		sameChanges(t, wantLook.Changes, look.Changes)
		if t.Failed() {
			t.Fatalf("round %d, touched %q", round, touched)
		}
		prev = got
	}
}

// newDir returns, before p is written, what a watcher will report: the
// outermost of p's directories that does not exist yet (it appears in its
// parent, and nothing inside it is watched in time), or p itself.
func newDir(root, p string) []string {
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if _, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p[:i]))); err != nil {
				return []string{p[:i]}
			}
		}
	}
	return []string{p}
}

func TestRescanFallsBackToScan(t *testing.T) {
	dir, repo := rescanRepo(t)
	prev, err := Scan(repo, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// A new ignore rule hides top.txt's sibling: only a full scan knows.
	writeFile(t, dir, "extra.tmp", "x\n")
	writeFile(t, dir, ".gitignore", "build/\n*.log\n*.tmp\n")
	_, next, err := RescanLook(repo, prev, []string{".gitignore"}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := next()
	if _, ok := got.Lookup("extra.tmp"); ok {
		t.Error("a file the new .gitignore ignores is in the rescan")
	}
	// Untouched paths are copied, not looked at: the rescan trusts its caller.
	writeFile(t, dir, "unseen.txt", "x\n")
	l, next, err := RescanLook(repo, got, nil, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Changes) != 0 {
		t.Errorf("rescan with nothing touched found changes: %+v", l.Changes)
	}
	got2 := next()
	if _, ok := got2.Lookup("unseen.txt"); ok {
		t.Error("rescan with nothing touched looked at the work tree")
	}
	if _, _, err := RescanLook(repo, got2, []string{"../escape"}, ScanOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestWatchable(t *testing.T) {
	dir, repo := rescanRepo(t)
	writeFile(t, dir, "build/deep/out.o", "ignored\n")
	writeFile(t, dir, "a/b/gen_x.go", "ignored\n")
	l, err := Watchable(repo, "")
	if err != nil {
		t.Fatal(err)
	}
	wantDirs := []string{"", "a", "a-b", "a/b", "build", "docs"}
	if !slices.Equal(l.Dirs, wantDirs) {
		t.Errorf("Dirs = %q, want %q", l.Dirs, wantDirs)
	}
	if want := []string{"build/tracked.txt"}; !slices.Equal(l.Tracked, want) {
		t.Errorf("Tracked = %q, want %q", l.Tracked, want)
	}
	sub, err := Watchable(repo, "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "a/b"}; !slices.Equal(sub.Dirs, want) {
		t.Errorf("Dirs under a = %q, want %q", sub.Dirs, want)
	}
	ign, err := Watchable(repo, "build/deep")
	if err != nil {
		t.Fatal(err)
	}
	if len(ign.Dirs) != 0 || len(ign.Tracked) != 0 {
		t.Errorf("an ignored directory without tracked files lists %+v", ign)
	}
}
