package fswatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
	"github.com/tracevault/tracevault/capture/worktree"
)

const dirMask = syscall.IN_CREATE | syscall.IN_DELETE | syscall.IN_MODIFY | syscall.IN_ATTRIB |
	syscall.IN_MOVED_FROM | syscall.IN_MOVED_TO | syscall.IN_DELETE_SELF | syscall.IN_MOVE_SELF |
	syscall.IN_ONLYDIR | syscall.IN_DONT_FOLLOW | syscall.IN_EXCL_UNLINK

const gitMask = syscall.IN_CREATE | syscall.IN_MOVED_TO | syscall.IN_CLOSE_WRITE | syscall.IN_DELETE | syscall.IN_ONLYDIR

// Serve watches repo's work tree and answers [Ask] on the socket in
// stateDir until nobody asked for opts.Linger or the work tree is gone. The
// snapshot of the last look acknowledged is kept in memory and written to
// snapFile (the hook's own, which the hook reads when no watcher answers);
// when that file changes under it, the watcher starts again from the file.
// Only one watcher serves a repository: Serve returns ErrRunning when
// another holds state/watch.lock. It fails when inotify cannot watch the
// tree (fs.inotify.max_user_watches reached, or no inotify).
func Serve(repo worktree.Repo, stateDir, snapFile string, opts Options) error {
	if opts.Linger <= 0 {
		opts.Linger = DefaultLinger
	}
	if opts.MaxTouched <= 0 {
		opts.MaxTouched = 100_000
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	lock, err := sysfile.OpenFile(filepath.Join(stateDir, "watch.lock"), syscall.O_RDWR|syscall.O_CREAT, 0o600)
	if err != nil {
		return fmt.Errorf("work-tree watcher: %w", err)
	}
	defer syscall.Close(lock)
	if err := sysfile.Flock(lock, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return ErrRunning
		}
		return fmt.Errorf("work-tree watcher: locking: %w", err)
	}
	// Who holds the lock, for whoever must stop it (tests, an operator).
	if syscall.Ftruncate(lock, 0) == nil {
		_, _ = syscall.Pwrite(lock, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
	}
	in, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("work-tree watcher: inotify: %w", err)
	}
	defer syscall.Close(in)
	s := &server{repo: repo, opts: opts, in: in, wds: map[int32]string{}, dirs: map[string]int32{},
		touched: map[string]uint64{}, buf: make([]byte, 64<<10), snapFile: snapFile,
		rootWd: -1, gitWd: -1, infoWd: -1}
	if err := s.setup(); err != nil {
		return err
	}
	ln, err := listen(stateDir)
	if err != nil {
		return err
	}
	defer unlisten(stateDir, ln)
	register(stateDir, s)
	defer register(stateDir, nil)
	if opts.Ready != nil {
		opts.Ready()
	}
	return s.loop(ln)
}

// The watchers serving in this process, by state directory: a hook run by
// the hook server in the watcher's own process asks it directly (see Ask),
// without the socket and the wake-up of the watcher's loop.
var local struct {
	sync.Mutex
	m map[string]*server
}

func register(stateDir string, s *server) {
	local.Lock()
	defer local.Unlock()
	if local.m == nil {
		local.m = map[string]*server{}
	}
	if s == nil {
		delete(local.m, filepath.Clean(stateDir))
	} else {
		local.m[filepath.Clean(stateDir)] = s
	}
}

func localServer(stateDir string) *server {
	local.Lock()
	defer local.Unlock()
	return local.m[filepath.Clean(stateDir)]
}

// lookNow makes a look for a hook in this process; keep keeps it.
func (s *server) lookNow() (l *worktree.Look, keep func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.drain(); err != nil {
		return nil, nil, err
	}
	l, next, seqAt, file, err := s.look()
	if err != nil {
		return nil, nil, err
	}
	return l, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.keep(next(), seqAt, file)
	}, nil
}

