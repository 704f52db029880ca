package hookrun

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

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

var (
	toolUseMarker    = []byte(`"tool_use"`)
	toolResultMarker = []byte(`"tool_result"`)
)

// transcriptLine is the part of a Claude Code transcript line read for
// tool calls.
type transcriptLine struct {
	Type           string `json:"type"`
	Timestamp      string `json:"timestamp"`
	AgentID        string `json:"agentId"`
	ToolDenialKind string `json:"toolDenialKind"`
	PermissionDec  *struct {
		Decision string `json:"decision"`
	} `json:"permissionDecision"`
	Message struct {
		Content json.RawMessage `json:"content"`
	} `json:"message"`
}

type contentBlock struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	IsError   bool            `json:"is_error"`
	Content   json.RawMessage `json:"content"`
}

// claudeTools reads the tool uses and results of the complete lines of the
// transcript at path from offset on, and returns the offset past the last
// complete line: a line still being written is read by a later call.
func claudeTools(path string, offset int64) ([]spool.TranscriptTool, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, offset, fmt.Errorf("opening transcript %s: %w", path, err)
	}
	defer f.Close()
	size := int64(-1)
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
		if size <= offset {
			return nil, offset, nil // nothing new
		}
	}
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return nil, offset, fmt.Errorf("seeking transcript %s: %w", path, err)
	}
	var out []spool.TranscriptTool
	br := bufio.NewReaderSize(f, claude.TailBuffer(offset, size))
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, offset, nil // a partial last line stays unread
		}
		if err != nil {
			return out, offset, fmt.Errorf("reading transcript %s: %w", path, err)
		}
		offset += int64(len(line))
		out = append(out, toolsOfLine(line)...)
	}
}

// toolsOfLine returns the tool uses and results one transcript line holds.
func toolsOfLine(line []byte) []spool.TranscriptTool {
	if !bytes.Contains(line, toolUseMarker) && !bytes.Contains(line, toolResultMarker) {
		return nil
	}
	var l transcriptLine
	if json.Unmarshal(line, &l) != nil || len(l.Message.Content) == 0 || l.Message.Content[0] != '[' {
		return nil
	}
	var blocks []contentBlock
	if json.Unmarshal(l.Message.Content, &blocks) != nil {
		return nil
	}
	at, _ := time.Parse(time.RFC3339Nano, l.Timestamp)
	var out []spool.TranscriptTool
	for _, b := range blocks {
		switch {
		case l.Type == "assistant" && b.Type == "tool_use" && b.ID != "":
			out = append(out, spool.TranscriptTool{ID: b.ID, Name: b.Name, AgentID: l.AgentID, Time: at, Input: capJSON(b.Input)})
		case l.Type == "user" && b.Type == "tool_result" && b.ToolUseID != "":
			t := spool.TranscriptTool{ID: b.ToolUseID, AgentID: l.AgentID, Time: at, Status: capture.ToolOK}
			if b.IsError {
				t.Status, t.Error = capture.ToolFailed, resultText(b.Content)
				if l.ToolDenialKind != "" || l.PermissionDec != nil && l.PermissionDec.Decision == "reject" {
					t.Status = capture.ToolDenied
				}
			}
			out = append(out, t)
		}
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
