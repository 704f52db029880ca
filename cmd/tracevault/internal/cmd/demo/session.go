package demo

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
)

// The demo replays a real Claude Code 2.1.328 session, recorded with the
// real CLI driven offline by the scripted API stand-in (see record_test.go):
// every hook payload with a snapshot of the work tree at that moment, and the
// transcript. Paths are stored as {{REPO}} and {{TRANSCRIPT}}.
//
//go:embed session/events.jsonl session/transcript.jsonl
var recorded embed.FS

// Event is one recorded hook invocation and the work tree it saw.
type Event struct {
	Payload json.RawMessage   `json:"payload"`
	Files   map[string]string `json:"files"`
}

// Session is the recorded session.
type Session struct {
	Events     []Event
	Transcript []byte
}

// BaseFiles is the repository the session starts from.
var BaseFiles = map[string]string{
	"go.mod":    "module example.com/greeter\n\ngo 1.22\n",
	"main.go":   "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hello\")\n}\n",
	"README.md": "# greeter\n\nSays hello.\n",
}

// GreetGo is the file the agent writes.
const GreetGo = "package greet\n\n// Hello returns a greeting for name.\nfunc Hello(name string) string {\n\treturn \"hello, \" + name\n}\n"

// Load reads the embedded recording.
func Load() (*Session, error) {
	ev, err := recorded.ReadFile("session/events.jsonl")
	if err != nil {
		return nil, err
	}
	tr, err := recorded.ReadFile("session/transcript.jsonl")
	if err != nil {
		return nil, err
	}
	s := &Session{Transcript: tr}
	sc := bufio.NewScanner(bytes.NewReader(ev))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("demo event %d: %w", n, err)
		}
		s.Events = append(s.Events, e)
	}
	return s, sc.Err()
}
