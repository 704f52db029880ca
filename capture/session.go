package capture

import (
	"encoding/json"
	"time"
)

// FormatVersion is the version of the session record format described in
// docs/format.md. Readers reject records of a newer version.
const FormatVersion = 1

// Session is one agent session, assembled from its hook events, transcript
// usage and work-tree observations. It is the agent-neutral model every later
// stage (attribution, notes, policy, seal, analytics) works on.
type Session struct {
	Version      int       `json:"v"`
	ID           string    `json:"id"`
	Agent        string    `json:"agent"`
	AgentVersion string    `json:"agent_version,omitempty"`
	Author       Identity  `json:"author"`
	Cwd          string    `json:"cwd,omitempty"`
	Branch       string    `json:"branch,omitempty"`
	HeadAtStart  string    `json:"head_at_start,omitempty"`
	StartedAt    time.Time `json:"started_at"`
	EndedAt      time.Time `json:"ended_at,omitempty"`
	Ended        bool      `json:"ended,omitempty"`
	// Evidence says how the session was captured: "hooks" (full capture) or
	// "trailer" (a commit trailer only; lines unknown).
	Evidence  string          `json:"evidence"`
	Models    []string        `json:"models"`
	Prompts   []Prompt        `json:"prompts"`
	ToolCalls []ToolCall      `json:"tool_calls"`
	Edits     []FileEdit      `json:"edits"`
	Subagents []Subagent      `json:"subagents,omitempty"`
	Usage     []ModelUsage    `json:"usage"`
	Total     ModelUsage      `json:"total"`
	Unpriced  []string        `json:"unpriced_models,omitempty"`
	Denials   []Denial        `json:"denials,omitempty"`
	Problems  []string        `json:"problems,omitempty"`
	Extra     json.RawMessage `json:"extra,omitempty"`
}

// Duration is the wall time from start to the last event.
func (s *Session) Duration() time.Duration {
	if s.EndedAt.IsZero() || s.StartedAt.IsZero() {
		return 0
	}
	return s.EndedAt.Sub(s.StartedAt)
}

// Identity is a person as git knows them.
type Identity struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Prompt is one user prompt.
type Prompt struct {
	Time time.Time `json:"time"`
	Text string    `json:"text"`
}

// Tool call statuses.
const (
	ToolPending = "pending" // started, no result seen (yet)
	ToolOK      = "ok"
	ToolFailed  = "failed"
	ToolDenied  = "denied"
)

// ToolCall is one tool invocation, paired Pre/Post by its id and counted once.
type ToolCall struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Input      json.RawMessage `json:"input,omitempty"`
	Status     string          `json:"status"`
	Error      string          `json:"error,omitempty"`
	StartedAt  time.Time       `json:"started_at,omitempty"`
	EndedAt    time.Time       `json:"ended_at,omitempty"`
	DurationMS int64           `json:"duration_ms,omitempty"`
	AgentID    string          `json:"agent_id,omitempty"` // set when a subagent made the call
	Model      string          `json:"model,omitempty"`
}

// Edit operations.
const (
	OpCreate = "create"
	OpModify = "modify"
	OpDelete = "delete"
	OpRename = "rename"
)

// FileEdit is one change to one file made by the agent (or, with Human set,
// a change seen in the work tree that no tool call made).
type FileEdit struct {
	ToolUseID string    `json:"tool_use_id,omitempty"`
	Tool      string    `json:"tool,omitempty"`
	Time      time.Time `json:"time,omitempty"`
	Path      string    `json:"path"` // repo-relative, slash-separated
	OldPath   string    `json:"old_path,omitempty"`
	Op        string    `json:"op"`
	// Before and After are "sha256:<hex>" content hashes of the (redacted)
	// file before and after; empty when the file did not exist.
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Diff is a unified diff of the change (redacted, capped).
	Diff    string `json:"diff,omitempty"`
	Added   int    `json:"added"`
	Removed int    `json:"removed"`
	Human   bool   `json:"human,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
	Model   string `json:"model,omitempty"`
	// Content holds the new text for agent parsers that know it (Write); it is
	// never stored in records.
	Content *string `json:"-"`
	// Original holds the text before the edit when the tool response carries
	// it; never stored in records.
	Original *string `json:"-"`
}

// Subagent is a subagent run inside the session.
type Subagent struct {
	ID             string   `json:"id"`
	Type           string   `json:"type,omitempty"`
	ToolUseID      string   `json:"tool_use_id,omitempty"`
	TranscriptPath string   `json:"transcript_path,omitempty"`
	Models         []string `json:"models,omitempty"`
}

// Denial is a tool call the real-time policy guard refused.
type Denial struct {
	Time      time.Time `json:"time"`
	ToolUseID string    `json:"tool_use_id,omitempty"`
	Tool      string    `json:"tool"`
	Rule      string    `json:"rule"`
	Reason    string    `json:"reason"`
}
