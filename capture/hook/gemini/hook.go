package gemini

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// ErrNotObject reports a hook payload that is not a JSON object.
var ErrNotObject = errors.New("gemini: hook payload is not a JSON object")

// hookKinds maps Gemini CLI hook event names to agent-neutral kinds. Names
// not listed map to [capture.EventOther].
var hookKinds = map[string]capture.EventKind{
	"SessionStart":        capture.EventSessionStart,
	"SessionEnd":          capture.EventSessionEnd,
	"BeforeAgent":         capture.EventPrompt,
	"AfterAgent":          capture.EventStop,
	"BeforeModel":         capture.EventModelRequest,
	"AfterModel":          capture.EventModelRequest,
	"BeforeToolSelection": capture.EventOther,
	"BeforeTool":          capture.EventToolStart,
	"AfterTool":           capture.EventToolEnd,
	"PreCompress":         capture.EventCompact,
	"Notification":        capture.EventNotification,
}

// ParseHook turns one Gemini CLI hook stdin payload into a
// [capture.Event]. Every field is optional and unknown fields are ignored;
// the only error is a payload that is not a JSON object.
//
// Model comes from llm_request.model (BeforeModel, AfterModel,
// BeforeToolSelection); other events carry none. Source holds the
// SessionStart source, SessionEnd reason, PreCompress trigger or
// Notification type; LastMessage holds AfterAgent's prompt_response or a
// Notification's message. An AfterTool whose tool_response has an "error"
// maps to [capture.EventToolFailed].
//
// Gemini sends no tool call id. ToolUseID is then [PairID] of tool_name and
// tool_input, which BeforeTool and AfterTool of one call share; two
// identical calls in flight share it too and pair first-in, first-out.
//
// Edits are filled on AfterTool of file tools (see [ToolEdits]).
func ParseHook(raw []byte) (capture.Event, error) {
	var f fields
	if err := json.Unmarshal(raw, &f); err != nil || f == nil {
		return capture.Event{}, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	name := f.str("hook_event_name")
	kind, ok := hookKinds[name]
	if !ok {
		kind = capture.EventOther
	}
	ev := capture.Event{
		Kind:           kind,
		HookEvent:      name,
		Agent:          capture.AgentGeminiCLI,
		SessionID:      f.str("session_id"),
		Cwd:            f.str("cwd"),
		TranscriptPath: f.str("transcript_path"),
		Model:          f.obj("llm_request").str("model"),
		TurnID:         f.str("turn_id", "prompt_id"),
		Prompt:         f.str("prompt"),
		Source:         f.str("source", "reason", "trigger", "notification_type"),
		ToolName:       f.str("tool_name"),
		ToolInput:      f.raw("tool_input"),
		ToolResponse:   f.raw("tool_response"),
		LastMessage:    f.str("prompt_response", "message"),
	}
	if ev.Model == "" {
		ev.Model = f.str("model")
	}
	ev.Time, _ = time.Parse(time.RFC3339Nano, f.str("timestamp"))
	if ev.ToolName != "" {
		ev.ToolUseID = f.str("tool_use_id", "tool_call_id", "call_id")
		if ev.ToolUseID == "" {
			ev.ToolUseID = PairID(ev.ToolName, ev.ToolInput)
		}
	}
	if resp := f.obj("tool_response"); resp != nil {
		if e := resp.raw("error"); e != nil {
			ev.Error = resp.str("error")
			if ev.Error == "" {
				ev.Error = string(e)
			}
			if kind == capture.EventToolEnd {
				ev.Kind = capture.EventToolFailed
			}
		}
	}
	if ev.Kind == capture.EventToolEnd && ToolKind(ev.ToolName) == capture.ToolFileEdit {
		ev.Edits = ToolEdits(ev.ToolName, ev.ToolInput, ev.ToolResponse, ev.Cwd)
		for i := range ev.Edits {
			ev.Edits[i].ToolUseID = ev.ToolUseID
			ev.Edits[i].Time = ev.Time
		}
	}
	return ev, nil
}

// PairID derives the id that pairs a BeforeTool with its AfterTool:
// "gemini-" and 16 hex digits of SHA-256 over the tool name, a NUL byte
// and the canonical JSON of the input (object keys sorted, no spaces).
func PairID(tool string, input json.RawMessage) string {
	canon := []byte(input)
	var v any
	if json.Unmarshal(input, &v) == nil {
		canon, _ = json.Marshal(v)
	}
	h := sha256.New()
	h.Write([]byte(tool))
	h.Write([]byte{0})
	h.Write(canon)
	return "gemini-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// ToolKind classifies a Gemini CLI tool by name: write_file, replace,
// edit_file and save_file edit files; run_shell_command runs commands;
// invoke_agent starts a subagent.
func ToolKind(name string) capture.ToolKind {
	switch name {
	case "write_file", "replace", "edit_file", "save_file":
		return capture.ToolFileEdit
	case "run_shell_command":
		return capture.ToolShell
	case "invoke_agent":
		return capture.ToolSubagent
	}
	return capture.ToolOther
}

// ToolEdits returns the file edit a file tool call made, from its input
// (file_path, content for write_file, old_string/new_string for replace)
// and, when present, the response's returnDisplay diff object {fileDiff,
// fileName, filePath, originalContent, newContent, diffStat, isNewFile},
// which gives the exact diff, the op and the before and after text. resp
// may be the AfterTool tool_response ({llmContent, returnDisplay}) or the
// returnDisplay object itself (a session file's resultDisplay).
func ToolEdits(tool string, input, resp json.RawMessage, cwd string) []capture.FileEdit {
	var in fields
	_ = json.Unmarshal(input, &in)
	var r fields
	_ = json.Unmarshal(resp, &r)
	disp := r.obj("returnDisplay")
	if disp == nil && r.raw("fileDiff") != nil {
		disp = r
	}
	p := in.str("file_path", "path", "absolute_path")
	if p == "" && disp != nil {
		p = disp.str("filePath", "fileName")
	}
	if p == "" {
		return nil
	}
	e := capture.FileEdit{Tool: tool, Path: relPath(p, cwd), Op: capture.OpModify}
	if disp != nil {
		fillFromDisplay(&e, disp)
		return []capture.FileEdit{e}
	}
	switch tool {
	case "replace", "edit_file":
		old, new := in.str("old_string"), in.str("new_string")
		e.Removed, e.Added = lineCount(old), lineCount(new)
		e.Diff = syntheticDiff(e.Path, old, new)
	default:
		content := in.str("content")
		e.Content = &content
		e.Added = lineCount(content)
	}
	return []capture.FileEdit{e}
}

func fillFromDisplay(e *capture.FileEdit, d fields) {
	e.Diff = d.str("fileDiff")
	e.Added, e.Removed = countDiff(e.Diff)
	if s, ok := stringOrNull(d.raw("originalContent")); ok {
		e.Original = &s
	} else if !d.boolean("isNewFile") {
		// originalContent null without isNewFile: still new to Gemini.
		e.Op = capture.OpCreate
	}
	if d.boolean("isNewFile") {
		e.Op = capture.OpCreate
		e.Original = nil
	}
	if s, ok := stringOrNull(d.raw("newContent")); ok {
		e.Content = &s
	}
}

func stringOrNull(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// syntheticDiff renders a replace as a one-hunk diff without line numbers.
func syntheticDiff(p, old, new string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- a/%s\n+++ b/%s\n@@ -1,%d +1,%d @@\n", p, p, lineCount(old), lineCount(new))
	for _, l := range splitLines(old) {
		b.WriteString("-" + l + "\n")
	}
	for _, l := range splitLines(new) {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
