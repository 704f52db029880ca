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
	_ = sysfile.WriteAll(c.fd, SocketName, []byte{ack})
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
	fd, err := sysfile.DialUnix(stateDir, SocketName, timeout)
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, nil, ErrNoWatcher
	}
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to the work-tree watcher: %w", err)
	}
	c := &Conn{fd: fd}
	l, err := c.ask()
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return l, c, nil
}

func (c *Conn) ask() (*worktree.Look, error) {
	if err := sysfile.WriteAll(c.fd, SocketName, []byte(magic)); err != nil {
		return nil, fmt.Errorf("asking the work-tree watcher: %w", err)
	}
	var hdr [4]byte
	if err := sysfile.ReadFull(c.fd, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading the work-tree watcher's reply: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n > maxReply {
		return nil, errors.New("work-tree watcher reply too large")
	}
	body := make([]byte, n)
	if err := sysfile.ReadFull(c.fd, body); err != nil {
		return nil, fmt.Errorf("reading the work-tree watcher's reply: %w", err)
	}
	return parseLook(body)
}
