package claude

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// FuzzParseTranscript feeds arbitrary bytes to the transcript reader. It
// must not panic or fail, must never produce negative counts, and tailing
// the same bytes must return the entries of exactly the complete lines.
func FuzzParseTranscript(f *testing.F) {
	for _, rel := range []string{
		"claude-code/transcripts/entireio-cli/39/7737088f0a/0/full.jsonl",
		"claude-code/transcripts/git-ai-project-git-ai/tests/fixtures/claude-model-not-last.jsonl",
	} {
		data, err := os.ReadFile(testutil.Fixture(f, rel))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":-1}}}`))
	f.Add([]byte(progressLine("a", "m", "r", 3) + `{"type":"assistant","message":{"usage":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, info, err := ParseTranscript(bytes.NewReader(data), ParseOptions{})
		if err != nil {
			t.Fatalf("ParseTranscript: %v", err)
		}
		if info.Lines > bytes.Count(data, []byte("\n"))+1 || info.Malformed > info.Lines {
			t.Fatalf("info counts %+v for %d newlines", info, bytes.Count(data, []byte("\n")))
		}
		for _, e := range entries {
			if e.Input < 0 || e.Output < 0 || e.CacheWrite5m < 0 || e.CacheWrite1h < 0 || e.CacheRead < 0 {
				t.Fatalf("negative count in %+v", e)
			}
			if e.Key != "" && !strings.Contains(e.Key, ":") {
				t.Fatalf("key %q without separator", e.Key)
			}
		}
		complete := data[:bytes.LastIndexByte(data, '\n')+1]
		want, _, _ := ParseTranscript(bytes.NewReader(complete), ParseOptions{})
		p := newParser(ParseOptions{SkipInfo: true})
		off, err := readLines(bytes.NewReader(data), 0, int64(len(data)), 64, p.lines)
		got := p.entries
		if err != nil {
			t.Fatalf("tail: %v", err)
		}
		if off != int64(len(complete)) {
			t.Fatalf("tail offset %d, want %d", off, len(complete))
		}
		if len(got) != len(want) || (len(got) > 0 && !reflect.DeepEqual(got, want)) {
			t.Fatalf("tail entries %+v, want %+v", got, want)
		}
	})
}
