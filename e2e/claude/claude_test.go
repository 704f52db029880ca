// Package claude_test drives the real Claude Code CLI, offline against the
// scripted Messages API stand-in, in a repository where "tracevault init"
// installed TraceVault's hooks beside a user hook, and checks the session
// TraceVault assembles against what the script made the agent do.
package claude_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
	"github.com/tracevault/tracevault/internal/testutil"
)

const (
	sonnet = "claude-sonnet-4-5"
	haiku  = "claude-haiku-4-5"
	marker = "[[tv-agent:writer]]"
	// secret is an AWS access key id the redactor recognises; the script
	// writes it into a file and a command, and it must never be stored.
	secret = "AKIAQ7XK4ZLMN2PRS5TV"
	prompt = "Do the scripted task. My key is " + secret + "."
)

// Tool use ids are scripted so the assertions can name each call.
const (
	idWrite    = "toolu_tv_write"
	idRead     = "toolu_tv_read"
	idEdit     = "toolu_tv_edit"
	idBash     = "toolu_tv_bash"
	idBadEdit  = "toolu_tv_badedit"
	idBadBash  = "toolu_tv_badbash"
	idAgent    = "toolu_tv_agent"
	idSubWrite = "toolu_tv_subwrite"
)

func u(in, out, c5m, c1h, read int) anthropic.Usage {
	return anthropic.Usage{InputTokens: in, OutputTokens: out, CacheCreation5m: c5m, CacheCreation1h: c1h, CacheRead: read}
}

func tool(id, name string, input map[string]any) anthropic.Block {
	b := anthropic.ToolUse(name, input)
	b.ID = id
	return b
}

func step(model string, usage anthropic.Usage, blocks ...anthropic.Block) anthropic.Step {
	return anthropic.Step{Model: model, Usage: usage, Blocks: blocks}
}

