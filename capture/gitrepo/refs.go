package gitrepo

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

// maxSymrefDepth bounds chains of symbolic refs, as git does.
const maxSymrefDepth = 5

// ReadHead reads HEAD without running git. branch is the branch HEAD points
// at with "refs/heads/" removed (the full name if HEAD points outside
// refs/heads/), or "" when HEAD is detached. commit is the hex object id HEAD
// resolves to through loose refs and packed-refs, or "" on an unborn branch.
// Repositories using reftable return [ErrReftable].
func ReadHead(repo Repo) (branch, commit string, err error) {
	if _, err := os.Stat(filepath.Join(repo.CommonDir, "reftable")); err == nil {
		return "", "", wrap(ErrReftable, "reading HEAD of ", repo.GitDir)
	}
	head, err := readRefFile(repo, "HEAD")
	if err != nil {
		return "", "", wrap(err, "reading HEAD of ", repo.GitDir)
	}
	target, symbolic := strings.CutPrefix(head, "ref: ")
	if !symbolic {
		if !isHexID(head) {
			return "", "", wrap(nil, "reading HEAD of ", repo.GitDir, ": malformed ", strconv.Quote(head))
		}
		return "", head, nil
	}
	branch = strings.TrimPrefix(target, "refs/heads/")
	commit, err = resolveRef(repo, target)
	if err != nil {
		return "", "", wrap(err, "reading HEAD of ", repo.GitDir)
	}
	return branch, commit, nil
}

// resolveRef follows name to an object id; "" means the ref does not exist.
func resolveRef(repo Repo, name string) (string, error) {
	for range maxSymrefDepth {
		if !validRefName(name) {
			return "", wrap(nil, "invalid ref name ", strconv.Quote(name))
		}
		v, err := readRefFile(repo, name)
		if errors.Is(err, fs.ErrNotExist) {
			return packedRef(repo, name)
		}
		if err != nil {
			return "", err
		}
		if next, ok := strings.CutPrefix(v, "ref: "); ok {
			name = next
			continue
		}
		if !isHexID(v) {
			return "", wrap(nil, "ref ", name, ": malformed ", strconv.Quote(v))
		}
		return v, nil
	}
	return "", wrap(nil, "ref ", name, ": symbolic refs nested too deep")
}

// readRefFile returns the first line of a loose ref. Per-work-tree refs
// (HEAD, refs/bisect/, refs/worktree/, refs/rewritten/) live in GitDir,
// all others in CommonDir.
func readRefFile(repo Repo, name string) (string, error) {
	dir := repo.CommonDir
	if !strings.HasPrefix(name, "refs/") || strings.HasPrefix(name, "refs/bisect/") ||
		strings.HasPrefix(name, "refs/worktree/") || strings.HasPrefix(name, "refs/rewritten/") {
		dir = repo.GitDir
	}
	b, err := sysfile.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return "", err
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return strings.TrimSpace(string(line)), nil
}

// packedRef looks name up in packed-refs; a missing file or entry is "".
func packedRef(repo Repo, name string) (string, error) {
	f, err := os.Open(filepath.Join(repo.CommonDir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '^' {
			continue
		}
		id, ref, ok := strings.Cut(line, " ")
		if !ok || !isHexID(id) {
			return "", wrap(nil, "packed-refs: malformed line ", strconv.Quote(line))
		}
		if ref == name {
			return id, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", wrap(err, "reading packed-refs")
	}
	return "", nil
}

// validRefName rejects names that could escape the git directory.
func validRefName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.ContainsAny(name, "\\\x00") {
		return false
	}
	for _, c := range strings.Split(name, "/") {
		if c == "" || c == "." || c == ".." {
			return false
		}
	}
	return true
}

// isHexID reports whether s is a lower-case SHA-1 or SHA-256 hex id.
func isHexID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
