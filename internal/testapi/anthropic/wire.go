package anthropic

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// wireUsage is the usage object of the Messages API.
type wireUsage struct {
	InputTokens              int             `json:"input_tokens"`
	CacheCreationInputTokens int             `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int             `json:"cache_read_input_tokens"`
	CacheCreation            *wireCacheSplit `json:"cache_creation,omitempty"`
	OutputTokens             int             `json:"output_tokens"`
	ServiceTier              string          `json:"service_tier,omitempty"`
}

type wireCacheSplit struct {
	Ephemeral5m int `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int `json:"ephemeral_1h_input_tokens"`
}

func toWire(u Usage, output int) wireUsage {
	return wireUsage{
		InputTokens:              u.InputTokens,
		CacheCreationInputTokens: u.CacheCreation(),
		CacheReadInputTokens:     u.CacheRead,
		CacheCreation:            &wireCacheSplit{u.CacheCreation5m, u.CacheCreation1h},
		OutputTokens:             output,
		ServiceTier:              "standard",
	}
}

// wireBlock is a content block of a response message.
type wireBlock struct {
	Type      string          `json:"type"`
	Text      *string         `json:"text,omitempty"`
	Thinking  *string         `json:"thinking,omitempty"`
	Signature *string         `json:"signature,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
}

// wireMessage is a complete response message.
type wireMessage struct {
	ID           string      `json:"id"`
	Type         string      `json:"type"`
	Role         string      `json:"role"`
	Model        string      `json:"model"`
	Content      []wireBlock `json:"content"`
	StopReason   *string     `json:"stop_reason"`
	StopSequence *string     `json:"stop_sequence"`
	Usage        wireUsage   `json:"usage"`
}

// message builds the complete response for step st of exchange e; n makes
// tool_use ids unique.
func (s *Server) message(e Exchange, st Step, n int) wireMessage {
	stop := st.stopReason()
	m := wireMessage{ID: e.MessageID, Type: "message", Role: "assistant", Model: e.Model,
		StopReason: &stop, Usage: toWire(st.Usage, st.Usage.OutputTokens), Content: []wireBlock{}}
	for i, b := range st.Blocks {
		switch b.Type {
		case TextBlock:
			m.Content = append(m.Content, wireBlock{Type: "text", Text: &b.Text})
		case ThinkingBlock:
			sig := fmt.Sprintf("sig_tv%06d_%d", n, i)
			m.Content = append(m.Content, wireBlock{Type: "thinking", Thinking: &b.Text, Signature: &sig})
		case ToolUseBlock:
			id := b.ID
			if id == "" {
				id = fmt.Sprintf("toolu_tv%06d_%d", n, i)
			}
			in, err := json.Marshal(b.Input)
			if err != nil {
				panic(fmt.Sprintf("anthropic: scripted input of %s is not JSON: %v", b.Name, err))
			}
			m.Content = append(m.Content, wireBlock{Type: "tool_use", ID: id, Name: b.Name, Input: in})
		default:
			panic(fmt.Sprintf("anthropic: unknown scripted block type %q", b.Type))
		}
	}
	return m
}

// Stream events, with fields in the order the real API sends them.
type (
	startEvent struct {
		Type    string      `json:"type"`
		Message wireMessage `json:"message"`
	}
	blockStartEvent struct {
		Type         string    `json:"type"`
		Index        int       `json:"index"`
		ContentBlock wireBlock `json:"content_block"`
	}
	blockDeltaEvent struct {
		Type  string    `json:"type"`
		Index int       `json:"index"`
		Delta wireDelta `json:"delta"`
	}
	blockStopEvent struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
	}
	messageDeltaEvent struct {
		Type  string `json:"type"`
		Delta struct {
			StopReason   *string `json:"stop_reason"`
			StopSequence *string `json:"stop_sequence"`
		} `json:"delta"`
		Usage wireUsage `json:"usage"`
	}
	typeOnly struct {
		Type string `json:"type"`
	}
	wireDelta struct {
		Type        string  `json:"type"`
		Text        *string `json:"text,omitempty"`
		Thinking    *string `json:"thinking,omitempty"`
		Signature   *string `json:"signature,omitempty"`
		PartialJSON *string `json:"partial_json,omitempty"`
	}
)

// writeStream sends m as the server-sent events of a streamed response.
func writeStream(w http.ResponseWriter, m wireMessage) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	fl, _ := w.(http.Flusher)
	event := func(name string, data any) {
		b, err := json.Marshal(data)
		if err != nil {
			panic(fmt.Sprintf("anthropic: encoding %s event: %v", name, err))
		}
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
		if fl != nil {
			fl.Flush()
		}
	}
	start := m
	start.Content, start.StopReason = []wireBlock{}, nil
	start.Usage.OutputTokens = 1
	event("message_start", startEvent{"message_start", start})
	event("ping", typeOnly{"ping"})
	for i, b := range m.Content {
		event("content_block_start", blockStartEvent{"content_block_start", i, emptyBlock(b)})
		for _, d := range deltas(b) {
			event("content_block_delta", blockDeltaEvent{"content_block_delta", i, d})
		}
		event("content_block_stop", blockStopEvent{"content_block_stop", i})
	}
	md := messageDeltaEvent{Type: "message_delta", Usage: m.Usage}
	md.Delta.StopReason = m.StopReason
	md.Usage.CacheCreation, md.Usage.ServiceTier = nil, ""
	event("message_delta", md)
	event("message_stop", typeOnly{"message_stop"})
}

// emptyBlock returns b as content_block_start announces it: without its
// text, thinking or input.
func emptyBlock(b wireBlock) wireBlock {
	empty := ""
	switch b.Type {
	case "text":
		return wireBlock{Type: "text", Text: &empty}
	case "thinking":
		return wireBlock{Type: "thinking", Thinking: &empty, Signature: &empty}
	default:
		return wireBlock{Type: b.Type, ID: b.ID, Name: b.Name, Input: json.RawMessage("{}")}
	}
}

// deltas splits b into content_block_delta payloads, two chunks each, so
// clients must join partial data.
func deltas(b wireBlock) []wireDelta {
	switch b.Type {
	case "text":
		x, y := halves(*b.Text)
		return []wireDelta{{Type: "text_delta", Text: &x}, {Type: "text_delta", Text: &y}}
	case "thinking":
		x, y := halves(*b.Thinking)
		return []wireDelta{{Type: "thinking_delta", Thinking: &x}, {Type: "thinking_delta", Thinking: &y},
			{Type: "signature_delta", Signature: b.Signature}}
	default:
		x, y := halves(string(b.Input))
		return []wireDelta{{Type: "input_json_delta", PartialJSON: &x}, {Type: "input_json_delta", PartialJSON: &y}}
	}
}

// halves splits s in two at a rune boundary near the middle.
func halves(s string) (string, string) {
	r := []rune(s)
	return string(r[:len(r)/2]), string(r[len(r)/2:])
}
