package gemini

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// TestParseHookRealClients covers the payload shapes real-clients.md
// records for gemini-cli 0.61.0.
func TestParseHookRealClients(t *testing.T) {
	common := `"session_id":"s1","transcript_path":"/g/chats/session-x.jsonl","cwd":"/repo","timestamp":"2026-11-27T10:00:00.000Z"`
	writeIn := `{"file_path":"/repo/a.txt","content":"hi\n"}`
	writeResp := `{"llmContent":"Successfully created","returnDisplay":{"fileDiff":"Index: a.txt\n===================================================================\n--- a.txt\tOriginal\n+++ a.txt\tWritten\n@@ -0,0 +1 @@\n+hi\n","fileName":"a.txt","filePath":"/repo/a.txt","originalContent":"","newContent":"hi\n","diffStat":{"model_added_lines":1},"isNewFile":true}}`
	replIn := `{"file_path":"/repo/a.txt","instruction":"x","old_string":"hi","new_string":"hello"}`
	replResp := `{"llmContent":"ok","returnDisplay":{"fileDiff":"--- a.txt\tCurrent\n+++ a.txt\tProposed\n@@ -1 +1 @@\n-hi\n+hello\n","fileName":"a.txt","filePath":"/repo/a.txt","originalContent":"hi\n","newContent":"hello\n","isNewFile":false}}`
	llm := `"llm_request":{"model":"gemini-2.5-pro","messages":[{"role":"user","content":"do the task"}],"config":{}}`
	hi, hello := "hi\n", "hello\n"
	tests := []struct {
		name    string
		payload string
		want    capture.Event
	}{
		{"SessionStart", `{` + common + `,"hook_event_name":"SessionStart","source":"startup"}`, capture.Event{Kind: capture.EventSessionStart, Source: "startup"}},
		{"BeforeAgent", `{` + common + `,"hook_event_name":"BeforeAgent","prompt":"do the task"}`, capture.Event{Kind: capture.EventPrompt, Prompt: "do the task"}},
		{"PreCompress", `{` + common + `,"hook_event_name":"PreCompress","trigger":"auto"}`, capture.Event{Kind: capture.EventCompact, Source: "auto"}},
		{"BeforeModel", `{` + common + `,"hook_event_name":"BeforeModel",` + llm + `}`, capture.Event{Kind: capture.EventModelRequest, Model: "gemini-2.5-pro"}},
		{"BeforeToolSelection", `{` + common + `,"hook_event_name":"BeforeToolSelection",` + llm + `}`, capture.Event{Kind: capture.EventOther, Model: "gemini-2.5-pro"}},
		{"AfterModel", `{` + common + `,"hook_event_name":"AfterModel",` + llm + `,"llm_response":{"text":"","candidates":[{"content":{"role":"model","parts":[]},"index":0}],"usageMetadata":{"promptTokenCount":5,"totalTokenCount":6}}}`,
			capture.Event{Kind: capture.EventModelRequest, Model: "gemini-2.5-pro"}},
		{"BeforeTool", `{` + common + `,"hook_event_name":"BeforeTool","tool_name":"write_file","tool_input":` + writeIn + `}`,
			capture.Event{Kind: capture.EventToolStart, ToolName: "write_file", ToolUseID: PairID("write_file", json.RawMessage(writeIn)), ToolInput: json.RawMessage(writeIn)}},
		{"AfterTool write_file", `{` + common + `,"hook_event_name":"AfterTool","tool_name":"write_file","tool_input":` + writeIn + `,"tool_response":` + writeResp + `}`,
			capture.Event{Kind: capture.EventToolEnd, ToolName: "write_file", ToolUseID: PairID("write_file", json.RawMessage(writeIn)), ToolInput: json.RawMessage(writeIn), ToolResponse: json.RawMessage(writeResp),
				Edits: []capture.FileEdit{{ToolUseID: PairID("write_file", json.RawMessage(writeIn)), Tool: "write_file", Path: "a.txt", Op: capture.OpCreate, Added: 1, Content: &hi,
					Diff: "Index: a.txt\n===================================================================\n--- a.txt\tOriginal\n+++ a.txt\tWritten\n@@ -0,0 +1 @@\n+hi\n"}}}},
		{"AfterTool replace", `{` + common + `,"hook_event_name":"AfterTool","tool_name":"replace","tool_input":` + replIn + `,"tool_response":` + replResp + `}`,
			capture.Event{Kind: capture.EventToolEnd, ToolName: "replace", ToolUseID: PairID("replace", json.RawMessage(replIn)), ToolInput: json.RawMessage(replIn), ToolResponse: json.RawMessage(replResp),
				Edits: []capture.FileEdit{{ToolUseID: PairID("replace", json.RawMessage(replIn)), Tool: "replace", Path: "a.txt", Op: capture.OpModify, Added: 1, Removed: 1, Original: &hi, Content: &hello,
					Diff: "--- a.txt\tCurrent\n+++ a.txt\tProposed\n@@ -1 +1 @@\n-hi\n+hello\n"}}}},
		{"AfterTool shell", `{` + common + `,"hook_event_name":"AfterTool","tool_name":"run_shell_command","tool_input":{"command":"echo x > b.txt"},"tool_response":{"llmContent":"x","returnDisplay":"x"}}`,
			capture.Event{Kind: capture.EventToolEnd, ToolName: "run_shell_command", ToolUseID: PairID("run_shell_command", json.RawMessage(`{"command": "echo x > b.txt"}`)),
				ToolInput: json.RawMessage(`{"command":"echo x > b.txt"}`), ToolResponse: json.RawMessage(`{"llmContent":"x","returnDisplay":"x"}`)}},
		{"AfterTool error", `{` + common + `,"hook_event_name":"AfterTool","tool_name":"replace","tool_input":{"file_path":"a"},"tool_response":{"llmContent":"","error":"no match"}}`,
			capture.Event{Kind: capture.EventToolFailed, ToolName: "replace", ToolUseID: PairID("replace", json.RawMessage(`{"file_path":"a"}`)), Error: "no match",
				ToolInput: json.RawMessage(`{"file_path":"a"}`), ToolResponse: json.RawMessage(`{"llmContent":"","error":"no match"}`)}},
		{"AfterAgent", `{` + common + `,"hook_event_name":"AfterAgent","prompt":"do the task","prompt_response":"Done.","stop_hook_active":false}`,
			capture.Event{Kind: capture.EventStop, Prompt: "do the task", LastMessage: "Done."}},
		{"Notification", `{` + common + `,"hook_event_name":"Notification","notification_type":"ToolPermission","message":"allow?","details":{}}`,
			capture.Event{Kind: capture.EventNotification, Source: "ToolPermission", LastMessage: "allow?"}},
		{"SessionEnd", `{` + common + `,"hook_event_name":"SessionEnd","reason":"exit"}`, capture.Event{Kind: capture.EventSessionEnd, Source: "exit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHook([]byte(tt.payload))
			if err != nil {
				t.Fatalf("ParseHook: %v", err)
			}
			want := tt.want
			want.Agent, want.SessionID, want.Cwd = capture.AgentGeminiCLI, "s1", "/repo"
			want.TranscriptPath, want.Time = "/g/chats/session-x.jsonl", mustTime(t, "2026-11-27T10:00:00Z")
			want.HookEvent = tt.name
			if i := indexSpace(tt.name); i > 0 {
				want.HookEvent = tt.name[:i]
			}
			for i := range want.Edits {
				want.Edits[i].Time = want.Time
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ParseHook(%s) (-want +got):\n%s", tt.name, diff)
			}
		})
	}
}

