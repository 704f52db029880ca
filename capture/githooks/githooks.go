// Package githooks is the entry point of the git hooks `tracevault init`
// installs, as run by the lean tracevault-githook binary (and by
// tracevault-hook for hooks installed before it existed): post-commit queues
// the commit without starting git; every other hook is handed to the full
// tracevault binary.
package githooks

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tracevault/tracevault/capture/commitqueue"
	"github.com/tracevault/tracevault/capture/gitrepo"
)

// Spawn starts "full git-hook post-commit-worker" in dir, detached from
// git's hook process (its own session, no standard streams), with git's
// per-hook environment (GIT_INDEX_FILE and the like) removed.
func Spawn(full, dir string) error {
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
	// Background work yields the CPU to git finishing the commit, from its
	// first instruction (it leads its own process group: Setsid).
	_ = syscall.Setpriority(syscall.PRIO_PGRP, cmd.Process.Pid, 10)
	return cmd.Process.Release()
}

// Queue is the post-commit hook: it queues HEAD of the repository enclosing
// dir, then wakes the lingering worker or starts one with the tracevault
// binary full. No git process is started.
func Queue(dir string, full func() (string, error)) error {
	repo, err := gitrepo.FindRepo(dir)
	if err != nil {
		return err
	}
	_, head, err := gitrepo.ReadHead(repo)
	if err != nil || head == "" {
		return fmt.Errorf("reading HEAD: %v", err)
	}
	state := filepath.Join(repo.CommonDir, "tracevault", "state")
	if err := commitqueue.Enqueue(state, repo.GitDir, head); err != nil {
		return err
	}
	if commitqueue.Wake(state) {
		return nil
	}
	exe, err := full()
	if err != nil {
		return err
	}
	return Spawn(exe, repo.WorkTree)
}

// Hook runs "git-hook NAME ARGS...", what the git hooks installed by init
// call (args may start with "git-hook" or with NAME). post-commit is queued
// here (unless TRACEVAULT_POSTCOMMIT=sync); every other hook, and
// post-commit when queueing fails, is handed to the full tracevault binary
// beside this executable (or on PATH) by exec. It returns the exit status
// when it does not exec: 0, since a half-installed TraceVault must never
// fail a commit or a push.
func Hook(args []string) int {
	if len(args) > 0 && args[0] == "git-hook" {
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "post-commit" && os.Getenv("TRACEVAULT_POSTCOMMIT") != "sync" {
		// The full binary is looked up only if a worker must be started.
		if dir, err := os.Getwd(); err == nil && Queue(dir, FullBinary) == nil {
			return 0
		}
	}
	full, err := FullBinary()
	if err != nil {
		fmt.Fprintf(os.Stderr, "tracevault: %v\n", err)
		return 0
	}
	argv := append([]string{full, "git-hook"}, args...)
	if err := syscall.Exec(full, argv, os.Environ()); err != nil {
		fmt.Fprintf(os.Stderr, "tracevault: running %s: %v\n", full, err)
	}
	return 0
}

// FullBinary finds the tracevault binary: beside this executable, else on
// PATH.
func FullBinary() (string, error) {
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
		return "", errors.New("the tracevault binary is neither beside this one nor on PATH")
	}
	return p, nil
}
