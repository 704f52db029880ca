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
	t.Logf("gemini output:\n%s", run.Output)
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
	t.Logf("status: %s", raw)
	if st.Session.ID != c.SessionID || st.Session.Agent != capture.AgentGeminiCLI || !st.Session.Ended || st.Prompts != 1 {
		t.Errorf("status session = %+v, prompts %d", st.Session, st.Prompts)
	}
	if diff := cmp.Diff([]string{"hello.py", "notes.txt"}, st.FilesTouched); diff != "" {
		t.Errorf("files touched (-want +got):\n%s", diff)
	}
	var us []gemini.Usage
	for _, s := range srv.Answered() {
		us = append(us, s.Usage)
	}
	if len(us) != 4 || len(st.Models) != 1 || st.Models[0].Model != geminiModel || st.Models[0].Tokens != geminiTokens(us...) {
		t.Errorf("status usage = %+v, want %s %+v over 4 requests", st.Models, geminiModel, geminiTokens(us...))
	}
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "gemini work")
	note, _ := e.note(repo, "HEAD")
	t.Logf("note:\n%s", note)
}
