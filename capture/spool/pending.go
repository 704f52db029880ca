package spool

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Post-commit work runs in the background so `git commit` does not wait for
// it: the post-commit hook only appends the commit to a queue
// (.git/tracevault/state/pending.jsonl) and starts a worker. Whatever reads
// notes or records — post-rewrite, pre-push, sync, verify, check, log, show,
// blame, stats — first drains the queue, so it always sees every commit's
// note. Drains are serialised by a lock, so each commit is processed once,
// in commit order.

// Pending is a commit waiting for its post-commit work.
type Pending struct {
	Commit string    `json:"commit"`
	Action string    `json:"action,omitempty"` // HEAD's reflog action when it was made
	Squash string    `json:"squash,omitempty"` // SQUASH_MSG when it was made
	At     time.Time `json:"at"`
}

const pendingFile = "pending.jsonl"

// Enqueue queues commit for post-commit work, saving the repository state
// SourcesOf needs (it changes as soon as the hook returns).
func Enqueue(dir Dir, gitDir, commit string) error {
	action, squash := CommitContext(gitDir)
	line, err := json.Marshal(Pending{Commit: commit, Action: action, Squash: squash, At: time.Now().UTC()})
	if err != nil {
		return err
	}
	unlock, err := dir.Lock("pending")
	if err != nil {
		return err
	}
	defer unlock()
	f, err := os.OpenFile(dir.Path("state", pendingFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("queueing post-commit work: %w", err)
	}
	_, werr := f.Write(append(line, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
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

// CommitContext returns what attribution of a new commit needs from the
// repository's state at the moment it is made: HEAD's last reflog action and
// SQUASH_MSG (git deletes it right after). Only the reflog's tail is read:
// it grows with every commit and checkout for the life of the repository.
func CommitContext(gitDir string) (action, squashMsg string) {
	if b, err := ReadFile(filepath.Join(gitDir, "SQUASH_MSG")); err == nil {
		squashMsg = string(b)
	}
	last := lastLine(filepath.Join(gitDir, "logs", "HEAD"))
	if _, msg, ok := strings.Cut(last, "\t"); ok {
		action = msg
	}
	return action, squashMsg
}

// lastLine returns the last line of a file without its newline, reading
// only as much of the end as that line needs ("" if the file is missing).
// Plain system calls, like ReadFile: the post-commit hook calls it.
func lastLine(path string) string {
	fd, err := openFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if fstat(fd, &st) != nil {
		return ""
	}
	for chunk := int64(4096); ; chunk *= 4 {
		off := max(st.Size-chunk, 0)
		buf := make([]byte, st.Size-off)
		for got := 0; got < len(buf); {
			n, err := ignoringEINTR(func() (int, error) { return syscall.Pread(fd, buf[got:], off+int64(got)) })
			if err != nil {
				return ""
			}
			if n == 0 {
				buf = buf[:got] // the file shrank
				break
			}
			got += n
		}
		buf = bytes.TrimRight(buf, "\n")
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return string(buf[i+1:])
		}
		if off == 0 {
			return string(buf)
		}
	}
}
