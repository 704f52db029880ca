package codex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// ErrNotObject reports a hook payload that is not a JSON object.
var ErrNotObject = errors.New("codex: hook payload is not a JSON object")

// hookKinds maps Codex hook event names to agent-neutral kinds. Names not
// listed map to [capture.EventOther].
var hookKinds = map[string]capture.EventKind{
	"SessionStart":      capture.EventSessionStart,
	"UserPromptSubmit":  capture.EventPrompt,
	"PreModelRequest":   capture.EventModelRequest,
	"PreToolUse":        capture.EventToolStart,
	"PermissionRequest": capture.EventOther,
	"PostToolUse":       capture.EventToolEnd,
	"PreCompact":        capture.EventCompact,
	"PostCompact":       capture.EventCompact,
	"SubagentStart":     capture.EventSubagentStart,
	"SubagentStop":      capture.EventSubagentStop,
	"Stop":              capture.EventStop,
	"StopFailure":       capture.EventStop,
	"Interrupt":         capture.EventStop,
	"SessionEnd":        capture.EventSessionEnd,
}

// fields is a decoded JSON object whose members are read leniently: a
// member of an unexpected type reads as absent.
type fields map[string]json.RawMessage

func (f fields) str(keys ...string) string {
	for _, k := range keys {
		var s string
		if json.Unmarshal(f[k], &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

func (f fields) int(key string) int64 {
	var n float64
	if json.Unmarshal(f[key], &n) != nil {
		return 0
	}
	return int64(n)
}

// raw returns the member unless it is absent or null.
func (f fields) raw(key string) json.RawMessage {
	v := bytes.TrimSpace(f[key])
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

func (f fields) obj(key string) fields {
	var o fields
	if json.Unmarshal(f[key], &o) != nil {
		return nil
	}
	return o
}

// ParseHook turns one Codex hook stdin payload into a [capture.Event]. Every
// field is optional and unknown fields are ignored; the only error is a
// payload that is not a JSON object. Codex payloads carry no timestamp, so
// Time is zero unless the payload has a "timestamp" (the caller stamps it).
//
// Source holds the SessionStart source, the SessionEnd reason or the
// PreCompact/PostCompact trigger. StopFailure and Interrupt map to
// [capture.EventStop] with Error set ("interrupted" for Interrupt), since the
// turn is over either way. For apply_patch tool calls Edits holds the files
// the patch names (see [Edits]; paths relative to cwd, no line numbers).
func ParseHook(raw []byte) (capture.Event, error) {
	var f fields
	if err := json.Unmarshal(raw, &f); err != nil || f == nil {
		return capture.Event{}, fmt.Errorf("%w: %v", ErrNotObject, err)
	}
	name := f.str("hook_event_name")
	ev := capture.Event{
		Kind:                kindOf(name),
		HookEvent:           name,
		Agent:               capture.AgentCodex,
		SessionID:           f.str("session_id"),
		Cwd:                 f.str("cwd"),
		TranscriptPath:      f.str("transcript_path"),
		Model:               f.str("model"),
		TurnID:              f.str("turn_id"),
		Prompt:              f.str("prompt"),
		Source:              f.str("source", "reason", "trigger"),
		ToolUseID:           f.str("tool_use_id"),
		ToolName:            f.str("tool_name"),
		ToolInput:           f.raw("tool_input"),
		ToolResponse:        f.raw("tool_response"),
		Error:               f.str("error"),
		DurationMS:          f.int("duration_ms"),
		AgentID:             f.str("agent_id"),
		AgentType:           f.str("agent_type"),
		AgentTranscriptPath: f.str("agent_transcript_path"),
		LastMessage:         f.str("last_assistant_message"),
	}
	if t, err := time.Parse(time.RFC3339Nano, f.str("timestamp")); err == nil {
		ev.Time = t
	}
	if ev.Error == "" {
		if e := f.raw("error"); e != nil {
			ev.Error = string(e)
		} else if name == "Interrupt" {
			ev.Error = "interrupted"
		}
	}
	if ToolKind(ev.ToolName) == capture.ToolFileEdit {
		if text := patchText(ev.ToolInput); text != "" {
			if files, err := ParsePatch(text); err == nil {
				ev.Edits = Edits(files, ev.Cwd, nil)
				for i := range ev.Edits {
					ev.Edits[i].ToolUseID = ev.ToolUseID
					ev.Edits[i].Model = ev.Model
					ev.Edits[i].AgentID = ev.AgentID
				}
			}
		}
	}
	return ev, nil
}

func kindOf(name string) capture.EventKind {
	if k, ok := hookKinds[name]; ok {
		return k
	}
	return capture.EventOther
}

// patchText finds the apply_patch text in a tool input: a JSON string, an
// object with "command" (hooks), "input" or "patch" (older function-call
// arguments), or an argv array ["apply_patch", "<patch>"].
func patchText(input json.RawMessage) string {
	var s string
	if json.Unmarshal(input, &s) == nil {
		// Function-call arguments are a JSON string holding an object.
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			return patchText(json.RawMessage(t))
		}
		if strings.Contains(s, beginPatch) {
			return s
		}
		return ""
	}
	var f fields
	if json.Unmarshal(input, &f) == nil {
		for _, k := range []string{"command", "input", "patch"} {
			if t := patchText(f[k]); t != "" {
				return t
			}
		}
		return ""
	}
	var argv []string
	if json.Unmarshal(input, &argv) == nil {
		for _, a := range argv {
			if strings.Contains(a, beginPatch) {
				return a
			}
		}
	}
	return ""
}

// ToolKind classifies a Codex tool by name: apply_patch edits files;
// Bash (how hooks report exec_command), exec_command, write_stdin, shell,
// shell_command, local_shell and container.exec run commands; spawn_agent
// (also namespaced, e.g. "multi_agent_v1spawn_agent") starts a subagent.
func ToolKind(name string) capture.ToolKind {
	switch name {
	case "apply_patch":
		return capture.ToolFileEdit
	case "Bash", "exec_command", "write_stdin", "shell", "shell_command", "local_shell", "local_shell_call", "container.exec", "unified_exec":
		return capture.ToolShell
	}
	if name == "spawn_agent" || strings.HasSuffix(name, "spawn_agent") {
		return capture.ToolSubagent
	}
	return capture.ToolOther
}
