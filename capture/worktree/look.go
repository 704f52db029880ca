package worktree

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Look is what changed in the work tree since the last look: the changes
// from the previous snapshot to the current one, or, at the first look
// (no previous snapshot), the files that differ from the index.
type Look struct {
	// First is set at the first look: Changes are then against the index
	// (Modified or Deleted tracked files, Added untracked ones), with no
	// Before states.
	First   bool
	Changes []Change
}

// LookFrom compares cur with prev, the snapshot of the last look, or with
// the index when prev is nil. It is what the hook computes itself, and what
// the work-tree watcher computes for it.
func LookFrom(repo Repo, prev, cur *Snapshot) (*Look, error) {
	if prev != nil {
		return &Look{Changes: Diff(prev, cur)}, nil
	}
	changes, err := againstIndex(repo, cur)
	if err != nil {
		return nil, err
	}
	return &Look{First: true, Changes: changes}, nil
}

// againstIndex lists the files of cur that differ from the index, and the
// tracked files cur lacks, sorted by path.
func againstIndex(repo Repo, cur *Snapshot) ([]Change, error) {
	idx, err := ReadIndex(repo, false)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, p := range Dirty(repo, idx, cur) {
		st, in := cur.Lookup(p)
		if !in && !cur.covers(p) {
			st, in = lstatState(filepath.Join(repo.WorkTree, filepath.FromSlash(p))) // past a truncated scan
		}
		if !in {
			out = append(out, Change{Path: p, Kind: Deleted})
			continue
		}
		// Dirty is a stat check: a file written in the second the index
		// was (racily clean, as right after a commit) may be unchanged.
		if e, ok := idx.Lookup(p); ok && sameAsIndex(filepath.Join(repo.WorkTree, filepath.FromSlash(p)), e) {
			continue
		}
		out = append(out, Change{Path: p, Kind: Modified, After: st})
	}
	for _, e := range cur.Entries {
		if _, ok := idx.Lookup(e.Path); !ok {
			out = append(out, Change{Path: e.Path, Kind: Added, After: e.FileState})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// maxCompare is the largest file compared with its index entry by content.
const maxCompare = 32 << 20

// sameAsIndex reports whether the file at full has the content the index
// entry names (its git blob id).
func sameAsIndex(full string, e IndexEntry) bool {
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxCompare || uint32(fi.Size()) != e.Size {
		return false
	}
	b, err := os.ReadFile(full)
	if err != nil {
		return false
	}
	return gitBlobID(b, len(e.OID)) == e.OID
}

// gitBlobID returns the git object id of a blob holding b, SHA-1 for a
// 40-digit id length and SHA-256 for 64.
func gitBlobID(b []byte, hexLen int) string {
	var h hash.Hash
	switch hexLen {
	case 40:
		h = sha1.New() //nolint:gosec // git's object id, not a security use
	case 64:
		h = sha256.New()
	default:
		return ""
	}
	h.Write([]byte("blob " + strconv.Itoa(len(b)) + "\x00"))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
