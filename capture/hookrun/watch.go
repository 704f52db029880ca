package hookrun

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/fswatch"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
)

// The work-tree watcher (package fswatch) spares shell tool calls a walk of
// the whole work tree: the hook asks it what changed since its last
// snapshot and looks at just that. The hook starts it in the background at
// a session's first event, and again whenever it finds none answering;
// TRACEVAULT_WATCH=off turns it off (every shell tool call then scans the
// whole tree, as where inotify is missing).

const (
	// watchTimeout bounds the wait for the watcher's answer: past it the
	// hook scans the whole tree itself.
	watchTimeout = time.Second
	// watchRetry is how long the hook waits before starting a watcher
	// again after one failed (out of inotify watches, say).
	watchRetry  = time.Hour
	watchFailed = "watch.failed"
)

// watchOff reports whether the watcher is turned off.
func (h *hook) watchOff() bool { return h.opts.Getenv("TRACEVAULT_WATCH") == "off" }

// askWatcher returns the watcher's look and the connection to acknowledge
// it on, or nil when none answers (one is started then).
func (h *hook) askWatcher() (*worktree.Look, *fswatch.Conn) {
	if h.watchOff() {
		return nil, nil
	}
	l, conn, err := fswatch.Ask(h.dir.Path("state"), watchTimeout)
	switch {
	case errors.Is(err, fswatch.ErrNoWatcher):
		h.startWatcher()
		return nil, nil
	case err != nil:
		h.logf("%v; scanning the whole work tree", err)
		return nil, nil
	}
	return l, conn
}

// ensureWatcher starts a watcher unless one has its socket in place.
func (h *hook) ensureWatcher() {
	if h.watchOff() {
		return
	}
	if _, err := os.Lstat(h.dir.Path("state", fswatch.SocketName)); err != nil {
		h.startWatcher()
	}
}

// startWatcher starts "watch-worktree" with this executable, detached, unless
// one failed lately. Only the tracevault and tracevault-hookd binaries can
// serve (a test binary cannot).
func (h *hook) startWatcher() {
	argv := watcherArgv()
	if argv == nil {
		return
	}
	if fi, err := os.Stat(h.dir.Path("state", watchFailed)); err == nil && time.Since(fi.ModTime()) < watchRetry {
		return
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		return
	}
	defer null.Close()
	p, err := os.StartProcess(argv[0], append(argv, h.repo.WorkTree), &os.ProcAttr{
		Dir: "/", Files: []*os.File{null, null, null}, Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		h.logf("starting the work-tree watcher: %v", err)
		return
	}
	_ = p.Release()
}

// watcherArgv returns the command line that runs a watcher, without its
// directory: this executable's own.
func watcherArgv() []string {
	exe, err := os.Executable()
	if err != nil {
		return nil
	}
	switch filepath.Base(exe) {
	case "tracevault-hookd":
		return []string{exe, "watch-worktree"}
	case "tracevault":
		return []string{exe, "hook", "watch-worktree"}
	}
	return nil
}

// Watch runs "watch-worktree DIR": the work-tree watcher and hook server of
// the repository enclosing DIR, until it has been idle for
// TRACEVAULT_WATCH_LINGER (a Go duration, default 15m), the repository is
// gone, or its executable was replaced. A watcher that cannot
// watch (no inotify, out of watches) says why in hook.log and in
// state/watch.failed, and hooks do not start another for an hour.
func Watch(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: watch-worktree DIR")
		return 2
	}
	repo, err := worktree.FindRepo(args[0])
	if err != nil {
		fmt.Fprintf(os.Stderr, "watch-worktree: %v\n", err)
		return 1
	}
	dir := spool.ForGitDir(repo.CommonDir)
	state := dir.Path("state")
	linger := fswatch.DefaultLinger
	if d, err := time.ParseDuration(os.Getenv("TRACEVAULT_WATCH_LINGER")); err == nil && d > 0 {
		linger = d
	}
	// The watcher creates nothing in a repository being deleted: it logs
	// only while the spool is there, and its state directory (made by the
	// hook that started it) is not made again.
	alive := func() bool { _, err := os.Lstat(state); return err == nil }
	logf := func(format string, args ...any) {
		if alive() {
			dir.Log(format, args...)
		}
	}
	// A lingering server's heap is small: collect it less often, so that
	// requests rarely share the CPU with the collector.
	debug.SetGCPercent(400)
	var hooks *hookServer
	stop := make(chan struct{})
	ready := func() {
		// The watcher's lock is held: this process serves the repository.
		h, err := startHookServer(state, logf)
		if err != nil {
			logf("hook server: %v; hooks run on their own", err)
		} else {
			hooks = h
			go func() { <-h.stop; close(stop) }()
		}
		go func() {
			if alive() {
				if err := dir.PrepareBlobs(); err != nil {
					logf("%v", err)
				}
			}
		}()
	}
	active := func() time.Time {
		if hooks == nil {
			return time.Time{}
		}
		return hooks.lastActive()
	}
	err = fswatch.Serve(repo, state, filepath.Join(state, snapFile),
		fswatch.Options{Linger: linger, Logf: logf, Ready: ready, Active: active, Stop: stop})
	if hooks != nil {
		hooks.shutdown()
	}
	switch {
	case errors.Is(err, fswatch.ErrRunning):
		return 0
	case err != nil:
		logf("%v", err)
		if alive() {
			_ = os.WriteFile(filepath.Join(state, watchFailed), []byte(err.Error()+"\n"), 0o600)
		}
		return 1
	}
	return 0
}
