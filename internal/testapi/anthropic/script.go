package anthropic

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Usage is the token usage reported for one response. CacheCreation5m and
// CacheCreation1h are the two parts of cache_creation_input_tokens.
type Usage struct {
	InputTokens     int
	OutputTokens    int
	CacheCreation5m int
	CacheCreation1h int
	CacheRead       int
}

// CacheCreation returns cache_creation_input_tokens, the sum of both cache
// write durations.
func (u Usage) CacheCreation() int { return u.CacheCreation5m + u.CacheCreation1h }

// Add returns the field-wise sum of u and v.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:     u.InputTokens + v.InputTokens,
		OutputTokens:    u.OutputTokens + v.OutputTokens,
		CacheCreation5m: u.CacheCreation5m + v.CacheCreation5m,
		CacheCreation1h: u.CacheCreation1h + v.CacheCreation1h,
		CacheRead:       u.CacheRead + v.CacheRead,
	}
}

// SideUsage is the usage reported for every side request (one that offers
// no tools) and for the default final answer of a script.
var SideUsage = Usage{InputTokens: 7, OutputTokens: 3}

// BlockType is the type of a content block.
type BlockType string

// The content block types the stand-in can send.
const (
	TextBlock     BlockType = "text"
	ThinkingBlock BlockType = "thinking"
	ToolUseBlock  BlockType = "tool_use"
)

// Block is one content block of a scripted response.
type Block struct {
	Type BlockType
	// Text is the text of a text block or the thinking of a thinking block.
	Text string
	// Name is the tool name of a tool_use block.
	Name string
	// ID is the tool_use id; when empty the server makes a unique one.
	ID string
	// Input is the tool input of a tool_use block, marshalled as JSON.
	Input any
}

// Text returns a text block.
func Text(s string) Block { return Block{Type: TextBlock, Text: s} }

// Thinking returns a thinking block.
func Thinking(s string) Block { return Block{Type: ThinkingBlock, Text: s} }

// ToolUse returns a tool_use block calling the tool name with input.
func ToolUse(name string, input any) Block {
	return Block{Type: ToolUseBlock, Name: name, Input: input}
}

// Step is one scripted assistant response.
type Step struct {
	// Model is reported as message.model; when empty the requested model is
	// echoed back.
	Model  string
	Blocks []Block
	Usage  Usage
}

func (s Step) stopReason() string {
	for _, b := range s.Blocks {
		if b.Type == ToolUseBlock {
			return "tool_use"
		}
	}
	return "end_turn"
}

// Script is the list of responses for one conversation: the main session
// (empty Marker) or one subagent.
type Script struct {
	// Marker routes a request to this script when the text of its first
	// user message contains it. The main script has no marker.
	Marker string
	// Steps[k] answers a request that already holds the tool results of k
	// responses (k user messages with tool_result blocks).
	Steps []Step
	// Final answers requests past the last step. When nil, the answer is the
	// text "Done." with [SideUsage] and the model of the last step.
	Final *Step
}

// check reports the first block of s the server could not send.
func (s Script) check() error {
	steps := s.Steps
	if s.Final != nil {
		steps = append(steps[:len(steps):len(steps)], *s.Final)
	}
	for i, st := range steps {
		for _, b := range st.Blocks {
			switch b.Type {
			case TextBlock, ThinkingBlock:
			case ToolUseBlock:
				if _, err := json.Marshal(b.Input); err != nil {
					return fmt.Errorf("anthropic: script %q step %d: input of %s: %w", s.Marker, i, b.Name, err)
				}
			default:
				return fmt.Errorf("anthropic: script %q step %d: unknown block type %q", s.Marker, i, b.Type)
			}
		}
	}
	return nil
}

// step returns the step that answers a request holding the tool results of
// n responses, and its index, or -1 for the final answer.
func (s Script) step(n int) (Step, int) {
	if n < len(s.Steps) {
		return s.Steps[n], n
	}
	if s.Final != nil {
		return *s.Final, -1
	}
	final := Step{Blocks: []Block{Text("Done.")}, Usage: SideUsage}
	if len(s.Steps) > 0 {
		final.Model = s.Steps[len(s.Steps)-1].Model
	}
	return final, -1
}

// request is the part of a Messages API request body the stand-in reads.
type request struct {
	Model    string            `json:"model"`
	Stream   bool              `json:"stream"`
	Tools    []json.RawMessage `json:"tools"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
}

// contentBlock is one block of a message's content array.
type contentBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// blocks returns the content blocks of raw, which is either a string or an
// array of blocks.
func blocks(raw json.RawMessage) []contentBlock {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []contentBlock{{Type: "text", Text: s}}
	}
	var bs []contentBlock
	_ = json.Unmarshal(raw, &bs)
	return bs
}

// toolResults counts the tool_result blocks in all messages of r, and the
// rounds: the messages holding at least one of them. The CLI sends the
// results of the parallel tool calls of one response in one user message.
func (r *request) toolResults() (results, rounds int) {
	for _, m := range r.Messages {
		n := 0
		for _, b := range blocks(m.Content) {
			if b.Type == "tool_result" {
				n++
			}
		}
		results += n
		if n > 0 {
			rounds++
		}
	}
	return results, rounds
}

// firstUserText returns the text of the first user message of r.
func (r *request) firstUserText() string {
	for _, m := range r.Messages {
		if m.Role != "user" {
			continue
		}
		var sb strings.Builder
		for _, b := range blocks(m.Content) {
			sb.WriteString(b.Text)
			sb.WriteByte('\n')
		}
		return sb.String()
	}
	return ""
}
