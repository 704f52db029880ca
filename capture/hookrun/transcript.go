package hookrun

import (
	"bytes"
	"encoding/json"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/claude"
	"github.com/tracevault/tracevault/capture/redact"
	"github.com/tracevault/tracevault/capture/spool"
)

// Tool calls from Claude Code transcripts.
//
// Hooks do not see every tool call: Claude Code validates a call's input
// before PreToolUse, and a call it rejects there (an Edit whose old_string
// is not in the file, an Edit of a file not read yet) fires no tool hook at
// all. The transcript records every call: an assistant line holds each
// tool_use block (id, name, input) and a user line holds each tool_result
// (tool_use_id, is_error, content; a denial adds toolDenialKind or a
// permissionDecision "reject"). At Stop, SubagentStop and SessionEnd the
// hook reads the complete lines added since its last look and records what
// they say, so that assembly can add the calls hooks missed.

// maxToolError caps the error text kept per transcript tool result.
const maxToolError = 4 << 10

// maxTranscriptInput caps the tool input kept per transcript tool use.
const maxTranscriptInput = 16 << 10

// claudeTools reads the tool uses and results of the complete lines of the
// transcript at path from offset on, and returns the offset past the last
// complete line: a line still being written is read by a later call.
func claudeTools(path string, offset int64) ([]spool.TranscriptTool, int64, error) {
	var out []spool.TranscriptTool
	next, err := claude.ReadLines(path, offset, func(b []byte) { out = appendTools(out, b) })
	return out, next, err
}

// claudeTailTools reads a Claude Code transcript's new lines once for both
// token usage and tool calls when both readers stand at the same offset,
// as they do unless a hook died between saving the two; apart otherwise.
func claudeTailTools(path string, state json.RawMessage, toolsOff int64) (TailResult, error) {
	var off int64
	_ = json.Unmarshal(state, &off)
	var r TailResult
	if off != toolsOff {
		usage, next, err := claude.TailTranscript(path, off)
		r.Usage, r.State = usage, offsetState(next)
		if err != nil {
			r.ToolsNext = toolsOff
			return r, err
		}
		r.Tools, r.ToolsNext, err = claudeTools(path, toolsOff)
		return r, err
	}
	u := claude.NewUsageTail(path)
	next, err := claude.ReadLines(path, off, func(b []byte) {
		u.Lines(b)
		r.Tools = appendTools(r.Tools, b)
	})
	r.Usage, r.State, r.ToolsNext = u.Entries(), offsetState(next), next
	return r, err
}

// offsetState is a byte offset as a reader's saved state.
func offsetState(off int64) json.RawMessage {
	b, _ := json.Marshal(off)
	return b
}

// appendTools appends the tool uses and results of complete lines b.
func appendTools(out []spool.TranscriptTool, b []byte) []spool.TranscriptTool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n') + 1
		if i == 0 {
			i = len(b)
		}
		out = append(out, toolsOfLine(b[:i])...)
		b = b[i:]
	}
	return out
}

// toolsOfLine returns the tool uses and results one transcript line holds,
// their inputs and error texts redacted and capped.
func toolsOfLine(line []byte) []spool.TranscriptTool {
	calls := claude.ToolCalls(line)
	if len(calls) == 0 {
		return nil
	}
	out := make([]spool.TranscriptTool, 0, len(calls))
	for _, c := range calls {
		t := spool.TranscriptTool{ID: c.ID, Name: c.Name, AgentID: c.AgentID, Time: c.Time}
		switch {
		case !c.Result:
			t.Input = capJSON(c.Input)
		case c.Denied:
			t.Status, t.Error = capture.ToolDenied, resultText(c.Content)
		case c.IsError:
			t.Status, t.Error = capture.ToolFailed, resultText(c.Content)
		default:
			t.Status = capture.ToolOK
		}
		out = append(out, t)
	}
	return out
}

// capJSON redacts a tool input and drops it when it is too large to keep.
func capJSON(in json.RawMessage) json.RawMessage {
	if len(in) == 0 || string(in) == "null" {
		return nil
	}
	if len(in) > maxTranscriptInput {
		out, _ := json.Marshal(map[string]any{"truncated": true, "bytes": len(in)})
		return out
	}
	return redact.Default().JSON(in)
}

// resultText returns the text of a tool_result content (a string or text
// blocks), redacted and capped.
func resultText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		var blocks []struct {
			Text string `json:"text"`
		}
		_ = json.Unmarshal(raw, &blocks)
		for _, b := range blocks {
			s += b.Text
		}
	}
	if len(s) > maxToolError {
		s = s[:maxToolError]
	}
	return redact.Default().String(string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD"))))
}
