package sync_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture/install"
	"github.com/tracevault/tracevault/capture/record"
	tvsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/gitstore"
)

func TestSyncPushesChainsAndNotes(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dir, s := newClone(t, bare)
	a := newAuthor(t, "alice", dir, s)
	for range 3 {
		if _, err := a.commit(ctx); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := tvsync.Sync(ctx, s, tvsync.Options{})
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	want := []string{record.LogRef(a.writer.ID()), record.NotesRef}
	if len(rep.Remotes) != 1 || !slices.Equal(sorted(rep.Remotes[0].Pushed), sorted(want)) {
		t.Fatalf("Sync pushed %+v, want %v", rep.Remotes, want)
	}
	if diff := cmp.Diff(traceRefs(t, dir), traceRefs(t, bare)); diff != "" {
		t.Errorf("remote trace refs differ from local (-local +remote):\n%s", diff)
	}
	// In sync: a second run pushes nothing.
	rep, err = tvsync.Sync(ctx, s, tvsync.Options{})
	if err != nil || len(rep.Remotes[0].Pushed) != 0 {
		t.Errorf("second Sync = %+v, %v; want nothing pushed", rep.Remotes[0], err)
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// A second writer whose notes diverged from the remote's between its fetch
// and its push is rejected, fetches, merges and pushes again; nothing is
// forced and both writers' lines end up on the remote.
func TestPushRejectedFetchesMergesRetries(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dirA, sA := newClone(t, bare)
	dirB, sB := newClone(t, bare)
	a, b := newAuthor(t, "alice", dirA, sA), newAuthor(t, "bob", dirB, sB)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tvsync.Sync(ctx, sA, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	git(t, dirB, "pull", "-q", "--no-rebase", "origin", "main")
	bHead, err := b.commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	aHead, err := a.commit(ctx) // alice's second note, not yet on the remote
	if err != nil {
		t.Fatal(err)
	}
	rb := &recordingRepo{Store: sB, t: t, beforePush: func(n int) {
		if n == 1 { // alice pushes between bob's fetch and bob's push
			if _, err := tvsync.Sync(ctx, sA, tvsync.Options{}); err != nil {
				t.Errorf("alice's Sync: %v", err)
			}
		}
	}}
	rep, err := tvsync.PrePush(ctx, rb, tvsync.PrePushOptions{Remote: "origin", Budget: 30 * time.Second})
	if err != nil || rep.Err != nil {
		t.Fatalf("PrePush = %+v, %v", rep, err)
	}
	if rep.Attempts != 2 {
		t.Errorf("PrePush made %d attempts, want 2 (one rejection)", rep.Attempts)
	}
	for _, h := range []gitstore.Hash{aHead, bHead} {
		note := git(t, bare, "notes", "--ref=tracevault", "show", h.String())
		if !strings.Contains(note, "tv1 record ") {
			t.Errorf("remote note of %s = %q, want a record line", h, note)
		}
	}
	for _, w := range []string{a.writer.ID(), b.writer.ID()} {
		git(t, bare, "rev-parse", "--verify", record.LogRef(w))
	}
	assertFastForwardsOnly(t, bare)
}

func TestPrePushToUnconfiguredRemoteSendsNoTraces(t *testing.T) {
	ctx := context.Background()
	bare, fork := newBare(t), newBare(t)
	dir, s := newClone(t, bare)
	git(t, dir, "remote", "add", "fork", fork)
	a := newAuthor(t, "alice", dir, s)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	head := git(t, dir, "rev-parse", "HEAD")
	stdin := "refs/heads/main " + head + " refs/heads/main " + strings.Repeat("0", 40) + "\n"
	rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "fork", URL: fork, Stdin: strings.NewReader(stdin)})
	if err != nil || rep != nil {
		t.Fatalf("PrePush(fork) = %+v, %v; want nil, nil", rep, err)
	}
	// Pushed to by URL rather than name: not configured either.
	if rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: bare, URL: bare}); err != nil || rep != nil {
		t.Fatalf("PrePush(url) = %+v, %v; want nil, nil", rep, err)
	}
	git(t, dir, "push", "-q", "fork", "main")
	if out := git(t, dir, "ls-remote", "fork"); strings.Contains(out, "tracevault") {
		t.Errorf("fork holds trace refs:\n%s", out)
	}
	if out := git(t, dir, "ls-remote", "origin"); strings.Contains(out, "tracevault") {
		t.Errorf("origin got trace refs from a push to the fork:\n%s", out)
	}
	if q, _ := tvsync.QueueFor(s.CommonDir()).Entries(); len(q) != 0 {
		t.Errorf("queue after a fork push = %+v, want empty", q)
	}

	// A user push that names trace refs (git push --mirror fork) is refused.
	notesTip := git(t, dir, "rev-parse", record.NotesRef)
	stdin += record.NotesRef + " " + notesTip + " " + record.NotesRef + " " + strings.Repeat("0", 40) + "\n"
	_, err = tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "fork", URL: fork, Stdin: strings.NewReader(stdin)})
	var leak *tvsync.LeakError
	if !errors.As(err, &leak) || !slices.Equal(leak.Refs, []string{record.NotesRef}) {
		t.Errorf("PrePush(fork, trace refs) error = %v, want a LeakError naming %s", err, record.NotesRef)
	}
}

