package fswatch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
	"github.com/tracevault/tracevault/capture/worktree"
)

// askLocal lets Ask call a watcher of this process directly; tests turn it
// off to go through the socket as another process does.
var askLocal = true

// Conn is a look the watcher made, held until the asker acknowledges it.
type Conn struct {
	fd   int
	keep func() // for a watcher in this process: keeps the look
}

// Ack tells the watcher that the look was recorded, so that the next look
// starts from it, and closes the connection.
func (c *Conn) Ack() {
	if c.keep != nil {
		c.keep()
		c.keep = nil
		return
	}
	_ = writeAll(c.fd, []byte{ack})
	c.Close()
}

// Close ends the connection without acknowledging: the watcher forgets the
// look, and the next one reports its changes again.
func (c *Conn) Close() {
	if c.fd >= 0 {
		syscall.Close(c.fd)
		c.fd = -1
	}
}

// Ask asks the watcher of the spool state directory stateDir for a look:
// what changed in the work tree since the last look acknowledged. It gives
// up after timeout, and returns ErrNoWatcher when none listens. The caller
// must Ack or Close the returned Conn. It uses plain system calls: the hook
// that calls it must not pay for the net package's start-up.
func Ask(stateDir string, timeout time.Duration) (*worktree.Look, *Conn, error) {
	if s := localServer(stateDir); s != nil && askLocal {
		// The hook server runs this hook in the watcher's own process.
		if l, keep, err := s.lookNow(); err == nil {
			return l, &Conn{fd: -1, keep: keep}, nil
		}
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("asking the work-tree watcher: %w", err)
	}
	c := &Conn{fd: fd}
	l, err := c.ask(stateDir, timeout)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return l, c, nil
}

func (c *Conn) ask(stateDir string, timeout time.Duration) (*worktree.Look, error) {
	tv := syscall.NsecToTimeval(timeout.Nanoseconds())
	_ = syscall.SetsockoptTimeval(c.fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	_ = syscall.SetsockoptTimeval(c.fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	err := sysfile.WithShortPath(stateDir, SocketName, func(path string) error {
		return retry(func() error { return syscall.Connect(c.fd, &syscall.SockaddrUnix{Name: path}) })
	})
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, ErrNoWatcher
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to the work-tree watcher: %w", err)
	}
	if err := writeAll(c.fd, []byte(magic)); err != nil {
		return nil, fmt.Errorf("asking the work-tree watcher: %w", err)
	}
	var hdr [4]byte
	if err := readFull(c.fd, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading the work-tree watcher's reply: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxReply {
		return nil, errors.New("work-tree watcher reply too large")
	}
	body := make([]byte, n)
	if err := readFull(c.fd, body); err != nil {
		return nil, fmt.Errorf("reading the work-tree watcher's reply: %w", err)
	}
	return parseLook(body)
}

func retry(f func() error) error {
	for {
		if err := f(); err != syscall.EINTR {
			return err
		}
	}
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// readFull fills b; a timeout reads as an error.
func readFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Read(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("connection closed")
		}
		b = b[n:]
	}
	return nil
}
