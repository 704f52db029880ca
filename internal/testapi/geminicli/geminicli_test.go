package geminicli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
	hookgemini "github.com/tracevault/tracevault/capture/hook/gemini"
	"github.com/tracevault/tracevault/internal/testapi/gemini"
)

// TestRealGemini runs the real gemini-cli against the stand-in: it writes
// a file, edits it with replace, then edits another file through
// run_shell_command. The chat file it writes must parse to exactly the
// scripted usage, and every hook payload must parse, with edits on the
// file tools and BeforeTool/AfterTool pairs sharing an id.
func TestRealGemini(t *testing.T) {
	repo := t.TempDir()
	hello := filepath.Join(repo, "hello.py")
	script := gemini.Script{Model: "gemini-2.5-pro", Steps: []gemini.Step{
		{Call: &gemini.Call{Name: "write_file", Args: map[string]any{"file_path": hello, "content": "print('hello')\n"}},
			Usage: gemini.Usage{Prompt: 1000, Candidates: 20, Thoughts: 30}},
		{Call: &gemini.Call{Name: "replace", Args: map[string]any{"file_path": hello, "instruction": "greet the world", "old_string": "print('hello')", "new_string": "print('hello, world')"}},
			Usage: gemini.Usage{Prompt: 2000, Candidates: 25, Cached: 900, Thoughts: 10}},
		{Call: &gemini.Call{Name: "run_shell_command", Args: map[string]any{"command": "echo more > other.txt", "description": "write other"}},
			Usage: gemini.Usage{Prompt: 3000, Candidates: 15, Cached: 1900, Thoughts: 5, ToolUsePrompt: 7}},
	}, Final: gemini.Step{Text: "Done.", Usage: gemini.Usage{Prompt: 4000, Candidates: 5, Cached: 2900}}}
	srv := gemini.NewServer(script)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, t, srv, repo, "gemini-2.5-pro", "do the task")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(hello); err != nil || string(b) != "print('hello, world')\n" {
		t.Errorf("hello.py = %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(repo, "other.txt")); err != nil || string(b) != "more\n" {
		t.Errorf("other.txt = %q, %v", b, err)
	}
	if len(res.Chats) != 1 {
		t.Fatalf("chats = %v, want one\n%s", res.Chats, res.Output)
	}
	c, err := hookgemini.ParseChatFile(res.Chats[0])
	if err != nil {
		t.Fatal(err)
	}
	answered := srv.Answered()
	if len(answered) != len(script.Steps)+1 || len(c.Usage) != len(answered) {
		t.Fatalf("%d requests answered, %d usage entries; want %d each", len(answered), len(c.Usage), len(script.Steps)+1)
	}
	for i, step := range answered {
		u := step.Usage
		want := capture.Tokens{Input: u.Prompt - u.Cached + u.ToolUsePrompt, CacheRead: u.Cached, Output: u.Candidates + u.Thoughts}
		if c.Usage[i].Tokens != want || c.Usage[i].Model != "gemini-2.5-pro" {
			t.Errorf("usage[%d] = %s %+v, want gemini-2.5-pro %+v", i, c.Usage[i].Model, c.Usage[i].Tokens, want)
		}
	}
	entries, _, err := hookgemini.TailUsage(res.Chats[0], nil)
	if err != nil || !cmp.Equal(entries, c.Usage) {
		t.Errorf("TailUsage = %v, %v; want %v", entries, err, c.Usage)
	}
	var calls []string
	for _, m := range c.Messages {
		for _, tc := range m.ToolCalls {
			calls = append(calls, tc.Name+" "+tc.Status)
		}
	}
	if !cmp.Equal(calls, []string{"write_file success", "replace success", "run_shell_command success"}) {
		t.Errorf("tool calls = %v", calls)
	}
	checkHooks(t, res.Hooks, c.SessionID)
}

func checkHooks(t *testing.T, hooks [][]byte, session string) {
	t.Helper()
	count := map[capture.EventKind]int{}
	started := map[string]int{}
	var edits []string
	for _, h := range hooks {
		ev, err := hookgemini.ParseHook(h)
		if err != nil {
			t.Fatalf("ParseHook(%s): %v", h, err)
		}
		if ev.SessionID != session || ev.Time.IsZero() {
			t.Errorf("%s: session %q time %v, want session %q", ev.HookEvent, ev.SessionID, ev.Time, session)
		}
		count[ev.Kind]++
		switch ev.Kind {
		case capture.EventToolStart:
			started[ev.ToolUseID]++
		case capture.EventToolEnd:
			if started[ev.ToolUseID] == 0 {
				t.Errorf("AfterTool %s id %s has no BeforeTool", ev.ToolName, ev.ToolUseID)
			}
			started[ev.ToolUseID]--
			for _, e := range ev.Edits {
				edits = append(edits, e.Op+" "+e.Path)
				if e.Content == nil || e.Diff == "" {
					t.Errorf("edit %s %s: no content or diff", e.Op, e.Path)
				}
			}
		}
	}
	if count[capture.EventSessionStart] != 1 || count[capture.EventPrompt] != 1 || count[capture.EventToolStart] != 3 ||
		count[capture.EventToolEnd] != 3 || count[capture.EventStop] != 1 || count[capture.EventSessionEnd] != 1 || count[capture.EventModelRequest] < 8 {
		t.Errorf("hook events by kind = %v", count)
	}
	if !cmp.Equal(edits, []string{"create hello.py", "modify hello.py"}) {
		t.Errorf("hook edits = %v", edits)
	}
}
