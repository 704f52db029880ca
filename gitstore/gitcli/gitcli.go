package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/tracevault/tracevault/gitstore"
)

// Store is a [gitstore.Store], [gitstore.History] and [gitstore.Remotes]
// over the git binary. It is safe for concurrent use. Close it to end its
// long-lived `git cat-file --batch` process.
type Store struct {
	git       string
	env       []string
	gitDir    string
	commonDir string
	workTree  string
	objectDir string

	mu  sync.Mutex // guards cat
	cat *catFile

	wmu         sync.Mutex // guards native, nativeKnown
	native      bool       // objects may be written in process (loose.go)
	nativeKnown bool
}

var (
	_ gitstore.Store   = (*Store)(nil)
	_ gitstore.History = (*Store)(nil)
	_ gitstore.Remotes = (*Store)(nil)
)

// Option configures [Open].
type Option func(*Store)

// WithEnv sets the base environment of every git command instead of
// [os.Environ]. LC_ALL=C and GIT_TERMINAL_PROMPT=0 are still forced and
// the repository-selecting variables (GIT_DIR, GIT_WORK_TREE, ...) are
// still dropped.
func WithEnv(env []string) Option { return func(s *Store) { s.env = env } }

// WithGitPath runs the given git executable instead of "git" from PATH.
func WithGitPath(path string) Option { return func(s *Store) { s.git = path } }

// Open finds the repository containing dir (a work tree, a subdirectory
// of one, or a git dir) with one `git rev-parse` and returns a Store for
// it. SHA-256 repositories are refused.
func Open(ctx context.Context, dir string, opts ...Option) (*Store, error) {
	s := &Store{git: "git", env: os.Environ()}
	for _, o := range opts {
		o(s)
	}
	s.env = cleanEnv(s.env)
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("opening repository at %s: %w", dir, err)
	}
	out, err := s.exec(ctx, nil, []string{"-C", abs, "rev-parse", "--path-format=absolute",
		"--git-dir", "--git-common-dir", "--is-bare-repository", "--is-inside-work-tree",
		"--show-object-format", "--git-path", "objects", "--show-cdup"})
	if err != nil {
		return nil, fmt.Errorf("opening repository at %s: %w", dir, err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) < 6 {
		return nil, fmt.Errorf("opening repository at %s: unexpected rev-parse output %q", dir, out)
	}
	if lines[4] != "sha1" {
		return nil, fmt.Errorf("opening repository at %s: object format %s is not supported", dir, lines[4])
	}
	s.gitDir, s.commonDir, s.objectDir = lines[0], lines[1], lines[5]
	if lines[2] == "false" && lines[3] == "true" && len(lines) > 6 {
		s.workTree = filepath.Clean(filepath.Join(abs, lines[6]))
	} else if lines[2] == "false" && lines[3] == "true" {
		s.workTree = abs
	}
	return s, nil
}

// GitDir returns the absolute git directory (per worktree).
func (s *Store) GitDir() string { return s.gitDir }

// CommonDir returns the absolute common git directory, shared by all
// worktrees, where refs and objects live.
func (s *Store) CommonDir() string { return s.commonDir }

// WorkTree returns the absolute top of the work tree, or "" for a bare
// repository or when opened from inside the git dir.
func (s *Store) WorkTree() string { return s.workTree }

// Close ends the cat-file process, if one is running. The Store may be
// used again afterwards; a new process is started on demand.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cat == nil {
		return nil
	}
	err := s.cat.close()
	s.cat = nil
	return err
}

// dropEnv lists variables that would point git at another repository or
// change its output language.
var dropEnv = []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE",
	"GIT_PREFIX", "GIT_NAMESPACE", "LC_ALL", "LANG", "LANGUAGE", "GIT_TERMINAL_PROMPT"}

func cleanEnv(base []string) []string {
	env := make([]string, 0, len(base)+2)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, d := range dropEnv {
			drop = drop || k == d
		}
		if !drop {
			env = append(env, kv)
		}
	}
	return append(env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
}

// run runs git with --git-dir and returns its standard output.
func (s *Store) run(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	return s.exec(ctx, stdin, append([]string{"--git-dir=" + s.gitDir}, args...))
}

func (s *Store) command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.git, args...)
	cmd.Env = s.env
	return cmd
}

func (s *Store) exec(ctx context.Context, stdin io.Reader, args []string) ([]byte, error) {
	cmd := s.command(ctx, args)
	cmd.Stdin = stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), newGitError(ctx, args, stderr.String(), err)
	}
	return stdout.Bytes(), nil
}

func newGitError(ctx context.Context, args []string, stderr string, err error) *gitstore.GitError {
	ge := &gitstore.GitError{Args: args, ExitCode: -1, Stderr: stderr, Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ge.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		ge.Err = ctx.Err()
	}
	return ge
}

// exitCode returns the exit code of a failed git command, or -1.
func exitCode(err error) int {
	var ge *gitstore.GitError
	if errors.As(err, &ge) {
		return ge.ExitCode
	}
	return -1
}

// Git runs another git command on the repository (with the store's
// --git-dir, and --work-tree when there is one) and returns its standard
// output. Commands that need the work tree (blame, show of the index) use
// it; the caller passes data on stdin, never in arguments.
func (s *Store) Git(ctx context.Context, args ...string) ([]byte, error) {
	pre := []string{"--git-dir=" + s.gitDir}
	if s.workTree != "" {
		pre = append(pre, "--work-tree="+s.workTree)
	}
	return s.exec(ctx, nil, append(pre, args...))
}

// GitStdin is Git with stdin.
func (s *Store) GitStdin(ctx context.Context, stdin io.Reader, args ...string) ([]byte, error) {
	pre := []string{"--git-dir=" + s.gitDir}
	if s.workTree != "" {
		pre = append(pre, "--work-tree="+s.workTree)
	}
	return s.exec(ctx, stdin, append(pre, args...))
}
