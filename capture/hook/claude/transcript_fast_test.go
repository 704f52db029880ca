package claude

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// fixtureLines returns every line of every Claude Code transcript under
// ../shared/fixtures/claude-code/transcripts.
func fixtureLines(tb testing.TB) [][]byte {
	tb.Helper()
	root := testutil.Fixture(tb, "claude-code/transcripts")
	var lines [][]byte
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".jsonl") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, l := range bytes.SplitAfter(data, []byte("\n")) {
			if len(l) > 0 {
				lines = append(lines, l)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(lines) < 400 {
		tb.Fatalf("%d transcript lines under %s, want the fixtures", len(lines), root)
	}
	return lines
}

// checkEnvelope compares the fast decoding of line with json.Unmarshal's:
// where the fast path accepts a line, encoding/json must accept it too and
// decode the same envelope; decodeEnvelope must match it always. It
// reports whether the fast path accepted the line.
func checkEnvelope(t *testing.T, line []byte) bool {
	t.Helper()
	var want envelope
	werr := json.Unmarshal(line, &want)
	var fast envelope
	ok := decodeEnvelopeFast(line, &fast)
	if ok && (werr != nil || !reflect.DeepEqual(fast, want)) {
		t.Fatalf("decodeEnvelopeFast(%q) = %s, want %s (json error %v)", line, dump(fast), dump(want), werr)
	}
	var got envelope
	gerr := decodeEnvelope(line, &got)
	if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("decodeEnvelope(%q) = %s, %v; want %s, %v", line, dump(got), gerr, dump(want), werr)
	}
	return ok
}

func dump(env envelope) string {
	b, _ := json.Marshal(env)
	return string(b)
}

func TestDecodeEnvelopeMatchesJSON(t *testing.T) {
	lines := fixtureLines(t)
	fast := 0
	for _, l := range lines {
		if checkEnvelope(t, l) {
			fast++
		}
	}
	// Every fixture line is valid and plain: none may need encoding/json.
	if fast != len(lines) {
		t.Errorf("fast path took %d of %d fixture lines, want all", fast, len(lines))
	}
	for _, l := range []string{
		`{"type":"assistant","message":{"usage":{"input_tokens":1.5}}}`,
		`{"type":"assistant","message":{"usage":{"input_tokens":1e3}}}`,
		`{"type":"assistant","message":{"usage":{"input_tokens":99999999999999999999}}}`,
		`{"type":"assistant","message":{"usage":{"input_tokens":-0,"cache_creation_input_tokens":null}}}`,
		`{"type":"assistant","message":{"usage":{"input_tokens":"5"}}}`,
		`{"Type":"assistant","MESSAGE":{"usage":{}}}`,
		`{"type":"assistant","typ\u0065":"user"}`,
		`{"type":"a","type":"b"}`,
		`{"message":{"id":"a"},"message":{"model":"b"}}`,
		`{"sessionId":null,"version":null,"message":null,"data":null,"isSidechain":null,"type":null}`,
		`{"isSidechain":"yes"}`,
		`{"message":"text"}`,
		`{"data":{"type":"agent_progress","message":{"message":{"usage":{"cache_creation":{"ephemeral_1h_input_tokens":3}}}}}}`,
		`{"cwd":"a\u00e9\ud83d\ude00\ud800x\"\\\/\b\f\n\r\t","gitBranch":"\xff\xfe"}`,
		`{"ſessionId":"x","K":1}`,
		`{"type":"x"} trailing`,
		`{"type":"x"`,
		`[1,2]`,
		`null`,
		` {"type" : "x" , "usage" : [ ] } `,
		`{"message":{"usage":{"speed":"fast","cache_creation":null}}}`,
	} {
		checkEnvelope(t, []byte(l))
	}
}

func FuzzDecodeEnvelope(f *testing.F) {
	for i, l := range fixtureLines(f) {
		if i%7 == 0 { // a sample: the corpus runs as a test too
			f.Add(l)
		}
	}
	f.Add([]byte(`{"type":"assistant","message":{"usage":{"input_tokens":1.5}}}`))
	f.Add([]byte(`{"Type":"a","message":{"id":"a"},"message":null}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkEnvelope(t, line)
	})
}

// toolCallsJSON is ToolCalls decoded by encoding/json alone: the reference.
func toolCallsJSON(line []byte) []ToolCall {
	if !bytes.Contains(line, toolUseMarker) && !bytes.Contains(line, toolResultMarker) {
		return nil
	}
	var l toolLine
	if json.Unmarshal(line, &l) != nil || len(l.Message.Content) == 0 || l.Message.Content[0] != '[' {
		return nil
	}
	var blocks []contentBlock
	if json.Unmarshal(l.Message.Content, &blocks) != nil {
		return nil
	}
	return toolCallsOf(&l, blocks)
}

// checkToolCalls compares ToolCalls with the reference on line and
// reports whether the fast path decided it.
func checkToolCalls(t *testing.T, line []byte) bool {
	t.Helper()
	want := toolCallsJSON(line)
	if got := ToolCalls(line); !reflect.DeepEqual(got, want) {
		t.Fatalf("ToolCalls(%q) = %+v, want %+v", line, got, want)
	}
	var l toolLine
	var blocks []contentBlock
	return decodeToolLineFast(line, &l, &blocks) != fastUnsure
}

func TestToolCallsMatchJSON(t *testing.T) {
	lines := fixtureLines(t)
	calls, unsure := 0, 0
	for _, l := range lines {
		calls += len(ToolCalls(l))
		if !checkToolCalls(t, l) {
			unsure++
		}
	}
	if calls < 100 || unsure != 0 {
		t.Errorf("fixtures: %d tool calls, %d lines left to encoding/json; want some calls and none left", calls, unsure)
	}
	for _, l := range []string{
		`{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","message":{"content":[null,{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}},{"type":"tool_use","id":"","name":"x"}]}}`,
		`{"type":"user","agentId":"a","toolDenialKind":"x","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"no"}]}}`,
		`{"type":"user","permissionDecision":{"decision":"reject"},"message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":[{"type":"text","text":"a"}]}]}}`,
		`{"type":"user","permissionDecision":null,"message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":null,"content":null}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","is_error":"yes"}]}}`,
		`{"type":"user","message":{"content":["tool_result"]}}`,
		`{"type":"user","message":{"content":"tool_result"}}`,
		`{"type":"user","message":"tool_result"}`,
		`{"type":"user","Message":{"content":[{"type":"tool_result","tool_use_id":"t1"}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","Tool_Use_Id":"t2"}]}}`,
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","tool_use_id":"t2"}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t\u0031","input":null}]}}`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","input" : [ 1 , 2 ] }]}} x`,
		`{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1"}]`,
	} {
		checkToolCalls(t, []byte(l))
	}
}

func FuzzToolCalls(f *testing.F) {
	for i, l := range fixtureLines(f) {
		if i%7 == 3 && bytes.Contains(l, []byte(`"tool_`)) {
			f.Add(l)
		}
	}
	f.Add([]byte(`{"type":"user","message":{"content":[null,{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"no"}]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkToolCalls(t, line)
	})
}
