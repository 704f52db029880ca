package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Sentinel errors callers can test with errors.Is.
var (
	ErrNotGitRepository = errors.New("install: not a git repository")
	ErrBareRepository   = errors.New("install: bare repository (no work tree)")
	ErrNotInstalled     = errors.New("install: no install manifest (tracevault init was not run here)")
	ErrUnsupportedHook  = errors.New("install: existing git hook is not a shell script")
	ErrBadHookCommand   = errors.New("install: hook command does not name a tracevault executable")
	ErrUnknownAgent     = errors.New("install: unknown agent")
	ErrUnknownRemote    = errors.New("install: unknown remote")
	ErrNotWritable      = errors.New("install: path is not writable")
)

// GitError is a failed git command, with its exit code and standard error.
type GitError struct {
	Args     []string
	ExitCode int
	Stderr   string
}

func (e *GitError) Error() string {
	return fmt.Sprintf("`git %s` exited with %d: %s", strings.Join(e.Args, " "), e.ExitCode, strings.TrimSpace(e.Stderr))
}

// repo is a validated non-bare repository.
type repo struct {
	top    string // work tree top level, absolute
	gitDir string // common git directory, absolute (hooks, config, manifest)
	env    []string
}

// run runs git in the work tree and returns its trimmed standard output.
func (r *repo) run(ctx context.Context, args ...string) (string, error) {
	return runGit(ctx, r.top, r.env, args...)
}

func runGit(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, env...), "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return "", fmt.Errorf("running git %s: %w", strings.Join(args, " "), err)
		}
		return "", &GitError{Args: args, ExitCode: ee.ExitCode(), Stderr: stderr.String()}
	}
	return strings.TrimSpace(stdout.String()), nil
}

// openRepo checks that dir is inside the work tree of a non-bare repository.
func openRepo(ctx context.Context, dir string, env []string) (*repo, error) {
	if env == nil {
		env = os.Environ()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("opening repository %s: %w", abs, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("opening repository %s: %w", abs, ErrNotGitRepository)
	}
	bare, err := runGit(ctx, abs, env, "rev-parse", "--is-bare-repository")
	if err != nil {
		var ge *GitError
		if errors.As(err, &ge) && strings.Contains(ge.Stderr, "not a git repository") {
			return nil, fmt.Errorf("%s: %w", abs, ErrNotGitRepository)
		}
		return nil, fmt.Errorf("inspecting repository %s: %w", abs, err)
	}
	if bare == "true" {
		return nil, fmt.Errorf("%s: %w", abs, ErrBareRepository)
	}
	if in, err := runGit(ctx, abs, env, "rev-parse", "--is-inside-work-tree"); err != nil || in != "true" {
		return nil, fmt.Errorf("%s is not inside a work tree: %w", abs, ErrBareRepository)
	}
	out, err := runGit(ctx, abs, env, "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir")
	if err != nil {
		return nil, fmt.Errorf("inspecting repository %s: %w", abs, err)
	}
	lines := strings.Split(out, "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("inspecting repository %s: unexpected rev-parse output %q", abs, out)
	}
	return &repo{top: lines[0], gitDir: lines[1], env: env}, nil
}

// rel names path in the manifest and in reports: relative to the work tree
// top (slash-separated) when inside it, absolute otherwise.
func (r *repo) rel(path string) string {
	rel, err := filepath.Rel(r.top, path)
	if err != nil {
		return path
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return path
	}
	return rel
}

// abs is the inverse of rel.
func (r *repo) abs(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(r.top, filepath.FromSlash(name))
}
