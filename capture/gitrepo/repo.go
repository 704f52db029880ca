// Package gitrepo finds a git repository's directories and reads HEAD
// without running git, with nothing but small standard-library packages: the
// post-commit hook binary links it and must start as fast as a hello-world
// program.
package gitrepo

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
)

// Sentinel errors returned (wrapped) by [FindRepo] and [ReadHead].
var (
	// ErrNotRepo means no git repository encloses the directory, or a .git
	// file points at something that is not a git directory.
	ErrNotRepo = errors.New("git: not a git repository")
	// ErrBare means the directory is inside a repository without a work tree.
	ErrBare = errors.New("git: bare repository has no work tree")
	// ErrReftable means the repository stores refs in the reftable format,
	// which this package does not read.
	ErrReftable = errors.New("git: reftable ref storage not supported")
)

// Repo locates the three directories of a non-bare repository. All paths are
// absolute and cleaned, in the operating system's syntax.
type Repo struct {
	// WorkTree is the top directory of the checked-out files.
	WorkTree string
	// GitDir holds the per-work-tree state: HEAD and the index. For the main
	// work tree it is WorkTree/.git; for a linked work tree or a submodule it
	// is the directory named by the gitdir: line of the .git file.
	GitDir string
	// CommonDir holds what all work trees share: objects, refs, packed-refs,
	// config and info/exclude. It equals GitDir unless GitDir has a
	// commondir file.
	CommonDir string
}

// FindRepo walks up from dir to the nearest enclosing work tree, the way git
// discovers a repository: at each level it looks for a .git directory or a
// .git file holding "gitdir: <path>" (linked work trees, submodules). A
// directory inside the .git directory of a non-bare repository resolves to
// that repository. FindRepo does not consult GIT_DIR, GIT_WORK_TREE,
// core.worktree or GIT_CEILING_DIRECTORIES, and does not stop at file system
// boundaries.
func FindRepo(dir string) (Repo, error) {
	start, err := filepath.Abs(dir)
	if err != nil {
		return Repo{}, wrap(err, "finding repository from ", dir)
	}
	for d := start; ; {
		r, found, err := repoAt(d)
		if err != nil || found {
			return r, err
		}
		parent := filepath.Dir(d)
		if parent == d {
			return Repo{}, wrap(ErrNotRepo, "finding repository from ", start)
		}
		d = parent
	}
}

// repoAt reports whether d is the top of a work tree (or a git directory).
func repoAt(d string) (Repo, bool, error) {
	dotgit := filepath.Join(d, ".git")
	fi, err := os.Stat(dotgit)
	switch {
	case err == nil && fi.IsDir():
		if !isGitDir(dotgit) {
			break // git also ignores a .git directory that is not a repository
		}
		r, err := newRepo(d, dotgit)
		return r, true, err
	case err == nil && fi.Mode().IsRegular():
		gitdir, err := readGitFile(dotgit)
		if err != nil {
			return Repo{}, true, err
		}
		r, err := newRepo(d, gitdir)
		return r, true, err
	}
	if !isGitDir(d) {
		return Repo{}, false, nil
	}
	// d is itself a git directory: either the .git of a work tree or bare.
	if filepath.Base(d) == ".git" && !configBare(d) {
		r, err := newRepo(filepath.Dir(d), d)
		return r, true, err
	}
	return Repo{}, true, wrap(ErrBare, "repository ", d)
}

// readGitFile returns the absolute git directory named by a .git file.
func readGitFile(path string) (string, error) {
	b, err := sysfile.ReadFile(path)
	if err != nil {
		return "", wrap(err, "reading ", path)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	target, ok := strings.CutPrefix(strings.TrimRight(string(line), "\r"), "gitdir: ")
	if !ok || target == "" {
		return "", wrap(ErrNotRepo, "reading ", path, ": no gitdir line")
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	target = filepath.Clean(target)
	if !isGitDir(target) {
		return "", wrap(ErrNotRepo, "reading ", path, ": ", target, " is not a git directory")
	}
	return target, nil
}

// newRepo fills in CommonDir for a work tree and its git directory.
func newRepo(worktree, gitdir string) (Repo, error) {
	r := Repo{WorkTree: filepath.Clean(worktree), GitDir: filepath.Clean(gitdir), CommonDir: filepath.Clean(gitdir)}
	b, err := sysfile.ReadFile(filepath.Join(gitdir, "commondir"))
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return Repo{}, wrap(err, "reading commondir of ", gitdir)
	}
	c := strings.TrimRight(string(b), "\r\n")
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitdir, c)
	}
	r.CommonDir = filepath.Clean(c)
	return r, nil
}

// isGitDir applies git's test: a HEAD file, plus objects and refs
// directories either here or in the directory named by commondir.
func isGitDir(d string) bool {
	if fi, err := os.Stat(filepath.Join(d, "HEAD")); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	if _, err := os.Stat(filepath.Join(d, "commondir")); err == nil {
		return true
	}
	fi, err := os.Stat(filepath.Join(d, "objects"))
	return err == nil && fi.IsDir()
}

// configBare reports whether the config in gitdir says core.bare = true.
func configBare(gitdir string) bool {
	v, _ := ConfigValue(filepath.Join(gitdir, "config"), "core", "bare")
	return strings.EqualFold(v, "true") || v == "1" || strings.EqualFold(v, "yes")
}

// ConfigValue returns the last value of section.key in a git config file,
// lower-casing nothing but the section and key names it compares. It handles
// the subset git itself writes (no includes, no subsections, no quoting).
func ConfigValue(path, section, key string) (string, bool) {
	b, err := sysfile.ReadFile(path)
	if err != nil {
		return "", false
	}
	var cur, val string
	found := false
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' {
			name, _, _ := strings.Cut(strings.Trim(line, "[]"), " ")
			cur = strings.ToLower(strings.TrimSpace(name))
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if cur == section && strings.EqualFold(strings.TrimSpace(k), key) {
			val, found = strings.TrimSpace(v), true
		}
	}
	return val, found
}

// wrap returns an error reading the concatenated parts, then ": " and err
// when err is not nil, which errors.Is and errors.As see through. The
// package avoids fmt: the lean hook binaries link it.
func wrap(err error, parts ...string) error {
	return &wrapped{msg: strings.Join(parts, ""), err: err}
}

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string {
	if e.err == nil {
		return e.msg
	}
	return e.msg + ": " + e.err.Error()
}

func (e *wrapped) Unwrap() error { return e.err }
