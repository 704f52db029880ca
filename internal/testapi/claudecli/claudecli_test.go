package claudecli_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testutil"
)

// hookEvents are the events the logging hook is registered for: every
// documented event that can fire in a -p run.
var hookEvents = []string{
	"SessionStart", "SessionEnd", "UserPromptSubmit", "PreToolUse", "PostToolUse",
	"PostToolUseFailure", "PostToolBatch", "Notification", "SubagentStart", "SubagentStop",
	"Stop", "StopFailure", "PreCompact", "PostCompact", "PermissionRequest",
	"PermissionDenied", "InstructionsLoaded", "TaskCreated", "TaskCompleted",
}

// denyHook denies any Write whose input mentions secret.txt, the way the
// policy guard will.
const denyHook = `p=$(cat); case "$p" in *secret.txt*) printf '%s' '{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"TV-POLICY: secret.txt is protected"}}';; esac`

// newRepo makes a git repository whose .claude/settings.json logs every
// hook payload, one JSON line each, to the returned file, with hello.go
// committed in it.
func newRepo(t *testing.T) (repo, hookLog string) {
	t.Helper()
	repo = testutil.NewRepo(t)
	hookLog = filepath.Join(t.TempDir(), "hooks.jsonl")
	logger := map[string]any{"type": "command", "command": `p=$(cat); printf '%s\n' "$p" >> ` + hookLog}
	hooks := map[string]any{}
	for _, ev := range hookEvents {
		hooks[ev] = []any{map[string]any{"hooks": []any{logger}}}
	}
	hooks["PreToolUse"] = append(hooks["PreToolUse"].([]any), map[string]any{"matcher": "Write",
		"hooks": []any{map[string]any{"type": "command", "command": denyHook}}})
	settings, err := json.MarshalIndent(map[string]any{"hooks": hooks}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(repo, ".claude", "settings.json"), string(settings))
	writeFile(t, filepath.Join(repo, "hello.go"), "package main\n\nfunc main() {}\n")
	testutil.Git(t, repo, "add", ".")
	testutil.Git(t, repo, "commit", "-q", "-m", "init")
	return repo, hookLog
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// hookPayload is the part of a hook's stdin the tests read.
type hookPayload struct {
	Event     string          `json:"hook_event_name"`
	Tool      string          `json:"tool_name"`
	AgentType string          `json:"agent_type"`
	AgentID   string          `json:"agent_id"`
	Error     string          `json:"error"`
	Raw       json.RawMessage `json:"-"`
}

// readHooks returns the logged payloads in the order the hooks ran.
func readHooks(t *testing.T, path string) []hookPayload {
	t.Helper()
	var out []hookPayload
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var p hookPayload
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("hook log line %q: %v", sc.Text(), err)
		}
		p.Raw = append(json.RawMessage(nil), sc.Bytes()...)
		out = append(out, p)
	}
	return out
}

// sequence names each payload as Event, Event:Tool, or Event:agent_type for
// subagent events; inside a subagent the name is prefixed with "sub/".
func sequence(ps []hookPayload) []string {
	var out []string
	for _, p := range ps {
		name := p.Event
		switch {
		case p.Tool != "":
			name += ":" + p.Tool
		case strings.HasPrefix(p.Event, "Subagent"):
			name += ":" + p.AgentType
		}
		if p.AgentID != "" && !strings.HasPrefix(p.Event, "Subagent") {
			name = "sub/" + name
		}
		out = append(out, name)
	}
	return out
}

// transcriptLine is the part of a transcript line the tests read.
type transcriptLine struct {
	Type           string `json:"type"`
	RequestID      string `json:"requestId"`
	RequestedModel string `json:"requestedModel"`
	IsSidechain    bool   `json:"isSidechain"`
	Message        struct {
		ID      string          `json:"id"`
		Model   string          `json:"model"`
		Content json.RawMessage `json:"content"`
		Usage   struct {
			Input         int `json:"input_tokens"`
			Output        int `json:"output_tokens"`
			CacheCreation int `json:"cache_creation_input_tokens"`
			CacheRead     int `json:"cache_read_input_tokens"`
			Split         struct {
				M5 int `json:"ephemeral_5m_input_tokens"`
				H1 int `json:"ephemeral_1h_input_tokens"`
			} `json:"cache_creation"`
		} `json:"usage"`
	} `json:"message"`
	ToolUseResult      json.RawMessage `json:"toolUseResult"`
	PermissionDecision *struct {
		Decision string `json:"decision"`
		Source   string `json:"source"`
	} `json:"permissionDecision"`
}

func readTranscript(t *testing.T, path string) []transcriptLine {
	t.Helper()
	var out []transcriptLine
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var l transcriptLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%s: line %q: %v", path, sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

// transcriptUsage sums assistant usage per model over the files, deduped by
// (message.id, requestId) keeping the last line, skipping <synthetic>.
func transcriptUsage(t *testing.T, paths ...string) map[string]anthropic.Usage {
	t.Helper()
	type key struct{ msg, req string }
	last := map[key]transcriptLine{}
	var order []key
	for _, p := range paths {
		for _, l := range readTranscript(t, p) {
			if l.Type != "assistant" || l.Message.Model == "<synthetic>" {
				continue
			}
			k := key{l.Message.ID, l.RequestID}
			if _, ok := last[k]; !ok {
				order = append(order, k)
			}
			last[k] = l
		}
	}
	out := map[string]anthropic.Usage{}
	for _, k := range order {
		l := last[k]
		u := l.Message.Usage
		if u.CacheCreation != u.Split.M5+u.Split.H1 {
			t.Errorf("message %s: cache_creation_input_tokens %d != 5m %d + 1h %d", k.msg, u.CacheCreation, u.Split.M5, u.Split.H1)
		}
		out[l.Message.Model] = out[l.Message.Model].Add(anthropic.Usage{InputTokens: u.Input, OutputTokens: u.Output,
			CacheCreation5m: u.Split.M5, CacheCreation1h: u.Split.H1, CacheRead: u.CacheRead})
	}
	return out
}

// toolResults returns the tool_result blocks of the transcript's user
// lines, keyed by tool_use_id.
func toolResults(t *testing.T, path string) map[string]toolResult {
	t.Helper()
	out := map[string]toolResult{}
	for _, l := range readTranscript(t, path) {
		var blocks []toolResult
		if l.Type != "user" || json.Unmarshal(l.Message.Content, &blocks) != nil {
			continue
		}
		for _, b := range blocks {
			if b.Type == "tool_result" {
				b.ToolUseResult, b.PermissionDecision = l.ToolUseResult, l.PermissionDecision
				out[b.ToolUseID] = b
			}
		}
	}
	return out
}

type toolResult struct {
	Type               string          `json:"type"`
	ToolUseID          string          `json:"tool_use_id"`
	Content            json.RawMessage `json:"content"`
	IsError            bool            `json:"is_error"`
	ToolUseResult      json.RawMessage `json:"-"`
	PermissionDecision *struct {
		Decision string `json:"decision"`
		Source   string `json:"source"`
	} `json:"-"`
}

// billedUsage is what the stand-in reported for the conversations the
// transcripts record: every billed exchange except side requests.
func billedUsage(srv *anthropic.Server) map[string]anthropic.Usage {
	out := map[string]anthropic.Usage{}
	for _, e := range srv.Exchanges() {
		if e.Billed() && e.Route != anthropic.RouteSide {
			out[e.Model] = out[e.Model].Add(e.Usage)
		}
	}
	return out
}