type server struct {
	repo                  worktree.Repo
	opts                  Options
	in                    int
	wds                   map[int32]string // watch descriptor to directory ("" is the root)
	dirs                  map[string]int32
	tracked               []string // tracked files ignore rules cover, sorted
	rootWd, gitWd, infoWd int32
	seq, floor            uint64            // changes seen; the first one still remembered
	touched               map[string]uint64 // path to the number of its last change
	buf                   []byte
	gone                  bool // the work tree was deleted or moved

	// mu guards the state below and the event bookkeeping above: the loop
	// and hooks of this process asking directly (lookNow) share them.
	mu sync.Mutex

	snapFile string
	snap     *worktree.Snapshot // the last look acknowledged, or nil
	snapSeq  uint64             // changes seen when it was taken
	stamp    stamp              // snapFile as the watcher last wrote or read it
	dirty    bool               // snap is not in snapFile yet
}

// setup watches the git directory (the index, info/exclude) and the tree.
func (s *server) setup() error {
	wd, err := syscall.InotifyAddWatch(s.in, s.repo.GitDir, gitMask)
	if err != nil {
		return fmt.Errorf("work-tree watcher: watching %s: %w", s.repo.GitDir, err)
	}
	s.gitWd = int32(wd)
	info := filepath.Join(s.repo.CommonDir, "info")
	if wd, err := syscall.InotifyAddWatch(s.in, info, gitMask); err == nil {
		s.infoWd = int32(wd)
	}
	return s.sync()
}

// sync brings the watches in line with what the tree holds now, and marks
// the tracked files ignore rules cover that were added to or removed from
// the index.
func (s *server) sync() error {
	l, err := worktree.Watchable(s.repo, "")
	if err != nil {
		return fmt.Errorf("work-tree watcher: %w", err)
	}
	want := map[string]bool{}
	for _, d := range l.Dirs {
		want[d] = true
		if err := s.watch(d); err != nil {
			return err
		}
	}
	for d, wd := range s.dirs {
		if !want[d] {
			s.forget(d, wd)
		}
	}
	if s.rootWd < 0 {
		return fmt.Errorf("work-tree watcher: cannot watch %s", s.repo.WorkTree)
	}
	for _, p := range symmetricDiff(s.tracked, l.Tracked) {
		s.touch(p)
	}
	s.tracked = l.Tracked
	return nil
}

// watch adds a watch on directory d; one that is gone is skipped.
func (s *server) watch(d string) error {
	path := s.repo.WorkTree
	if d != "" {
		path = filepath.Join(path, filepath.FromSlash(d))
	}
	w, err := syscall.InotifyAddWatch(s.in, path, dirMask)
	wd := int32(w)
	if errors.Is(err, syscall.ENOSPC) {
		return fmt.Errorf("work-tree watcher: out of inotify watches (raise fs.inotify.max_user_watches): %w", err)
	}
	if err != nil {
		return nil // gone or not a directory now: its parent's event says so
	}
	if old, ok := s.wds[wd]; ok && old != d && s.dirs[old] == wd {
		delete(s.dirs, old) // the same directory, moved
	}
	s.wds[wd], s.dirs[d] = d, wd
	if d == "" {
		s.rootWd = wd
	}
	return nil
}

// forget drops the watch on d.
func (s *server) forget(d string, wd int32) {
	_, _ = syscall.InotifyRmWatch(s.in, uint32(wd))
	delete(s.dirs, d)
	delete(s.wds, wd)
}

// unwatch drops the watches on d and below it (moved away or deleted).
func (s *server) unwatch(d string) {
	for p, wd := range s.dirs {
		if p == d || len(p) > len(d) && p[len(d)] == '/' && p[:len(d)] == d {
			s.forget(p, wd)
		}
	}
}

func (s *server) touch(p string) {
	s.seq++
	s.touched[p] = s.seq
	if len(s.touched) > s.opts.MaxTouched {
		s.forgetAll("too many paths changed")
	}
}

// forgetAll makes every earlier cursor unknown.
func (s *server) forgetAll(why string) {
	s.opts.Logf("work-tree watcher: %s; the next scan is a full one", why)
	s.seq++
	s.floor = s.seq
	clear(s.touched)
}