func TestPairIDIgnoresFormatting(t *testing.T) {
	a := PairID("replace", json.RawMessage(`{"old_string":"a","file_path":"x"}`))
	b := PairID("replace", json.RawMessage(`{ "file_path" : "x", "old_string" : "a" }`))
	c := PairID("write_file", json.RawMessage(`{"old_string":"a","file_path":"x"}`))
	if a != b || a == c {
		t.Errorf("PairID: %s %s %s", a, b, c)
	}
}

func TestToolKind(t *testing.T) {
	for name, want := range map[string]capture.ToolKind{
		"write_file": capture.ToolFileEdit, "replace": capture.ToolFileEdit, "edit_file": capture.ToolFileEdit, "save_file": capture.ToolFileEdit,
		"run_shell_command": capture.ToolShell, "invoke_agent": capture.ToolSubagent, "read_file": capture.ToolOther,
	} {
		if got := ToolKind(name); got != want {
			t.Errorf("ToolKind(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestParseHookRejectsNonObject(t *testing.T) {
	for _, in := range []string{``, `[]`, `1`, `null`} {
		if _, err := ParseHook([]byte(in)); err == nil {
			t.Errorf("ParseHook(%q) = nil error", in)
		}
	}
}

func indexSpace(s string) int {
	for i, r := range s {
		if r == ' ' {
			return i
		}
	}
	return -1
}
