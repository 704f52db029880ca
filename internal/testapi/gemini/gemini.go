// Package gemini is a scripted stand-in for the Gemini API
// (POST /v1beta/models/{model}:streamGenerateContent?alt=sse and
// :generateContent) that the real Gemini CLI can run against offline.
//
// A [Script] is a list of steps. A streamed request is answered with step
// k when its contents already hold k functionResponse parts; past the last
// step the server answers the final message. Requests without tools (the
// CLI's routing classifier and helper calls) get one JSON object covering
// the helper schemas, or a plain title, and no scripted usage.
package gemini

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Usage is a response's usageMetadata: Prompt includes Cached.
type Usage struct {
	Prompt, Candidates, Cached, Thoughts, ToolUsePrompt int64
}

// Total is totalTokenCount as the API computes it.
func (u Usage) Total() int64 { return u.Prompt + u.Candidates + u.Thoughts + u.ToolUsePrompt }

// Step is one scripted model turn: optional text and at most one call.
type Step struct {
	Text  string
	Call  *Call
	Usage Usage
}

// Call is a functionCall part.
type Call struct {
	Name string
	Args map[string]any
}

// Script is the conversation: Steps in order, then Final.
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
	answered []Step
}

// NewServer starts a stand-in serving script. Close it when done.
func NewServer(script Script) *Server {
	s := &Server{script: script}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	return s
}

// Answered returns the scripted steps that answered streamed requests.
func (s *Server) Answered() []Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Step(nil), s.answered...)
}

type request struct {
	Contents []struct {
		Parts []map[string]json.RawMessage `json:"parts"`
	} `json:"contents"`
	Tools            []json.RawMessage `json:"tools"`
	GenerationConfig struct {
		ResponseMimeType string `json:"responseMimeType"`
	} `json:"generationConfig"`
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/v1beta/models/") {
		http.Error(w, "not scripted", http.StatusNotFound)
		return
	}
	var req request
	_ = json.Unmarshal(body, &req)
	if strings.HasSuffix(r.URL.Path, ":countTokens") {
		writeJSON(w, map[string]any{"totalTokens": 1})
		return
	}
	if len(req.Tools) == 0 {
		s.helper(w, r, req)
		return
	}
	k := 0
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			if _, ok := p["functionResponse"]; ok {
				k++
			}
		}
	}
	step := s.script.Final
	if k < len(s.script.Steps) {
		step = s.script.Steps[k]
	}
	s.mu.Lock()
	s.answered = append(s.answered, step)
	n := len(s.answered)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/event-stream")
	var parts []map[string]any
	if step.Text != "" || step.Call == nil {
		text := step.Text
		if text == "" {
			text = "Done."
		}
		parts = append(parts, map[string]any{"text": text})
	}
	if step.Call != nil {
		parts = append(parts, map[string]any{"functionCall": map[string]any{"name": step.Call.Name, "args": step.Call.Args}})
	}
	for i, p := range parts {
		cand := map[string]any{"content": map[string]any{"role": "model", "parts": []any{p}}, "index": 0}
		chunk := map[string]any{"candidates": []any{cand}, "modelVersion": s.script.Model, "responseId": fmt.Sprintf("resp-%d", n)}
		if i == len(parts)-1 {
			cand["finishReason"] = "STOP"
			u := step.Usage
			chunk["usageMetadata"] = map[string]any{"promptTokenCount": u.Prompt, "candidatesTokenCount": u.Candidates,
				"cachedContentTokenCount": u.Cached, "thoughtsTokenCount": u.Thoughts, "toolUsePromptTokenCount": u.ToolUsePrompt,
				"totalTokenCount": u.Total()}
		}
		b, _ := json.Marshal(chunk)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// helper answers a tool-less request (router classifier, titles, next
// speaker checks) with one object covering the known helper schemas.
func (s *Server) helper(w http.ResponseWriter, r *http.Request, req request) {
	text := "Scripted title"
	if req.GenerationConfig.ResponseMimeType == "application/json" {
		text = `{"complexity_reasoning":"scripted","complexity_score":30,"reasoning":"scripted","next_speaker":"user","model_choice":"flash"}`
	}
	resp := map[string]any{"candidates": []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": text}}},
		"finishReason": "STOP", "index": 0}}, "modelVersion": s.script.Model}
	if strings.Contains(r.URL.Path, ":streamGenerateContent") {
		b, _ := json.Marshal(resp)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: %s\n\n", b)
		return
	}
	writeJSON(w, resp)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
