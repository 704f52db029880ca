package codexcli

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/codex"
	"github.com/tracevault/tracevault/internal/testapi/openai"
)

// TestRealCodex runs the real codex-cli against the stand-in: it writes a
// file and edits it with apply_patch, then edits another file through a
// shell command. The rollout Codex writes must parse to exactly the
// scripted usage, with the file changes and tool calls, and every hook
// payload must parse.
func TestRealCodex(t *testing.T) {
	repo := t.TempDir()
	script := openai.Script{Model: "gpt-5.5", Steps: []openai.Step{
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch"},
			Usage: openai.Usage{Input: 1000, Cached: 100, Output: 50, Reasoning: 10}},
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Update File: hello.py\n@@\n-print('hello')\n+print('hello, world')\n*** End Patch"},
			Usage: openai.Usage{Input: 2000, Cached: 900, Output: 60, Reasoning: 20}},
		{Call: &openai.Call{Name: "exec_command", Arguments: `{"cmd":"echo more > other.txt"}`},
			Usage: openai.Usage{Input: 3000, Cached: 1900, CacheWrite: 50, Output: 70, Reasoning: 30}},
	}, Final: openai.Step{Text: "Done.", Usage: openai.Usage{Input: 4000, Cached: 2900, Output: 20}}}
	srv := openai.NewServer(script)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, t, srv, repo, "gpt-5.5", "do the task")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(repo, "hello.py")); err != nil || string(b) != "print('hello, world')\n" {
		t.Errorf("hello.py = %q, %v", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(repo, "other.txt")); err != nil || string(b) != "more\n" {
		t.Errorf("other.txt = %q, %v", b, err)
	}
	if len(res.Rollouts) != 1 {
		t.Fatalf("rollouts = %v, want one\n%s", res.Rollouts, res.Output)
	}
	r, err := codex.ParseRolloutFile(res.Rollouts[0])
	if err != nil {
		t.Fatal(err)
	}

	// Usage: one entry per answered request, equal to the scripted usage.
	answered := srv.Answered()
	if len(answered) != len(script.Steps)+1 || len(r.Usage) != len(answered) {
		t.Fatalf("%d requests answered, %d usage entries; want %d each", len(answered), len(r.Usage), len(script.Steps)+1)
	}
	for i, step := range answered {
		u := step.Usage
		want := capture.Tokens{Input: u.Input - u.Cached, CacheRead: u.Cached, Output: u.Output}
		if r.Usage[i].Tokens != want || r.Usage[i].Model != "gpt-5.5" {
			t.Errorf("usage[%d] = %s %+v, want gpt-5.5 %+v", i, r.Usage[i].Model, r.Usage[i].Tokens, want)
		}
	}
	entries, _, err := codex.TailUsage(res.Rollouts[0], nil)
	if err != nil || !cmp.Equal(entries, r.Usage) {
		t.Errorf("TailUsage = %v, %v; want %v", entries, err, r.Usage)
	}

	if r.CLIVersion == "" || r.SessionID == "" || r.Cwd == "" {
		t.Errorf("rollout identity = %q %q %q", r.CLIVersion, r.SessionID, r.Cwd)
	}
	var kinds []capture.ToolKind
	for _, c := range r.ToolCalls {
		kinds = append(kinds, c.Kind)
	}
	if !cmp.Equal(kinds, []capture.ToolKind{capture.ToolFileEdit, capture.ToolFileEdit, capture.ToolShell}) {
		t.Errorf("tool call kinds = %v", kinds)
	}
	var got []string
	for _, e := range r.FileChanges {
		got = append(got, e.Op+" "+e.Path)
	}
	if !cmp.Equal(got, []string{"create hello.py", "modify hello.py"}) {
		t.Errorf("file changes = %v", got)
	}

	checkHooks(t, res.Hooks, r.SessionID)
}

func checkHooks(t *testing.T, hooks [][]byte, session string) {
	t.Helper()
	count := map[capture.EventKind]int{}
	var edits []string
	for _, h := range hooks {
		ev, err := codex.ParseHook(h)
		if err != nil {
			t.Fatalf("ParseHook(%s): %v", h, err)
		}
		if ev.SessionID != session {
			t.Errorf("%s: session %q, want %q", ev.HookEvent, ev.SessionID, session)
		}
		count[ev.Kind]++
		if ev.Kind == capture.EventToolEnd {
			for _, e := range ev.Edits {
				edits = append(edits, e.Op+" "+e.Path)
			}
		}
	}
	want := map[capture.EventKind]int{capture.EventSessionStart: 1, capture.EventPrompt: 1, capture.EventModelRequest: 4,
		capture.EventToolStart: 3, capture.EventToolEnd: 3, capture.EventStop: 1, capture.EventSessionEnd: 1}
	if diff := cmp.Diff(want, count); diff != "" {
		t.Errorf("hook events by kind (-want +got):\n%s", diff)
	}
	if !cmp.Equal(edits, []string{"create hello.py", "modify hello.py"}) {
		t.Errorf("hook edits = %v", edits)
	}
}
