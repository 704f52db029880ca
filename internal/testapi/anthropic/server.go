package anthropic

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Route names recorded in [Exchange.Route] besides script markers.
const (
	RouteMain  = "main"  // the main script
	RouteSide  = "side"  // a request that offers no tools
	RouteCount = "count" // POST /v1/messages/count_tokens
	RouteProbe = "probe" // HEAD or GET /api/hello, the connectivity check
	RouteOther = "other" // any other path, answered 404
)

// Exchange is one request the server received and what it answered.
type Exchange struct {
	Method, Path string
	// Route is RouteMain, a subagent script's Marker, or one of the other
	// Route constants.
	Route string
	// Step is the index of the scripted step answered, or -1 for a final
	// or fixed answer.
	Step int
	// ToolResults is the number of tool_result blocks in the request, and
	// Rounds the number of messages holding them.
	ToolResults    int
	Rounds         int
	RequestedModel string
	// Model is the reported message.model.
	Model     string
	MessageID string
	RequestID string
	Stream    bool
	// Usage is the usage reported; zero for count_tokens and 404s.
	Usage Usage
	Body  []byte
}

// Billed reports whether the exchange returned a message with usage.
func (e Exchange) Billed() bool { return e.MessageID != "" }

// Server is the stand-in: an [http.Handler] that answers from scripts and
// records every exchange. Make one with [New] (started, for tests) or
// [NewHandler] (to serve yourself).
type Server struct {
	// URL is the base URL to give the CLI as ANTHROPIC_BASE_URL; set by [New].
	URL string
	// Logf, when set, is called once per request with a one-line summary.
	Logf func(format string, args ...any)

	main    Script
	agents  []Script
	mu      sync.Mutex
	log     []Exchange
	counter int
}

// NewHandler returns a server answering with main and the subagent scripts,
// not yet listening. Every subagent script must have a distinct non-empty
// Marker, and every block a known type (and JSON-encodable tool input).
func NewHandler(main Script, agents ...Script) (*Server, error) {
	seen := map[string]bool{}
	for _, a := range agents {
		if a.Marker == "" || seen[a.Marker] {
			return nil, fmt.Errorf("anthropic: subagent script marker %q is empty or repeated", a.Marker)
		}
		seen[a.Marker] = true
	}
	for _, sc := range append([]Script{main}, agents...) {
		if err := sc.check(); err != nil {
			return nil, err
		}
	}
	return &Server{main: main, agents: agents}, nil
}

// New starts a server on 127.0.0.1 on a free port, logging to t, and stops
// it when the test ends.
func New(t testing.TB, main Script, agents ...Script) *Server {
	t.Helper()
	s, err := NewHandler(main, agents...)
	if err != nil {
		t.Fatal(err)
	}
	s.Logf = t.Logf
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

// Exchanges returns a copy of every exchange so far, in arrival order.
func (s *Server) Exchanges() []Exchange {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Exchange(nil), s.log...)
}

// UsageByModel sums the usage reported for every billed exchange, keyed by
// reported model.
func (s *Server) UsageByModel() map[string]Usage {
	out := map[string]Usage{}
	for _, e := range s.Exchanges() {
		if e.Billed() {
			out[e.Model] = out[e.Model].Add(e.Usage)
		}
	}
	return out
}

func (s *Server) record(e Exchange) {
	s.mu.Lock()
	s.log = append(s.log, e)
	s.mu.Unlock()
	if s.Logf == nil {
		return
	}
	s.Logf("anthropic: %s %s route=%s step=%d rounds=%d model=%s id=%s usage=%+v",
		e.Method, e.Path, e.Route, e.Step, e.Rounds, e.Model, e.MessageID, e.Usage)
}

// nextID returns a fresh sequence number for message, request and tool ids.
func (s *Server) nextID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counter++
	return s.counter
}

// ServeHTTP answers one API request; see the package doc for the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	e := Exchange{Method: r.Method, Path: r.URL.Path, Step: -1, Body: body}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages/count_tokens":
		e.Route = RouteCount
		s.record(e)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"input_tokens":%d}`, len(body)/4+1)
	case r.URL.Path == "/api/hello" && (r.Method == http.MethodHead || r.Method == http.MethodGet):
		e.Route = RouteProbe
		s.record(e)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"message":"hello"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/messages":
		s.messages(w, body, e)
	default:
		e.Route = RouteOther
		s.record(e)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"type":"error","error":{"type":"not_found_error","message":"stand-in: no route for %s %s"}}`,
			r.Method, r.URL.Path)
	}
}

func (s *Server) messages(w http.ResponseWriter, body []byte, e Exchange) {
	var req request
	if err := json.Unmarshal(body, &req); err != nil {
		e.Route = RouteOther
		s.record(e)
		http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	e.RequestedModel, e.Stream = req.Model, req.Stream
	e.ToolResults, e.Rounds = req.toolResults()
	var st Step
	if len(req.Tools) == 0 {
		e.Route = RouteSide
		st = Step{Blocks: []Block{Text("OK")}, Usage: SideUsage}
	} else {
		sc := s.route(&req)
		e.Route = RouteMain
		if sc.Marker != "" {
			e.Route = sc.Marker
		}
		st, e.Step = sc.step(e.Rounds)
	}
	n := s.nextID()
	e.MessageID, e.RequestID = fmt.Sprintf("msg_tv%06d", n), fmt.Sprintf("req_tv%06d", n)
	e.Model, e.Usage = st.Model, st.Usage
	if e.Model == "" {
		e.Model = req.Model
	}
	msg := s.message(e, st, n)
	s.record(e)
	w.Header().Set("request-id", e.RequestID)
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(msg)
		return
	}
	writeStream(w, msg)
}

// route picks the subagent script whose marker is in the first user message,
// else the main script.
func (s *Server) route(req *request) Script {
	first := req.firstUserText()
	for _, a := range s.agents {
		if strings.Contains(first, a.Marker) {
			return a
		}
	}
	return s.main
}
