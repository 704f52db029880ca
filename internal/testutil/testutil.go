// Package testutil holds helpers shared by the project's tests: where the
// shared fixtures live, and temporary git repositories built with the real
// git binary.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// RepoRoot returns the directory holding go.mod, found by walking up from
// the test's working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test directory")
		}
		dir = parent
	}
}

// SharedDir returns the shared/ folder that sits beside the checkout
// (TRACEVAULT_SHARED overrides it). Tests that need fixtures fail, never skip,
// when it is missing: CI always has it.
func SharedDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("TRACEVAULT_SHARED"); d != "" {
		return d
	}
	d := filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	if _, err := os.Stat(filepath.Join(d, "fixtures")); err != nil {
		t.Fatalf("shared fixtures not found at %s (set TRACEVAULT_SHARED): %v", d, err)
	}
	return d
}

// Fixture returns the path of a file or folder under shared/fixtures.
func Fixture(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(SharedDir(t), "fixtures", filepath.FromSlash(rel))
}

// GitEnv returns an environment that isolates git from the user's and the
// machine's configuration, with a fixed identity, and with the agent hook's
// work-tree watcher off (TRACEVAULT_WATCH=off), so that no background
// process outlives a test's directories: tests of the watcher turn it on
// and stop it with [StopWatcher].
func GitEnv(home string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.com",
		"GIT_COMMITTER_NAME=Test Author", "GIT_COMMITTER_EMAIL=author@example.com",
		"LC_ALL=C",
		"TRACEVAULT_WATCH=off",
	)
}

// StopWatcher stops the work-tree watcher of the repository whose git
// directory is gitDir, if one runs, and waits until it has let go of the
// repository (the watcher writes its process id into its lock file).
func StopWatcher(t testing.TB, gitDir string) {
	t.Helper()
	lock := filepath.Join(gitDir, "tracevault", "state", "watch.lock")
	b, err := os.ReadFile(lock)
	if err != nil {
		return
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	f, err := os.OpenFile(lock, os.O_RDWR, 0)
	if err != nil {
		return
	}
	defer f.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil {
			_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
			return
		}
	}
	t.Errorf("the work-tree watcher of %s still runs 10 s after SIGTERM", gitDir)
}

// NewRepo makes a fresh non-bare repository with branch main in a temporary
// directory and returns its path. HOME points at another temporary directory.
func NewRepo(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	Git(t, dir, "init", "-q", "-b", "main")
	Git(t, dir, "config", "user.name", "Test Author")
	Git(t, dir, "config", "user.email", "author@example.com")
	return dir
}

// Git runs git in dir with an isolated environment and returns its trimmed
// stdout, failing the test on error.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	home := filepath.Join(os.TempDir(), "tracevault-test-home")
	_ = os.MkdirAll(home, 0o755)
	cmd.Env = GitEnv(home)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// MainWithBinaries builds the tracevault, tracevault-hook, tracevault-hookd, tracevault-githook
// and (when server is true) tracevault-server binaries into a temporary
// directory, stores its path in *dir, runs the package's tests and removes the binaries. Call it
// from TestMain: end-to-end tests run the real binaries, as users do.
func MainWithBinaries(m interface{ Run() int }, dir *string, server bool) {
	d, err := os.MkdirTemp("", "tv-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pkgs := []string{"github.com/tracevault/tracevault/cmd/tracevault", "github.com/tracevault/tracevault/cmd/tracevault-hook", "github.com/tracevault/tracevault/cmd/tracevault-hookd",
		"github.com/tracevault/tracevault/cmd/tracevault-githook"}
	if server {
		pkgs = append(pkgs, "github.com/tracevault/tracevault/cmd/tracevault-server")
	}
	cmd := exec.Command("go", append([]string{"build", "-o", d + string(filepath.Separator)}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binaries: %v\n%s", err, out)
		os.RemoveAll(d)
		os.Exit(1)
	}
	*dir = d
	// Hooks the tests run inherit this: see GitEnv.
	os.Setenv("TRACEVAULT_WATCH", "off")
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}
