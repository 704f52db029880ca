package agents_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/codex"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testapi/openai"
)

const codexModel = "gpt-5.5"

// codexScript writes hello.py with apply_patch, edits it with apply_patch,
// then appends to notes.txt through a shell command.
func codexScript() openai.Script {
	return openai.Script{Model: codexModel, Steps: []openai.Step{
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n+print('bye')\n*** End Patch"},
			Usage: openai.Usage{Input: 1000, Cached: 100, Output: 50, Reasoning: 10}},
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Update File: hello.py\n@@\n-print('hello')\n+print('hello, world')\n print('bye')\n*** End Patch"},
			Usage: openai.Usage{Input: 2000, Cached: 900, Output: 60, Reasoning: 20}},
		{Call: &openai.Call{Name: "exec_command", Arguments: `{"cmd":"printf 'from codex shell\\n' >> notes.txt"}`},
			Usage: openai.Usage{Input: 3000, Cached: 1900, CacheWrite: 50, Output: 70, Reasoning: 30}},
	}, Final: openai.Step{Text: "Done.", Usage: openai.Usage{Input: 4000, Cached: 2900, Output: 20}}}
}

// openaiTokens converts scripted OpenAI usage to TraceVault's tokens:
// cached is part of input, reasoning part of output.
func openaiTokens(us ...openai.Usage) capture.Tokens {
	var t capture.Tokens
	for _, u := range us {
		t = t.Add(capture.Tokens{Input: u.Input - u.Cached, CacheRead: u.Cached, Output: u.Output})
	}
	return t
}

func TestRealCodexCapture(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{"notes.txt": "human line\n"}, "--agent", "codex")
	srv := openai.NewServer(codexScript())
	defer srv.Close()
	run := e.runCodex(srv, repo, codexModel, "do the task", nil)
	hookLog(t, repo)
	if run.Err != nil {
		t.Fatalf("codex exec: %v\n%s", run.Err, run.Output)
	}
	if got := readFile(t, filepath.Join(repo, "hello.py")); got != "print('hello, world')\nprint('bye')\n" {
		t.Errorf("hello.py = %q", got)
	}
	if got := readFile(t, filepath.Join(repo, "notes.txt")); got != "human line\nfrom codex shell\n" {
		t.Errorf("notes.txt = %q", got)
	}
	if len(run.Rollouts) != 1 {
		t.Fatalf("rollouts = %v\n%s", run.Rollouts, run.Output)
	}
	r, err := codex.ParseRolloutFile(run.Rollouts[0])
	if err != nil {
		t.Fatal(err)
	}
	names, _ := spool.ForGitDir(filepath.Join(repo, ".git")).Sessions()
	t.Logf("spool sessions: %v; rollout session %s", names, r.SessionID)

	st, raw := e.status(repo, r.SessionID)
	t.Logf("status: %s", raw)
	if st.Session.ID != r.SessionID || st.Session.Agent != capture.AgentCodex || !st.Session.Ended || st.Prompts != 1 {
		t.Errorf("status session = %+v, prompts %d", st.Session, st.Prompts)
	}
	if diff := cmp.Diff([]string{"hello.py", "notes.txt"}, st.FilesTouched); diff != "" {
		t.Errorf("files touched (-want +got):\n%s", diff)
	}
	var us []openai.Usage
	for _, s := range srv.Answered() {
		us = append(us, s.Usage)
	}
	if len(us) != 4 || len(st.Models) != 1 || st.Models[0].Model != codexModel || st.Models[0].Tokens != openaiTokens(us...) {
		t.Errorf("status usage = %+v, want %s %+v over 4 requests", st.Models, codexModel, openaiTokens(us...))
	}
	_ = os.Remove
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "codex work")
	note, ai := e.note(repo, "HEAD")
	t.Logf("note:\n%s", note)
	_ = ai
}
