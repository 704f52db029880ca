package gitstore

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FileMode is the mode of a tree entry. Only the five canonical modes git
// writes are accepted.
type FileMode uint32

// The canonical tree entry modes.
const (
	ModeFile    FileMode = 0o100644
	ModeExec    FileMode = 0o100755
	ModeTree    FileMode = 0o040000
	ModeSymlink FileMode = 0o120000
	ModeGitlink FileMode = 0o160000
)

// Valid reports whether m is one of the canonical modes.
func (m FileMode) Valid() bool {
	switch m {
	case ModeFile, ModeExec, ModeTree, ModeSymlink, ModeGitlink:
		return true
	}
	return false
}

// String returns the octal form git writes in trees ("100644", "40000").
func (m FileMode) String() string { return strconv.FormatUint(uint64(m), 8) }

// TreeEntry is one entry of a tree object.
type TreeEntry struct {
	Name string
	Mode FileMode
	Hash Hash
}

// sortName is the name git compares entries by: directories as "name/".
func (e TreeEntry) sortName() string {
	if e.Mode == ModeTree {
		return e.Name + "/"
	}
	return e.Name
}

// SortTree sorts entries in git tree order, in which a directory compares
// as its name followed by '/': "a.b" < "a/" (tree a) < "a0".
func SortTree(entries []TreeEntry) {
	slices.SortFunc(entries, compareEntries)
}

func compareEntries(a, b TreeEntry) int { return strings.Compare(a.sortName(), b.sortName()) }

// CheckEntryName reports whether name can be a tree entry name: not empty,
// not ".", ".." or ".git" (in any case), and free of '/' and NUL.
func CheckEntryName(name string) error {
	switch {
	case name == "", name == ".", name == "..", strings.EqualFold(name, ".git"):
		return fmt.Errorf("tree entry name %q: %w", name, ErrInvalidObject)
	case strings.ContainsAny(name, "/\x00"):
		return fmt.Errorf("tree entry name %q contains '/' or NUL: %w", name, ErrInvalidObject)
	}
	return nil
}

// EncodeTree returns the canonical bytes of a tree holding entries. It
// sorts a copy in git order and rejects invalid names and modes and
// duplicate names (a file and a directory of the same name included).
func EncodeTree(entries []TreeEntry) ([]byte, error) {
	sorted := slices.Clone(entries)
	SortTree(sorted)
	seen := make(map[string]bool, len(sorted))
	var b bytes.Buffer
	b.Grow(len(sorted) * 48)
	for _, e := range sorted {
		if err := CheckEntryName(e.Name); err != nil {
			return nil, err
		}
		if !e.Mode.Valid() {
			return nil, fmt.Errorf("tree entry %q: mode %o: %w", e.Name, uint32(e.Mode), ErrInvalidObject)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("tree entry %q: duplicate name: %w", e.Name, ErrInvalidObject)
		}
		seen[e.Name] = true
		b.WriteString(e.Mode.String())
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteByte(0)
		b.Write(e.Hash[:])
	}
	return b.Bytes(), nil
}

// ParseTree parses tree object bytes strictly: canonical modes, valid
// names, git order, no duplicates. EncodeTree of the result returns data.
func ParseTree(data []byte) ([]TreeEntry, error) {
	var entries []TreeEntry
	for rest := data; len(rest) > 0; {
		sp := bytes.IndexByte(rest, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("parsing tree: entry without mode: %w", ErrInvalidObject)
		}
		mode, err := parseMode(rest[:sp])
		if err != nil {
			return nil, err
		}
		rest = rest[sp+1:]
		nul := bytes.IndexByte(rest, 0)
		if nul < 0 || len(rest) < nul+1+20 {
			return nil, fmt.Errorf("parsing tree: truncated entry: %w", ErrInvalidObject)
		}
		e := TreeEntry{Name: string(rest[:nul]), Mode: mode}
		copy(e.Hash[:], rest[nul+1:nul+21])
		rest = rest[nul+21:]
		if err := CheckEntryName(e.Name); err != nil {
			return nil, fmt.Errorf("parsing tree: %w", err)
		}
		if n := len(entries); n > 0 && (compareEntries(entries[n-1], e) >= 0 || entries[n-1].Name == e.Name) {
			return nil, fmt.Errorf("parsing tree: entry %q out of order or duplicate: %w", e.Name, ErrInvalidObject)
		}
		entries = append(entries, e)
	}
	// A file "a" and a directory "a" are not adjacent in git order
	// ("a" < "a.b" < "a/"), so check duplicates over the whole tree.
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if seen[e.Name] {
			return nil, fmt.Errorf("parsing tree: duplicate entry %q: %w", e.Name, ErrInvalidObject)
		}
		seen[e.Name] = true
	}
	return entries, nil
}

func parseMode(b []byte) (FileMode, error) {
	m, err := strconv.ParseUint(string(b), 8, 32)
	if err != nil || !FileMode(m).Valid() || FileMode(m).String() != string(b) {
		return 0, fmt.Errorf("parsing tree: mode %q: %w", b, ErrInvalidObject)
	}
	return FileMode(m), nil
}
