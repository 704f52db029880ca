//go:build !linux && !darwin

package worktree

import "io/fs"

// fileState fingerprints the result of an lstat. Without a known Stat_t
// layout, inode and ctime are left zero and only size, mtime and mode count.
func fileState(fi fs.FileInfo) FileState {
	return FileState{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano(), Mode: fi.Mode()}
}
