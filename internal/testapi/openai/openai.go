// Package openai is a scripted stand-in for the OpenAI Responses API
// (POST /v1/responses, streamed as server-sent events) that the real Codex
// CLI can run against offline.
//
// A [Script] is a list of steps. A request is answered with step k when
// its input already holds k tool results (function_call_output or
// custom_tool_call_output items); past the last step the server answers
// the final message. Each answer carries the step's scripted usage, so a
// test knows exactly what token counts Codex should record.
package openai

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
)

// Usage is the usage a response reports, in OpenAI semantics: Cached and
// CacheWrite are part of Input, Reasoning is part of Output.
type Usage struct {
	Input      int64
	Cached     int64
	CacheWrite int64
	Output     int64
	Reasoning  int64
}

// Step is one scripted model response: an optional message text and at most
// one tool call.
type Step struct {
	Text string
	// Call is the tool call of the step, if any.
	Call  *Call
	Usage Usage
}

// Call is a tool call. Custom tools (apply_patch) take Input text;
// function tools (exec_command) take Arguments, a JSON object text.
type Call struct {
	Name      string
	Custom    bool
	Arguments string
	Input     string
}

// Script is the whole conversation: Steps answered in order, then Final.
type Script struct {
	Model string
	Steps []Step
	Final Step
}

// Server is a running stand-in.
type Server struct {
	*httptest.Server
	script Script

	mu       sync.Mutex
	requests [][]byte
}

// NewServer starts a stand-in serving script. Close it when done.
func NewServer(script Script) *Server {
	s := &Server{script: script}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// BaseURL is the provider base URL to configure in Codex (".../v1").
func (s *Server) BaseURL() string { return s.URL + "/v1" }

// Requests returns the bodies of the requests served so far.
func (s *Server) Requests() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.requests...)
}

// Answered returns the steps that answered the requests served so far.
func (s *Server) Answered() []Step {
	var out []Step
	for _, body := range s.Requests() {
		out = append(out, s.stepFor(body))
	}
	return out
}

func (s *Server) stepFor(body []byte) Step {
	var req struct {
		Input []struct {
			Type string `json:"type"`
		} `json:"input"`
	}
	_ = json.Unmarshal(body, &req)
	k := 0
	for _, it := range req.Input {
		if it.Type == "function_call_output" || it.Type == "custom_tool_call_output" {
			k++
		}
	}
	if k < len(s.script.Steps) {
		return s.script.Steps[k]
	}
	return s.script.Final
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/responses" {
		http.Error(w, "not scripted", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, body)
	s.mu.Unlock()
	step := s.stepFor(body)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	writeStream(w, s.script.Model, fmt.Sprintf("resp_%d", n+1), step)
}

type sse struct {
	w   io.Writer
	seq int
}

func (e *sse) send(typ string, fields map[string]any) {
	fields["type"] = typ
	fields["sequence_number"] = e.seq
	e.seq++
	b, _ := json.Marshal(fields)
	fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", typ, b)
	if f, ok := e.w.(http.Flusher); ok {
		f.Flush()
	}
}

func writeStream(w io.Writer, model, id string, step Step) {
	e := &sse{w: w}
	resp := map[string]any{"id": id, "object": "response", "created_at": 1700000000, "status": "in_progress", "model": model, "output": []any{}}
	e.send("response.created", map[string]any{"response": resp})
	e.send("response.in_progress", map[string]any{"response": resp})
	var items []any
	if step.Text != "" || step.Call == nil {
		text := step.Text
		if text == "" {
			text = "Done."
		}
		items = append(items, message(e, len(items), id, text))
	}
	if step.Call != nil {
		items = append(items, call(e, len(items), id, *step.Call))
	}
	u := step.Usage
	done := map[string]any{"id": id, "object": "response", "created_at": 1700000000, "status": "completed", "model": model, "output": items,
		"usage": map[string]any{
			"input_tokens":          u.Input,
			"input_tokens_details":  map[string]any{"cached_tokens": u.Cached, "cache_write_tokens": u.CacheWrite},
			"output_tokens":         u.Output,
			"output_tokens_details": map[string]any{"reasoning_tokens": u.Reasoning},
			"total_tokens":          u.Input + u.Output,
		}}
	e.send("response.completed", map[string]any{"response": done})
}

func message(e *sse, idx int, respID, text string) map[string]any {
	id := fmt.Sprintf("msg_%s_%d", respID, idx)
	part := map[string]any{"type": "output_text", "text": "", "annotations": []any{}}
	e.send("response.output_item.added", map[string]any{"output_index": idx, "item": map[string]any{"type": "message", "id": id, "role": "assistant", "status": "in_progress", "content": []any{}}})
	e.send("response.content_part.added", map[string]any{"output_index": idx, "item_id": id, "content_index": 0, "part": part})
	e.send("response.output_text.delta", map[string]any{"output_index": idx, "item_id": id, "content_index": 0, "delta": text})
	e.send("response.output_text.done", map[string]any{"output_index": idx, "item_id": id, "content_index": 0, "text": text})
	part = map[string]any{"type": "output_text", "text": text, "annotations": []any{}}
	e.send("response.content_part.done", map[string]any{"output_index": idx, "item_id": id, "content_index": 0, "part": part})
	item := map[string]any{"type": "message", "id": id, "role": "assistant", "status": "completed", "content": []any{part}}
	e.send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
	return item
}

func call(e *sse, idx int, respID string, c Call) map[string]any {
	id := fmt.Sprintf("fc_%s_%d", respID, idx)
	callID := fmt.Sprintf("call_%s_%d", respID, idx)
	if c.Custom {
		item := map[string]any{"type": "custom_tool_call", "id": id, "call_id": callID, "name": c.Name, "input": "", "status": "in_progress"}
		e.send("response.output_item.added", map[string]any{"output_index": idx, "item": item})
		e.send("response.custom_tool_call_input.delta", map[string]any{"output_index": idx, "item_id": id, "delta": c.Input})
		e.send("response.custom_tool_call_input.done", map[string]any{"output_index": idx, "item_id": id, "input": c.Input})
		item = map[string]any{"type": "custom_tool_call", "id": id, "call_id": callID, "name": c.Name, "input": c.Input, "status": "completed"}
		e.send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
		return item
	}
	item := map[string]any{"type": "function_call", "id": id, "call_id": callID, "name": c.Name, "arguments": "", "status": "in_progress"}
	e.send("response.output_item.added", map[string]any{"output_index": idx, "item": item})
	e.send("response.function_call_arguments.delta", map[string]any{"output_index": idx, "item_id": id, "delta": c.Arguments})
	e.send("response.function_call_arguments.done", map[string]any{"output_index": idx, "item_id": id, "arguments": c.Arguments})
	item = map[string]any{"type": "function_call", "id": id, "call_id": callID, "name": c.Name, "arguments": c.Arguments, "status": "completed"}
	e.send("response.output_item.done", map[string]any{"output_index": idx, "item": item})
	return item
}
