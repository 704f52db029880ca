package sync_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	tvsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// hookEnv makes the test binary act as `tracevault git-hook <hook>` when
// a git hook script runs it.
const hookEnv = "TV_SYNC_TEST_HOOK"

// hookLogEnv names a file where the test hook appends one line per
// pre-push: "<attempts> <elapsed ms> <queued>".
const hookLogEnv = "TV_SYNC_TEST_HOOK_LOG"

func TestMain(m *testing.M) {
	if os.Getenv(hookEnv) == "1" && len(os.Args) > 2 && os.Args[1] == "git-hook" {
		os.Exit(runHook(os.Args[2:]))
	}
	home, err := os.MkdirTemp("", "tv-sync-home")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for k, v := range map[string]string{
		"HOME": home, "GIT_CONFIG_GLOBAL": filepath.Join(home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
		"GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
		"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0",
	} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", tvsync.BudgetEnv} {
		os.Unsetenv(k)
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

// runHook is the pre-push hook of the concurrency test: what the lead's
// `tracevault git-hook pre-push` does with this package.
func runHook(args []string) int {
	if args[0] != "pre-push" || len(args) < 3 {
		return 0
	}
	ctx := context.Background()
	s, err := gitcli.Open(ctx, ".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 0
	}
	defer s.Close()
	rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: args[1], URL: args[2], Stdin: os.Stdin, Log: os.Stderr})
	if log := os.Getenv(hookLogEnv); log != "" && rep != nil {
		if f, err := os.OpenFile(log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err == nil {
			fmt.Fprintf(f, "%d %d %t\n", rep.Attempts, rep.Elapsed.Milliseconds(), rep.Queued)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// run runs git in dir and returns its trimmed output; usable from any
// goroutine.
func run(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s in %s: %w: %s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := run(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// newBare makes a bare remote that refuses non-fast-forward updates and
// deletions, and logs every ref update.
func newBare(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "remote.git")
	git(t, ".", "init", "-q", "--bare", "-b", "main", dir)
	git(t, dir, "config", "receive.denyNonFastForwards", "true")
	git(t, dir, "config", "receive.denyDeletes", "true")
	git(t, dir, "config", "core.logAllRefUpdates", "always")
	git(t, dir, "config", "receive.autogc", "false") // as a hosted remote: no gc inside each push
	return dir
}

// newClone clones remote (seeding it with a first commit when empty),
// configures origin for traces and opens a store on the clone.
func newClone(t testing.TB, remote string) (string, *gitcli.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	git(t, ".", "clone", "-q", remote, dir)
	if _, err := run(dir, "rev-parse", "--verify", "-q", "HEAD"); err != nil {
		git(t, dir, "commit", "-q", "--allow-empty", "-m", "root")
		git(t, dir, "push", "-q", "origin", "HEAD:refs/heads/main")
	}
	s := open(t, dir)
	if err := tvsync.Configure(context.Background(), s, "origin"); err != nil {
		t.Fatal(err)
	}
	return dir, s
}

func open(t testing.TB, dir string) *gitcli.Store {
	t.Helper()
	s, err := gitcli.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// author is a clone's user: a signing key, its chain and its notes.
type author struct {
	dir    string
	store  *gitcli.Store
	writer *record.Writer
	name   string
	n      int
	// commits are the annotated commits, in order.
	commits []gitstore.Hash
}

func newAuthor(t testing.TB, name, dir string, s *gitcli.Store) *author {
	t.Helper()
	key, err := sigkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	w := &record.Writer{Store: s, Key: key, Now: time.Now,
		Identity: gitstore.Signature{Name: "Test " + name, Email: name + "@example.com"}}
	return &author{dir: dir, store: s, writer: w, name: name}
}

// commit makes a commit on the current branch, appends its commit record
// to the author's chain and adds its note: what post-commit does.
func (a *author) commit(ctx context.Context) (gitstore.Hash, error) {
	a.n++
	if _, err := run(a.dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("%s change %d", a.name, a.n)); err != nil {
		return gitstore.ZeroHash, err
	}
	head, err := run(a.dir, "rev-parse", "HEAD")
	if err != nil {
		return gitstore.ZeroHash, err
	}
	body := &record.CommitAttribution{Commit: head, Evidence: "hooks",
		Sessions: []record.SessionRef{{ID: a.session(a.n), Agent: "claude-code", Models: []string{"claude-test"}}},
		Files:    []record.FileAttr{}}
	st, err := a.writer.Append(ctx, []record.Item{{Type: record.TypeCommit, Body: body}})
	if err != nil {
		return gitstore.ZeroHash, err
	}
	note, err := record.RenderNote(&st[0])
	if err != nil {
		return gitstore.ZeroHash, err
	}
	h, _ := gitstore.ParseHash(head)
	a.commits = append(a.commits, h)
	n := notes.Notes{Store: a.store, Ref: record.NotesRef}
	sig := a.writer.Identity
	sig.When = time.Now()
	return h, n.Add(ctx, map[gitstore.Hash][]byte{h: note}, "tracevault: note "+head[:12], sig)
}

func (a *author) session(i int) string { return fmt.Sprintf("%s-session-%d", a.name, i) }

// traceRefs lists the trace refs (chains and the notes ref) of a
// repository as "<hash> <ref>" lines.
func traceRefs(t testing.TB, dir string) []string {
	t.Helper()
	out := git(t, dir, "for-each-ref", "--format=%(objectname) %(refname)", record.LogPrefix, record.NotesRef)
	if out == "" {
		return nil
	}
	return strings.Split(out, "\n")
}

// noteList is `git notes --ref=tracevault list`, sorted.
func noteList(t testing.TB, dir string) []string {
	t.Helper()
	out, err := run(dir, "notes", "--ref=tracevault", "list")
	if err != nil || out == "" {
		return nil
	}
	l := strings.Split(out, "\n")
	slices.Sort(l)
	return l
}

// recordingRepo wraps a store, checks every push refspec is unforced
// and can run a function before a push.
type recordingRepo struct {
	*gitcli.Store
	t          testing.TB
	pushes     [][]string
	beforePush func(n int)
}

func (r *recordingRepo) Push(ctx context.Context, remote string, refspecs []string, opts gitstore.PushOptions) ([]gitstore.PushResult, error) {
	for _, rs := range refspecs {
		if strings.HasPrefix(rs, "+") {
			r.t.Errorf("forced push refspec %q", rs)
		}
	}
	r.pushes = append(r.pushes, refspecs)
	if r.beforePush != nil {
		r.beforePush(len(r.pushes))
	}
	return r.Store.Push(ctx, remote, refspecs, opts)
}

// assertFastForwardsOnly checks, from the bare remote's reflogs, that
// every update of every trace ref was a fast-forward.
func assertFastForwardsOnly(t testing.TB, bare string) {
	t.Helper()
	for _, line := range traceRefs(t, bare) {
		ref := strings.Fields(line)[1]
		out := git(t, bare, "reflog", "show", "--format=%H", ref)
		hs := strings.Fields(out) // newest first
		for i := 0; i+1 < len(hs); i++ {
			if _, err := run(bare, "merge-base", "--is-ancestor", hs[i+1], hs[i]); err != nil {
				t.Errorf("%s on the remote moved %s -> %s, not a fast-forward", ref, hs[i+1], hs[i])
			}
		}
	}
}

// assertNoLocks fails when a ref lock file was left in the git directory.
func assertNoLocks(t testing.TB, gitDir string) {
	t.Helper()
	filepath.WalkDir(filepath.Join(gitDir, "refs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".lock") {
			t.Errorf("lock file left behind: %s", p)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(gitDir, "packed-refs.lock")); err == nil {
		t.Errorf("packed-refs.lock left behind")
	}
}
