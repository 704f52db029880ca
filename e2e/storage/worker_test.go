package storage

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
)

// asyncEnv is an environment whose commits go through the default
// post-commit path: the hook queues the commit and a background worker,
// lingering for linger, writes the record and the note.
func asyncEnv(t *testing.T, linger string) *env {
	t.Helper()
	e := newEnv(t)
	e.extraEnv = []string{"TRACEVAULT_POSTCOMMIT=async", "TRACEVAULT_WORKER_LINGER=" + linger}
	// Runs before the temporary directories are removed (cleanups run last
	// first): no worker outlives its test.
	t.Cleanup(func() {
		for _, pid := range e.workers() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	return e
}

// workers returns the pids of the post-commit workers running in this
// environment's repository (from /proc: their command line and directory).
func (e *env) workers() []int {
	e.t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		e.t.Fatal(err)
	}
	var pids []int
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), "post-commit-worker") {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", ent.Name(), "cwd")); err == nil && cwd == e.dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

// eventually waits (up to a minute: this is about completion, not speed)
// until cond holds.
func (e *env) eventually(what string, cond func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("still waiting after a minute for %s", what)
		}
	}
}

func (e *env) waitNote(c gitstore.Hash) {
	e.t.Helper()
	e.eventually("the note of "+c.String(), func() bool { return e.noteOf(c) != nil })
}

func (e *env) spool() spool.Dir { return spool.ForGitDir(filepath.Join(e.dir, ".git")) }

// TestWorkerLingers: the first commit starts the worker, which writes the
// note and stays; the next commits only wake it (no new process), and each
// gets exactly the note the synchronous path gives.
func TestWorkerLingers(t *testing.T) {
	t.Parallel()
	e := asyncEnv(t, "1m")
	var first []int
	for i := 0; i < 3; i++ {
		e.agentWrite(fmt.Sprintf("f%d.go", i), five)
		c := e.commitAll(fmt.Sprintf("agent %d", i))
		e.waitNote(c)
		if got := e.attribution(c); got[fmt.Sprintf("f%d.go", i)].AI != "1-5" {
			t.Errorf("commit %d: attribution %+v, want f%d.go AI 1-5", i, got, i)
		}
		pids := e.workers()
		if len(pids) != 1 {
			t.Fatalf("after commit %d: %d workers (%v), want 1 lingering", i, len(pids), pids)
		}
		if i == 0 {
			first = pids
		} else if !slices.Equal(pids, first) {
			t.Errorf("commit %d was served by worker %v, want the lingering %v", i, pids, first)
		}
	}
	if spool.HasPending(e.spool()) {
		t.Error("queue not empty after every note was written")
	}
	e.checkRepo()
}

// TestWorkerBurst: commits made faster than the worker writes notes (a
// script, a rebase) each get their note, once, in order.
func TestWorkerBurst(t *testing.T) {
	t.Parallel()
	e := asyncEnv(t, "1m")
	var cs []gitstore.Hash
	for i := 0; i < 12; i++ {
		e.agentWrite(fmt.Sprintf("b%02d.txt", i), fmt.Sprintf("line %d\n", i))
		cs = append(cs, e.commitAll(fmt.Sprintf("burst %d", i)))
	}
	for _, c := range cs {
		e.waitNote(c)
	}
	for i, c := range cs {
		if got := e.attribution(c); got[fmt.Sprintf("b%02d.txt", i)].AI != "1" || len(got) != 1 {
			t.Errorf("commit %d: attribution %+v, want only b%02d.txt AI 1", i, got, i)
		}
	}
	if n := len(e.workers()); n != 1 {
		t.Errorf("%d workers after the burst, want 1", n)
	}
	e.checkRepo()
}

// TestWorkerRetires: a worker whose linger time passes with no commit
// exits, and the next commit starts a new one.
func TestWorkerRetires(t *testing.T) {
	t.Parallel()
	e := asyncEnv(t, "200ms")
	e.agentWrite("a.go", five)
	c := e.commitAll("first")
	e.waitNote(c)
	e.eventually("the worker to retire", func() bool { return len(e.workers()) == 0 })
	if spool.WakeWorker(e.spool()) {
		t.Error("WakeWorker reports a listener after the worker retired")
	}
	e.agentWrite("b.go", five)
	c = e.commitAll("second")
	e.waitNote(c)
	if got := e.attribution(c); got["b.go"].AI != "1-5" {
		t.Errorf("attribution after a new worker: %+v", got)
	}
	e.checkRepo()
}

// TestWorkerKilled: a worker killed while lingering leaves nothing behind
// that stops the next commit from starting another.
func TestWorkerKilled(t *testing.T) {
	t.Parallel()
	e := asyncEnv(t, "1m")
	e.agentWrite("a.go", five)
	e.waitNote(e.commitAll("first"))
	pids := e.workers()
	if len(pids) != 1 {
		t.Fatalf("workers = %v, want one", pids)
	}
	if err := syscall.Kill(pids[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	e.eventually("the killed worker to be gone", func() bool { return len(e.workers()) == 0 })
	e.agentWrite("b.go", five)
	c := e.commitAll("second")
	e.waitNote(c)
	if got := e.attribution(c); got["b.go"].AI != "1-5" {
		t.Errorf("attribution after the kill: %+v", got)
	}
	if now := e.workers(); len(now) != 1 || now[0] == pids[0] {
		t.Errorf("workers = %v, want one new worker", now)
	}
	e.checkRepo()
}

// TestQueueDrainedByReaders: while the worker slot is held by a process
// that does no work, commits stay queued, and whatever reads notes (here
// `tracevault log`) does their work first.
func TestQueueDrainedByReaders(t *testing.T) {
	t.Parallel()
	e := asyncEnv(t, "1m")
	w, err := spool.ClaimWorker(e.spool())
	if err != nil || w == nil {
		t.Fatalf("ClaimWorker = %v, %v", w, err)
	}
	if again, err := spool.ClaimWorker(e.spool()); again != nil || err != nil {
		t.Fatalf("a second ClaimWorker = %v, %v; want nil, nil", again, err)
	}
	e.agentWrite("a.go", five)
	c := e.commitAll("queued")
	if !spool.HasPending(e.spool()) {
		t.Fatal("the commit is not queued")
	}
	if !w.Wait(time.Minute) {
		t.Error("the post-commit hook did not wake the worker slot's holder")
	}
	if n := len(e.workers()); n != 0 {
		t.Errorf("%d workers started while the slot was held", n)
	}
	if e.noteOf(c) != nil {
		t.Fatal("note written although no worker ran")
	}
	out := e.run(nil, filepath.Join(binDir, "tracevault"), "log", "-n", "1")
	if !strings.Contains(out, c.String()[:7]) {
		t.Errorf("tracevault log does not show %s:\n%s", c, out)
	}
	if got := e.attribution(c); got["a.go"].AI != "1-5" {
		t.Errorf("attribution drained by a reader: %+v", got)
	}
	if spool.HasPending(e.spool()) {
		t.Error("queue not empty after the reader drained it")
	}
	if w.Retire() {
		t.Error("Retire kept the slot with an empty queue")
	}
	e.checkRepo()
}
