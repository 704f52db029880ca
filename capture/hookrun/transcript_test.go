package hookrun

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testutil"
)

// toolsOfLineJSON is the tool-call reader as it was written with
// encoding/json: the reference toolsOfLine must match.
func toolsOfLineJSON(line []byte) []spool.TranscriptTool {
	if !bytes.Contains(line, []byte(`"tool_use"`)) && !bytes.Contains(line, []byte(`"tool_result"`)) {
		return nil
	}
	var l struct {
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
	if json.Unmarshal(line, &l) != nil || len(l.Message.Content) == 0 || l.Message.Content[0] != '[' {
		return nil
	}
	var blocks []struct {
		Type      string          `json:"type"`
		ID        string          `json:"id"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
		ToolUseID string          `json:"tool_use_id"`
		IsError   bool            `json:"is_error"`
		Content   json.RawMessage `json:"content"`
	}
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

func transcriptLines(tb testing.TB) [][]byte {
	tb.Helper()
	var lines [][]byte
	err := filepath.WalkDir(testutil.Fixture(tb, "claude-code/transcripts"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		data, err := os.ReadFile(path)
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if len(l) > 0 {
				lines = append(lines, l)
			}
		}
		return err
	})
	if err != nil || len(lines) < 400 {
		tb.Fatalf("reading fixture transcripts: %d lines, %v", len(lines), err)
	}
	return lines
}

func checkTools(t *testing.T, line []byte) int {
	t.Helper()
	got, want := toolsOfLine(line), toolsOfLineJSON(line)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("toolsOfLine(%q) =\n%+v, want\n%+v", line, got, want)
	}
	return len(got)
}

// TestToolsOfLineMatchesJSON runs every fixture transcript line through
// toolsOfLine and the encoding/json reader it replaces.
func TestToolsOfLineMatchesJSON(t *testing.T) {
	n := 0
	for _, l := range transcriptLines(t) {
		n += checkTools(t, l)
	}
	if n < 100 {
		t.Errorf("%d tool calls in the fixtures, want more", n)
	}
	secret := "ghp_" + strings.Repeat("a1B2", 9)
	for _, l := range []string{
		`{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"echo ` + secret + `"}}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Write","input":{"content":"` + strings.Repeat("x", 20<<10) + `"}}]}}`,
		`{"type":"user","toolDenialKind":"x","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"denied ` + secret + `"}]}}`,
		`{"type":"user","permissionDecision":{"decision":"reject"},"message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"a"},{"text":"b"}]}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"` + strings.Repeat("é", 5<<10) + `"}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":false,"content":"fine"}]}}`,
	} {
		checkTools(t, []byte(l))
	}
	if got := toolsOfLine([]byte(`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"echo ` + secret + `"}}]}}`)); len(got) != 1 || bytes.Contains(got[0].Input, []byte(secret)) {
		t.Errorf("toolsOfLine kept a secret in %s", got[0].Input)
	}
}

func FuzzToolsOfLine(f *testing.F) {
	for i, l := range transcriptLines(f) {
		if i%11 == 0 && bytes.Contains(l, []byte(`"tool_`)) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkTools(t, line) })
}

// TestClaudeTailToolsReadsOnce checks the one-read tail against the two
// readers run apart, with both readers at one offset (one read) and at
// different offsets (a hook died between saving them).
func TestClaudeTailToolsReadsOnce(t *testing.T) {
	path := testutil.Fixture(t, "claude-code/transcripts/entireio-cli/ec/38b74f08e3/0/full.jsonl")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	mid := int64(bytes.IndexByte(data[len(data)/2:], '\n') + len(data)/2 + 1)
	for _, tt := range []struct{ usageOff, toolsOff int64 }{{0, 0}, {mid, mid}, {mid, 0}, {0, mid}} {
		got, err := claudeTailTools(path, offsetState(tt.usageOff), tt.toolsOff)
		if err != nil {
			t.Fatal(err)
		}
		usage, next, err := claudeTailTranscript(path, tt.usageOff)
		if err != nil {
			t.Fatal(err)
		}
		tools, toolsNext, err := claudeTools(path, tt.toolsOff)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Usage, usage) || string(got.State) != string(offsetState(next)) ||
			!reflect.DeepEqual(got.Tools, tools) || got.ToolsNext != toolsNext {
			t.Errorf("offsets %d/%d: one read gave %d usage entries to %s and %d tool calls to %d; apart %d to %d and %d to %d",
				tt.usageOff, tt.toolsOff, len(got.Usage), got.State, len(got.Tools), got.ToolsNext, len(usage), next, len(tools), toolsNext)
		}
		if len(tools) == 0 && tt.toolsOff == 0 {
			t.Error("the fixture transcript gave no tool calls")
		}
	}
}

// claudeTailTranscript is the usage reader alone, as Agent.Tail runs it.
func claudeTailTranscript(path string, off int64) ([]capture.UsageEntry, int64, error) {
	a, _ := Lookup("claude-code")
	entries, state, err := a.Tail(path, offsetState(off))
	var next int64
	_ = json.Unmarshal(state, &next)
	return entries, next, err
}
