package worktree

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// FileState is the lstat fingerprint of one file or symbolic link.
type FileState struct {
	Size    int64
	MtimeNs int64 // modification time, Unix nanoseconds
	CtimeNs int64 // inode change time, Unix nanoseconds (0 where unavailable)
	Ino     uint64
	Mode    fs.FileMode // type bits and permissions from lstat
	// Hash is the lower-case hex SHA-256 of the content of a regular file
	// or of the target of a symbolic link, or "" when the scan did not read
	// it (see [ScanOptions]).
	Hash string
}

// sameStat reports whether two states have the same stat tuple.
func (a FileState) sameStat(b FileState) bool {
	return a.Size == b.Size && a.MtimeNs == b.MtimeNs && a.CtimeNs == b.CtimeNs &&
		a.Ino == b.Ino && a.Mode == b.Mode
}

// Entry is one path of a [Snapshot].
type Entry struct {
	Path string // repo-relative, slash-separated, raw bytes of the name
	FileState
}

// Snapshot is the state of a work tree's files at one moment: every
// regular file and symbolic link that is tracked or not ignored.
type Snapshot struct {
	// Started is when the scan began, in Unix nanoseconds. A file whose
	// mtime falls in or after that second is racily clean: a later write in
	// the same second may leave its stat tuple unchanged.
	Started int64
	// Truncated is set when the scan stopped at a limit. Then every path
	// sorting before TruncatedAt was examined, and none at or after it.
	Truncated   bool
	TruncatedAt string
	// Entries are sorted by Path (byte order) with no duplicates.
	Entries []Entry
}

// Lookup returns the state recorded for path.
func (s *Snapshot) Lookup(path string) (FileState, bool) {
	i := sort.Search(len(s.Entries), func(i int) bool { return s.Entries[i].Path >= path })
	if i < len(s.Entries) && s.Entries[i].Path == path {
		return s.Entries[i].FileState, true
	}
	return FileState{}, false
}

// covers reports whether the scan examined path.
func (s *Snapshot) covers(path string) bool {
	return !s.Truncated || path < s.TruncatedAt
}

// racy reports whether st was modified in or after the second the scan began.
func (s *Snapshot) racy(st FileState) bool {
	return st.MtimeNs/1e9 >= s.Started/1e9
}

// ChangeKind says how a path differs between two snapshots.
type ChangeKind uint8

// Kinds of [Change].
const (
	Added ChangeKind = iota + 1
	Modified
	Deleted
)

func (k ChangeKind) String() string {
	switch k {
	case Added:
		return "added"
	case Modified:
		return "modified"
	case Deleted:
		return "deleted"
	}
	return "unknown"
}

// Change is one path that differs between two snapshots. Before is zero for
// Added, After is zero for Deleted.
type Change struct {
	Path   string
	Kind   ChangeKind
	Before FileState
	After  FileState
}

// Diff lists the paths that differ from before to after, sorted by path.
// No file content is read:
//   - A path whose stat tuple (size, mtime, ctime, inode, mode) is unchanged
//     is unchanged, unless it was racily clean in before; then it counts as
//     modified unless both sides carry a hash and the hashes agree.
//   - A path whose stat tuple changed is modified, unless both sides carry
//     the same hash and the same mode (a touch, or a rewrite with equal bytes).
//   - A rename shows as Deleted plus Added; see [Renames].
//
// Paths that either snapshot did not examine (see [Snapshot.Truncated]) are
// left out: their fate is unknown.
func Diff(before, after *Snapshot) []Change {
	var out []Change
	b, a := before.Entries, after.Entries
	for len(b) > 0 || len(a) > 0 {
		switch {
		case len(a) == 0 || (len(b) > 0 && b[0].Path < a[0].Path):
			if after.covers(b[0].Path) {
				out = append(out, Change{Path: b[0].Path, Kind: Deleted, Before: b[0].FileState})
			}
			b = b[1:]
		case len(b) == 0 || a[0].Path < b[0].Path:
			if before.covers(a[0].Path) {
				out = append(out, Change{Path: a[0].Path, Kind: Added, After: a[0].FileState})
			}
			a = a[1:]
		default:
			if modified(before, b[0].FileState, a[0].FileState) {
				out = append(out, Change{Path: a[0].Path, Kind: Modified, Before: b[0].FileState, After: a[0].FileState})
			}
			a, b = a[1:], b[1:]
		}
	}
	return out
}