func TestUnreachableRemoteQueuesThenDrains(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dir, s := newClone(t, bare)
	a := newAuthor(t, "alice", dir, s)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "remote", "set-url", "origin", filepath.Join(t.TempDir(), "missing.git"))
	budget := 3 * time.Second
	start := time.Now()
	rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin", Budget: budget})
	if elapsed := time.Since(start); elapsed > budget+time.Second {
		t.Errorf("PrePush took %v, budget %v", elapsed, budget)
	}
	if err != nil || rep == nil || rep.Err == nil || !rep.Queued {
		t.Fatalf("PrePush(unreachable) = %+v, %v; want nil error, a queued report", rep, err)
	}
	q := tvsync.QueueFor(s.CommonDir())
	if es, _ := q.Entries(); len(es) != 1 || es[0].Remote != "origin" || es[0].Attempts != 1 {
		t.Fatalf("queue = %+v, want one entry for origin", es)
	}
	// A second failure counts one more attempt.
	if _, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin", Budget: budget}); err != nil {
		t.Fatal(err)
	}
	if es, _ := q.Entries(); len(es) != 1 || es[0].Attempts != 2 {
		t.Fatalf("queue = %+v, want 2 attempts", es)
	}

	git(t, dir, "remote", "set-url", "origin", bare)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err = tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin", Budget: 30 * time.Second})
	if err != nil || rep.Err != nil || rep.Queued {
		t.Fatalf("PrePush(fixed) = %+v, %v", rep, err)
	}
	if es, _ := q.Entries(); len(es) != 0 {
		t.Errorf("queue after a good push = %+v, want empty", es)
	}
	if diff := cmp.Diff(traceRefs(t, dir), traceRefs(t, bare)); diff != "" {
		t.Errorf("remote trace refs differ from local (-local +remote):\n%s", diff)
	}
}

