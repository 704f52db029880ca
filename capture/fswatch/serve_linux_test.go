package fswatch

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/worktree"
	"github.com/tracevault/tracevault/internal/testutil"
)

// watched starts a watcher on a new repository and returns the repository,
// its state directory and a function that stops the watcher and returns
// what Serve returned.
func watched(t *testing.T, files map[string]string, opts Options) (string, worktree.Repo, string, <-chan error) {
	t.Helper()
	dir := testutil.NewRepo(t)
	for p, c := range files {
		write(t, dir, p, c)
	}
	testutil.Git(t, dir, "add", "-A")
	testutil.Git(t, dir, "commit", "-q", "-m", "base")
	repo, state, done := serve(t, dir, opts)
	return dir, repo, state, done
}

// serve starts a watcher on the repository at dir and waits until it
// answers; done receives what Serve returned.
func serve(t *testing.T, dir string, opts Options) (worktree.Repo, string, <-chan error) {
	t.Helper()
	repo, err := worktree.FindRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(repo.CommonDir, "tracevault", "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	opts.Ready = func() { close(ready) }
	opts.Logf = t.Logf
	done := make(chan error, 1)
	go func() { done <- Serve(repo, state, filepath.Join(state, "worktree.snap"), opts) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("watcher not ready after 10 s")
	}
	return repo, state, done
}

func write(t *testing.T, dir, p, c string) {
	t.Helper()
	full := filepath.Join(dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sh(t *testing.T, dir, script string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", script)
	cmd.Dir = dir
	cmd.Env = testutil.GitEnv(t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -c %q: %v\n%s", script, err, out)
	}
}

// sameLook compares two looks: the same first-look flag, and the same
// changes (paths, kinds, stat tuples; hashes where both carry one).
func sameLook(want, got *worktree.Look) string {
	if want.First != got.First {
		return fmt.Sprintf("first look %v, want %v", got.First, want.First)
	}
	var diffs []string
	w, g := want.Changes, got.Changes
	for len(w) > 0 || len(g) > 0 {
		switch {
		case len(g) == 0 || len(w) > 0 && w[0].Path < g[0].Path:
			diffs, w = append(diffs, "missing "+w[0].Path), w[1:]
		case len(w) == 0 || g[0].Path < w[0].Path:
			diffs, g = append(diffs, "extra "+g[0].Path), g[1:]
		default:
			if w[0].Kind != g[0].Kind || !sameState(w[0].Before, g[0].Before) || !sameState(w[0].After, g[0].After) {
				diffs = append(diffs, fmt.Sprintf("%s: %v %+v→%+v, want %v %+v→%+v", w[0].Path, g[0].Kind, g[0].Before, g[0].After, w[0].Kind, w[0].Before, w[0].After))
			}
			w, g = w[1:], g[1:]
		}
	}
	return strings.Join(diffs, "; ")
}

func sameState(a, b worktree.FileState) bool {
	ha, hb := a.Hash, b.Hash
	a.Hash, b.Hash = "", ""
	return a == b && (ha == "" || hb == "" || ha == hb)
}

func paths(l *worktree.Look) []string {
	var out []string
	for _, c := range l.Changes {
		out = append(out, c.Path)
	}
	return out
}

// TestWatcherLookEqualsScan is the watcher's contract: after any change to
// the work tree or the repository, its look equals what a full scan
// compared with the previous look gives (what the hook computes without it),
// asked through the socket (another process) or directly (a hook the hook
// server runs in the watcher's process).
func TestWatcherLookEqualsScan(t *testing.T) {
	for _, direct := range []bool{false, true} {
		t.Run(map[bool]string{false: "socket", true: "direct"}[direct], func(t *testing.T) {
			defer func(v bool) { askLocal = v }(askLocal)
			askLocal = direct
			watcherLookEqualsScan(t)
		})
	}
}

func watcherLookEqualsScan(t *testing.T) {
	dir, repo, state, _ := watched(t, map[string]string{
		".gitignore": "build/\n*.log\n", "a/one.go": "package a\n", "a/b/two.go": "package b\n",
		"docs/readme.md": "hi\n", "top.txt": "top\n", "same.txt": "same\n",
	}, Options{})
	steps := []struct {
		name, script string
		changed      string // a path the look must report
	}{
		{"first look", "echo dirty >> top.txt && echo new > untracked.txt", "untracked.txt"},
		{"nothing", "true", ""},
		{"edit", "echo more >> a/one.go", "a/one.go"},
		{"same-size rewrite", "printf 'SAME\\n' > same.txt", "same.txt"},
		{"new file", "echo x > new.txt", "new.txt"},
		{"deep new directories", "mkdir -p x/y/z && echo deep > x/y/z/f.go && echo w > x/w.go", "x/y/z/f.go"},
		{"edit in a new directory", "echo more >> x/y/z/f.go", "x/y/z/f.go"},
		{"rm file", "rm top.txt", "top.txt"},
		{"mv file", "mv new.txt a/b/moved.txt", "a/b/moved.txt"},
		{"mv directory", "mv x a/x2", "a/x2/w.go"},
		{"edit in a moved directory", "echo again >> a/x2/y/z/f.go", "a/x2/y/z/f.go"},
		{"directory out and back", "mv a/x2 ../outside-$$ && echo out >> ../outside-$$/w.go && mv ../outside-$$ back", "back/w.go"},
		{"chmod", "chmod +x a/one.go", "a/one.go"},
		{"symlink", "ln -s a/one.go link.go", "link.go"},
		{"ignored file", "echo log > app.log", ""},
		{"ignored directory", "mkdir -p build/obj && echo o > build/obj/a.o", ""},
		{"force-added ignored file", "echo keep > build/keep.txt && git add -f build/keep.txt", "build/keep.txt"},
		{"edit of a force-added ignored file", "echo more >> build/keep.txt", "build/keep.txt"},
		{"rm -r", "rm -rf a/b", "a/b/two.go"},
		{"untracked files", "echo s > scratch.tmp && echo u > unx.txt", "scratch.tmp"},
		{"new ignore rule", "echo '*.tmp' >> .gitignore", "scratch.tmp"},
		{"info/exclude", "mkdir -p .git/info && echo 'unx.txt' >> .git/info/exclude", "unx.txt"},
		{"nested repository", "mkdir -p sub && echo s > sub/s.go && git init -q sub", ""},
		{"after resets", "echo after >> a/one.go", "a/one.go"},
	}
	var prev *worktree.Snapshot // the hook's own chain of full scans
	for _, st := range steps {
		sh(t, dir, st.script)
		cur, err := worktree.Scan(repo, worktree.ScanOptions{Baseline: prev})
		if err != nil {
			t.Fatal(err)
		}
		want, err := worktree.LookFrom(repo, prev, cur)
		if err != nil {
			t.Fatal(err)
		}
		got, conn, err := Ask(state, 5*time.Second)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		conn.Ack()
		if d := sameLook(want, got); d != "" {
			t.Fatalf("%s: the watcher's look differs from a full scan's: %s\nwatcher: %q\nscan:    %q", st.name, d, paths(got), paths(want))
		}
		if st.changed != "" && !slices.Contains(paths(got), st.changed) {
			t.Errorf("%s: look %q lacks %q", st.name, paths(got), st.changed)
		}
		prev = cur
	}
}

// TestUnacknowledgedLookIsRepeated checks that a look the asker did not
// acknowledge (it died, say) is reported again by the next one.
func TestUnacknowledgedLookIsRepeated(t *testing.T) {
	dir, _, state, _ := watched(t, map[string]string{"a.txt": "a\n"}, Options{})
	l, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if !l.First {
		t.Error("the first look is not marked first")
	}
	write(t, dir, "a.txt", "changed\n")
	l, c, err = Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Close() // no acknowledgement
	if want := []string{"a.txt"}; !slices.Equal(paths(l), want) {
		t.Fatalf("look %q, want %q", paths(l), want)
	}
	write(t, dir, "b.txt", "new\n")
	l, c, err = Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if want := []string{"a.txt", "b.txt"}; !slices.Equal(paths(l), want) {
		t.Errorf("look after an unacknowledged one: %q, want %q", paths(l), want)
	}
	l, c, err = Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if len(l.Changes) != 0 {
		t.Errorf("look after an acknowledged one: %q, want none", paths(l))
	}
}

// TestSnapshotWrittenByAHook checks that the watcher starts again from the
// snapshot file when a hook that found no watcher wrote it.
func TestSnapshotWrittenByAHook(t *testing.T) {
	dir, repo, state, _ := watched(t, map[string]string{"a.txt": "a\n"}, Options{})
	_, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	// The watcher keeps a look after the acknowledgement; the next question
	// waits for that (a hook asks under the work-tree lock, which the hook
	// writing the file without a watcher holds too).
	if _, c, err = Ask(state, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	c.Close()
	write(t, dir, "seen-by-the-hook.txt", "x\n")
	snap, err := worktree.Scan(repo, worktree.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := snap.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(state, "worktree.snap"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	write(t, dir, "after.txt", "y\n")
	l, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if want := []string{"after.txt"}; !slices.Equal(paths(l), want) {
		t.Errorf("look %q, want %q: the hook's snapshot was not the baseline", paths(l), want)
	}
}

func TestWatcherForgetsWhenTooMuchChanged(t *testing.T) {
	dir, _, state, _ := watched(t, map[string]string{"a.txt": "a\n"}, Options{MaxTouched: 3})
	_, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	sh(t, dir, "for i in 1 2 3 4 5; do echo $i > f$i.txt; done")
	l, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if want := []string{"f1.txt", "f2.txt", "f3.txt", "f4.txt", "f5.txt"}; !slices.Equal(paths(l), want) {
		t.Errorf("look after more changes than the watcher keeps: %q, want %q", paths(l), want)
	}
}

func TestOneWatcherPerRepository(t *testing.T) {
	_, repo, state, _ := watched(t, map[string]string{"a.txt": "a\n"}, Options{})
	if err := Serve(repo, state, filepath.Join(state, "worktree.snap"), Options{}); !errors.Is(err, ErrRunning) {
		t.Errorf("second Serve: %v, want ErrRunning", err)
	}
}

func TestWatcherExits(t *testing.T) {
	t.Run("work tree deleted", func(t *testing.T) {
		dir, _, _, done := watched(t, map[string]string{"a.txt": "a\n"}, Options{})
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("watcher still running 10 s after its work tree was deleted")
		}
	})
	t.Run("idle", func(t *testing.T) {
		_, _, state, done := watched(t, map[string]string{"a.txt": "a\n"}, Options{Linger: 200 * time.Millisecond})
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("idle watcher still running after 10 s")
		}
		if _, _, err := Ask(state, time.Second); !errors.Is(err, ErrNoWatcher) {
			t.Errorf("Ask after the watcher left: %v, want ErrNoWatcher", err)
		}
	})
}

func TestAskWithoutWatcher(t *testing.T) {
	if _, _, err := Ask(t.TempDir(), time.Second); !errors.Is(err, ErrNoWatcher) {
		t.Errorf("Ask: %v, want ErrNoWatcher", err)
	}
}

// TestDeepStateDirectory checks a socket path longer than a Unix socket
// address holds.
func TestDeepStateDirectory(t *testing.T) {
	deep := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, deep, "init", "-q")
	write(t, deep, "a.txt", "a\n")
	_, state, _ := serve(t, deep, Options{Linger: 5 * time.Second})
	_, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	write(t, deep, "a.txt", "b\n")
	l, c, err := Ask(state, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.Ack()
	if !slices.Contains(paths(l), "a.txt") {
		t.Errorf("deep repository: look %q", paths(l))
	}
}
