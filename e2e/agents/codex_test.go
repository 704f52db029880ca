package agents_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/codex"
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
	if r.SessionID == "" || len(r.ToolCalls) != 3 {
		t.Fatalf("rollout: session %q, %d tool calls", r.SessionID, len(r.ToolCalls))
	}

	// The session TraceVault assembled from the hooks.
	st, raw := e.status(repo, r.SessionID)
	if st.Session.ID != r.SessionID || st.Session.Agent != capture.AgentCodex || !st.Session.Ended || st.Prompts != 1 ||
		!cmp.Equal(st.Session.Models, []string{codexModel}) {
		t.Errorf("status session = %+v, prompts %d\n%s", st.Session, st.Prompts, raw)
	}
	if diff := cmp.Diff([]string{"hello.py", "notes.txt"}, st.FilesTouched); diff != "" {
		t.Errorf("files touched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{capture.ToolOK: 3}, st.ToolStatus); diff != "" {
		t.Errorf("tool calls by status (-want +got):\n%s", diff)
	}
	// Token totals equal the scripted usage: cached is part of input,
	// reasoning part of output.
	var us []openai.Usage
	for _, s := range srv.Answered() {
		us = append(us, s.Usage)
	}
	if len(us) != 4 || len(st.Models) != 1 || st.Models[0].Model != codexModel || st.Models[0].Tokens != openaiTokens(us...) ||
		st.Models[0].Requests != 4 || st.Models[0].CostUSD == nil || len(st.UnpricedModels) != 0 {
		t.Errorf("status usage = %+v, want %s %+v over 4 priced requests", st.Models, codexModel, openaiTokens(us...))
	}

	// tracevault usage reads the same totals from Codex's own rollouts.
	if diff := cmp.Diff(withoutSavings(st.Models), e.usage("codex", "CODEX_HOME="+run.Home)); diff != "" {
		t.Errorf("tracevault usage --agent codex (-status +usage):\n%s", diff)
	}

	// Tool calls and edits match what the script made Codex do, with the
	// ids Codex itself recorded in its rollout.
	id := func(i int) string { return r.ToolCalls[i].ID }
	s := loadSession(t, repo, r.SessionID)
	calls, edits := summarize(s)
	wantCalls := []callSummary{{id(0), "apply_patch", capture.ToolOK}, {id(1), "apply_patch", capture.ToolOK}, {id(2), "Bash", capture.ToolOK}}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}
	wantEdits := []editSummary{
		{Path: "hello.py", Op: capture.OpCreate, Tool: "apply_patch", ToolUseID: id(0), HasAfter: true},
		{Path: "hello.py", Op: capture.OpModify, Tool: "apply_patch", ToolUseID: id(1), HasAfter: true},
		{Path: "notes.txt", Op: capture.OpModify, Tool: "Bash", ToolUseID: id(2), HasAfter: true},
	}
	if diff := cmp.Diff(wantEdits, edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}

	// After the commit, the note attributes each line to Codex and its model.
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "codex work")
	note, ai := e.note(repo, "HEAD")
	t.Logf("note:\n%s", note)
	wantAI := []aiLine{
		{"hello.py", "1-1", r.SessionID, "codex", codexModel, id(1)},
		{"hello.py", "2-2", r.SessionID, "codex", codexModel, id(0)},
		{"notes.txt", "2-2", r.SessionID, "codex", codexModel, id(2)},
	}
	if diff := cmp.Diff(wantAI, ai); diff != "" {
		t.Errorf("tv1 ai lines (-want +got):\n%s", diff)
	}
	for _, l := range []string{"tv1 file 2 0 hello.py", "tv1 file 1 0 notes.txt", "tv1 session " + r.SessionID + " codex " + codexModel} {
		if !noteHas(note, l) {
			t.Errorf("note lacks %q", l)
		}
	}
}
