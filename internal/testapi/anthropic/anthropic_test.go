package anthropic_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/internal/testapi/anthropic"
)

// body builds a Messages API request body. Each element of rounds is the
// number of tool_result blocks in one user message.
func body(t *testing.T, firstUser string, tools bool, stream bool, rounds ...int) string {
	t.Helper()
	msgs := []any{map[string]any{"role": "user", "content": firstUser}}
	for i, n := range rounds {
		var uses, results []any
		for j := range n {
			id := fmt.Sprintf("toolu_%d_%d", i, j)
			uses = append(uses, map[string]any{"type": "tool_use", "id": id, "name": "Bash", "input": map[string]any{}})
			results = append(results, map[string]any{"type": "tool_result", "tool_use_id": id, "content": "ok"})
		}
		msgs = append(msgs, map[string]any{"role": "assistant", "content": uses},
			map[string]any{"role": "user", "content": results})
	}
	req := map[string]any{"model": "claude-opus-5-5", "stream": stream, "messages": msgs, "max_tokens": 100}
	if tools {
		req["tools"] = []any{map[string]any{"name": "Bash", "input_schema": map[string]any{"type": "object"}}}
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func post(t *testing.T, url, path, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// message is a response message as a client sees it.
type message struct {
	ID         string            `json:"id"`
	Model      string            `json:"model"`
	StopReason string            `json:"stop_reason"`
	Content    []json.RawMessage `json:"content"`
	Usage      map[string]any    `json:"usage"`
}

// assemble rebuilds the message from a stream the way an SDK does, and
// returns the event names in order.
func assemble(t *testing.T, stream string) (message, []string) {
	t.Helper()
	var m message
	var names []string
	var parts []map[string]string
	sc := bufio.NewScanner(strings.NewReader(stream))
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			names = append(names, name)
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev struct {
			Type         string         `json:"type"`
			Message      message        `json:"message"`
			ContentBlock map[string]any `json:"content_block"`
			Delta        map[string]any `json:"delta"`
			Usage        map[string]any `json:"usage"`
			Index        int            `json:"index"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event data %q: %v", data, err)
		}
		switch ev.Type {
		case "message_start":
			m = ev.Message
		case "content_block_start":
			parts = append(parts, map[string]string{"type": ev.ContentBlock["type"].(string)})
			if id, ok := ev.ContentBlock["id"].(string); ok {
				parts[ev.Index]["id"], parts[ev.Index]["name"] = id, ev.ContentBlock["name"].(string)
			}
		case "content_block_delta":
			for _, k := range []string{"text", "thinking", "partial_json", "signature"} {
				if v, ok := ev.Delta[k].(string); ok {
					parts[ev.Index][k] += v
				}
			}
		case "message_delta":
			m.StopReason = ev.Delta["stop_reason"].(string)
			for k, v := range ev.Usage {
				m.Usage[k] = v
			}
		}
	}
	for _, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		m.Content = append(m.Content, b)
	}
	return m, names
}

func TestStream(t *testing.T) {
	srv := anthropic.New(t, anthropic.Script{Steps: []anthropic.Step{{
		Model: "claude-sonnet-4-5",
		Blocks: []anthropic.Block{anthropic.Thinking("think"), anthropic.Text("héllo"),
			anthropic.ToolUse("Write", map[string]any{"file_path": "/x", "content": "y"})},
		Usage: anthropic.Usage{InputTokens: 1, OutputTokens: 2, CacheCreation5m: 3, CacheCreation1h: 4, CacheRead: 5},
	}}})
	resp, stream := post(t, srv.URL, "/v1/messages", body(t, "go", true, true))
	if got := resp.Header.Get("Content-Type"); got != "text/event-stream" {
		t.Errorf("Content-Type = %q, want text/event-stream", got)
	}
	if got := resp.Header.Get("request-id"); got != "req_tv000001" {
		t.Errorf("request-id = %q, want req_tv000001", got)
	}
	m, names := assemble(t, stream)
	wantNames := []string{"message_start", "ping",
		"content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop",
		"content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
		"content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
		"message_delta", "message_stop"}
	if diff := cmp.Diff(wantNames, names); diff != "" {
		t.Errorf("event names (-want +got):\n%s", diff)
	}
	var content []string
	for _, c := range m.Content {
		content = append(content, string(c))
	}
	want := []string{
		`{"signature":"sig_tv000001_0","thinking":"think","type":"thinking"}`,
		`{"text":"héllo","type":"text"}`,
		`{"id":"toolu_tv000001_2","name":"Write","partial_json":"{\"content\":\"y\",\"file_path\":\"/x\"}","type":"tool_use"}`,
	}
	if diff := cmp.Diff(want, content); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
	if m.ID != "msg_tv000001" || m.Model != "claude-sonnet-4-5" || m.StopReason != "tool_use" {
		t.Errorf("message = %s %s %s, want msg_tv000001 claude-sonnet-4-5 tool_use", m.ID, m.Model, m.StopReason)
	}
	wantUsage := map[string]any{"input_tokens": 1.0, "output_tokens": 2.0, "cache_creation_input_tokens": 7.0,
		"cache_read_input_tokens": 5.0, "service_tier": "standard",
		"cache_creation": map[string]any{"ephemeral_5m_input_tokens": 3.0, "ephemeral_1h_input_tokens": 4.0}}
	if diff := cmp.Diff(wantUsage, m.Usage); diff != "" {
		t.Errorf("final usage (-want +got):\n%s", diff)
	}
}

func TestRouting(t *testing.T) {
	main := anthropic.Script{Steps: []anthropic.Step{
		{Model: "m0", Blocks: []anthropic.Block{anthropic.Text("s0")}, Usage: anthropic.Usage{InputTokens: 10}},
		{Model: "m1", Blocks: []anthropic.Block{anthropic.Text("s1")}, Usage: anthropic.Usage{InputTokens: 11}},
	}}
	sub := anthropic.Script{Marker: "[[sub]]", Steps: []anthropic.Step{
		{Model: "h0", Blocks: []anthropic.Block{anthropic.Text("a0")}, Usage: anthropic.Usage{InputTokens: 20}},
	}}
	srv := anthropic.New(t, main, sub)
	tests := []struct {
		name      string
		body      string
		wantRoute string
		wantStep  int
		wantModel string
	}{
		{"first", body(t, "go", true, true), "main", 0, "m0"},
		{"two parallel results are one round", body(t, "go", true, true, 2), "main", 1, "m1"},
		{"past the end", body(t, "go", true, true, 1, 1), "main", -1, "m1"},
		{"subagent", body(t, "please [[sub]] now", true, true), "[[sub]]", 0, "h0"},
		{"subagent final", body(t, "please [[sub]] now", true, false, 1), "[[sub]]", -1, "h0"},
		{"side request", body(t, "title this", false, false), anthropic.RouteSide, -1, "claude-opus-5-5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post(t, srv.URL, "/v1/messages", tt.body)
			ex := srv.Exchanges()
			e := ex[len(ex)-1]
			if e.Route != tt.wantRoute || e.Step != tt.wantStep || e.Model != tt.wantModel {
				t.Errorf("exchange = route %q step %d model %q, want %q %d %q", e.Route, e.Step, e.Model, tt.wantRoute, tt.wantStep, tt.wantModel)
			}
		})
	}
	want := map[string]anthropic.Usage{
		"m0":              {InputTokens: 10},
		"m1":              anthropic.Usage{InputTokens: 11}.Add(anthropic.SideUsage),
		"h0":              anthropic.Usage{InputTokens: 20}.Add(anthropic.SideUsage),
		"claude-opus-5-5": anthropic.SideUsage,
	}
	if diff := cmp.Diff(want, srv.UsageByModel()); diff != "" {
		t.Errorf("UsageByModel (-want +got):\n%s", diff)
	}
}

func TestNonStreamingAndOtherRoutes(t *testing.T) {
	srv := anthropic.New(t, anthropic.Script{Steps: []anthropic.Step{
		{Blocks: []anthropic.Block{anthropic.Text("hi")}, Usage: anthropic.Usage{InputTokens: 4, OutputTokens: 5}},
	}})
	resp, got := post(t, srv.URL, "/v1/messages", body(t, "go", true, false))
	want := `{"id":"msg_tv000001","type":"message","role":"assistant","model":"claude-opus-5-5",` +
		`"content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,` +
		`"usage":{"input_tokens":4,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,` +
		`"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":5,"service_tier":"standard"}}` + "\n"
	if got != want || resp.Header.Get("request-id") != "req_tv000001" {
		t.Errorf("non-streaming response = %s (request-id %q), want %s", got, resp.Header.Get("request-id"), want)
	}
	if resp, got = post(t, srv.URL, "/v1/messages/count_tokens", `{"messages":[]}`); resp.StatusCode != 200 || !strings.HasPrefix(got, `{"input_tokens":`) {
		t.Errorf("count_tokens = %d %s, want 200 {\"input_tokens\":…}", resp.StatusCode, got)
	}
	if resp, _ = post(t, srv.URL, "/v1/nothing", `{}`); resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /v1/nothing = %d, want 404", resp.StatusCode)
	}
	var routes []string
	for _, e := range srv.Exchanges() {
		routes = append(routes, e.Route)
	}
	if diff := cmp.Diff([]string{"main", anthropic.RouteCount, anthropic.RouteOther}, routes); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
}

func TestNewHandlerRejectsBadScripts(t *testing.T) {
	bad := func(b anthropic.Block) anthropic.Script {
		return anthropic.Script{Steps: []anthropic.Step{{Blocks: []anthropic.Block{b}}}}
	}
	tests := []struct {
		name   string
		main   anthropic.Script
		agents []anthropic.Script
	}{
		{"empty marker", anthropic.Script{}, []anthropic.Script{{}}},
		{"repeated marker", anthropic.Script{}, []anthropic.Script{{Marker: "x"}, {Marker: "x"}}},
		{"unknown block", bad(anthropic.Block{Type: "image"}), nil},
		{"input not JSON", bad(anthropic.ToolUse("Bash", func() {})), nil},
		{"bad final", anthropic.Script{Final: &anthropic.Step{Blocks: []anthropic.Block{{Type: "x"}}}}, nil},
	}
	for _, tt := range tests {
		if _, err := anthropic.NewHandler(tt.main, tt.agents...); err == nil {
			t.Errorf("NewHandler(%s) = nil error, want one", tt.name)
		}
	}
}

func ExampleNewHandler() {
	s, err := anthropic.NewHandler(anthropic.Script{Steps: []anthropic.Step{{
		Model:  "claude-sonnet-4-5",
		Blocks: []anthropic.Block{anthropic.Text("Hi!")},
		Usage:  anthropic.Usage{InputTokens: 12, OutputTokens: 6, CacheCreation1h: 300, CacheRead: 40},
	}}})
	if err != nil {
		panic(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	req := `{"model":"claude-sonnet-4-5","stream":true,"tools":[{"name":"Bash"}],"messages":[{"role":"user","content":"hello"}]}`
	resp, err := http.Post(ts.URL+"/v1/messages", "application/json", strings.NewReader(req))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	fmt.Println("request-id:", resp.Header.Get("request-id"))
	b, _ := io.ReadAll(resp.Body)
	fmt.Print(string(b))
	// Output:
	// request-id: req_tv000001
	// event: message_start
	// data: {"type":"message_start","message":{"id":"msg_tv000001","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":300},"output_tokens":1,"service_tier":"standard"}}}
	//
	// event: ping
	// data: {"type":"ping"}
	//
	// event: content_block_start
	// data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
	//
	// event: content_block_delta
	// data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"H"}}
	//
	// event: content_block_delta
	// data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"i!"}}
	//
	// event: content_block_stop
	// data: {"type":"content_block_stop","index":0}
	//
	// event: message_delta
	// data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":12,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,"output_tokens":6}}
	//
	// event: message_stop
	// data: {"type":"message_stop"}
}
