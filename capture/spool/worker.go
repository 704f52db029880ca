package spool

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/commitqueue"
)

// The post-commit worker lingers after it has drained the queue, so that a
// burst of commits (a rebase, a script, an agent committing as it goes) pays
// for one worker start-up instead of one per commit, and the post-commit
// hook, finding a worker listening, only queues the commit and wakes it.
//
// One worker at a time owns a repository: it holds the exclusive flock on
// state/worker.lock for as long as it runs, and keeps the named pipe
// state/worker.fifo open for reading. The hook queues the commit first, then
// opens the pipe for writing without blocking: the open succeeds only while
// a worker has it open, and the byte written wakes that worker; the open
// fails (ENXIO, or ENOENT before any worker ran) when none does, and the hook
// starts one. A worker retiring closes the pipe first and only then looks at
// the queue one last time, so a commit queued by a hook whose wake-up reached
// a closing pipe is still seen — by the retiring worker, which then carries
// on, or by the worker that hook started.

const (
	workerLock = "worker"
	workerFIFO = commitqueue.WorkerFIFO
)

// WakeWorker tells the repository's lingering post-commit worker that the
// queue has grown; false means no worker listens. See [commitqueue.Wake].
func WakeWorker(dir Dir) bool { return commitqueue.Wake(dir.Path("state")) }

// Worker is the claim of the process that does a repository's post-commit
// work; see ClaimWorker.
type Worker struct {
	dir    Dir
	unlock func()
	fifo   *os.File
	buf    [64]byte
}

// ClaimWorker makes the calling process the repository's post-commit
// worker. It returns nil and no error when another process already is.
func ClaimWorker(dir Dir) (*Worker, error) {
	unlock, err := dir.tryLock(workerLock)
	if err != nil || unlock == nil {
		return nil, err
	}
	w := &Worker{dir: dir, unlock: unlock}
	if err := w.listen(); err != nil {
		unlock()
		return nil, err
	}
	return w, nil
}

// listen opens the wake-up pipe for reading (and writing, so that it never
// reads end-of-file when the last hook closes it), making it first if need
// be. Package os opens a pipe for the runtime's poller, so Wait can time out.
func (w *Worker) listen() error {
	path := w.dir.Path("state", workerFIFO)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeNamedPipe == 0 {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("replacing %s (not a named pipe): %w", path, err)
		}
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil && !errors.Is(err, syscall.EEXIST) {
		return fmt.Errorf("making the worker's wake-up pipe %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("opening the worker's wake-up pipe: %w", err)
	}
	w.fifo = f
	return nil
}

// Wait blocks until a hook wakes the worker (true) or d has passed (false).
// Wake-ups that arrived meanwhile are consumed together.
func (w *Worker) Wait(d time.Duration) bool {
	if err := w.fifo.SetReadDeadline(time.Now().Add(d)); err != nil {
		// The pipe cannot time out here: poll the queue instead.
		time.Sleep(d)
		return HasPending(w.dir)
	}
	n, _ := w.fifo.Read(w.buf[:])
	return n > 0
}

// Retire gives up the claim, unless commits were queued meanwhile and the
// claim could be taken again: then it reports true and the worker carries
// on. After false the Worker must not be used.
func (w *Worker) Retire() bool {
	_ = w.fifo.Close()
	w.unlock()
	if !HasPending(w.dir) {
		return false
	}
	again, err := ClaimWorker(w.dir)
	if err != nil || again == nil {
		return false // another worker has it, or it will be drained by a reader
	}
	*w = *again
	return true
}

// Close gives up the claim.
func (w *Worker) Close() {
	_ = w.fifo.Close()
	w.unlock()
}
