package capture

import (
	"encoding/json"
	"time"
)

// EventKind is the agent-neutral kind of a hook event.
type EventKind string

// The event kinds every agent's hook payloads map to.
const (
	EventSessionStart  EventKind = "session_start"
	EventPrompt        EventKind = "prompt"
	EventToolStart     EventKind = "tool_start"  // PreToolUse, BeforeTool
	EventToolEnd       EventKind = "tool_end"    // PostToolUse, AfterTool
	EventToolFailed    EventKind = "tool_failed" // PostToolUseFailure
	EventSubagentStart EventKind = "subagent_start"
	EventSubagentStop  EventKind = "subagent_stop"
	EventStop          EventKind = "stop" // the agent finished a turn
	EventCompact       EventKind = "compact"
	EventSessionEnd    EventKind = "session_end"
	EventModelRequest  EventKind = "model_request"
	EventNotification  EventKind = "notification"
	EventOther         EventKind = "other"
)

// Agent names, as used in records, notes and on the command line.
const (
	AgentClaudeCode = "claude-code"
	AgentCodex      = "codex"
	AgentGeminiCLI  = "gemini-cli"
)

// Event is one hook invocation of any agent, normalised. Every field is
// optional: agents and their versions differ in what they send.
type Event struct {
	Kind      EventKind `json:"kind"`
	HookEvent string    `json:"hook_event"` // the agent's own event name
	Agent     string    `json:"agent"`
	SessionID string    `json:"session_id"`
	Time      time.Time `json:"time"`
	Cwd       string    `json:"cwd,omitempty"`
	// TranscriptPath is the agent's transcript or session file.
	TranscriptPath string `json:"transcript_path,omitempty"`
	Model          string `json:"model,omitempty"`
	TurnID         string `json:"turn_id,omitempty"`
	Prompt         string `json:"prompt,omitempty"`
	Source         string `json:"source,omitempty"` // SessionStart source, SessionEnd reason

	ToolUseID    string          `json:"tool_use_id,omitempty"`
	ToolName     string          `json:"tool_name,omitempty"`
	ToolInput    json.RawMessage `json:"tool_input,omitempty"`
	ToolResponse json.RawMessage `json:"tool_response,omitempty"`
	Error        string          `json:"error,omitempty"`
	DurationMS   int64           `json:"duration_ms,omitempty"`

	// AgentID and AgentType identify the subagent the event comes from (or,
	// for SubagentStop, the subagent that stopped).
	AgentID             string `json:"agent_id,omitempty"`
	AgentType           string `json:"agent_type,omitempty"`
	AgentTranscriptPath string `json:"agent_transcript_path,omitempty"`
	LastMessage         string `json:"last_message,omitempty"`

	// Edits are the file changes a structured tool response describes
	// (Write, Edit, MultiEdit, NotebookEdit, apply_patch, write_file, ...).
	Edits []FileEdit `json:"edits,omitempty"`
}

// ToolKind classifies what a tool call may do to the work tree.
type ToolKind int

// Tool kinds.
const (
	ToolOther ToolKind = iota
	// ToolFileEdit edits named files; its structured response says how.
	ToolFileEdit
	// ToolShell runs commands that may change any file.
	ToolShell
	// ToolSubagent starts a subagent.
	ToolSubagent
)

// ToolKindOf classifies the event's tool with an agent's classifier.
func (e *Event) ToolKindOf(classify func(string) ToolKind) ToolKind {
	if e.ToolName == "" {
		return ToolOther
	}
	return classify(e.ToolName)
}