// reset forgets every change and watches the tree afresh (the ignore
// rules or the event queue can no longer be trusted).
func (s *server) reset(why string) error {
	s.forgetAll(why)
	return s.sync()
}

// drain handles every event queued so far.
func (s *server) drain() error {
	for {
		n, err := syscall.Read(s.in, s.buf)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return nil
		}
		if err != nil {
			return fmt.Errorf("work-tree watcher: reading events: %w", err)
		}
		if err := s.handle(s.buf[:n]); err != nil {
			if s.repoGone() {
				s.gone = true // the tree went while the watcher looked at it
				return nil
			}
			return err
		}
	}
}

// handle applies a buffer of inotify events.
func (s *server) handle(b []byte) error {
	for len(b) >= syscall.SizeofInotifyEvent {
		wd := int32(binary.NativeEndian.Uint32(b))
		mask := binary.NativeEndian.Uint32(b[4:])
		n := int(binary.NativeEndian.Uint32(b[12:]))
		if len(b) < syscall.SizeofInotifyEvent+n {
			return errors.New("work-tree watcher: short inotify event")
		}
		name := b[syscall.SizeofInotifyEvent : syscall.SizeofInotifyEvent+n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		b = b[syscall.SizeofInotifyEvent+n:]
		if err := s.event(wd, mask, string(name)); err != nil {
			return err
		}
	}
	return nil
}

func (s *server) event(wd int32, mask uint32, name string) error {
	switch {
	case mask&syscall.IN_Q_OVERFLOW != 0:
		return s.reset("the inotify event queue overflowed")
	case wd == s.gitWd:
		if name == "index" {
			return s.sync() // tracked files under ignore rules may have come or gone
		}
		return nil
	case wd == s.infoWd:
		if name == "exclude" {
			return s.reset("info/exclude changed")
		}
		return nil
	}
	dir, ok := s.wds[wd]
	if !ok {
		return nil // a watch already dropped
	}
	switch {
	case mask&syscall.IN_IGNORED != 0:
		delete(s.wds, wd)
		if s.dirs[dir] == wd {
			delete(s.dirs, dir)
		}
		if wd == s.rootWd {
			s.gone = true
		}
		return nil
	case mask&(syscall.IN_DELETE_SELF|syscall.IN_MOVE_SELF) != 0:
		if wd == s.rootWd {
			s.gone = true
		}
		return nil
	case name == "":
		return nil
	}
	p := name
	if dir != "" {
		p = dir + "/" + name
	}
	switch {
	case name == ".git":
		if dir != "" {
			s.touch(dir) // a nested repository came or went: its files did too
		} else if s.repoGone() {
			s.gone = true
		}
		return nil
	case name == ".gitignore":
		return s.reset(p + " changed")
	}
	s.touch(p)
	if mask&syscall.IN_ISDIR != 0 {
		if mask&(syscall.IN_MOVED_FROM|syscall.IN_DELETE) != 0 {
			s.unwatch(p)
		}
		if mask&(syscall.IN_CREATE|syscall.IN_MOVED_TO) != 0 {
			l, err := worktree.Watchable(s.repo, p)
			if err != nil {
				return s.reset(err.Error())
			}
			for _, d := range l.Dirs {
				if err := s.watch(d); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// repoGone reports whether the repository was deleted. A deleted work
// tree's root sends no IN_DELETE_SELF while the watcher's own lock and
// socket, inside it, keep its directory entries alive: the root's event
// for .git is the sign instead, and the loop looks now and then.
func (s *server) repoGone() bool {
	_, err := os.Lstat(s.repo.GitDir)
	return err != nil
}

// look compares the work tree now with the last look: from memory, when
// the snapshot file is still the one the watcher wrote, looking again only
// at what changed since; otherwise from the file, scanning everything.
func (s *server) look() (l *worktree.Look, next func() *worktree.Snapshot, seqAt uint64, file stamp, err error) {
	var prev *worktree.Snapshot
	known := false
	file = stampOf(s.snapFile)
	if s.snap != nil && file == s.stamp {
		prev, known = s.snap, s.snapSeq >= s.floor
	} else if b, err := os.ReadFile(s.snapFile); err == nil {
		var snap worktree.Snapshot
		if snap.UnmarshalBinary(b) == nil {
			prev = &snap
		}
	}
	seqAt = s.seq
	if known {
		var touched []string
		for p, n := range s.touched {
			if n > s.snapSeq {
				touched = append(touched, p)
			}
		}
		if len(touched) == 0 { // nothing changed: the same snapshot
			return &worktree.Look{}, func() *worktree.Snapshot { return prev }, seqAt, file, nil
		}
		l, next, err = worktree.RescanLook(s.repo, prev, touched, worktree.ScanOptions{})
		return l, next, seqAt, file, err
	}
	cur, err := worktree.Scan(s.repo, worktree.ScanOptions{Baseline: prev})
	if err == nil {
		l, err = worktree.LookFrom(s.repo, prev, cur)
	}
	return l, func() *worktree.Snapshot { return cur }, seqAt, file, err
}

// keep makes cur the last look; file is the snapshot file as the look read
// it. The file is written later, when the watcher is idle (see flush): the
// hook that acknowledged does not wait for it, nor does the next one.
func (s *server) keep(cur *worktree.Snapshot, seqAt uint64, file stamp) {
	if cur != s.snap || file != s.stamp {
		s.dirty = true
	}
	s.snap, s.snapSeq, s.stamp = cur, seqAt, file
	// Changes up to seqAt are in cur: forget them.
	for p, n := range s.touched {
		if n <= seqAt {
			delete(s.touched, p)
		}
	}
}

// flush writes the last look to the snapshot file, by rename so that a hook
// reading it without the watcher sees a whole one, unless the file changed
// since the watcher last wrote it (a hook found no watcher and wrote its own
// look there, which the next look starts from).
func (s *server) flush() {
	if !s.dirty {
		return
	}
	s.dirty = false
	if stampOf(s.snapFile) != s.stamp {
		s.snap = nil
		return
	}
	b, err := s.snap.MarshalBinary()
	if err == nil {
		tmp := s.snapFile + ".watcher"
		if err = os.WriteFile(tmp, b, 0o600); err == nil {
			err = os.Rename(tmp, s.snapFile)
		}
	}
	if err != nil {
		s.opts.Logf("work-tree watcher: saving the snapshot: %v", err)
		s.snap = nil
		return
	}
	s.stamp = stampOf(s.snapFile)
}

// stamp identifies one version of a file.
type stamp struct {
	ino               uint64
	size, mtim, ctime int64
}

func stampOf(path string) stamp {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return stamp{}
	}
	return stamp{uint64(st.Ino), st.Size, st.Mtim.Nano(), st.Ctim.Nano()}
}

func symmetricDiff(a, b []string) []string {
	var out []string
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || len(a) > 0 && a[0] < b[0]:
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0] < a[0]:
			out, b = append(out, b[0]), b[1:]
		default:
			a, b = a[1:], b[1:]
		}
	}
	return out
}

// listen listens on the watcher's socket, non-blocking for the epoll loop.
func listen(stateDir string) (int, error) {
	fd, err := sysfile.ListenUnix(stateDir, SocketName)
	if err == nil {
		err = syscall.SetNonblock(fd, true)
	}
	if err != nil {
		return -1, fmt.Errorf("work-tree watcher: %w", err)
	}
	return fd, nil
}

// unlisten closes the socket and removes its file. The watcher still holds
// the lock, so the file there is its own.
func unlisten(stateDir string, ln int) {
	syscall.Close(ln)
	_ = os.Remove(filepath.Join(stateDir, SocketName))
}

// loop answers questions and follows events until the watcher has been
// idle for its linger time or the work tree is gone.
func (s *server) loop(ln int) error {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return fmt.Errorf("work-tree watcher: epoll: %w", err)
	}
	defer syscall.Close(ep)
	for _, fd := range []int{s.in, ln} {
		if err := syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			return fmt.Errorf("work-tree watcher: epoll: %w", err)
		}
	}
	idleUntil := time.Now().Add(s.opts.Linger)
	events := make([]syscall.EpollEvent, 2)
	for !s.isGone() {
		if s.opts.Active != nil {
			if t := s.opts.Active().Add(s.opts.Linger); t.After(idleUntil) {
				idleUntil = t
			}
		}
		select {
		case <-s.opts.Stop:
			s.locked(s.flush)
			s.opts.Logf("work-tree watcher: stopped")
			return nil
		default:
		}
		wait := time.Until(idleUntil)
		if wait <= 0 {
			s.locked(s.flush)
			s.opts.Logf("work-tree watcher: idle for %v; exiting", s.opts.Linger)
			return nil
		}
		timeout := int(min(wait.Milliseconds()+1, 30_000))
		if s.opts.Stop != nil {
			timeout = min(timeout, 100) // Stop is a channel: looked at between waits
		}
		s.mu.Lock()
		dirty := s.dirty
		s.mu.Unlock()
		if dirty {
			timeout = flushDelay
		}
		n, err := syscall.EpollWait(ep, events, timeout)
		if err == syscall.EINTR {
			continue
		}
		if n == 0 && dirty {
			s.locked(s.flush)
			continue
		}
		if err != nil {
			return fmt.Errorf("work-tree watcher: epoll: %w", err)
		}
		if n == 0 && s.repoGone() {
			break
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == s.in {
				s.mu.Lock()
				err = s.drain()
				s.mu.Unlock()
			} else {
				idleUntil = time.Now().Add(s.opts.Linger)
				err = s.acceptAll(ln)
			}
			if err != nil {
				return err
			}
		}
	}
	s.opts.Logf("work-tree watcher: the work tree is gone; exiting")
	return nil
}

