package hookrun

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
)

// GitHook runs "tracevault-hook git-hook NAME ARGS...", what the git hooks
// installed by init call. post-commit is handled here, without starting a
// single git process: HEAD is queued for the post-commit worker, which is
// started detached, so `git commit` waits only for this lean binary. Every
// other hook (and post-commit with TRACEVAULT_POSTCOMMIT=sync) is handed to
// the full tracevault binary beside this one, by exec.
func GitHook(args []string) int {
	full, err := fullBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tracevault: %v\n", err)
		return 0 // never fail a commit or push because TraceVault is half installed
	}
	if len(args) > 0 && args[0] == "post-commit" && os.Getenv("TRACEVAULT_POSTCOMMIT") != "sync" {
		if err := queuePostCommit(full); err == nil {
			return 0
		}
	}
	argv := append([]string{full, "git-hook"}, args...)
	if err := syscall.Exec(full, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "tracevault: running %s: %v\n", full, err)
	}
	return 0
}

// fullBinary finds the tracevault binary: beside this executable, else on
// PATH.
func fullBinary() (string, error) {
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		p := filepath.Join(filepath.Dir(exe), "tracevault")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("tracevault")
	if err != nil {
		return "", errors.New("the tracevault binary is neither beside tracevault-hook nor on PATH")
	}
	return p, nil
}

func queuePostCommit(full string) error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	repo, err := worktree.FindRepo(dir)
	if err != nil {
		return err
	}
	_, head, err := worktree.ReadHead(repo)
	if err != nil || head == "" {
		return fmt.Errorf("reading HEAD: %v", err)
	}
	sdir := spool.ForGitDir(repo.CommonDir)
	if err := spool.Enqueue(sdir, repo.GitDir, head); err != nil {
		return err
	}
	if spool.WakeWorker(sdir) {
		return nil // a lingering worker takes it from here
	}
	return SpawnWorker(full, repo.WorkTree)
}

// SpawnWorker starts "tracevault git-hook post-commit-worker" in dir,
// detached from git's hook process (its own session, no stdio), with git's
// per-hook environment (GIT_INDEX_FILE and the like) removed.
func SpawnWorker(full, dir string) error {
	cmd := exec.Command(full, "git-hook", "post-commit-worker")
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") && !strings.HasPrefix(kv, "GIT_CONFIG") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the post-commit worker: %w", err)
	}
	return cmd.Process.Release()
}
