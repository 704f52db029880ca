// Package claude reads Claude Code's hook payloads and transcripts into the
// agent-neutral capture model.
//
// Hook payloads are parsed leniently: every field is optional and unknown
// fields are ignored, because Claude Code adds fields often (see
// shared/reference/agent-formats.md §1).
package claude

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// payload is the union of every Claude Code hook event's fields we read.
type payload struct {
	SessionID           string          `json:"session_id"`
	TranscriptPath      string          `json:"transcript_path"`
	Cwd                 string          `json:"cwd"`
	HookEventName       string          `json:"hook_event_name"`
	Model               json.RawMessage `json:"model"`
	Prompt              string          `json:"prompt"`
	Source              string          `json:"source"`
	Reason              string          `json:"reason"`
	Trigger             string          `json:"trigger"`
	ToolName            string          `json:"tool_name"`
	ToolInput           json.RawMessage `json:"tool_input"`
	ToolResponse        json.RawMessage `json:"tool_response"`
	ToolUseID           string          `json:"tool_use_id"`
	Error               json.RawMessage `json:"error"`
	DurationMS          json.Number     `json:"duration_ms"`
	AgentID             string          `json:"agent_id"`
	AgentType           string          `json:"agent_type"`
	AgentTranscriptPath string          `json:"agent_transcript_path"`
	LastMessage         string          `json:"last_assistant_message"`
	Message             string          `json:"message"`
}

// eventKind maps a hook event name to its kind (a switch, not a map: a
// map literal is built in every hook process's init).
func eventKind(name string) (capture.EventKind, bool) {
	switch name {
	case "SessionStart":
		return capture.EventSessionStart, true
	case "UserPromptSubmit":
		return capture.EventPrompt, true
	case "PreToolUse":
		return capture.EventToolStart, true
	case "PostToolUse":
		return capture.EventToolEnd, true
	case "PostToolUseFailure":
		return capture.EventToolFailed, true
	case "SubagentStart":
		return capture.EventSubagentStart, true
	case "SubagentStop":
		return capture.EventSubagentStop, true
	case "Stop", "StopFailure":
		return capture.EventStop, true
	case "PreCompact", "PostCompact":
		return capture.EventCompact, true
	case "SessionEnd":
		return capture.EventSessionEnd, true
	case "Notification":
		return capture.EventNotification, true
	}
	return "", false
}

// ErrNotObject is returned for a payload that is not a JSON object.
var ErrNotObject = errors.New("claude: hook payload is not a JSON object")

// ParseHook turns one hook payload into an event. It fails only when raw is
// not a JSON object; missing fields stay empty.
func ParseHook(raw []byte) (capture.Event, error) {
	var p payload
	if !decodeFast(raw, &p) {
		p = payload{}
		if err := decodeJSON(raw, &p); err != nil {
			return capture.Event{}, fmt.Errorf("%w: %v", ErrNotObject, err)
		}
	}
	kind, ok := eventKind(p.HookEventName)
	if !ok {
		kind = capture.EventOther
	}
	ev := capture.Event{
		Kind:                kind,
		HookEvent:           p.HookEventName,
		Agent:               capture.AgentClaudeCode,
		SessionID:           p.SessionID,
		Cwd:                 p.Cwd,
		TranscriptPath:      p.TranscriptPath,
		Model:               modelName(p.Model),
		Prompt:              p.Prompt,
		Source:              firstNonEmpty(p.Source, p.Reason, p.Trigger),
		ToolUseID:           p.ToolUseID,
		ToolName:            p.ToolName,
		ToolInput:           nonNull(p.ToolInput),
		ToolResponse:        nonNull(p.ToolResponse),
		Error:               errorText(p.Error),
		AgentID:             p.AgentID,
		AgentType:           p.AgentType,
		AgentTranscriptPath: p.AgentTranscriptPath,
		LastMessage:         firstNonEmpty(p.LastMessage, p.Message),
	}
	if n, err := strconv.ParseInt(string(p.DurationMS), 10, 64); err == nil {
		ev.DurationMS = n
	}
	if kind == capture.EventToolEnd {
		ev.Edits = editsFromResponse(p.ToolName, p.ToolInput, p.ToolResponse)
	}
	return ev, nil
}

// decodeJSON is the reference decoding of a payload (see decodeFast).
func decodeJSON(raw []byte, p *payload) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	return dec.Decode(p)
}

// ToolKind classifies a Claude Code tool by what it may do to files.
func ToolKind(name string) capture.ToolKind {
	switch name {
	case "Write", "Edit", "MultiEdit", "NotebookEdit":
		return capture.ToolFileEdit
	case "Bash", "BashOutput":
		return capture.ToolShell
	case "Task", "Agent":
		return capture.ToolSubagent
	}
	return capture.ToolOther
}

// EditTargets returns the file paths a file-editing tool call names in its
// input, as given (usually absolute).
func EditTargets(toolName string, input json.RawMessage) []string {
	if ToolKind(toolName) != capture.ToolFileEdit || len(input) == 0 {
		return nil
	}
	var in struct {
		FilePath     string `json:"file_path"`
		NotebookPath string `json:"notebook_path"`
	}
	if json.Unmarshal(input, &in) != nil {
		return nil
	}
	if p := firstNonEmpty(in.FilePath, in.NotebookPath); p != "" {
		return []string{p}
	}
	return nil
}

// ShellCommand returns the command of a Bash tool call's input.
func ShellCommand(input json.RawMessage) string {
	var in struct {
		Command string `json:"command"`
	}
	_ = json.Unmarshal(input, &in)
	return in.Command
}

func modelName(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.ID
	}
	return ""
}

func errorText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func nonNull(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Time parses a transcript or payload timestamp, returning the zero time when
// it is absent or malformed.
func Time(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
