package worktree

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/internal/testutil"
)

// ageTree moves every mtime under dir (but .git) an hour back, so that
// nothing is racily clean with respect to a scan or an index written now.
func ageTree(t testing.TB, dir string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && fi.Name() == ".git" {
			return filepath.SkipDir
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return nil
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func sh(t testing.TB, dir, script string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -c %q: %v\n%s", script, err, out)
	}
}

type kinds map[string]ChangeKind

func changeKinds(cs []Change) kinds {
	k := kinds{}
	for _, c := range cs {
		k[c.Path] = c.Kind
	}
	return k
}

// shellRepo is a committed work tree with aged mtimes.
func shellRepo(t *testing.T) (string, Repo) {
	t.Helper()
	dir := testutil.NewRepo(t)
	for p, c := range map[string]string{
		".gitignore":          "node_modules/\n",
		"main.go":             "package main\n\nfunc main() { println(\"hello\") }\n",
		"old.txt":             "rename me\n",
		"del.txt":             "delete me\n",
		"same.txt":            "touch me\n",
		"script.sh":           "echo hi\n",
		"caf\xe9.txt":         "latin-1\n",
		"node_modules/x.js":   "ignored\n",
		"pkg/util/strings.go": "package util\n",
	} {
		writeFile(t, dir, p, c)
	}
	if err := os.Symlink("main.go", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	commitAll(t, dir, "base")
	ageTree(t, dir)
	repo, err := FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, repo
}

// TestDiffShellEdits runs the edits an agent makes through a shell between
// two scans and checks Diff reports each of them, and nothing else.
func TestDiffShellEdits(t *testing.T) {
	tests := []struct {
		name   string
		script string
		opts   ScanOptions
		want   kinds
	}{
		{name: "sed -i", script: `sed -i 's/hello/world/' main.go`, want: kinds{"main.go": Modified}},
		{name: "sed -i same size", script: `sed -i 's/hello/HELLO/' main.go`, want: kinds{"main.go": Modified}},
		{name: "in-place append", script: `echo more >> pkg/util/strings.go`, want: kinds{"pkg/util/strings.go": Modified}},
		{name: "generated file", script: `mkdir -p gen && printf 'package gen\n' > gen/zz_generated.go`, want: kinds{"gen/zz_generated.go": Added}},
		{name: "deleted file", script: `rm del.txt`, want: kinds{"del.txt": Deleted}},
		{name: "mv", script: `mv old.txt new.txt`, want: kinds{"old.txt": Deleted, "new.txt": Added}},
		{name: "chmod +x", script: `chmod +x script.sh`, want: kinds{"script.sh": Modified}},
		{name: "symlink retarget", script: `ln -sfn old.txt link`, want: kinds{"link": Modified}},
		{name: "non-UTF-8 name", script: "printf 'x\\n' >> \"$(printf 'caf\\351.txt')\"", want: kinds{"caf\xe9.txt": Modified}},
		{name: "ignored directory untouched", script: `echo y > node_modules/y.js && echo z >> node_modules/x.js`, want: kinds{}},
		{name: "touch without hashes", script: `touch same.txt`, want: kinds{"same.txt": Modified}},
		{name: "touch with hashes", script: `touch same.txt`, opts: ScanOptions{HashAll: true}, want: kinds{}},
		{name: "rewrite with equal bytes and hashes", script: `sed -i 's/nomatch/x/' same.txt`, opts: ScanOptions{HashAll: true}, want: kinds{}},
		{name: "nothing", script: `true`, want: kinds{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, repo := shellRepo(t)
			before, err := Scan(repo, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			sh(t, dir, tt.script)
			opts := tt.opts
			opts.Baseline = before
			after, err := Scan(repo, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, changeKinds(Diff(before, after))); diff != "" {
				t.Errorf("Diff after %q (-want +got):\n%s", tt.script, diff)
			}
		})
	}
}

func TestRenames(t *testing.T) {
	dir, repo := shellRepo(t)
	before, err := Scan(repo, ScanOptions{HashAll: true})
	if err != nil {
		t.Fatal(err)
	}
	// mv keeps the inode; cp+rm keeps only the content.
	sh(t, dir, `mv old.txt moved.txt && cp del.txt copied.txt && rm del.txt && echo fresh > fresh.txt`)
	after, err := Scan(repo, ScanOptions{HashAll: true})
	if err != nil {
		t.Fatal(err)
	}
	got := Renames(Diff(before, after))
	want := []Rename{{From: "del.txt", To: "copied.txt"}, {From: "old.txt", To: "moved.txt"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Renames (-want +got):\n%s", diff)
	}
}

// TestDiffRacy checks files modified in the second a scan starts: hashed
// by default so an untouched one is not reported, reported when hashing
// is off because stat data alone cannot clear them.
func TestDiffRacy(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts ScanOptions
		want kinds
	}{
		{name: "hashed", want: kinds{}},
		{name: "hashing off", opts: ScanOptions{HashMaxSize: -1}, want: kinds{"hot.txt": Modified}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, repo := shellRepo(t)
			// The symlink's own mtime cannot be aged with the standard
			// library; drop it so only hot.txt is recent.
			if err := os.Remove(filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "hot.txt", "just written\n")
			before, err := Scan(repo, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := before.Lookup("hot.txt")
			if !before.racy(st) {
				t.Skip("the scan began in a later second than the write; rerun")
			}
			if tt.opts.HashMaxSize == 0 && st.Hash == "" {
				t.Fatal("racy file was not hashed")
			}
			if cold, _ := before.Lookup("main.go"); cold.Hash != "" {
				t.Error("old file was hashed without HashAll")
			}
			opts := tt.opts
			opts.Baseline = before
			after, err := Scan(repo, opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, changeKinds(Diff(before, after))); diff != "" {
				t.Errorf("Diff (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDiffTruncated(t *testing.T) {
	e := func(p string, size int64) Entry { return Entry{Path: p, FileState: FileState{Size: size, Mode: 0o644}} }
	before := &Snapshot{Entries: []Entry{e("a", 1), e("b/x", 1), e("c", 1), e("d", 1)}}
	after := &Snapshot{Truncated: true, TruncatedAt: "c", Entries: []Entry{e("a", 2), e("aa", 1)}}
	got := changeKinds(Diff(before, after))
	want := kinds{"a": Modified, "aa": Added, "b/x": Deleted} // c and d are unknown
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Diff with truncated after (-want +got):\n%s", diff)
	}
}

func TestScanLimits(t *testing.T) {
	dir := testutil.NewRepo(t)
	for _, p := range []string{"a", "b/1", "b/2", "b/3", "c"} {
		writeFile(t, dir, p, "x")
	}
	repo, err := FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Scan(repo, ScanOptions{MaxFiles: 3})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	var got []string
	for _, e := range snap.Entries {
		got = append(got, e.Path)
	}
	if !snap.Truncated || snap.TruncatedAt != "b/3" || !cmp.Equal(got, []string{"a", "b/1", "b/2"}) {
		t.Errorf("Scan(MaxFiles: 3) = %v truncated %v at %q, want [a b/1 b/2] truncated at b/3", got, snap.Truncated, snap.TruncatedAt)
	}
	snap, err = Scan(repo, ScanOptions{Budget: time.Nanosecond})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if !snap.Truncated || len(snap.Entries) != 0 || snap.TruncatedAt != "" {
		t.Errorf("Scan(Budget: 1ns) = %d entries, truncated %v at %q; want 0, true, \"\"", len(snap.Entries), snap.Truncated, snap.TruncatedAt)
	}
}

func TestDirty(t *testing.T) {
	dir := testutil.NewRepo(t)
	for _, p := range []string{"clean.txt", "edit.txt", "gone.txt", "mode.sh", "touched.txt", "skip.txt", "sub/deep.txt"} {
		writeFile(t, dir, p, p+"\n")
	}
	ageTree(t, dir)
	commitAll(t, dir, "base")
	testutil.Git(t, dir, "update-index", "--skip-worktree", "skip.txt")
	writeFile(t, dir, "ita.txt", "new\n")
	testutil.Git(t, dir, "add", "-N", "ita.txt")
	// Make the index strictly newer than every entry, as git leaves it a
	// second later.
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
	_, _ = gitOutput(dir, "update-index", "--refresh") // exits 1: ita.txt needs update
	sh(t, dir, `sed -i s/edit/EDIT/ edit.txt && rm gone.txt skip.txt && chmod +x mode.sh && touch touched.txt`)

	repo, err := FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := ReadIndex(repo, true)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := Scan(repo, ScanOptions{Index: idx})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"edit.txt", "gone.txt", "ita.txt", "mode.sh", "touched.txt"}
	if diff := cmp.Diff(want, Dirty(repo, idx, snap)); diff != "" {
		t.Errorf("Dirty (-want +got):\n%s", diff)
	}
	// git's own stat comparison agrees.
	if diff := cmp.Diff(want, splitLines(testutil.Git(t, dir, "diff-files", "--name-only"))); diff != "" {
		t.Errorf("git diff-files --name-only (-Dirty +git):\n%s", diff)
	}
	// A truncated snapshot falls back to lstat for what it did not see.
	partial := &Snapshot{Truncated: true, TruncatedAt: "", Started: snap.Started}
	if diff := cmp.Diff(want, Dirty(repo, idx, partial)); diff != "" {
		t.Errorf("Dirty with empty truncated snapshot (-want +got):\n%s", diff)
	}
	// An entry written in the second the index was written is racily clean.
	idx.Timestamp = int64(idx.Entries[0].MtimeSec) * 1e9
	if got := Dirty(repo, idx, snap); len(got) != len(idx.Entries)-1 {
		t.Errorf("Dirty with racy index = %v, want every entry but skip.txt", got)
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		var line string
		line, s, _ = cut(s, '\n')
		out = append(out, line)
	}
	return out
}

func cut(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// TestScanKeepsSettledHashes checks that a baseline hash is kept without
// reading the file when its stat tuple is unchanged and it was not racily
// clean in the baseline, and read again otherwise. The baseline carries
// made-up hashes: a kept one comes back as made up, a read one as the
// content's.
func TestScanKeepsSettledHashes(t *testing.T) {
	dir, repo := shellRepo(t)
	base, err := Scan(repo, ScanOptions{HashAll: true})
	if err != nil {
		t.Fatal(err)
	}
	const fake = "0000000000000000000000000000000000000000000000000000000000000000"
	// shellRepo aged every file to one time: a baseline begun in that
	// second holds them racily clean, one begun at the real scan's time not.
	aged, _ := base.Lookup("main.go")
	settled, racy := base.Started, aged.MtimeNs
	for _, tt := range []struct {
		name    string
		started int64
		script  string
		kept    map[string]bool
	}{
		{name: "settled files keep their hash", started: settled, script: "true",
			kept: map[string]bool{"main.go": true, "same.txt": true}},
		{name: "a touched file is read again", started: settled, script: "touch same.txt",
			kept: map[string]bool{"main.go": true, "same.txt": false}},
		{name: "racy files are read again", started: racy, script: "true",
			kept: map[string]bool{"main.go": false, "same.txt": false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			prev := &Snapshot{Started: tt.started, Entries: slices.Clone(base.Entries)}
			for i := range prev.Entries {
				prev.Entries[i].Hash = fake
			}
			sh(t, dir, tt.script)
			cur, err := Scan(repo, ScanOptions{Baseline: prev})
			if err != nil {
				t.Fatal(err)
			}
			for p, kept := range tt.kept {
				st, ok := cur.Lookup(p)
				if !ok {
					t.Fatalf("%s missing from the scan", p)
				}
				if got := st.Hash == fake; got != kept {
					t.Errorf("%s: hash %q, kept = %v, want kept = %v", p, st.Hash, got, kept)
				}
				if !kept && st.Hash == "" {
					t.Errorf("%s: not hashed again", p)
				}
			}
		})
	}
}