// flushDelay is how long, in milliseconds, the watcher waits for quiet
// before it writes the last look to the snapshot file: a shell tool call's
// PreToolUse and PostToolUse come in quick succession.
const flushDelay = 20

// acceptAll answers every pending connection.
func (s *server) acceptAll(ln int) error {
	for {
		fd, _, err := syscall.Accept4(ln, syscall.SOCK_CLOEXEC)
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			continue
		}
		if err == syscall.EAGAIN {
			return nil
		}
		if err != nil {
			return fmt.Errorf("work-tree watcher: accept: %w", err)
		}
		err = s.serveConn(fd)
		syscall.Close(fd)
		if err != nil {
			return err
		}
	}
}

// serveConn reads one question, answers it with a look, and keeps that
// look if the asker acknowledges it. A client that misbehaves only loses its
// connection; an error returned stops the watcher.
func (s *server) serveConn(fd int) error {
	sysfile.SetTimeouts(fd, time.Second, time.Second)
	var req [len(magic)]byte
	if sysfile.ReadFull(fd, req[:]) != nil || string(req[:]) != magic {
		return nil
	}
	l, keep, err := s.lookNow()
	if err != nil {
		if s.isGone() {
			return nil
		}
		s.opts.Logf("work-tree watcher: %v", err)
		return nil // the asker scans for itself
	}
	body := appendLook(make([]byte, 4, 256), l)
	binary.BigEndian.PutUint32(body, uint32(len(body)-4))
	if sysfile.WriteAll(fd, SocketName, body) != nil {
		return nil
	}
	// The hook records the changes, then acknowledges; one that dies first
	// leaves them to be reported again. It runs under its 25 s budget.
	sysfile.SetTimeouts(fd, 30*time.Second, 0)
	var a [1]byte
	if sysfile.ReadFull(fd, a[:]) == nil && a[0] == ack {
		keep()
	}
	return nil
}

// locked runs f holding s.mu.
func (s *server) locked(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func (s *server) isGone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}
