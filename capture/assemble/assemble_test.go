package assemble_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testutil"
)

const session = "sess-1"

// sim drives the real hook with Claude Code payloads in a repository, on a
// fake clock a second per event.
type sim struct {
	t    *testing.T
	repo string
	tr   string
	now  time.Time
}

func newSim(t *testing.T) *sim {
	repo := testutil.NewRepo(t)
	for name, content := range map[string]string{"hello.go": "package main\n\nfunc main() {}\n", "old.txt": "moved\n", "gone.txt": "bye\n", "nb.ipynb": "{}\n"} {
		write(t, filepath.Join(repo, name), content)
	}
	testutil.Git(t, repo, "add", ".")
	testutil.Git(t, repo, "commit", "-q", "-m", "init")
	tr := filepath.Join(t.TempDir(), session+".jsonl")
	write(t, tr, "")
	return &sim{t: t, repo: repo, tr: tr, now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (s *sim) path(name string) string { return filepath.Join(s.repo, name) }

// hook sends one event; fields are merged into the common ones.
func (s *sim) hook(event string, fields map[string]any) {
	s.t.Helper()
	p := map[string]any{"session_id": session, "cwd": s.repo, "transcript_path": s.tr, "hook_event_name": event}
	for k, v := range fields {
		p[k] = v
	}
	raw, _ := json.Marshal(p)
	s.now = s.now.Add(time.Second)
	now := s.now
	var out bytes.Buffer
	code := hookrun.Run(hookrun.Options{Agent: "claude-code", Stdin: bytes.NewReader(raw), Stdout: &out,
		Getwd: func() (string, error) { return s.repo, nil }, Now: func() time.Time { return now }})
	if code != 0 {
		s.t.Fatalf("%s: exit %d", event, code)
	}
}

// transcript appends lines to the transcript.
func (s *sim) transcript(lines ...string) {
	f, err := os.OpenFile(s.tr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		f.WriteString(l + "\n")
	}
}

func (s *sim) session() (*capture.Session, spool.Dir) {
	s.t.Helper()
	dir := spool.ForGitDir(filepath.Join(s.repo, ".git"))
	res, err := dir.Read(session)
	if err != nil || res.Skipped != 0 {
		s.t.Fatalf("reading spool: %v, %d skipped", err, res.Skipped)
	}
	prices, err := pricing.Default()
	if err != nil {
		s.t.Fatal(err)
	}
	return assemble.Session(res.Records, assemble.Options{Prices: prices,
		Author: capture.Identity{Name: "Ada", Email: "ada@example.com"}}), dir
}

func usageLine(msg, model, agentID string, in, out int) string {
	side := agentID != ""
	l, _ := json.Marshal(map[string]any{"type": "assistant", "timestamp": "2026-11-27T10:00:01Z", "requestId": "req_" + msg,
		"isSidechain": side, "agentId": agentID,
		"message": map[string]any{"id": msg, "model": model, "usage": map[string]any{"input_tokens": in, "output_tokens": out}}})
	return string(l)
}

func toolUseLine(id, name string, input map[string]any) string {
	l, _ := json.Marshal(map[string]any{"type": "assistant", "timestamp": "2026-11-27T10:00:02Z",
		"message": map[string]any{"content": []any{map[string]any{"type": "tool_use", "id": id, "name": name, "input": input}}}})
	return string(l)
}

func toolResultLine(id string, isError bool, content string) string {
	l, _ := json.Marshal(map[string]any{"type": "user", "timestamp": "2026-11-27T10:00:03Z",
		"message": map[string]any{"content": []any{map[string]any{"type": "tool_result", "tool_use_id": id, "is_error": isError, "content": content}}}})
	return string(l)
}

type call struct{ Name, Status, AgentID, Error string }

type edit struct {
	Tool, ToolUseID, Op, OldPath, AgentID string
	Before, After                         string
	Added, Removed                        int
	Diff                                  string
}

func h(s string) string { return spool.Hash([]byte(s)) }

// TestSession drives a whole session through the hook and checks what
// assembly makes of it.
func TestSession(t *testing.T) {
	s := newSim(t)
	head := testutil.Git(t, s.repo, "rev-parse", "HEAD")
	hello0, hello1 := "package main\n\nfunc main() {}\n", "package main\n\nfunc main() { println(1) }\n"
	hello2 := "package main\n\nfunc main() { println(2) }\n"

	s.hook("SessionStart", map[string]any{"source": "startup"})
	s.hook("UserPromptSubmit", map[string]any{"prompt": "first"})
	// Write creates greet.go.
	greet := "package main\n\nconst g = 1\n"
	s.hook("PreToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "t_write", "tool_input": map[string]any{"file_path": s.path("greet.go"), "content": greet}})
	write(t, s.path("greet.go"), greet)
	s.hook("PostToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "t_write", "tool_input": map[string]any{"file_path": s.path("greet.go"), "content": greet},
		"tool_response": map[string]any{"type": "create", "filePath": s.path("greet.go"), "content": greet, "structuredPatch": []any{}, "originalFile": nil}})
	// Edit of hello.go, with a duplicated PostToolUse: counted once.
	patch := []any{map[string]any{"oldStart": 1, "oldLines": 3, "newStart": 1, "newLines": 3, "lines": []string{" package main", " ", "-func main() {}", "+func main() { println(1) }"}}}
	s.hook("PreToolUse", map[string]any{"tool_name": "Edit", "tool_use_id": "t_edit", "tool_input": map[string]any{"file_path": s.path("hello.go")}})
	write(t, s.path("hello.go"), hello1)
	for i := 0; i < 2; i++ {
		s.hook("PostToolUse", map[string]any{"tool_name": "Edit", "tool_use_id": "t_edit", "tool_input": map[string]any{"file_path": s.path("hello.go")},
			"tool_response": map[string]any{"filePath": s.path("hello.go"), "originalFile": hello0, "structuredPatch": patch}})
	}
	// MultiEdit of greet.go.
	greet2 := "package main\n\nconst g = 2\n"
	write(t, s.path("greet.go"), greet2)
	s.hook("PostToolUse", map[string]any{"tool_name": "MultiEdit", "tool_use_id": "t_multi", "tool_input": map[string]any{"file_path": s.path("greet.go")},
		"tool_response": map[string]any{"filePath": s.path("greet.go"), "originalFileContents": greet,
			"structuredPatch": []any{map[string]any{"oldStart": 3, "oldLines": 1, "newStart": 3, "newLines": 1, "lines": []string{"-const g = 1", "+const g = 2"}}}}})
	// NotebookEdit.
	write(t, s.path("nb.ipynb"), "{\"cells\":[]}\n")
	s.hook("PostToolUse", map[string]any{"tool_name": "NotebookEdit", "tool_use_id": "t_nb", "tool_input": map[string]any{"notebook_path": s.path("nb.ipynb")},
		"tool_response": map[string]any{"notebook_path": s.path("nb.ipynb"), "original_file": "{}\n", "updated_file": "{\"cells\":[]}\n"}})
	// A Bash command that edits, creates, deletes and renames.
	s.hook("PreToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "t_bash", "tool_input": map[string]any{"command": "edit things"}})
	write(t, s.path("hello.go"), hello2)
	write(t, s.path("made.txt"), "new\n")
	os.Remove(s.path("gone.txt"))
	os.Rename(s.path("old.txt"), s.path("renamed.txt"))
	s.hook("PostToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "t_bash", "tool_input": map[string]any{"command": "edit things"}, "tool_response": map[string]any{"stdout": ""}})
	// A failing Bash.
	s.hook("PreToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "t_fail", "tool_input": map[string]any{"command": "exit 3"}})
	s.hook("PostToolUseFailure", map[string]any{"tool_name": "Bash", "tool_use_id": "t_fail", "error": "Exit code 3"})
	// A subagent writing sub.txt.
	s.hook("PreToolUse", map[string]any{"tool_name": "Agent", "tool_use_id": "t_agent", "tool_input": map[string]any{"prompt": "go"}})
	s.hook("PreToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "t_sub", "agent_id": "a1", "agent_type": "general-purpose"})
	write(t, s.path("sub.txt"), "sub\n")
	s.hook("PostToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "t_sub", "agent_id": "a1", "agent_type": "general-purpose",
		"tool_input": map[string]any{"file_path": s.path("sub.txt"), "content": "sub\n"}, "tool_response": map[string]any{"type": "create", "filePath": s.path("sub.txt")}})
	subTr := filepath.Join(filepath.Dir(s.tr), session, "subagents", "agent-a1.jsonl")
	os.MkdirAll(filepath.Dir(subTr), 0o755)
	write(t, subTr, usageLine("m_sub", "claude-haiku-4-5", "a1", 5, 6)+"\n")
	s.hook("SubagentStop", map[string]any{"agent_id": "a1", "agent_type": "general-purpose", "agent_transcript_path": subTr})
	s.hook("PostToolUse", map[string]any{"tool_name": "Agent", "tool_use_id": "t_agent", "tool_response": map[string]any{"status": "completed", "agentId": "a1"}})
	// An Edit rejected before any hook: only the transcript has it.
	s.transcript(usageLine("m_1", "claude-sonnet-4-5", "", 10, 20), usageLine("m_1", "claude-sonnet-4-5", "", 10, 25),
		toolUseLine("t_bad", "Edit", map[string]any{"file_path": s.path("hello.go")}),
		toolResultLine("t_bad", true, "<tool_use_error>String to replace not found in file.</tool_use_error>"),
		toolUseLine("t_write", "Write", nil), toolResultLine("t_write", false, "ok"))
	s.hook("Stop", nil)
	s.hook("UserPromptSubmit", map[string]any{"prompt": "second"})
	s.hook("SessionEnd", map[string]any{"reason": "other"})

	got, dir := s.session()
	if got.ID != session || got.Agent != capture.AgentClaudeCode || got.Branch != "main" || got.HeadAtStart != head || !got.Ended {
		t.Errorf("id, agent, branch, head, ended = %q %q %q %q %v", got.ID, got.Agent, got.Branch, got.HeadAtStart, got.Ended)
	}
	start := time.Date(2026, 11, 27, 10, 0, 1, 0, time.UTC)
	if !got.StartedAt.Equal(start) || got.Duration() != time.Duration(len(recs(t, dir))-1)*time.Second {
		t.Errorf("start %v, duration %v", got.StartedAt, got.Duration())
	}
	if got.Author != (capture.Identity{Name: "Ada", Email: "ada@example.com"}) {
		t.Errorf("author = %+v", got.Author)
	}
	var prompts []string
	for _, p := range got.Prompts {
		prompts = append(prompts, p.Text)
	}
	if diff := cmp.Diff([]string{"first", "second"}, prompts); diff != "" {
		t.Errorf("prompts (-want +got):\n%s", diff)
	}

	calls := map[string]call{}
	for _, c := range got.ToolCalls {
		if _, dup := calls[c.ID]; dup {
			t.Errorf("tool call %s counted twice", c.ID)
		}
		calls[c.ID] = call{c.Name, c.Status, c.AgentID, c.Error}
	}
	wantCalls := map[string]call{
		"t_write": {"Write", "ok", "", ""},
		"t_edit":  {"Edit", "ok", "", ""},
		"t_multi": {"MultiEdit", "ok", "", ""},
		"t_nb":    {"NotebookEdit", "ok", "", ""},
		"t_bash":  {"Bash", "ok", "", ""},
		"t_fail":  {"Bash", "failed", "", "Exit code 3"},
		"t_agent": {"Agent", "ok", "", ""},
		"t_sub":   {"Write", "ok", "a1", ""},
		"t_bad":   {"Edit", "failed", "", "<tool_use_error>String to replace not found in file.</tool_use_error>"},
	}
	if diff := cmp.Diff(wantCalls, calls); diff != "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}

	edits := map[string]edit{}
	for _, e := range got.Edits {
		if e.Human {
			t.Errorf("human edit of %s on a clean tree", e.Path)
		}
		edits[e.Path+"@"+e.ToolUseID] = edit{e.Tool, e.ToolUseID, e.Op, e.OldPath, e.AgentID, e.Before, e.After, e.Added, e.Removed, e.Diff}
	}
	helloDiff := "--- a/hello.go\n+++ b/hello.go\n@@ -1,3 +1,3 @@\n package main\n \n-func main() {}\n+func main() { println(1) }\n"
	wantEdits := map[string]edit{
		"greet.go@t_write":   {"Write", "t_write", "create", "", "", "", h(greet), 3, 0, "--- a/greet.go\n+++ b/greet.go\n@@ -0,0 +1,3 @@\n+package main\n+\n+const g = 1\n"},
		"hello.go@t_edit":    {"Edit", "t_edit", "modify", "", "", h(hello0), h(hello1), 1, 1, helloDiff},
		"greet.go@t_multi":   {"MultiEdit", "t_multi", "modify", "", "", h(greet), h(greet2), 1, 1, "--- a/greet.go\n+++ b/greet.go\n@@ -3,1 +3,1 @@\n-const g = 1\n+const g = 2\n"},
		"nb.ipynb@t_nb":      {"NotebookEdit", "t_nb", "modify", "", "", h("{}\n"), h("{\"cells\":[]}\n"), 1, 1, "--- a/nb.ipynb\n+++ b/nb.ipynb\n@@ -1,1 +1,1 @@\n-{}\n+{\"cells\":[]}\n"},
		"hello.go@t_bash":    {"Bash", "t_bash", "modify", "", "", h(hello1), h(hello2), 1, 1, "--- a/hello.go\n+++ b/hello.go\n@@ -1,3 +1,3 @@\n package main\n \n-func main() { println(1) }\n+func main() { println(2) }\n"},
		"made.txt@t_bash":    {"Bash", "t_bash", "create", "", "", "", h("new\n"), 1, 0, "--- a/made.txt\n+++ b/made.txt\n@@ -0,0 +1,1 @@\n+new\n"},
		"gone.txt@t_bash":    {"Bash", "t_bash", "delete", "", "", "", "", 0, 0, ""},
		"renamed.txt@t_bash": {"Bash", "t_bash", "rename", "old.txt", "", h("moved\n"), h("moved\n"), 0, 0, ""},
		"sub.txt@t_sub":      {"Write", "t_sub", "create", "", "a1", "", h("sub\n"), 1, 0, "--- a/sub.txt\n+++ b/sub.txt\n@@ -0,0 +1,1 @@\n+sub\n"},
	}
	if diff := cmp.Diff(wantEdits, edits); diff != "" {
		t.Errorf("edits by path@tool_use_id (-want +got):\n%s", diff)
	}
	for k, e := range edits {
		for _, hash := range []string{e.Before, e.After} {
			if hash == "" {
				continue
			}
			if b, err := dir.Blob(hash); err != nil || spool.Hash(b) != hash {
				t.Errorf("%s: blob %s: %v", k, hash, err)
			}
		}
	}

	if len(got.Subagents) != 1 || got.Subagents[0].ID != "a1" || got.Subagents[0].Type != "general-purpose" ||
		got.Subagents[0].ToolUseID != "t_agent" || !cmp.Equal(got.Subagents[0].Models, []string{"claude-haiku-4-5"}) || got.Subagents[0].TranscriptPath != subTr {
		t.Errorf("subagents = %+v", got.Subagents)
	}
	if diff := cmp.Diff([]string{"claude-haiku-4-5", "claude-sonnet-4-5"}, got.Models); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
	tok := map[string]capture.Tokens{}
	for _, u := range got.Usage {
		tok[u.Model] = u.Tokens
	}
	wantTok := map[string]capture.Tokens{"claude-sonnet-4-5": {Input: 10, Output: 25}, "claude-haiku-4-5": {Input: 5, Output: 6}}
	if diff := cmp.Diff(wantTok, tok); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
}

func recs(t *testing.T, dir spool.Dir) []spool.Record {
	res, err := dir.Read(session)
	if err != nil {
		t.Fatal(err)
	}
	return res.Records
}

// TestPairing covers statuses assembly derives from records alone.
func TestPairing(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 1, 1, 0, 0, s, 0, time.UTC) }
	rec := func(s int, payload string) spool.Record {
		return spool.Record{V: 1, At: at(s), Agent: "claude-code", Payload: json.RawMessage(payload)}
	}
	denied := rec(3, `{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Write","tool_use_id":"t_deny"}`)
	denied.Denial = &capture.Denial{Time: at(3), ToolUseID: "t_deny", Tool: "Write", Rule: "sensitive-path", Reason: "secret.txt is protected"}
	recs := []spool.Record{
		rec(1, `{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Read","tool_use_id":"t_pending"}`),
		rec(2, `{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Read","tool_use_id":"t_post_only","duration_ms":7}`),
		denied,
		{V: 1, At: at(4), Agent: "claude-code", Payload: json.RawMessage(`"garbage"`), Invalid: "payload is not a JSON object"},
		// A record salvaged after a hook panic still pairs its call.
		{V: 1, At: at(5), Agent: "claude-code", Invalid: "hook failed", Payload: json.RawMessage(`{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_use_id":"t_salvaged"}`)},
		rec(6, `{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"t_salvaged"}`),
		{V: 1, At: at(7), Agent: "claude-code", Payload: json.RawMessage(`{"session_id":"s","hook_event_name":"Stop"}`),
			Tools: []spool.TranscriptTool{{ID: "t_pending", Status: capture.ToolDenied, Error: "denied by the user"}}},
		rec(8, `{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Read","tool_use_id":"t_never"}`),
		rec(9, `{"session_id":"s","hook_event_name":"SessionEnd"}`),
	}
	s := assemble.Session(recs, assemble.Options{Prices: &pricing.Table{}})
	got := map[string]call{}
	for _, c := range s.ToolCalls {
		got[c.ID] = call{c.Name, c.Status, c.AgentID, c.Error}
	}
	want := map[string]call{
		"t_pending":   {"Read", "denied", "", "denied by the user"},
		"t_post_only": {"Read", "ok", "", ""},
		"t_deny":      {"Write", "denied", "", "secret.txt is protected"},
		"t_salvaged":  {"Bash", "ok", "", ""},
		"t_never":     {"Read", "failed", "", "no result recorded before the session ended"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}
	if len(s.Denials) != 1 || s.Denials[0].Rule != "sensitive-path" {
		t.Errorf("denials = %+v", s.Denials)
	}
	if len(s.Problems) != 2 {
		t.Errorf("problems = %q, want the garbage and the salvaged record", s.Problems)
	}
	if !s.StartedAt.Equal(at(1)) || !s.EndedAt.Equal(at(9)) || s.Duration() != 8*time.Second {
		t.Errorf("start %v end %v duration %v", s.StartedAt, s.EndedAt, s.Duration())
	}
}
