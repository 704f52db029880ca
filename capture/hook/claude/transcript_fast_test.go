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
