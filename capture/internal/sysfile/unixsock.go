//go:build linux

package sysfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ListenUnix listens on the Unix stream socket name in dir (mode 0600),
// bound under a temporary name and renamed into place, so that nobody
// connects to a socket whose server is not listening yet. A path too long
// for a socket address (108 bytes) is bound through /proc/self/fd.
func ListenUnix(dir, name string) (int, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	tmp := name + "." + strconv.Itoa(os.Getpid())
	_ = os.Remove(filepath.Join(dir, tmp))
	err = WithShortPath(dir, tmp, func(p string) error { return syscall.Bind(fd, &syscall.SockaddrUnix{Name: p}) })
	if err == nil {
		err = os.Chmod(filepath.Join(dir, tmp), 0o600)
	}
	if err == nil {
		err = syscall.Listen(fd, 64)
	}
	if err == nil {
		err = os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name))
	}
	if err != nil {
		syscall.Close(fd)
		_ = os.Remove(filepath.Join(dir, tmp))
		return -1, &os.PathError{Op: "listen", Path: filepath.Join(dir, name), Err: err}
	}
	return fd, nil
}

// WithShortPath calls f with a name of dir/name short enough for a Unix
// socket address: the path itself, or the same file reached through
// /proc/self/fd and a descriptor of dir.
func WithShortPath(dir, name string, f func(string) error) error {
	path := filepath.Join(dir, name)
	if len(path) < 100 {
		return f(path)
	}
	dfd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(dfd)
	return f("/proc/self/fd/" + strconv.Itoa(dfd) + "/" + name)
}

// ReadAllFd reads fd to its end, failing past max bytes.
func ReadAllFd(fd int, max int) ([]byte, error) {
	b := make([]byte, 0, 16<<10)
	for {
		if len(b) == cap(b) {
			if len(b) >= max {
				return nil, errors.New("input too long")
			}
			b = append(b, 0)[:len(b)]
		}
		n, err := Retry(func() (int, error) { return syscall.Read(fd, b[len(b):cap(b)]) })
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// DialUnix connects to the Unix stream socket name in dir (through
// /proc/self/fd when the path is too long for a socket address), with
// timeout as its send and receive timeouts. The descriptor is blocking and
// close-on-exec.
func DialUnix(dir, name string, timeout time.Duration) (int, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	SetTimeouts(fd, timeout, timeout)
	err = WithShortPath(dir, name, func(p string) error {
		_, err := Retry(func() (int, error) { return 0, syscall.Connect(fd, &syscall.SockaddrUnix{Name: p}) })
		return err
	})
	if err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

// SetTimeouts sets a socket's receive and send timeouts (0 leaves one
// unset): a read or write past it fails with EAGAIN.
func SetTimeouts(fd int, recv, send time.Duration) {
	if recv > 0 {
		tv := syscall.NsecToTimeval(recv.Nanoseconds())
		_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	}
	if send > 0 {
		tv := syscall.NsecToTimeval(send.Nanoseconds())
		_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &tv)
	}
}

// ReadFull fills b from fd: EAGAIN (a timeout) is returned as it is, an
// end of input before b is full as io.ErrUnexpectedEOF.
func ReadFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := Retry(func() (int, error) { return syscall.Read(fd, b) })
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrUnexpectedEOF
		}
		b = b[n:]
	}
	return nil
}
