package agents_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	hookgemini "github.com/tracevault/tracevault/capture/hook/gemini"
	"github.com/tracevault/tracevault/internal/testapi/gemini"
)

const geminiModel = "gemini-2.5-pro"

// geminiScript writes hello.py with write_file, edits it with replace,
// then appends to notes.txt through run_shell_command.
func geminiScript(repo string) gemini.Script {
	hello := filepath.Join(repo, "hello.py")
	return gemini.Script{Model: geminiModel, Steps: []gemini.Step{
		{Call: &gemini.Call{Name: "write_file", Args: map[string]any{"file_path": hello, "content": "print('hello')\nprint('bye')\n"}},
			Usage: gemini.Usage{Prompt: 1000, Candidates: 20, Thoughts: 30}},
		{Call: &gemini.Call{Name: "replace", Args: map[string]any{"file_path": hello, "instruction": "greet the world", "old_string": "print('hello')", "new_string": "print('hello, world')"}},
			Usage: gemini.Usage{Prompt: 2000, Candidates: 25, Cached: 900, Thoughts: 10}},
		{Call: &gemini.Call{Name: "run_shell_command", Args: map[string]any{"command": "printf 'from gemini shell\\n' >> notes.txt", "description": "append"}},
			Usage: gemini.Usage{Prompt: 3000, Candidates: 15, Cached: 1900, Thoughts: 5, ToolUsePrompt: 7}},
	}, Final: gemini.Step{Text: "Done.", Usage: gemini.Usage{Prompt: 4000, Candidates: 5, Cached: 2900}}}
}

// geminiTokens converts scripted usage to TraceVault's tokens: cached is
// part of the prompt, thoughts are output, tool-use prompt is input.
func geminiTokens(us ...gemini.Usage) capture.Tokens {
	var t capture.Tokens
	for _, u := range us {
		t = t.Add(capture.Tokens{Input: u.Prompt - u.Cached + u.ToolUsePrompt, CacheRead: u.Cached, Output: u.Candidates + u.Thoughts})
	}
	return t
}