func modified(before *Snapshot, x, y FileState) bool {
	hashed := x.Hash != "" && y.Hash != ""
	if x.sameStat(y) {
		if !before.racy(x) {
			return false
		}
		return !hashed || x.Hash != y.Hash
	}
	return !hashed || x.Hash != y.Hash || x.Mode != y.Mode
}

// Rename pairs a Deleted path with the Added path that holds its file.
type Rename struct{ From, To string }

// Renames pairs Deleted and Added changes that are the same file: the same
// inode, size and mtime (an mv within one file system), or failing that the
// same non-empty content hash. Each path is used at most once.
func Renames(changes []Change) []Rename {
	type key struct {
		ino         uint64
		size, mtime int64
	}
	byStat := map[key][]string{}
	byHash := map[string][]string{}
	for _, c := range changes {
		if c.Kind != Deleted {
			continue
		}
		k := key{c.Before.Ino, c.Before.Size, c.Before.MtimeNs}
		byStat[k] = append(byStat[k], c.Path)
		if c.Before.Hash != "" {
			byHash[c.Before.Hash] = append(byHash[c.Before.Hash], c.Path)
		}
	}
	used := map[string]bool{}
	take := func(cands []string) string {
		for _, p := range cands {
			if !used[p] {
				used[p] = true
				return p
			}
		}
		return ""
	}
	var out []Rename
	for _, c := range changes {
		if c.Kind != Added {
			continue
		}
		from := ""
		if c.After.Ino != 0 {
			from = take(byStat[key{c.After.Ino, c.After.Size, c.After.MtimeNs}])
		}
		if from == "" && c.After.Hash != "" {
			from = take(byHash[c.After.Hash])
		}
		if from != "" {
			out = append(out, Rename{From: from, To: c.Path})
		}
	}
	return out
}

// Dirty lists, sorted, the tracked paths (stage-0 index entries other than
// skip-worktree, assume-unchanged and submodule entries) whose file may
// differ from the index: missing, a different mode, size, mtime, ctime or
// inode, intent-to-add, or racily clean (mtime in or after the second the
// index was written, where git's own check would read the content). A path
// the snapshot did not examine is lstat'ed under repo.WorkTree.
func Dirty(repo Repo, idx *Index, snap *Snapshot) []string {
	var out []string
	for i := range idx.Entries {
		e := &idx.Entries[i]
		if e.Stage != 0 || e.SkipWorktree || e.AssumeValid || e.Mode == 0o160000 || e.Mode == 0o040000 {
			continue
		}
		st, ok := snap.Lookup(e.Path)
		if !ok && !snap.covers(e.Path) {
			st, ok = lstatState(filepath.Join(repo.WorkTree, filepath.FromSlash(e.Path)))
		}
		if !ok || e.IntentToAdd || !matchesIndex(e, st, idx.Timestamp) {
			out = append(out, e.Path)
		}
	}
	return out
}

// matchesIndex is git's ce_match_stat_basic plus its racy-timestamp check,
// comparing nanoseconds only where the index recorded them.
func matchesIndex(e *IndexEntry, st FileState, indexTime int64) bool {
	if gitMode(st.Mode) != e.Mode || uint32(st.Size) != e.Size {
		return false
	}
	if !sameTime(st.MtimeNs, e.MtimeSec, e.MtimeNsec) || (st.CtimeNs != 0 && !sameTime(st.CtimeNs, e.CtimeSec, e.CtimeNsec)) {
		return false
	}
	if e.Ino != 0 && st.Ino != 0 && uint32(st.Ino) != e.Ino {
		return false
	}
	return indexTime == 0 || int64(e.MtimeSec) < indexTime/1e9
}

func sameTime(ns int64, sec, nsec uint32) bool {
	return uint32(ns/1e9) == sec && (nsec == 0 || uint32(ns%1e9) == nsec)
}

// gitMode maps an lstat mode to the mode git would stage.
func gitMode(m fs.FileMode) uint32 {
	switch {
	case m&fs.ModeSymlink != 0:
		return 0o120000
	case m.IsDir():
		return 0o160000
	case m&0o100 != 0:
		return 0o100755
	case m.IsRegular():
		return 0o100644
	}
	return 0
}

// lstatState fingerprints one path without following a final symlink.
func lstatState(path string) (FileState, bool) {
	fi, err := os.Lstat(path)
	if err != nil || !(fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0) {
		return FileState{}, false
	}
	return fileState(fi), true
}
