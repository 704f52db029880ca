package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// ErrNotConfigured reports a remote that is not configured for traces:
// nothing is fetched from or pushed to it.
var ErrNotConfigured = errors.New("sync: remote is not configured for traces")

// FetchRefspecs returns the fetch refspecs that mark remote as a trace
// remote, exactly as `tracevault init` (capture/install) adds them to
// remote.<remote>.fetch. The first is the marker [ConfiguredRemotes]
// looks for.
func FetchRefspecs(remote string) []string {
	return []string{
		"+" + record.NotesRef + ":" + record.RemoteNotesRef(remote),
		"+refs/tracevault/*:" + record.RemoteLogPrefix + remote + "/*",
	}
}

// ConfiguredRemotes returns, sorted, the remotes configured for traces:
// those whose remote.<name>.fetch holds the notes refspec of
// [FetchRefspecs]. It reads the configuration with one `git config`.
func ConfiguredRemotes(ctx context.Context, repo Repo) ([]string, error) {
	out, code, err := runGit(ctx, repo.GitDir(), nil, "config", "-z", "--get-regexp", `^remote\..*\.fetch$`)
	if code == 1 {
		return nil, nil // no fetch refspecs at all
	}
	if err != nil {
		return nil, fmt.Errorf("reading remote fetch refspecs: %w", err)
	}
	var remotes []string
	for _, kv := range strings.Split(string(out), "\x00") {
		key, value, ok := strings.Cut(kv, "\n")
		if !ok {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(key, "remote."), ".fetch")
		if value == FetchRefspecs(name)[0] && !slices.Contains(remotes, name) {
			remotes = append(remotes, name)
		}
	}
	slices.Sort(remotes)
	return remotes, nil
}

// IsConfigured reports whether remote is configured for traces (see
// [ConfiguredRemotes]). A URL given in place of a remote name never is.
func IsConfigured(ctx context.Context, repo Repo, remote string) (bool, error) {
	rs, err := ConfiguredRemotes(ctx, repo)
	return slices.Contains(rs, remote), err
}

// Configure makes remote a trace remote by adding the refspecs of
// [FetchRefspecs] to remote.<remote>.fetch where absent. The remote must
// exist. `tracevault init` sets the same values through capture/install,
// which also records them for `tracevault uninstall`; Configure is for
// callers outside init (and for bare repositories).
func Configure(ctx context.Context, repo Repo, remote string) error {
	if err := checkRemoteName(remote); err != nil {
		return err
	}
	key := "remote." + remote + ".fetch"
	if _, code, err := runGit(ctx, repo.GitDir(), nil, "config", "--get", "remote."+remote+".url"); code == 1 {
		return fmt.Errorf("configuring remote %q for traces: no such remote", remote)
	} else if err != nil {
		return fmt.Errorf("configuring remote %q for traces: %w", remote, err)
	}
	cur, code, err := runGit(ctx, repo.GitDir(), nil, "config", "-z", "--get-all", key)
	if err != nil && code != 1 {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	have := strings.Split(string(cur), "\x00")
	for _, rs := range FetchRefspecs(remote) {
		if slices.Contains(have, rs) {
			continue
		}
		if _, _, err := runGit(ctx, repo.GitDir(), nil, "config", "--add", key, rs); err != nil {
			return fmt.Errorf("adding %s %s: %w", key, rs, err)
		}
	}
	return nil
}

// checkRemoteName accepts a remote name git would accept in a config key
// and on a command line.
func checkRemoteName(remote string) error {
	if remote == "" || strings.HasPrefix(remote, "-") || strings.ContainsAny(remote, " \t\n\x00:/\\*?[") {
		return fmt.Errorf("remote %q: not a remote name: %w", remote, gitstore.ErrInvalidRef)
	}
	return gitstore.CheckRefName("refs/x/" + remote)
}

// identity returns the committer identity git would use, or a fixed
// TraceVault identity when none is configured.
func identity(ctx context.Context, repo Repo) gitstore.Signature {
	sig := gitstore.Signature{Name: "TraceVault", Email: "tracevault@localhost", When: time.Now()}
	out, _, err := runGit(ctx, repo.GitDir(), nil, "var", "GIT_COMMITTER_IDENT")
	if err != nil {
		return sig
	}
	line := strings.TrimSpace(string(out))
	lt, gt := strings.Index(line, " <"), strings.Index(line, ">")
	if lt <= 0 || gt < lt {
		return sig
	}
	sig.Name, sig.Email = line[:lt], line[lt+2:gt]
	return sig
}

// dropEnv lists variables that would point git at another repository,
// change its output language or let it prompt.
var dropEnv = []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE",
	"GIT_PREFIX", "GIT_NAMESPACE", "LC_ALL", "LANG", "LANGUAGE", "GIT_TERMINAL_PROMPT"}

// runGit runs a git command the gitstore interfaces do not cover (config
// reads and writes) with --git-dir, LC_ALL=C and no prompts. It returns
// standard output and the exit code (-1 when git did not exit normally);
// a failure is a *[gitstore.GitError].
func runGit(ctx context.Context, gitDir string, stdin []byte, args ...string) ([]byte, int, error) {
	args = append([]string{"--git-dir=" + gitDir}, args...)
	cmd := exec.CommandContext(ctx, "git", args...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(dropEnv, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "LC_ALL=C", "GIT_TERMINAL_PROMPT=0")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), 0, nil
	}
	ge := &gitstore.GitError{Args: args, ExitCode: -1, Stderr: stderr.String(), Err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ge.ExitCode = ee.ExitCode()
	}
	if ctx.Err() != nil {
		ge.Err = ctx.Err()
	}
	return stdout.Bytes(), ge.ExitCode, ge
}