func TestRealGeminiCapture(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{"notes.txt": "human line\n"}, "--agent", "gemini-cli")
	srv := gemini.NewServer(geminiScript(repo))
	defer srv.Close()
	run := e.runGemini(srv, repo, geminiModel, "do the task")
	hookLog(t, repo)
	if run.Err != nil {
		t.Fatalf("gemini: %v\n%s", run.Err, run.Output)
	}
	if got := readFile(t, filepath.Join(repo, "hello.py")); got != "print('hello, world')\nprint('bye')\n" {
		t.Errorf("hello.py = %q", got)
	}
	if got := readFile(t, filepath.Join(repo, "notes.txt")); got != "human line\nfrom gemini shell\n" {
		t.Errorf("notes.txt = %q", got)
	}
	if len(run.Chats) != 1 {
		t.Fatalf("chats = %v\n%s", run.Chats, run.Output)
	}
	c, err := hookgemini.ParseChatFile(run.Chats[0])
	if err != nil {
		t.Fatal(err)
	}
	st, raw := e.status(repo, c.SessionID)
	if st.Session.ID != c.SessionID || st.Session.Agent != capture.AgentGeminiCLI || !st.Session.Ended || st.Prompts != 1 ||
		!cmp.Equal(st.Session.Models, []string{geminiModel}) {
		t.Errorf("status session = %+v, prompts %d\n%s", st.Session, st.Prompts, raw)
	}
	if diff := cmp.Diff([]string{"hello.py", "notes.txt"}, st.FilesTouched); diff != "" {
		t.Errorf("files touched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{capture.ToolOK: 3}, st.ToolStatus); diff != "" {
		t.Errorf("tool calls by status (-want +got):\n%s", diff)
	}
	// Token totals equal the scripted usage: cached is part of the prompt,
	// thoughts are output.
	var us []gemini.Usage
	for _, s := range srv.Answered() {
		us = append(us, s.Usage)
	}
	if len(us) != 4 || len(st.Models) != 1 || st.Models[0].Model != geminiModel || st.Models[0].Tokens != geminiTokens(us...) ||
		st.Models[0].Requests != 4 || st.Models[0].CostUSD == nil || len(st.UnpricedModels) != 0 {
		t.Errorf("status usage = %+v, want %s %+v over 4 priced requests", st.Models, geminiModel, geminiTokens(us...))
	}

	// tracevault usage reads the same totals from Gemini's own chat file.
	if diff := cmp.Diff(withoutSavings(st.Models), e.usage("gemini-cli", "GEMINI_CLI_HOME="+run.Home)); diff != "" {
		t.Errorf("tracevault usage --agent gemini-cli (-status +usage):\n%s", diff)
	}

	// Tool calls and edits match the script. Gemini's hook payloads carry
	// no call id, so TraceVault pairs BeforeTool/AfterTool by a digest of
	// tool and input; the chat file's ids are different.
	s := loadSession(t, repo, c.SessionID)
	calls, edits := summarize(s)
	if len(calls) != 3 {
		t.Fatalf("tool calls = %+v, want 3", calls)
	}
	id := func(i int) string { return calls[i].ID }
	wantCalls := []callSummary{{id(0), "write_file", capture.ToolOK}, {id(1), "replace", capture.ToolOK}, {id(2), "run_shell_command", capture.ToolOK}}
	if diff := cmp.Diff(wantCalls, calls); diff != "" || id(0) == id(1) || id(1) == id(2) || id(0) == "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}
	wantEdits := []editSummary{
		{Path: "hello.py", Op: capture.OpCreate, Tool: "write_file", ToolUseID: id(0), HasAfter: true},
		{Path: "hello.py", Op: capture.OpModify, Tool: "replace", ToolUseID: id(1), HasAfter: true},
		{Path: "notes.txt", Op: capture.OpModify, Tool: "run_shell_command", ToolUseID: id(2), HasAfter: true},
	}
	if diff := cmp.Diff(wantEdits, edits); diff != "" {
		t.Errorf("edits (-want +got):\n%s", diff)
	}

	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "gemini work")
	note, ai := e.note(repo, "HEAD")
	t.Logf("note:\n%s", note)
	wantAI := []aiLine{
		{"hello.py", "1-1", c.SessionID, "gemini-cli", geminiModel, id(1)},
		{"hello.py", "2-2", c.SessionID, "gemini-cli", geminiModel, id(0)},
		{"notes.txt", "2-2", c.SessionID, "gemini-cli", geminiModel, id(2)},
	}
	if diff := cmp.Diff(wantAI, ai); diff != "" {
		t.Errorf("tv1 ai lines (-want +got):\n%s", diff)
	}
	for _, l := range []string{"tv1 file 2 0 hello.py", "tv1 file 1 0 notes.txt", "tv1 session " + c.SessionID + " gemini-cli " + geminiModel} {
		if !noteHas(note, l) {
			t.Errorf("note lacks %q", l)
		}
	}
}

// TestRealGeminiRoutedModel: without -m the CLI's router runs the turn on
// gemini-3.8-flash, which no price source covers yet: its usage is
// recorded in full and reported unpriced, never as $0.
func TestRealGeminiRoutedModel(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(nil, "--agent", "gemini-cli")
	srv := gemini.NewServer(geminiScript(repo))
	defer srv.Close()
	run := e.runGemini(srv, repo, "", "do the task")
	if run.Err != nil || len(run.Chats) != 1 {
		t.Fatalf("gemini: %v, chats %v\n%s", run.Err, run.Chats, run.Output)
	}
	c, err := hookgemini.ParseChatFile(run.Chats[0])
	if err != nil {
		t.Fatal(err)
	}
	st, raw := e.status(repo, c.SessionID)
	var us []gemini.Usage
	for _, s := range srv.Answered() {
		us = append(us, s.Usage)
	}
	const routed = "gemini-3.8-flash"
	if len(st.Models) != 1 || st.Models[0].Model != routed || st.Models[0].Tokens != geminiTokens(us...) ||
		st.Models[0].CostUSD != nil || !cmp.Equal(st.UnpricedModels, []string{routed}) {
		t.Errorf("status = %s; want %s unpriced with %+v", raw, routed, geminiTokens(us...))
	}
}
