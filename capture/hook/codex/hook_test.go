package codex

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestHookFixtures parses every real Codex hook payload in the fixtures
// and checks the kind and the fields each event must carry.
func TestHookFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testutil.Fixture(t, "codex/hooks"), "*", "logs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no codex hook fixtures: %v", err)
	}
	wantKind := map[string]capture.EventKind{
		"SessionStart": capture.EventSessionStart, "UserPromptSubmit": capture.EventPrompt,
		"PreToolUse": capture.EventToolStart, "PostToolUse": capture.EventToolEnd,
		"SubagentStart": capture.EventSubagentStart, "SubagentStop": capture.EventSubagentStop,
		"Stop": capture.EventStop, "PreCompact": capture.EventCompact,
	}
	seen := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var payloads []json.RawMessage
		if err := json.Unmarshal(b, &payloads); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, raw := range payloads {
			ev, err := ParseHook(raw)
			if err != nil {
				t.Fatalf("%s[%d]: ParseHook: %v", filepath.Base(f), i, err)
			}
			seen[ev.HookEvent]++
			if ev.Kind != wantKind[ev.HookEvent] || ev.Agent != capture.AgentCodex || ev.SessionID == "" || ev.Cwd == "" || ev.Model == "" {
				t.Errorf("%s[%d]: ParseHook = kind %q agent %q session %q cwd %q model %q", filepath.Base(f), i, ev.Kind, ev.Agent, ev.SessionID, ev.Cwd, ev.Model)
			}
			checkHookFields(t, filepath.Base(f), i, ev)
		}
	}
	for name := range wantKind {
		if seen[name] == 0 {
			t.Errorf("no fixture payload for %s", name)
		}
	}
}

