// Package sysfile reads and writes the hook's small files through plain
// system calls (see the comment below), for capture/spool and for the
// post-commit hook's capture/commitqueue and capture/gitrepo.
package sysfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// The hook's files are read and written through plain system calls. Package
// os opens every file for the runtime's network poller: a regular file
// refuses after five more system calls (fcntl, epoll_ctl, fcntl), and the
// first open starts the poller itself (an epoll instance, an eventfd and,
// later, a thread blocked in epoll_wait). A hook process that reads and
// writes a few small files pays for all of that at every tool call. These
// functions behave as their os counterparts, errors included (*fs.PathError
// holding the syscall.Errno, so errors.Is(err, fs.ErrNotExist) and
// os.IsNotExist work as before).

// ReadFile is os.ReadFile without the poller.
func ReadFile(path string) ([]byte, error) {
	fd, err := OpenFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	return ReadFd(fd, path)
}

// WriteFile is os.WriteFile without the poller.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	fd, err := OpenFile(path, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC, uint32(perm.Perm()))
	if err != nil {
		return err
	}
	werr := WriteAll(fd, path, data)
	if cerr := syscall.Close(fd); werr == nil && cerr != nil {
		werr = &fs.PathError{Op: "close", Path: path, Err: cerr}
	}
	return werr
}

// OpenFile opens path with O_CLOEXEC added, as os.OpenFile does.
func OpenFile(path string, flag int, perm uint32) (int, error) {
	for {
		fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, perm)
		if err == nil {
			return fd, nil
		}
		if !errors.Is(err, syscall.EINTR) {
			return -1, &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
}

// WriteAll writes all of data to fd (path names it in errors).
func WriteAll(fd int, path string, data []byte) error {
	for len(data) > 0 {
		n, err := Retry(func() (int, error) { return syscall.Write(fd, data) })
		if err != nil {
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
		if n == 0 {
			return &fs.PathError{Op: "write", Path: path, Err: syscall.EIO}
		}
		data = data[n:]
	}
	return nil
}

// Fstat is syscall.Fstat, retried on EINTR.
func Fstat(fd int, st *syscall.Stat_t) error {
	_, err := Retry(func() (int, error) { return 0, syscall.Fstat(fd, st) })
	return err
}

// Retry calls f again while it fails with EINTR.
func Retry(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if !errors.Is(err, syscall.EINTR) {
			return n, err
		}
	}
}

// OverwriteFile writes data over the file at path from its start and cuts
// it to len(data), creating it if need be, never truncating it to zero on
// the way. Replacing a file by rename, or truncating it to zero, makes ext4
// flush the new data first (auto_da_alloc: 0.1–0.5 ms a write here). The
// caller holds the file's exclusive lock and readers take it shared (see
// spool.Dir.ReadLocked); a writer killed mid-write leaves a damaged file, which every
// reader of these files treats as missing.
func OverwriteFile(path string, data []byte) error {
	fd, err := OpenFile(path, syscall.O_WRONLY|syscall.O_CREAT, 0o600)
	if err != nil {
		return err
	}
	for off := 0; off < len(data) && err == nil; {
		var n int
		n, err = Retry(func() (int, error) { return syscall.Pwrite(fd, data[off:], int64(off)) })
		off += n
	}
	if err == nil {
		_, err = Retry(func() (int, error) { return 0, syscall.Ftruncate(fd, int64(len(data))) })
	}
	if cerr := syscall.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// ReadShared reads the file at path holding the file's own flock shared,
// so that it never sees an [Update] half done. It opens the file once.
func ReadShared(path string) ([]byte, error) {
	fd, err := OpenFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd) // releases the lock
	if err := Flock(fd, syscall.LOCK_SH); err != nil {
		return nil, &fs.PathError{Op: "lock", Path: path, Err: err}
	}
	return ReadFd(fd, path)
}

// Update changes the file at path under the file's own flock held
// exclusively: fn gets its content (empty when it did not exist) and returns
// the new content and whether to write it, which is then written in place
// (see OverwriteFile; the file is created if need be). One open serves the
// lock, the read and the write: small state files change on every hook,
// and each open of a path costs the hook a lookup.
func Update(path string, fn func(old []byte) ([]byte, bool)) error {
	fd, err := OpenFile(path, syscall.O_RDWR|syscall.O_CREAT, 0o600)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	if err := Flock(fd, syscall.LOCK_EX); err != nil {
		return &fs.PathError{Op: "lock", Path: path, Err: err}
	}
	old, err := ReadFd(fd, path)
	if err != nil {
		return err
	}
	data, write := fn(old)
	if !write {
		return nil
	}
	for off := 0; off < len(data) && err == nil; {
		var n int
		n, err = Retry(func() (int, error) { return syscall.Pwrite(fd, data[off:], int64(off)) })
		off += n
	}
	if err == nil && len(data) != len(old) {
		_, err = Retry(func() (int, error) { return 0, syscall.Ftruncate(fd, int64(len(data))) })
	}
	if err != nil {
		return &fs.PathError{Op: "write", Path: path, Err: err}
	}
	return nil
}

// ReadFd reads an open file from its start (path names it in errors),
// in one read when its size is known.
func ReadFd(fd int, path string) ([]byte, error) {
	size := 512
	var st syscall.Stat_t
	if Fstat(fd, &st) == nil && st.Size >= 0 && st.Size < 1<<40 {
		size = int(st.Size) + 1
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := Retry(func() (int, error) { return syscall.Pread(fd, b[len(b):cap(b)], int64(len(b))) })
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return b, nil
		}
		b = b[:len(b)+n]
	}
}

// Flock is syscall.Flock, retried on EINTR.
func Flock(fd int, how int) error {
	_, err := Retry(func() (int, error) { return 0, syscall.Flock(fd, how) })
	return err
}
