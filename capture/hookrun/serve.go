//go:build linux

package hookrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/hookwire"
	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

// The hook server: the watcher process also runs the hook for the lean
// tracevault-hook client (see packages hookwire and hookclient), warm, on
// what the client forwards: its command line, working directory,
// environment and standard input. Requests run concurrently (parallel tool
// calls), each as a hook process would run: the spool's locks are taken per
// open file, so they hold between goroutines as between processes.

// hookServer answers on state/hook.sock while the watcher runs.
type hookServer struct {
	state  string
	ln     int
	exe    string
	stamp  [3]int64 // the executable as it was at start: inode, size, mtime
	active atomic.Int64
	wg     sync.WaitGroup
	stop   chan struct{}
	once   sync.Once
	logf   func(string, ...any)
}

// startHookServer listens on state/hook.sock; the caller must hold the
// watcher's lock (one server per repository).
func startHookServer(state string, logf func(string, ...any)) (*hookServer, error) {
	s := &hookServer{state: state, stop: make(chan struct{}), logf: logf}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	s.exe, s.stamp = exe, exeStamp(exe)
	s.active.Store(time.Now().UnixNano())
	ln, err := sysfile.ListenUnix(state, hookwire.SocketName)
	if err != nil {
		return nil, err
	}
	s.ln = ln
	go s.accept()
	return s, nil
}

func exeStamp(path string) [3]int64 {
	var st syscall.Stat_t
	if syscall.Stat(path, &st) != nil {
		return [3]int64{}
	}
	return [3]int64{int64(st.Ino), st.Size, st.Mtim.Nano()}
}

// lastActive is when the server last answered.
func (s *hookServer) lastActive() time.Time { return time.Unix(0, s.active.Load()) }

// shutdown stops accepting, waits for the requests under way and removes
// the socket.
func (s *hookServer) shutdown() {
	s.once.Do(func() {
		close(s.stop)
		_ = syscall.Shutdown(s.ln, syscall.SHUT_RDWR) // wakes the accept
		s.wg.Wait()
		syscall.Close(s.ln)
		_ = os.Remove(filepath.Join(s.state, hookwire.SocketName))
	})
}

// accept waits for a connection and serves it in this goroutine, having
// handed the waiting for the next one to a new goroutine: the request does
// not wait for another thread to be woken to run it.
func (s *hookServer) accept() {
	growStack(s.ln) // as a hook process does: one copy, while shallow
	for {
		fd, _, err := syscall.Accept4(s.ln, syscall.SOCK_CLOEXEC)
		if err == syscall.EINTR || err == syscall.ECONNABORTED {
			continue
		}
		if err != nil {
			return // shut down
		}
		select {
		case <-s.stop:
			syscall.Close(fd)
			return
		default:
		}
		s.wg.Add(1)
		go s.accept()
		s.serve(fd)
		syscall.Close(fd)
		s.wg.Done()
		return
	}
}

// serve runs one forwarded hook event.
func (s *hookServer) serve(fd int) {
	sysfile.SetTimeouts(fd, 10*time.Second, 10*time.Second)
	b, err := sysfile.ReadAllFd(fd, hookwire.MaxStdin+1<<20)
	if err != nil {
		return
	}
	req, err := hookwire.ParseRequest(b)
	if err != nil {
		s.logf("hook server: %v", err)
		return
	}
	s.active.Store(time.Now().UnixNano())
	rep := &hookwire.Reply{Status: hookwire.Stale}
	if exeStamp(s.exe) == s.stamp {
		rep = runForwarded(req)
	} else {
		// Replaced by an upgrade: the client runs the new binary, and the
		// next event starts a new server with it.
		go s.shutdown()
	}
	_ = sysfile.WriteAll(fd, hookwire.SocketName, hookwire.AppendReply(nil, rep))
}

// runForwarded runs the hook on a forwarded event.
func runForwarded(req *hookwire.Request) *hookwire.Reply {
	env := make(map[string]string, len(req.Env))
	for _, kv := range req.Env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	var out bytes.Buffer
	code := Run(Options{
		Agent:  agentArg(req.Args),
		Stdin:  bytes.NewReader(req.Stdin),
		Stdout: &out,
		Getwd:  func() (string, error) { return req.Cwd, nil },
		Getenv: func(k string) string { return env[k] },
	})
	return &hookwire.Reply{Status: hookwire.Ran, Code: code, Stdout: out.Bytes()}
}
