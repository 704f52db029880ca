package hookrun_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/fswatch"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestShellEditsWithWatcher runs one session of shell tool calls (edits,
// new directories, a directory renamed, a file deleted, a human edit
// between calls, a call that changes nothing) through the hook binary twice:
// with the work-tree watcher the hook starts, and with it off (a full scan
// at every call). Both must record the same edits.
func TestShellEditsWithWatcher(t *testing.T) {
	off := shellSession(t, false)
	on := shellSession(t, true)
	if !slices.Equal(on, off) {
		t.Errorf("edits with the watcher differ from full scans:\nwatcher: %q\nscans:   %q", on, off)
	}
	for _, want := range []string{
		"b1 modify hello.go", "b1 create gen/deep/z.go", "human modify notes.txt",
		"b2 rename moved/deep/z.go from gen/deep/z.go", "b2 delete hello.go", "b4 modify notes.txt",
	} {
		if !slices.Contains(on, want) {
			t.Errorf("edits lack %q: %q", want, on)
		}
	}
}

// shellSession runs the session and returns its edits, one line each.
func shellSession(t *testing.T, watch bool) []string {
	repo := newRepo(t)
	env := "TRACEVAULT_WATCH=off"
	state := filepath.Join(repo, ".git", "tracevault", "state")
	if watch {
		env = "TRACEVAULT_WATCH=on"
		t.Cleanup(func() { testutil.StopWatcher(t, filepath.Join(repo, ".git")) })
	}
	hook := func(event, id string) {
		t.Helper()
		fields := map[string]any{}
		if id != "" {
			fields = map[string]any{"tool_name": "Bash", "tool_use_id": id, "tool_input": map[string]any{"command": "..."}}
		}
		cmd := exec.Command(hookBin, "--agent", "claude-code")
		cmd.Dir, cmd.Env = repo, append(os.Environ(), env)
		cmd.Stdin = bytes.NewReader(ev(repo, "w1", event, fields))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hook %s %s: %v\n%s", event, id, err, out)
		}
	}
	shell := func(id, script string) {
		t.Helper()
		hook("PreToolUse", id)
		sh := exec.Command("sh", "-c", script)
		sh.Dir = repo
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", script, err, out)
		}
		hook("PostToolUse", id)
	}
	hook("SessionStart", "")
	if watch {
		waitForWatcher(t, state)
	}
	shell("b1", "echo changed >> hello.go && mkdir -p gen/deep && echo 'package gen' > gen/deep/z.go")
	var ino uint64
	if watch {
		ino = keptSnapshot(t, state, 0)
	}
	writeFile(t, filepath.Join(repo, "notes.txt"), "a human wrote this\n")
	shell("b2", "mv gen moved && rm hello.go")
	shell("b3", "true")
	shell("b4", "echo more >> notes.txt")
	if watch {
		keptSnapshot(t, state, ino)
	}
	var out []string
	for _, e := range assembleSession(t, repo, "w1").Edits {
		out = append(out, editLine(e))
	}
	slices.Sort(out)
	return out
}

func editLine(e capture.FileEdit) string {
	who := e.ToolUseID
	if e.Human {
		who = "human"
	}
	s := fmt.Sprintf("%s %s %s", who, e.Op, e.Path)
	if e.OldPath != "" {
		s += " from " + e.OldPath
	}
	return s
}

// keptSnapshot waits until the watcher has written a look to the snapshot
// file other than the inode not, and returns its inode: the watcher
// replaces the file (the hook, without a watcher, overwrites it in place).
func keptSnapshot(t *testing.T, state string, not uint64) uint64 {
	t.Helper()
	var st syscall.Stat_t
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if syscall.Stat(filepath.Join(state, "worktree.snap"), &st) == nil && st.Ino != not {
			return st.Ino
		}
	}
	t.Fatalf("the watcher wrote no new snapshot in 10 s: the hooks did not take its looks")
	return 0
}

// waitForWatcher waits until the watcher the hook started answers.
func waitForWatcher(t *testing.T, state string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, conn, err := fswatch.Ask(state, time.Second)
		if err == nil {
			conn.Close()
			return
		}
		if !errors.Is(err, fswatch.ErrNoWatcher) {
			t.Fatal(err)
		}
	}
	t.Fatal("no work-tree watcher answered 10 s after the session started")
}

// TestHookServer runs events through the tracevault-hook client while the
// repository's hook server answers: a policy denial (stdout and exit code)
// comes back as the hook run directly gives it, and a server whose
// executable was replaced answers no more, leaving the event to the client,
// which records it itself.
func TestHookServer(t *testing.T) {
	repo := newRepo(t)
	state := filepath.Join(repo, ".git", "tracevault", "state")
	t.Cleanup(func() { testutil.StopWatcher(t, filepath.Join(repo, ".git")) })
	hook := func(env string, event string, fields map[string]any) (string, int) {
		t.Helper()
		cmd := exec.Command(hookBin, "--agent", "claude-code")
		cmd.Dir, cmd.Env = repo, append(os.Environ(), env)
		cmd.Stdin = bytes.NewReader(ev(repo, "srv", event, fields))
		var out bytes.Buffer
		cmd.Stdout = &out
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), code
	}
	hook("TRACEVAULT_WATCH=on", "SessionStart", nil)
	waitForWatcher(t, state)
	sock := filepath.Join(state, "hook.sock")
	if _, err := os.Stat(sock); err != nil {
		t.Fatalf("no hook server socket: %v", err)
	}
	writeFile(t, filepath.Join(repo, hookrun.PolicyFile), "rules:\n  - name: p\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n")
	write := map[string]any{"tool_name": "Write", "tool_use_id": "toolu_w", "tool_input": map[string]any{"file_path": filepath.Join(repo, "payments/a.go"), "content": "x"}}
	served, servedCode := hook("TRACEVAULT_WATCH=on", "PreToolUse", write)
	direct, directCode := hook("TRACEVAULT_WATCH=off", "PreToolUse", write)
	if !strings.Contains(direct, `"permissionDecision":"deny"`) {
		t.Fatalf("the hook run directly did not deny: %q (exit %d)", direct, directCode)
	}
	if served != direct || servedCode != directCode {
		t.Errorf("served: %q (exit %d); run directly: %q (exit %d)", served, servedCode, direct, directCode)
	}
	// An upgrade replaces the server's executable.
	hookd := filepath.Join(filepath.Dir(hookBin), "tracevault-hookd")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(hookd, later, later); err != nil {
		t.Fatal(err)
	}
	hook("TRACEVAULT_WATCH=off", "UserPromptSubmit", map[string]any{"prompt": "before"}) // not served: a baseline count
	before := len(records(t, repo, "srv").Records)
	hook("TRACEVAULT_WATCH=on", "UserPromptSubmit", map[string]any{"prompt": "after the upgrade"})
	if got := len(records(t, repo, "srv").Records); got != before+1 {
		t.Errorf("event after the upgrade: %d records, want %d", got, before+1)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(sock); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stale hook server still listens 10 s later")
		}
	}
}
