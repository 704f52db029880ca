package spool

import (
	"bytes"
	"encoding/json"
	"os"

	"github.com/tracevault/tracevault/capture/commitqueue"
)

// Post-commit work runs in the background so `git commit` does not wait for
// it: the post-commit hook only appends the commit to a queue
// (.git/tracevault/state/pending.jsonl) and starts a worker. Whatever reads
// notes or records — post-rewrite, pre-push, sync, verify, check, log, show,
// blame, stats — first drains the queue, so it always sees every commit's
// note. Drains are serialised by a lock, so each commit is processed once,
// in commit order.

// Pending is a commit waiting for its post-commit work.
type Pending = commitqueue.Pending

const pendingFile = commitqueue.File

// Enqueue queues commit for post-commit work, saving the repository state
// the work needs (it changes as soon as the hook returns); see
// [commitqueue.Enqueue].
func Enqueue(dir Dir, gitDir, commit string) error {
	return commitqueue.Enqueue(dir.Path("state"), gitDir, commit)
}

// Drain processes every queued commit in order with work, under the
// post-commit lock. A commit whose work fails is reported through logf and
// dropped from the queue (it then has no note: a visible gap, never a wrong
// one).
func Drain(dir Dir, work func(Pending) error, logf func(string, ...any)) (int, error) {
	unlock, err := dir.Lock("linker")
	if err != nil {
		return 0, err
	}
	defer unlock()
	path := dir.Path("state", pendingFile)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) || len(data) == 0 {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var p Pending
		if err := json.Unmarshal(line, &p); err != nil {
			logf("post-commit queue: skipping a damaged entry: %v", err)
			continue
		}
		if err := work(p); err != nil {
			logf("post-commit work for %s failed: %v", p.Commit, err)
		}
		n++
	}
	// Drop what was processed, keeping entries queued meanwhile.
	qunlock, err := dir.Lock("pending")
	if err != nil {
		return n, err
	}
	defer qunlock()
	now, err := os.ReadFile(path)
	if err != nil {
		return n, err
	}
	rest := now[min(len(data), len(now)):]
	if err := os.WriteFile(path+".tmp", rest, 0o600); err != nil {
		return n, err
	}
	return n, os.Rename(path+".tmp", path)
}

// HasPending reports whether commits are waiting for post-commit work.
func HasPending(dir Dir) bool {
	fi, err := os.Stat(dir.Path("state", pendingFile))
	return err == nil && fi.Size() > 0
}
