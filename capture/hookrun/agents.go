package hookrun

import (
	"encoding/json"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/claude"
	"github.com/tracevault/tracevault/capture/hook/codex"
	"github.com/tracevault/tracevault/capture/hook/gemini"
	"github.com/tracevault/tracevault/capture/spool"
)

// Agent is what the hook needs to know about one coding agent.
type Agent struct {
	Name string
	// Parse turns a raw hook payload into an event.
	Parse func(raw []byte) (capture.Event, error)
	// ToolKind classifies a tool name.
	ToolKind func(name string) capture.ToolKind
	// EditTargets lists the files a file-editing tool call names.
	EditTargets func(ev *capture.Event) []string
	// Tail reads new token usage from a transcript, given the reader state
	// saved after the previous call (nil at first), and returns the new state.
	Tail func(path string, state json.RawMessage) ([]capture.UsageEntry, json.RawMessage, error)
	// Deny renders a blocking answer in the agent's own convention: what to
	// print on stdout and the exit code.
	Deny func(ev *capture.Event, reason string) (stdout []byte, exitCode int)
	// TailTools, when set, is Tail that also reads the tool uses and
	// results of the transcript's new complete lines, the tool reader
	// standing at byte offset toolsOff: one read serves both readers.
	TailTools func(path string, state json.RawMessage, toolsOff int64) (TailResult, error)
}

// TailResult is what Agent.TailTools read.
type TailResult struct {
	Usage     []capture.UsageEntry
	State     json.RawMessage // the usage reader's state after the read
	Tools     []spool.TranscriptTool
	ToolsNext int64 // the tool reader's offset after the read
}

var agents = map[string]*Agent{}

func register(a *Agent) { agents[a.Name] = a }

// Lookup returns the agent registered under name (aliases included).
func Lookup(name string) (*Agent, bool) {
	switch name {
	case "claude", "claude-code":
		name = capture.AgentClaudeCode
	case "gemini", "gemini-cli":
		name = capture.AgentGeminiCLI
	}
	a, ok := agents[name]
	return a, ok
}

func init() {
	register(&Agent{
		Name:     capture.AgentClaudeCode,
		Parse:    claude.ParseHook,
		ToolKind: claude.ToolKind,
		EditTargets: func(ev *capture.Event) []string {
			return claude.EditTargets(ev.ToolName, ev.ToolInput)
		},
		Tail: func(path string, state json.RawMessage) ([]capture.UsageEntry, json.RawMessage, error) {
			var off int64
			_ = json.Unmarshal(state, &off)
			entries, next, err := claude.TailTranscript(path, off)
			out, _ := json.Marshal(next)
			return entries, out, err
		},
		Deny:      claudeDeny,
		TailTools: claudeTailTools,
	})
	register(&Agent{
		Name:     capture.AgentCodex,
		Parse:    codex.ParseHook,
		ToolKind: codex.ToolKind,
		EditTargets: func(ev *capture.Event) []string {
			var out []string
			for _, e := range ev.Edits {
				out = append(out, e.Path)
			}
			return out
		},
		Tail: func(path string, state json.RawMessage) ([]capture.UsageEntry, json.RawMessage, error) {
			return codex.TailUsage(path, state)
		},
		Deny: claudeDeny, // Codex follows Claude Code's PreToolUse output shape
	})
	register(&Agent{
		Name:     capture.AgentGeminiCLI,
		Parse:    gemini.ParseHook,
		ToolKind: gemini.ToolKind,
		EditTargets: func(ev *capture.Event) []string {
			var in struct {
				FilePath string `json:"file_path"`
			}
			if ev.ToolKindOf(gemini.ToolKind) == capture.ToolFileEdit && json.Unmarshal(ev.ToolInput, &in) == nil && in.FilePath != "" {
				return []string{in.FilePath}
			}
			return nil
		},
		Tail: func(path string, state json.RawMessage) ([]capture.UsageEntry, json.RawMessage, error) {
			return gemini.TailUsage(path, state)
		},
		Deny: geminiDeny,
	})
}

// geminiDeny uses Gemini CLI's convention: exit 0 with {"decision":"deny"}
// and the reason, which the model sees.
func geminiDeny(ev *capture.Event, reason string) ([]byte, int) {
	out, _ := json.Marshal(map[string]any{"decision": "deny", "reason": reason})
	return append(out, '\n'), 0
}

// claudeDeny uses Claude Code's PreToolUse convention: exit 0 with a JSON
// permissionDecision "deny" and a reason the agent sees.
func claudeDeny(ev *capture.Event, reason string) ([]byte, int) {
	out, _ := json.Marshal(map[string]any{
		"hookSpecificOutput": map[string]any{
			"hookEventName":            "PreToolUse",
			"permissionDecision":       "deny",
			"permissionDecisionReason": reason,
		},
	})
	return append(out, '\n'), 0
}
