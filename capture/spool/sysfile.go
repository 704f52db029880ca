package spool

import (
	"os"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

// ReadFile is os.ReadFile without the runtime poller (see
// capture/internal/sysfile).
func ReadFile(path string) ([]byte, error) { return sysfile.ReadFile(path) }

// WriteFile is os.WriteFile without the runtime poller.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return sysfile.WriteFile(path, data, perm)
}

// OverwriteFile is [sysfile.OverwriteFile]: written in place under the
// file's exclusive lock, read under it shared ([Dir.ReadLocked]).
func OverwriteFile(path string, data []byte) error { return sysfile.OverwriteFile(path, data) }

// ReadShared is [sysfile.ReadShared]: the file read under its own lock
// held shared.
func ReadShared(path string) ([]byte, error) { return sysfile.ReadShared(path) }

// Update is [sysfile.Update]: the file changed in place under its own lock
// held exclusively.
func Update(path string, fn func(old []byte) ([]byte, bool)) error { return sysfile.Update(path, fn) }

var (
	openFile = sysfile.OpenFile
	writeAll = sysfile.WriteAll
	fstat    = sysfile.Fstat
	flock    = sysfile.Flock
)