func checkHookFields(t *testing.T, file string, i int, ev capture.Event) {
	t.Helper()
	var missing []string
	need := func(name, v string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	switch ev.Kind {
	case capture.EventSessionStart:
		need("Source", ev.Source)
	case capture.EventPrompt:
		need("Prompt", ev.Prompt)
		need("TurnID", ev.TurnID)
	case capture.EventToolStart, capture.EventToolEnd:
		need("ToolName", ev.ToolName)
		need("ToolUseID", ev.ToolUseID)
		need("ToolInput", string(ev.ToolInput))
		need("TurnID", ev.TurnID)
		if ev.Kind == capture.EventToolEnd {
			need("ToolResponse", string(ev.ToolResponse))
		}
	case capture.EventSubagentStart:
		need("AgentID", ev.AgentID)
		need("AgentType", ev.AgentType)
	case capture.EventSubagentStop:
		need("AgentID", ev.AgentID)
		need("AgentTranscriptPath", ev.AgentTranscriptPath)
		need("LastMessage", ev.LastMessage)
	case capture.EventStop:
		need("LastMessage", ev.LastMessage)
		need("TurnID", ev.TurnID)
	case capture.EventCompact:
		need("Source", ev.Source)
	}
	if len(missing) > 0 {
		t.Errorf("%s[%d] %s: missing %v", file, i, ev.HookEvent, missing)
	}
}

const patchAdd = "*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch"

// TestParseHookRealClients covers the payload shapes real-clients.md
// records for codex-cli 0.169.0 (and the events that did not fire there).
func TestParseHookRealClients(t *testing.T) {
	common := `"session_id":"s1","transcript_path":"/h/sessions/r.jsonl","cwd":"/repo","model":"gpt-5.5","permission_mode":"bypassPermissions"`
	content := "print('hello')\n"
	tests := []struct {
		name    string
		payload string
		want    capture.Event
	}{
		{"SessionStart", `{` + common + `,"hook_event_name":"SessionStart","source":"startup"}`,
			capture.Event{Kind: capture.EventSessionStart, Source: "startup"}},
		{"UserPromptSubmit", `{` + common + `,"hook_event_name":"UserPromptSubmit","turn_id":"t1","prompt":"do the task"}`,
			capture.Event{Kind: capture.EventPrompt, TurnID: "t1", Prompt: "do the task"}},
		{"PreModelRequest", `{` + common + `,"hook_event_name":"PreModelRequest","turn_id":"t1"}`,
			capture.Event{Kind: capture.EventModelRequest, TurnID: "t1"}},
		{"PreToolUse apply_patch", `{` + common + `,"hook_event_name":"PreToolUse","turn_id":"t1","tool_name":"apply_patch","tool_input":{"command":` + jsonString(patchAdd) + `},"tool_use_id":"call_1"}`,
			capture.Event{Kind: capture.EventToolStart, TurnID: "t1", ToolName: "apply_patch", ToolUseID: "call_1",
				ToolInput: json.RawMessage(`{"command":` + jsonString(patchAdd) + `}`),
				Edits: []capture.FileEdit{{ToolUseID: "call_1", Tool: "apply_patch", Path: "hello.py", Op: capture.OpCreate, Added: 1, Model: "gpt-5.5",
					Diff: "--- /dev/null\n+++ b/hello.py\n@@ -0,0 +1 @@\n+print('hello')\n", Content: &content}}}},
		{"PostToolUse Bash", `{` + common + `,"hook_event_name":"PostToolUse","turn_id":"t1","tool_name":"Bash","tool_input":{"command":"python3 hello.py"},"tool_use_id":"call_2","tool_response":"hello, world\n"}`,
			capture.Event{Kind: capture.EventToolEnd, TurnID: "t1", ToolName: "Bash", ToolUseID: "call_2",
				ToolInput: json.RawMessage(`{"command":"python3 hello.py"}`), ToolResponse: json.RawMessage(`"hello, world\n"`)}},
		{"PermissionRequest", `{` + common + `,"hook_event_name":"PermissionRequest","turn_id":"t1","tool_name":"Bash","tool_input":{"command":"rm -rf x"}}`,
			capture.Event{Kind: capture.EventOther, TurnID: "t1", ToolName: "Bash", ToolInput: json.RawMessage(`{"command":"rm -rf x"}`)}},
		{"PostCompact", `{` + common + `,"hook_event_name":"PostCompact","turn_id":"t1","trigger":"manual"}`,
			capture.Event{Kind: capture.EventCompact, TurnID: "t1", Source: "manual"}},
		{"Stop", `{` + common + `,"hook_event_name":"Stop","turn_id":"t1","stop_hook_active":false,"last_assistant_message":"Done."}`,
			capture.Event{Kind: capture.EventStop, TurnID: "t1", LastMessage: "Done."}},
		{"StopFailure", `{` + common + `,"hook_event_name":"StopFailure","turn_id":"t1","error":"rate_limit"}`,
			capture.Event{Kind: capture.EventStop, TurnID: "t1", Error: "rate_limit"}},
		{"Interrupt", `{` + common + `,"hook_event_name":"Interrupt","turn_id":"t1"}`,
			capture.Event{Kind: capture.EventStop, TurnID: "t1", Error: "interrupted"}},
		{"SessionEnd", `{"session_id":"s1","transcript_path":"/h/sessions/r.jsonl","cwd":"/repo","hook_event_name":"SessionEnd","reason":"other"}`,
			capture.Event{Kind: capture.EventSessionEnd, Source: "other", Model: "-"}},
		{"unknown event and wrong types", `{"hook_event_name":"Future","session_id":7,"cwd":null,"tool_input":null,"extra":{"x":1}}`,
			capture.Event{Kind: capture.EventOther, HookEvent: "Future", SessionID: "-", Cwd: "-", TranscriptPath: "-", Model: "-"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHook([]byte(tt.payload))
			if err != nil {
				t.Fatalf("ParseHook: %v", err)
			}
			want := tt.want
			want.Agent = capture.AgentCodex
			fill := func(dst *string, v string) {
				switch *dst {
				case "":
					*dst = v
				case "-":
					*dst = ""
				}
			}
			fill(&want.HookEvent, tt.name[:indexSpace(tt.name)])
			fill(&want.SessionID, "s1")
			fill(&want.Cwd, "/repo")
			fill(&want.TranscriptPath, "/h/sessions/r.jsonl")
			fill(&want.Model, "gpt-5.5")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseHook(%s) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestParseHookRejectsNonObject(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `null`, `{`} {
		if _, err := ParseHook([]byte(in)); err == nil {
			t.Errorf("ParseHook(%q) = nil error, want one", in)
		}
	}
}

func TestToolKind(t *testing.T) {
	tests := map[string]capture.ToolKind{
		"apply_patch": capture.ToolFileEdit, "Bash": capture.ToolShell, "exec_command": capture.ToolShell,
		"shell": capture.ToolShell, "local_shell": capture.ToolShell, "spawn_agent": capture.ToolSubagent,
		"multi_agent_v1spawn_agent": capture.ToolSubagent, "multi_agent_v1wait_agent": capture.ToolOther,
		"mcp__x__y": capture.ToolOther, "": capture.ToolOther,
	}
	for name, want := range tests {
		if got := ToolKind(name); got != want {
			t.Errorf("ToolKind(%q) = %v, want %v", name, got, want)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func indexSpace(s string) int {
	for i, r := range s {
		if r == ' ' {
			return i
		}
	}
	return len(s)
}
