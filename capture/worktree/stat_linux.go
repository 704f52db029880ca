package worktree

import (
	"io/fs"
	"syscall"
)

// fileState fingerprints the result of an lstat.
func fileState(fi fs.FileInfo) FileState {
	st := FileState{Size: fi.Size(), MtimeNs: fi.ModTime().UnixNano(), Mode: fi.Mode()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.Ino = uint64(sys.Ino)
		st.CtimeNs = int64(sys.Ctim.Sec)*1e9 + int64(sys.Ctim.Nsec)
	}
	return st
}
