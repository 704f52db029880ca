// Package commitqueue is the writing side of TraceVault's post-commit
// queue: the post-commit hook appends the new commit (Enqueue) and wakes the
// lingering worker (Wake). The queue is read, and the worker implemented, in
// capture/spool and the tracevault command; capture/githooks runs the hook.
//
// It links nothing but small standard-library packages (and
// capture/internal/jsonlex), so that the tracevault-githook binary starts in
// about the time a hello-world Go program does.
//
// # Files
//
// Under the repository's .git/tracevault/state/:
//
//	pending.jsonl   one Pending per line, appended under pending.lock
//	worker.lock     held (flock) by the post-commit worker while it runs
//	worker.fifo     named pipe the worker reads; Wake writes one byte to it
//
// The worker hand-over protocol is described in capture/spool/worker.go.
package commitqueue

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

// Names of the queue's files in the state directory.
const (
	File       = "pending.jsonl"
	Lock       = "pending.lock"
	WorkerFIFO = "worker.fifo"
)

// Pending is a commit waiting for its post-commit work.
type Pending struct {
	Commit string    `json:"commit"`
	Action string    `json:"action,omitempty"` // HEAD's reflog action when it was made
	Squash string    `json:"squash,omitempty"` // SQUASH_MSG when it was made
	At     time.Time `json:"at"`
}

// AppendJSON appends p as encoding/json marshals it.
func (p Pending) AppendJSON(b []byte) []byte {
	b = append(b, `{"commit":`...)
	b = jsonlex.AppendString(b, p.Commit)
	if p.Action != "" {
		b = append(b, `,"action":`...)
		b = jsonlex.AppendString(b, p.Action)
	}
	if p.Squash != "" {
		b = append(b, `,"squash":`...)
		b = jsonlex.AppendString(b, p.Squash)
	}
	b = append(b, `,"at":"`...)
	b = p.At.AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...)
}

// Enqueue queues commit for post-commit work in stateDir, saving the
// repository state the work needs that changes as soon as the hook returns
// (see CommitContext).
func Enqueue(stateDir, gitDir, commit string) error {
	action, squash := CommitContext(gitDir)
	line := Pending{Commit: commit, Action: action, Squash: squash, At: time.Now().UTC()}.AppendJSON(nil)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	lock, err := sysfile.OpenFile(filepath.Join(stateDir, Lock), syscall.O_RDWR|syscall.O_CREAT, 0o600)
	if err != nil {
		return fmt.Errorf("opening the post-commit queue's lock: %w", err)
	}
	defer syscall.Close(lock) // releases the lock
	if err := sysfile.Flock(lock, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking the post-commit queue: %w", err)
	}
	fd, err := sysfile.OpenFile(filepath.Join(stateDir, File), syscall.O_WRONLY|syscall.O_APPEND|syscall.O_CREAT, 0o600)
	if err != nil {
		return fmt.Errorf("queueing post-commit work: %w", err)
	}
	_, werr := sysfile.Retry(func() (int, error) { return syscall.Write(fd, append(line, '\n')) })
	if cerr := syscall.Close(fd); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("queueing post-commit work: %w", werr)
	}
	return nil
}

// CommitContext returns what attribution of a new commit needs from the
// repository's state at the moment it is made: HEAD's last reflog action and
// SQUASH_MSG (git deletes it right after). Only the reflog's tail is read:
// it grows with every commit and checkout for the life of the repository.
func CommitContext(gitDir string) (action, squashMsg string) {
	if fd, err := sysfile.OpenFile(filepath.Join(gitDir, "SQUASH_MSG"), syscall.O_RDONLY, 0); err == nil {
		squashMsg = string(readFrom(fd, 0))
		syscall.Close(fd)
	}
	if _, msg, ok := strings.Cut(lastLine(filepath.Join(gitDir, "logs", "HEAD")), "\t"); ok {
		action = msg
	}
	return action, squashMsg
}

// lastLine returns the last line of a file without its newline, reading
// only as much of the end as that line needs ("" if the file is missing).
func lastLine(path string) string {
	fd, err := sysfile.OpenFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return ""
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if sysfile.Fstat(fd, &st) != nil {
		return ""
	}
	for chunk := int64(4096); ; chunk *= 4 {
		off := max(st.Size-chunk, 0)
		buf := bytes.TrimRight(readFrom(fd, off), "\n")
		if i := bytes.LastIndexByte(buf, '\n'); i >= 0 {
			return string(buf[i+1:])
		}
		if off == 0 {
			return string(buf)
		}
	}
}

// readFrom reads fd from off to its end ("" on an error).
func readFrom(fd int, off int64) []byte {
	var buf []byte
	chunk := make([]byte, 4096)
	for {
		n, err := sysfile.Retry(func() (int, error) { return syscall.Pread(fd, chunk, off) })
		if err != nil {
			return nil
		}
		if n == 0 {
			return buf
		}
		buf = append(buf, chunk[:n]...)
		off += int64(n)
	}
}

// Wake tells the repository's lingering post-commit worker that the queue
// has grown. It reports false when no worker is listening: the caller must
// start one. It never blocks.
func Wake(stateDir string) bool {
	fd, err := sysfile.OpenFile(filepath.Join(stateDir, WorkerFIFO), syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return false // ENXIO: nobody reads it; ENOENT: no worker ever ran
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if sysfile.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return false // not our pipe: the worker replaces it
	}
	// EAGAIN (the pipe is full) is fine: the worker has wake-ups to read.
	_, _ = syscall.Write(fd, []byte{'!'})
	return true
}