// newRepo makes a repository with committed files, a user hook in
// .claude/settings.json that logs every PostToolUse payload to the returned
// file, and TraceVault installed by "tracevault init".
func newRepo(t *testing.T, home string) (repo, userLog string) {
	t.Helper()
	repo = testutil.NewRepo(t)
	userLog = filepath.Join(t.TempDir(), "user-hook.jsonl")
	settings := `{
  "permissions": {"allow": ["Read"]},
  "hooks": {
    "PostToolUse": [
      {"matcher": "", "hooks": [{"type": "command", "command": "p=$(cat); printf '%s\\n' \"$p\" >> ` + userLog + `"}]}
    ]
  }
}
`
	writeFile(t, filepath.Join(repo, ".claude", "settings.json"), settings)
	writeFile(t, filepath.Join(repo, "hello.go"), "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(repo, "old.txt"), "moved by mv\n")
	writeFile(t, filepath.Join(repo, "gone.txt"), "deleted by rm\n")
	testutil.Git(t, repo, "add", ".")
	testutil.Git(t, repo, "commit", "-q", "-m", "init")
	out := tracevault(t, repo, home, "init", "--agent", "claude-code")
	t.Logf("tracevault init:\n%s", out)
	got := readFile(t, filepath.Join(repo, ".claude", "settings.json"))
	if !strings.Contains(got, userLog) || !strings.Contains(got, filepath.Join(binDir, "tracevault-hook")) {
		t.Fatalf("settings.json after init keeps the user hook and adds tracevault-hook? got:\n%s", got)
	}
	// The user commits what init wrote (allowed_signers must be committed);
	// the session then starts on a clean tree.
	testutil.Git(t, repo, "add", "-A")
	testutil.Git(t, repo, "commit", "-q", "-m", "tracevault init")
	return repo, userLog
}

// script is the session: a Write, an Edit, a Bash command that edits,
// creates, renames and deletes files, a failing Edit, a failing Bash, and a
// subagent on another model that writes a file.
func script(repo string) (anthropic.Script, anthropic.Script) {
	p := func(name string) string { return filepath.Join(repo, name) }
	bash := "sed -i 's/println(1)/println(2)/' " + p("hello.go") +
		" && printf 'key=" + secret + "\\n' > " + p("made.txt") +
		" && mv " + p("old.txt") + " " + p("renamed.txt") + " && rm " + p("gone.txt")
	main := anthropic.Script{Steps: []anthropic.Step{
		step(sonnet, u(12, 57, 100, 2000, 40), anthropic.Thinking("Plan."), anthropic.Text("Writing."),
			tool(idWrite, "Write", map[string]any{"file_path": p("greet.go"), "content": "package main\n\nconst key = \"" + secret + "\"\n"})),
		step(sonnet, u(19, 29, 0, 0, 450),
			tool(idRead, "Read", map[string]any{"file_path": p("hello.go")})),
		step(sonnet, u(20, 30, 0, 0, 500),
			tool(idEdit, "Edit", map[string]any{"file_path": p("hello.go"), "old_string": "func main() {}", "new_string": "func main() { println(1) }"})),
		step(sonnet, u(21, 31, 0, 0, 600),
			tool(idBash, "Bash", map[string]any{"command": bash, "description": "Edit files"})),
		step(sonnet, u(22, 32, 0, 0, 0),
			tool(idBadEdit, "Edit", map[string]any{"file_path": p("hello.go"), "old_string": "no such text", "new_string": "x"})),
		step(sonnet, u(23, 33, 0, 0, 0),
			tool(idBadBash, "Bash", map[string]any{"command": "echo boom >&2; exit 3", "description": "Fail"})),
		step(sonnet, u(31, 41, 0, 1500, 200),
			tool(idAgent, "Agent", map[string]any{"description": "Write a file", "prompt": marker + " Write sub.txt.",
				"subagent_type": "general-purpose", "model": "haiku", "run_in_background": false})),
	}}
	sub := anthropic.Script{Marker: marker, Steps: []anthropic.Step{
		step(haiku, u(51, 61, 800, 0, 90),
			tool(idSubWrite, "Write", map[string]any{"file_path": p("sub.txt"), "content": "from the subagent\n"})),
	}}
	return main, sub
}

func TestRealClaudeSession(t *testing.T) {
	claudecli.Binary(t)
	home := t.TempDir()
	repo, userLog := newRepo(t, home)
	// As a user runs it: the hook client, the repository's hook server
	// (started by the session's first event) and its work-tree watcher.
	t.Cleanup(func() { testutil.StopWatcher(t, filepath.Join(repo, ".git")) })
	head := testutil.Git(t, repo, "rev-parse", "HEAD")
	main, sub := script(repo)
	srv := anthropic.New(t, main, sub)
	res := claudecli.Run(t, claudecli.Options{Dir: repo, Prompt: prompt, BaseURL: srv.URL, Model: sonnet,
		Env: []string{"TRACEVAULT_WATCH=on"}})
	if _, err := os.Stat(filepath.Join(repo, ".git", "tracevault", "state", "hook.sock")); err != nil {
		t.Errorf("no hook server after the session: %v", err)
	}
	t.Logf("claude ran in %v", res.Duration)
	if res.ExitCode != 0 || res.Output.IsError || res.Output.Result != "Done." {
		t.Fatalf("claude exit %d, output %+v\nstdout: %s\nstderr: %s", res.ExitCode, res.Output, res.Stdout, res.Stderr)
	}
	if len(res.Subagents) != 1 {
		t.Fatalf("subagent transcripts = %v, want 1", res.Subagents)
	}
	wantFiles(t, repo, map[string]string{
		"greet.go":    "package main\n\nconst key = \"" + secret + "\"\n",
		"hello.go":    "package main\n\nfunc main() { println(2) }\n",
		"made.txt":    "key=" + secret + "\n",
		"renamed.txt": "moved by mv\n",
		"sub.txt":     "from the subagent\n",
	})

	dump(t, repo, res)
	s, dir := loadSession(t, repo, nil)
	logHookProblems(t, dir)
	if s.ID != res.Output.SessionID || s.Agent != capture.AgentClaudeCode {
		t.Errorf("session id, agent = %q, %q; want %q, claude-code", s.ID, s.Agent, res.Output.SessionID)
	}
	if s.Branch != "main" || s.HeadAtStart != head || !s.Ended {
		t.Errorf("branch, head, ended = %q, %q, %v; want main, %s, true", s.Branch, s.HeadAtStart, s.Ended, head)
	}
	if s.Author != (capture.Identity{Name: "Test Author", Email: "author@example.com"}) {
		t.Errorf("author = %+v", s.Author)
	}
	if d := s.Duration(); d <= 0 || d > res.Duration {
		t.Errorf("duration = %v, want in (0, %v]", d, res.Duration)
	}
	if len(s.Prompts) != 1 || strings.Contains(s.Prompts[0].Text, secret) || !strings.HasPrefix(s.Prompts[0].Text, "Do the scripted task.") {
		t.Errorf("prompts = %+v, want one, redacted", s.Prompts)
	}
	checkToolCalls(t, s)
	checkEdits(t, s, dir)
	checkSubagent(t, s)
	checkUsage(t, s, srv, res)
	checkUserHook(t, userLog)
	checkNoSecret(t, filepath.Join(repo, ".git", "tracevault"))
	checkStatusJSON(t, repo, home, s)
	commitAndCheckNote(t, repo, home, s)
}

func wantFiles(t *testing.T, repo string, want map[string]string) {
	t.Helper()
	for name, content := range want {
		if got := readFile(t, filepath.Join(repo, name)); got != content {
			t.Errorf("%s = %q, want %q", name, got, content)
		}
	}
	for _, name := range []string{"old.txt", "gone.txt"} {
		if _, err := os.Stat(filepath.Join(repo, name)); !os.IsNotExist(err) {
			t.Errorf("%s still exists (stat: %v)", name, err)
		}
	}
}

func logHookProblems(t *testing.T, dir spool.Dir) {
	if b, err := os.ReadFile(dir.Path("hook.log")); err == nil {
		t.Logf("hook.log:\n%s", b)
	}
}

type callSummary struct {
	Name, Status, AgentID string
	HasError              bool
}

func checkToolCalls(t *testing.T, s *capture.Session) {
	t.Helper()
	got := map[string]callSummary{}
	for _, c := range s.ToolCalls {
		if _, dup := got[c.ID]; dup {
			t.Errorf("tool call %s recorded twice", c.ID)
		}
		got[c.ID] = callSummary{Name: c.Name, Status: c.Status, AgentID: c.AgentID, HasError: c.Error != ""}
	}
	subID := ""
	if len(s.Subagents) == 1 {
		subID = s.Subagents[0].ID
	}
	want := map[string]callSummary{
		idWrite:    {Name: "Write", Status: capture.ToolOK},
		idRead:     {Name: "Read", Status: capture.ToolOK},
		idEdit:     {Name: "Edit", Status: capture.ToolOK},
		idBash:     {Name: "Bash", Status: capture.ToolOK},
		idBadEdit:  {Name: "Edit", Status: capture.ToolFailed, HasError: true},
		idBadBash:  {Name: "Bash", Status: capture.ToolFailed, HasError: true},
		idAgent:    {Name: "Agent", Status: capture.ToolOK},
		idSubWrite: {Name: "Write", Status: capture.ToolOK, AgentID: subID},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tool calls (-want +got):\n%s", diff)
	}
	for _, c := range s.ToolCalls {
		if strings.Contains(string(c.Input), secret) || strings.Contains(c.Error, secret) {
			t.Errorf("tool call %s keeps the secret: %s", c.ID, c.Input)
		}
	}
}

type editSummary struct {
	ToolUseID, Tool, Op, OldPath, AgentID string
	Human, HasBefore, HasAfter            bool
}

func checkEdits(t *testing.T, s *capture.Session, dir spool.Dir) {
	t.Helper()
	subID := ""
	if len(s.Subagents) == 1 {
		subID = s.Subagents[0].ID
	}
	got := map[string]editSummary{}
	byPath := map[string]capture.FileEdit{}
	for _, e := range s.Edits {
		key := e.Path + "@" + e.ToolUseID
		got[key] = editSummary{ToolUseID: e.ToolUseID, Tool: e.Tool, Op: e.Op, OldPath: e.OldPath, AgentID: e.AgentID,
			Human: e.Human, HasBefore: e.Before != "", HasAfter: e.After != ""}
		byPath[key] = e
		for _, h := range []string{e.Before, e.After} {
			if h == "" {
				continue
			}
			if _, err := dir.Blob(h); err != nil {
				t.Errorf("edit %s: blob %s: %v", key, h, err)
			}
		}
	}
	want := map[string]editSummary{
		"greet.go@" + idWrite:   {ToolUseID: idWrite, Tool: "Write", Op: capture.OpCreate, HasAfter: true},
		"hello.go@" + idEdit:    {ToolUseID: idEdit, Tool: "Edit", Op: capture.OpModify, HasBefore: true, HasAfter: true},
		"hello.go@" + idBash:    {ToolUseID: idBash, Tool: "Bash", Op: capture.OpModify, HasBefore: true, HasAfter: true},
		"made.txt@" + idBash:    {ToolUseID: idBash, Tool: "Bash", Op: capture.OpCreate, HasAfter: true},
		"renamed.txt@" + idBash: {ToolUseID: idBash, Tool: "Bash", Op: capture.OpRename, OldPath: "old.txt", HasBefore: true, HasAfter: true},
		"gone.txt@" + idBash:    {ToolUseID: idBash, Tool: "Bash", Op: capture.OpDelete},
		"sub.txt@" + idSubWrite: {ToolUseID: idSubWrite, Tool: "Write", Op: capture.OpCreate, AgentID: subID, HasAfter: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("edits by path@tool_use_id (-want +got):\n%s", diff)
	}
	wantDiffs := map[string]string{
		"greet.go@" + idWrite:   "--- a/greet.go\n+++ b/greet.go\n@@ -0,0 +1,3 @@\n+package main\n+\n+const key = \"[REDACTED:aws-access-key]\"\n",
		"hello.go@" + idEdit:    "--- a/hello.go\n+++ b/hello.go\n@@ -1,3 +1,3 @@\n package main\n \n-func main() {}\n+func main() { println(1) }\n",
		"hello.go@" + idBash:    "--- a/hello.go\n+++ b/hello.go\n@@ -1,3 +1,3 @@\n package main\n \n-func main() { println(1) }\n+func main() { println(2) }\n",
		"sub.txt@" + idSubWrite: "--- a/sub.txt\n+++ b/sub.txt\n@@ -0,0 +1,1 @@\n+from the subagent\n",
	}
	for key, want := range wantDiffs {
		if e, ok := byPath[key]; ok && e.Diff != want {
			t.Errorf("diff of %s =\n%s\nwant\n%s", key, e.Diff, want)
		}
	}
	// The Edit's after is the Bash command's before: the chain of content
	// hashes is unbroken.
	if a, b := byPath["hello.go@"+idEdit], byPath["hello.go@"+idBash]; a.After == "" || a.After != b.Before {
		t.Errorf("hello.go: Edit after %s != Bash before %s", a.After, b.Before)
	}
}

func checkSubagent(t *testing.T, s *capture.Session) {
	t.Helper()
	if len(s.Subagents) != 1 {
		t.Fatalf("subagents = %+v, want 1", s.Subagents)
	}
	sa := s.Subagents[0]
	if sa.ID == "" || sa.Type != "general-purpose" || sa.ToolUseID != idAgent || !cmp.Equal(sa.Models, []string{haiku}) || sa.TranscriptPath == "" {
		t.Errorf("subagent = %+v, want type general-purpose, tool_use_id %s, models [%s], a transcript", sa, idAgent, haiku)
	}
	models := append([]string(nil), s.Models...)
	sort.Strings(models)
	if !cmp.Equal(models, []string{haiku, sonnet}) {
		t.Errorf("models = %v, want %s and %s", s.Models, haiku, sonnet)
	}
}

func checkUsage(t *testing.T, s *capture.Session, srv *anthropic.Server, res claudecli.Result) {
	t.Helper()
	want := map[string]capture.Tokens{}
	for m, u := range srv.UsageByModel() {
		want[m] = tokens(u)
	}
	if diff := cmp.Diff(want, usageByModel(s.Usage)); diff != "" {
		t.Errorf("session usage (-stand-in +session):\n%s", diff)
	}
	for _, r := range s.Usage {
		if r.CostUSD == nil {
			t.Errorf("model %s unpriced", r.Model)
		}
	}
	args := append([]string{"usage", "--json", res.Transcript}, res.Subagents...)
	var rep struct {
		Models []capture.ModelUsage `json:"models"`
	}
	mustJSON(t, tracevault(t, ".", t.TempDir(), args...), &rep)
	if diff := cmp.Diff(want, usageByModel(rep.Models)); diff != "" {
		t.Errorf("tracevault usage --json (-stand-in +usage):\n%s", diff)
	}
}

// checkUserHook: the user's own PostToolUse hook still ran for every tool
// call that completed.
func checkUserHook(t *testing.T, path string) {
	t.Helper()
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, path)), "\n") {
		var p struct {
			ToolUseID string `json:"tool_use_id"`
		}
		mustJSON(t, line, &p)
		ids = append(ids, p.ToolUseID)
	}
	sort.Strings(ids)
	want := []string{idAgent, idBash, idEdit, idRead, idSubWrite, idWrite}
	sort.Strings(want)
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("user hook saw tool calls (-want +got):\n%s", diff)
	}
}