// A remote that answers slowly cannot hold the push beyond the budget.
func TestPrePushBudget(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dir, s := newClone(t, bare)
	a := newAuthor(t, "alice", dir, s)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "config", "remote.origin.receivepack", "sleep 2; git-receive-pack")
	budget := 400 * time.Millisecond
	start := time.Now()
	rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin", Budget: budget})
	if elapsed := time.Since(start); elapsed > budget+700*time.Millisecond {
		t.Errorf("PrePush took %v with a budget of %v", elapsed, budget)
	}
	if err != nil || rep == nil || !rep.Queued || !errors.Is(rep.Err, context.DeadlineExceeded) {
		t.Fatalf("PrePush(slow) = %+v, %v; want queued after the deadline", rep, err)
	}
	// The push the hook left behind is not killed: it completes.
	ref := record.LogRef(a.writer.ID())
	for i := 0; ; i++ {
		if out, _ := run(dir, "for-each-ref", "--format=%(objectname)", record.RemoteLogRef("origin", a.writer.ID())); out != "" {
			break
		}
		if i == 200 {
			t.Fatalf("the abandoned push never completed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, want := git(t, bare, "rev-parse", ref), git(t, dir, "rev-parse", ref); got != want {
		t.Errorf("remote chain = %s, want %s", got, want)
	}
	git(t, dir, "config", "--unset", "remote.origin.receivepack")
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	if es, _ := tvsync.QueueFor(s.CommonDir()).Entries(); len(es) != 0 {
		t.Errorf("queue after Sync = %+v, want empty", es)
	}
	assertNoLocks(t, s.CommonDir())

	// A zero budget from the environment only queues.
	t.Setenv(tvsync.BudgetEnv, "0")
	rep, err = tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin"})
	if err != nil || rep == nil || !rep.Queued || rep.Attempts != 0 {
		t.Errorf("PrePush(budget 0) = %+v, %v; want queued without an attempt", rep, err)
	}
}

// A fresh clone, configured the way init does, gets every chain and note.
func TestFreshCloneSyncGetsEverything(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dirA, sA := newClone(t, bare)
	dirB, sB := newClone(t, bare)
	for _, au := range []*author{newAuthor(t, "alice", dirA, sA), newAuthor(t, "bob", dirB, sB)} {
		for range 3 {
			if _, err := au.commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tvsync.Sync(ctx, au.store, tvsync.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	git(t, ".", "clone", "-q", bare, fresh)
	if _, err := install.ConfigureGit(ctx, install.Options{RepoDir: fresh}); err != nil {
		t.Fatal(err)
	}
	s := open(t, fresh)
	rep, err := tvsync.Sync(ctx, s, tvsync.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rep.Remotes[0].Fetched); got != 2 || len(rep.Remotes[0].Pushed) != 0 {
		t.Errorf("fresh Sync fetched %d chains and pushed %v, want 2 and nothing", got, rep.Remotes[0].Pushed)
	}
	if diff := cmp.Diff(traceRefs(t, bare), traceRefs(t, fresh)); diff != "" {
		t.Errorf("fresh clone trace refs differ (-remote +clone):\n%s", diff)
	}
	if got, want := noteList(t, fresh), noteList(t, bare); len(want) != 6 || !slices.Equal(got, want) {
		t.Errorf("fresh clone notes = %v, want the remote's %v (6)", got, want)
	}
}

// After a plain `git fetch` (the refspecs init configures), Integrate
// brings the fetched chains and notes in without network.
func TestIntegrateAfterPlainFetch(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dirA, sA := newClone(t, bare)
	dirB, sB := newClone(t, bare)
	if _, err := newAuthor(t, "alice", dirA, sA).commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tvsync.Sync(ctx, sA, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	git(t, dirB, "fetch", "-q", "origin")
	rep, err := tvsync.Integrate(ctx, sB, "origin")
	if err != nil || len(rep.Fetched) != 1 || !rep.NotesMerged {
		t.Fatalf("Integrate = %+v, %v; want one chain and the notes", rep, err)
	}
	if diff := cmp.Diff(traceRefs(t, bare), traceRefs(t, dirB)); diff != "" {
		t.Errorf("trace refs differ (-remote +clone):\n%s", diff)
	}
}

func TestForkedChainIsReportedAndKept(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dir, s := newClone(t, bare)
	a := newAuthor(t, "alice", dir, s)
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	// The same writer's chain grows differently in another clone (a key
	// copied to two machines) and reaches the remote first.
	dir2, s2 := newClone(t, bare)
	if _, err := tvsync.Sync(ctx, s2, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	w2 := *a.writer
	w2.Store = s2
	a2 := &author{dir: dir2, store: s2, writer: &w2, name: "alice2"}
	if _, err := a2.commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tvsync.Sync(ctx, s2, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.commit(ctx); err != nil {
		t.Fatal(err)
	}
	ref := record.LogRef(a.writer.ID())
	localTip, remoteTip := git(t, dir, "rev-parse", ref), git(t, bare, "rev-parse", ref)

	rep, err := tvsync.Sync(ctx, s, tvsync.Options{})
	var fork *tvsync.ForkError
	if !errors.As(err, &fork) || fork.Writer != a.writer.ID() || !strings.Contains(err.Error(), a.writer.ID()) {
		t.Fatalf("Sync error = %v, want a ForkError naming %s", err, a.writer.ID())
	}
	if got := git(t, dir, "rev-parse", ref); got != localTip {
		t.Errorf("local chain moved to %s, want it kept at %s", got, localTip)
	}
	if got := git(t, dir, "rev-parse", record.RemoteLogRef("origin", a.writer.ID())); got != remoteTip {
		t.Errorf("tracking chain = %s, want the remote's %s", got, remoteTip)
	}
	if got := git(t, bare, "rev-parse", ref); got != remoteTip {
		t.Errorf("remote chain moved to %s", got)
	}
	// The notes still went out.
	if rep.Remotes[0].Err != nil || !slices.Contains(rep.Remotes[0].Pushed, record.NotesRef) {
		t.Errorf("report = %+v, want notes pushed despite the fork", rep.Remotes[0])
	}
	assertFastForwardsOnly(t, bare)
}

// A remote that lost trace refs (recreated at the same name) gets them
// again from Sync, which does not trust stale tracking refs.
func TestSyncResendsWhatTheRemoteLost(t *testing.T) {
	ctx := context.Background()
	bare := newBare(t)
	dir, s := newClone(t, bare)
	if _, err := newAuthor(t, "alice", dir, s).commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	other := newBare(t)
	git(t, dir, "push", "-q", other, "main")
	git(t, dir, "remote", "set-url", "origin", other)
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(traceRefs(t, dir), traceRefs(t, other)); diff != "" {
		t.Errorf("new remote trace refs differ (-local +remote):\n%s", diff)
	}
}

func TestSyncRefusesUnconfiguredRemote(t *testing.T) {
	ctx := context.Background()
	dir, s := newClone(t, newBare(t))
	fork := newBare(t)
	git(t, dir, "remote", "add", "fork", fork)
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{Remotes: []string{"fork"}}); !errors.Is(err, tvsync.ErrNotConfigured) {
		t.Errorf("Sync(fork) error = %v, want ErrNotConfigured", err)
	}
	// A queue entry for a remote no longer configured is dropped unsent.
	q := tvsync.QueueFor(s.CommonDir())
	if err := q.Add("fork", time.Now(), errors.New("x")); err != nil {
		t.Fatal(err)
	}
	rep, err := tvsync.Sync(ctx, s, tvsync.Options{})
	if err != nil || !slices.Equal(rep.Dropped, []string{"fork"}) {
		t.Errorf("Sync = %+v, %v; want fork dropped", rep, err)
	}
	if out := git(t, dir, "ls-remote", "fork"); strings.Contains(out, "tracevault") {
		t.Errorf("fork holds trace refs:\n%s", out)
	}
}

func TestConfiguredRemotesMatchesInit(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "repo")
	git(t, ".", "init", "-q", "-b", "main", dir)
	for _, r := range []string{"origin", "upstream", "fork"} {
		git(t, dir, "remote", "add", r, "/nowhere/"+r)
	}
	s := open(t, dir)
	if got, err := tvsync.ConfiguredRemotes(ctx, s); err != nil || len(got) != 0 {
		t.Fatalf("ConfiguredRemotes before init = %v, %v", got, err)
	}
	if _, err := install.ConfigureGit(ctx, install.Options{RepoDir: dir, Remotes: []string{"origin", "upstream"}}); err != nil {
		t.Fatal(err)
	}
	got, err := tvsync.ConfiguredRemotes(ctx, s)
	if err != nil || !slices.Equal(got, []string{"origin", "upstream"}) {
		t.Fatalf("ConfiguredRemotes after init = %v, %v; want origin, upstream", got, err)
	}
	// Configure writes the same values init does: nothing new, no dups.
	before := git(t, dir, "config", "--get-all", "remote.origin.fetch")
	if err := tvsync.Configure(ctx, s, "origin"); err != nil {
		t.Fatal(err)
	}
	if after := git(t, dir, "config", "--get-all", "remote.origin.fetch"); after != before {
		t.Errorf("Configure changed init's refspecs:\n%s\nwant\n%s", after, before)
	}
	if err := tvsync.Configure(ctx, s, "nosuch"); err == nil {
		t.Error("Configure(nosuch) succeeded")
	}
}
