package sync_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/install"
	"github.com/tracevault/tracevault/capture/record"
	tvsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

// Eight clones commit and push concurrently to one bare remote, 50
// commits each; every push runs the real pre-push hook (installed by
// capture/install, running this test binary as `tracevault git-hook`).
// Afterwards every record and note is on the remote and in a fresh clone.
func TestConcurrentClonesLoseNothing(t *testing.T) {
	clones, commits := 8, 50
	if testing.Short() {
		commits = 10
	}
	if n, err := strconv.Atoi(os.Getenv("TV_SYNC_CLONES")); err == nil {
		clones = n // for measuring
	}
	ctx := context.Background()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(hookEnv, "1")
	hookLog := filepath.Join(t.TempDir(), "hook.log")
	t.Setenv(hookLogEnv, hookLog)
	bare := newBare(t)
	newClone(t, bare) // seeds main
	authors := make([]*author, clones)
	for i := range authors {
		dir, s := newClone(t, bare)
		if _, err := install.Install(ctx, install.Options{RepoDir: dir, GitHookCommand: exe, SkipAgents: true}); err != nil {
			t.Fatal(err)
		}
		// Only pre-push is under test: the post-commit work is done by
		// author.commit, and auto maintenance would only burn CPU.
		for _, h := range []string{"post-commit", "post-rewrite"} {
			if err := os.Remove(filepath.Join(dir, ".git", "hooks", h)); err != nil {
				t.Fatal(err)
			}
		}
		git(t, dir, "config", "maintenance.auto", "false")
		git(t, dir, "config", "gc.auto", "0")
		git(t, dir, "checkout", "-q", "-b", fmt.Sprintf("w%d", i))
		authors[i] = newAuthor(t, fmt.Sprintf("dev%d", i), dir, s)
	}

	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clones)
	for _, a := range authors {
		wg.Go(func() {
			for range commits {
				if _, err := a.commit(ctx); err != nil {
					errs <- err
					return
				}
				if _, err := run(a.dir, "push", "-q", "origin", "HEAD"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	pushed := time.Since(start)

	queued := 0
	for _, a := range authors {
		es, err := tvsync.QueueFor(a.store.CommonDir()).Entries()
		if err != nil {
			t.Fatal(err)
		}
		queued += len(es)
		if _, err := tvsync.Sync(ctx, a.store, tvsync.Options{}); err != nil {
			t.Fatalf("%s: draining Sync: %v", a.name, err)
		}
		if es, _ := tvsync.QueueFor(a.store.CommonDir()).Entries(); len(es) != 0 {
			t.Errorf("%s: queue after Sync = %+v", a.name, es)
		}
	}
	t.Logf("%d clones x %d commits pushed in %v; %d queues drained by the final Sync", clones, commits, pushed, queued)
	logHookStats(t, hookLog)
	for _, a := range authors {
		assertNoLocks(t, a.store.CommonDir())
	}

	fresh := filepath.Join(t.TempDir(), "fresh")
	git(t, ".", "clone", "-q", bare, fresh)
	if _, err := install.ConfigureGit(ctx, install.Options{RepoDir: fresh}); err != nil {
		t.Fatal(err)
	}
	fs := open(t, fresh)
	if _, err := tvsync.Sync(ctx, fs, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	checkEverything(ctx, t, fs, authors, commits)
	assertFastForwardsOnly(t, bare)
	if got := len(noteList(t, bare)); got != clones*commits {
		t.Errorf("remote holds %d notes, want %d", got, clones*commits)
	}
}

// checkEverything asserts repo holds every author's chain (all records)
// and every note.
func checkEverything(ctx context.Context, t *testing.T, repo tvsync.Repo, authors []*author, commits int) {
	t.Helper()
	chains, err := repo.ListRefs(ctx, record.LogPrefix)
	if err != nil {
		t.Fatal(err)
	}
	if len(chains) != len(authors) {
		t.Errorf("%d chains, want %d", len(chains), len(authors))
	}
	all, err := notes.Notes{Store: repo, Ref: record.NotesRef}.ReadAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(authors)*commits {
		t.Errorf("%d notes, want %d", len(all), len(authors)*commits)
	}
	lost := 0
	for _, a := range authors {
		tip, err := repo.ResolveRef(ctx, record.LogRef(a.writer.ID()))
		if err != nil {
			t.Errorf("%s: chain missing: %v", a.name, err)
			continue
		}
		recs, err := repo.RevList(ctx, gitstore.RevQuery{Include: []gitstore.Hash{tip}})
		if err != nil || len(recs) != commits {
			t.Errorf("%s: chain holds %d records (%v), want %d", a.name, len(recs), err, commits)
		}
		for i, c := range a.commits {
			n := string(all[c])
			want := fmt.Sprintf("tv1 record %s/%d ", a.writer.ID(), i+1)
			if !strings.Contains(n, want) || !strings.Contains(n, "tv1 session "+a.session(i+1)+" ") {
				lost++
				if lost < 5 {
					t.Errorf("%s: note of commit %d (%s) = %q, want %q and its session", a.name, i+1, c, n, want)
				}
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d notes lost or wrong", lost)
	}
}

// logHookStats summarises the hook log: runs, attempts, time, queued.
func logHookStats(t *testing.T, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("reading hook log: %v", err)
		return
	}
	var runs, attempts, queued int
	var ms []int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var a, e int
		var q bool
		if _, err := fmt.Sscanf(line, "%d %d %t", &a, &e, &q); err != nil {
			continue
		}
		runs++
		attempts += a
		ms = append(ms, e)
		if q {
			queued++
		}
	}
	slices.Sort(ms)
	if runs == 0 {
		t.Errorf("the pre-push hook never ran")
		return
	}
	t.Logf("pre-push hook: %d runs, %.2f attempts per run, %d queued, elapsed p50 %dms p90 %dms max %dms",
		runs, float64(attempts)/float64(runs), queued, ms[runs/2], ms[runs*9/10], ms[runs-1])
}
