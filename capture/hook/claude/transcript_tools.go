package claude

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// ToolCall is what one content block of a transcript line says about a
// tool call: a tool_use block of an assistant line (id, name, input) or a
// tool_result block of a user line (tool_use_id, is_error, content; the
// line records a denial with toolDenialKind or a permissionDecision
// "reject"). Input and Content alias the line.
type ToolCall struct {
	ID      string
	Name    string
	AgentID string
	// Time is the line's timestamp, zero when it does not parse.
	Time time.Time
	// Input is the tool_use input as written (nil when absent).
	Input json.RawMessage
	// Result marks a tool_result; IsError, Denied and Content describe it.
	Result  bool
	IsError bool
	Denied  bool
	// Content is the tool_result content as written, set only with IsError.
	Content json.RawMessage
}

var (
	toolUseMarker    = []byte(`"tool_use"`)
	toolResultMarker = []byte(`"tool_result"`)
)

// toolLine is the part of a transcript line read for tool calls.
type toolLine struct {
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

// ToolCalls returns the tool uses and results one transcript line holds,
// in block order. A line that is not valid JSON, or whose fields have
// unexpected types, holds none.
func ToolCalls(line []byte) []ToolCall {
	if !bytes.Contains(line, toolUseMarker) && !bytes.Contains(line, toolResultMarker) {
		return nil
	}
	var l toolLine
	var blocks []contentBlock
	switch decodeToolLineFast(line, &l, &blocks) {
	case fastNone:
		return nil
	case fastUnsure:
		l, blocks = toolLine{}, nil
		if json.Unmarshal(line, &l) != nil || len(l.Message.Content) == 0 || l.Message.Content[0] != '[' {
			return nil
		}
		if json.Unmarshal(l.Message.Content, &blocks) != nil {
			return nil
		}
	}
	return toolCallsOf(&l, blocks)
}

func toolCallsOf(l *toolLine, blocks []contentBlock) []ToolCall {
	at, _ := time.Parse(time.RFC3339Nano, l.Timestamp)
	var out []ToolCall
	for _, b := range blocks {
		switch {
		case l.Type == "assistant" && b.Type == "tool_use" && b.ID != "":
			out = append(out, ToolCall{ID: b.ID, Name: b.Name, AgentID: l.AgentID, Time: at, Input: b.Input})
		case l.Type == "user" && b.Type == "tool_result" && b.ToolUseID != "":
			t := ToolCall{ID: b.ToolUseID, AgentID: l.AgentID, Time: at, Result: true, IsError: b.IsError}
			if b.IsError {
				t.Content = b.Content
				t.Denied = l.ToolDenialKind != "" || l.PermissionDec != nil && l.PermissionDec.Decision == "reject"
			}
			out = append(out, t)
		}
	}
	return out
}

// Results of decodeToolLineFast.
const (
	fastUnsure = iota // left to encoding/json
	fastNone          // decoded: the line has no content array
	fastBlocks        // decoded, with its content blocks
)

// decodeToolLineFast decodes a line and its content blocks as the
// json.Unmarshal calls of ToolCalls do, or reports fastUnsure; see the
// top of transcript_fast.go.
func decodeToolLineFast(line []byte, l *toolLine, blocks *[]contentBlock) int {
	if !topObject(line, toolLineSetter(l)) {
		return fastUnsure
	}
	c := l.Message.Content
	if len(c) == 0 || c[0] != '[' {
		return fastNone
	}
	if !decodeBlocks(c, blocks) {
		return fastUnsure
	}
	return fastBlocks
}

func toolLineSetter(l *toolLine) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, depth int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "type":
			f, ok = 0, setStr(v, &l.Type)
		case "timestamp":
			f, ok = 1, setStr(v, &l.Timestamp)
		case "agentId":
			f, ok = 2, setStr(v, &l.AgentID)
		case "toolDenialKind":
			f, ok = 3, setStr(v, &l.ToolDenialKind)
		case "permissionDecision":
			f = 4
			switch v[0] {
			case 'n':
				l.PermissionDec, ok = nil, true
			case '{':
				l.PermissionDec = &struct {
					Decision string `json:"decision"`
				}{}
				ok = sub(v, depth, func(key, v []byte, _ int) bool {
					if string(key) == "decision" {
						return setStr(v, &l.PermissionDec.Decision) && seen(&mask, 5)
					}
					return unknownKey(key, "decision")
				})
			}
		case "message":
			f = 6
			switch v[0] {
			case 'n':
				ok = true
			case '{':
				ok = sub(v, depth, func(key, v []byte, _ int) bool {
					if string(key) == "content" {
						l.Message.Content = v
						return seen(&mask, 7)
					}
					return unknownKey(key, "content")
				})
			}
		default:
			return unknownKey(key, "type", "timestamp", "agentId", "toolDenialKind", "permissionDecision", "message")
		}
		return ok && seen(&mask, f)
	}
}

// decodeBlocks decodes a content array (valid JSON) of objects and nulls.
func decodeBlocks(v []byte, blocks *[]contentBlock) bool {
	out := []contentBlock{}
	w := jsonlex.Walker{Src: v}
	ok := w.Elements(func(e []byte) bool {
		out = append(out, contentBlock{})
		switch e[0] {
		case 'n':
			return true
		case '{':
			return sub(e, 1, blockSetter(&out[len(out)-1]))
		}
		return false
	})
	if ok {
		*blocks = out
	}
	return ok
}

func blockSetter(b *contentBlock) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, _ int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "type":
			f, ok = 0, setStr(v, &b.Type)
		case "id":
			f, ok = 1, setStr(v, &b.ID)
		case "name":
			f, ok = 2, setStr(v, &b.Name)
		case "input":
			f, ok = 3, true
			b.Input = v
		case "tool_use_id":
			f, ok = 4, setStr(v, &b.ToolUseID)
		case "is_error":
			f, ok = 5, setBool(v, &b.IsError)
		case "content":
			f, ok = 6, true
			b.Content = v
		default:
			return unknownKey(key, "type", "id", "name", "input", "tool_use_id", "is_error", "content")
		}
		return ok && seen(&mask, f)
	}
}