// checkNoSecret greps every file TraceVault wrote for the secret (the
// sockets of the hook server and watcher hold nothing).
func checkNoSecret(t *testing.T, root string) {
	t.Helper()
	n := 0
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		n++
		if strings.Contains(readFile(t, p), secret) {
			t.Errorf("%s holds the secret", p)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Errorf("walking %s: %d files, %v", root, n, err)
	}
}

func checkStatusJSON(t *testing.T, repo, home string, s *capture.Session) {
	t.Helper()
	var st struct {
		Session struct {
			ID          string   `json:"id"`
			Branch      string   `json:"branch"`
			HeadAtStart string   `json:"head_at_start"`
			Ended       bool     `json:"ended"`
			Models      []string `json:"models_seen"`
			DurationMS  int64    `json:"duration_ms"`
		} `json:"session"`
		FilesTouched []string             `json:"files_touched"`
		ToolStatus   map[string]int       `json:"tool_calls_by_status"`
		Prompts      int                  `json:"prompts"`
		Models       []capture.ModelUsage `json:"models"`
	}
	out := tracevault(t, repo, home, "status", "--json", "--session", s.ID)
	mustJSON(t, out, &st)
	if st.Session.ID != s.ID || st.Session.Branch != "main" || st.Session.HeadAtStart != s.HeadAtStart || !st.Session.Ended || st.Prompts != 1 {
		t.Errorf("status --json session = %+v, prompts %d", st.Session, st.Prompts)
	}
	wantFiles := []string{"gone.txt", "greet.go", "hello.go", "made.txt", "renamed.txt", "sub.txt"}
	if diff := cmp.Diff(wantFiles, st.FilesTouched); diff != "" {
		t.Errorf("status files_touched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{capture.ToolOK: 6, capture.ToolFailed: 2}, st.ToolStatus); diff != "" {
		t.Errorf("status tool_calls_by_status (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(usageByModel(s.Usage), usageByModel(st.Models)); diff != "" {
		t.Errorf("status usage (-session +status):\n%s\n%s", diff, out)
	}
	_ = json.Valid
}
