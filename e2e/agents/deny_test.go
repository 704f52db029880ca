package agents_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	hookgemini "github.com/tracevault/tracevault/capture/hook/gemini"
	"github.com/tracevault/tracevault/internal/testapi/gemini"
	"github.com/tracevault/tracevault/internal/testapi/openai"
)

// policyYAML blocks AI edits under secrets/ and the shell command
// "touch forbidden".
const policyYAML = `version: 1
rules:
  - name: no-secrets
    action: block
    condition:
      type: sensitive_path
      patterns: ["secrets/**"]
  - name: no-forbidden
    action: block
    condition:
      type: dangerous_command
      commands: ["touch forbidden*"]
`

const (
	denyEditReason  = `TraceVault policy rule "no-secrets" blocks this`
	denyShellReason = `TraceVault policy rule "no-forbidden" blocks this`
)

// checkDenied: neither blocked call changed the work tree, and the session
// records both denials.
func checkDenied(t *testing.T, repo string, s *capture.Session, editTool, shellTool string) {
	t.Helper()
	for _, p := range []string{"secrets/key.txt", "forbidden.txt"} {
		if _, err := os.Stat(filepath.Join(repo, p)); !os.IsNotExist(err) {
			t.Errorf("%s was written although the policy blocks it (stat: %v)", p, err)
		}
	}
	type denial struct{ Tool, Rule string }
	var got []denial
	for _, d := range s.Denials {
		got = append(got, denial{d.Tool, d.Rule})
	}
	if diff := cmp.Diff([]denial{{editTool, "no-secrets"}, {shellTool, "no-forbidden"}}, got); diff != "" {
		t.Errorf("session denials (-want +got):\n%s", diff)
	}
	for _, c := range s.ToolCalls {
		if c.Status == capture.ToolOK {
			t.Errorf("denied call %s %s has status ok", c.Name, c.ID)
		}
	}
}

// TestRealCodexDeny: the PreToolUse answer TraceVault gives Codex
// (hookSpecificOutput.permissionDecision "deny", exit 0) stops the real
// Codex from running apply_patch and exec_command, and the model is told why.
func TestRealCodexDeny(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{".tracevault/policy.yaml": policyYAML}, "--agent", "codex")
	script := openai.Script{Model: codexModel, Steps: []openai.Step{
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Add File: secrets/key.txt\n+hunter2\n*** End Patch"},
			Usage: openai.Usage{Input: 100, Output: 10}},
		{Call: &openai.Call{Name: "exec_command", Arguments: `{"cmd":"touch forbidden.txt"}`},
			Usage: openai.Usage{Input: 150, Output: 10}},
	}, Final: openai.Step{Text: "Done.", Usage: openai.Usage{Input: 200, Output: 5}}}
	srv := openai.NewServer(script)
	defer srv.Close()
	run := e.runCodex(srv, repo, codexModel, "write the secret", nil)
	hookLog(t, repo)
	if run.Err != nil {
		t.Fatalf("codex: %v\n%s", run.Err, run.Output)
	}
	// What the model saw as the two tool results.
	reqs := srv.Requests()
	last := string(reqs[len(reqs)-1])
	for _, want := range []string{denyEditReason + " apply_patch call", denyShellReason + " Bash call"} {
		if !strings.Contains(last, strings.ReplaceAll(want, `"`, `\"`)) {
			t.Errorf("the model was not told %q; last request:\n%.3000s", want, last)
		}
	}
	if len(run.Rollouts) != 1 {
		t.Fatalf("rollouts = %v", run.Rollouts)
	}
	id := sessionIDFromRollout(t, run.Rollouts[0])
	checkDenied(t, repo, loadSession(t, repo, id), "apply_patch", "Bash")
}

// TestRealGeminiDeny: the BeforeTool answer TraceVault gives Gemini CLI
// ({"decision":"deny","reason"}, exit 0) stops the real CLI from running
// write_file and run_shell_command, and the reason is the tool result.
func TestRealGeminiDeny(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{".tracevault/policy.yaml": policyYAML}, "--agent", "gemini-cli")
	script := gemini.Script{Model: geminiModel, Steps: []gemini.Step{
		{Call: &gemini.Call{Name: "write_file", Args: map[string]any{"file_path": filepath.Join(repo, "secrets", "key.txt"), "content": "hunter2\n"}},
			Usage: gemini.Usage{Prompt: 100, Candidates: 10}},
		{Call: &gemini.Call{Name: "run_shell_command", Args: map[string]any{"command": "touch forbidden.txt", "description": "touch"}},
			Usage: gemini.Usage{Prompt: 150, Candidates: 10}},
	}, Final: gemini.Step{Text: "Done.", Usage: gemini.Usage{Prompt: 200, Candidates: 5}}}
	srv := gemini.NewServer(script)
	defer srv.Close()
	run := e.runGemini(srv, repo, geminiModel, "write the secret")
	hookLog(t, repo)
	if run.Err != nil {
		t.Fatalf("gemini: %v\n%s", run.Err, run.Output)
	}
	if len(run.Chats) != 1 {
		t.Fatalf("chats = %v", run.Chats)
	}
	chat := readFile(t, run.Chats[0])
	for _, want := range []string{denyEditReason + " write_file call", denyShellReason + " run_shell_command call"} {
		if !strings.Contains(chat, strings.ReplaceAll(want, `"`, `\"`)) {
			t.Errorf("the chat's tool results lack %q", want)
		}
	}
	c, err := hookgemini.ParseChatFile(run.Chats[0])
	if err != nil {
		t.Fatal(err)
	}
	checkDenied(t, repo, loadSession(t, repo, c.SessionID), "write_file", "run_shell_command")
}
