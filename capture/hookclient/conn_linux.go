package hookclient

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tracevault/tracevault/capture/hookwire"
	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

var errTimeout = errors.New("hook server timed out")

type conn struct{ fd int }

// dial connects to the hook server's socket at path.
func dial(path string) (*conn, error) {
	fd, err := sysfile.DialUnix(filepath.Dir(path), filepath.Base(path), 2*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{fd: fd}, nil
}

func (c *conn) close() { syscall.Close(c.fd) }

// exchange sends the request (head, then body), closes the sending side
// (the server reads to its end), and reads the reply, waiting at most wait
// for it.
func (c *conn) exchange(head, body []byte, wait time.Duration) (*hookwire.Reply, error) {
	bufs := [][]byte{head, body}
	for len(bufs) > 0 {
		n, err := unix.Writev(c.fd, bufs)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		for len(bufs) > 0 && n >= len(bufs[0]) {
			n -= len(bufs[0])
			bufs = bufs[1:]
		}
		if len(bufs) > 0 {
			bufs[0] = bufs[0][n:]
		}
	}
	if err := syscall.Shutdown(c.fd, syscall.SHUT_WR); err != nil {
		return nil, err
	}
	sysfile.SetTimeouts(c.fd, wait, 0)
	var hdr [4]byte
	if err := c.readFull(hdr[:]); err != nil {
		return nil, err
	}
	size := binary.BigEndian.Uint32(hdr[:])
	if size > 2*hookwire.MaxStdin {
		return nil, errors.New("hook reply too large")
	}
	reply := make([]byte, size)
	if err := c.readFull(reply); err != nil {
		return nil, err
	}
	return hookwire.ParseReply(reply)
}

// readFull fills b from the server, a timeout read as errTimeout.
func (c *conn) readFull(b []byte) error {
	err := sysfile.ReadFull(c.fd, b)
	if err == syscall.EAGAIN {
		return errTimeout
	}
	return err
}

// execWithStdin executes path in this process's place; a non-nil stdin
// becomes its standard input (through an in-memory file), this process
// having read its own.
func execWithStdin(path string, argv []string, stdin []byte) error {
	if stdin != nil {
		fd, err := memFile(stdin)
		if err != nil {
			return err
		}
		if err := syscall.Dup3(fd, 0, 0); err != nil {
			return err
		}
		syscall.Close(fd)
	}
	return syscall.Exec(path, argv, os.Environ())
}

// memFile returns a descriptor of an in-memory file holding b, read from
// its start.
func memFile(b []byte) (int, error) {
	fd, err := unix.MemfdCreate("tracevault-hook-stdin", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	for off := 0; off < len(b); {
		n, err := syscall.Write(fd, b[off:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			syscall.Close(fd)
			return -1, err
		}
		off += n
	}
	if _, err := syscall.Seek(fd, 0, 0); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}
