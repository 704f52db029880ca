package claude

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

func TestParseTranscriptFields(t *testing.T) {
	in := `{"type":"user","sessionId":"s1","cwd":"/w","gitBranch":"main","version":"2.1.38","timestamp":"2026-02-10T21:58:10Z","message":{"role":"user","content":"hi"}}` + "\n" +
		"not json\n" +
		`{"type":"brand-new-type","whatever":[1,2,3]}` + "\n" +
		line(`{"type":"assistant","sessionId":"s1","version":"2.1.38","timestamp":"2026-02-10T21:58:17.856Z","requestId":"req_1","isSidechain":true,"agentId":"a1","message":{"id":"msg_1","model":"claude-opus-4-6","usage":{"input_tokens":3,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"cache_creation":{"ephemeral_5m_input_tokens":40,"ephemeral_1h_input_tokens":60},"output_tokens":7,"speed":"fast"}}}`) +
		line(`{"type":"assistant","timestamp":"2026-02-10T21:59:00Z","message":{"id":"msg_old","model":"claude-sonnet-4-20250514","usage":{"input_tokens":1,"cache_creation_input_tokens":9,"output_tokens":2}}}`) +
		line(`{"type":"assistant","timestamp":"bad","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":1}}}`)
	entries, info, err := ParseTranscript(strings.NewReader(in), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("ParseTranscript: %d entries, want 2: %+v", len(entries), entries)
	}
	e := entries[0]
	want := capture.Tokens{Input: 3, Output: 7, CacheWrite5m: 40, CacheWrite1h: 60, CacheRead: 50}
	if e.Key != "msg_1:req_1" || e.Model != "claude-opus-4-6" || e.Tokens != want || e.Speed != "fast" || !e.Sidechain || e.AgentID != "a1" {
		t.Errorf("entry 0 = %+v", e)
	}
	// No requestId: no key. No cache_creation split: all writes are 5m.
	if e := entries[1]; e.Key != "" || e.CacheWrite5m != 9 || e.CacheWrite1h != 0 {
		t.Errorf("entry 1 = %+v, want empty key and 9 5m writes", e)
	}
	if info.SessionID != "s1" || info.CWD != "/w" || info.GitBranch != "main" || info.Version != "2.1.38" {
		t.Errorf("info = %+v", info)
	}
	if info.Lines != 6 || info.Malformed != 1 || info.Skipped != 1 {
		t.Errorf("info counts: lines %d malformed %d skipped %d, want 6 1 1", info.Lines, info.Malformed, info.Skipped)
	}
	if got := info.First.Format("15:04:05"); got != "21:58:10" {
		t.Errorf("info.First = %v", info.First)
	}
	if got := info.Last.Format("15:04:05"); got != "21:59:00" {
		t.Errorf("info.Last = %v", info.Last)
	}
	if !slices.Equal(info.Models, []string{"claude-opus-4-6", "claude-sonnet-4-20250514"}) {
		t.Errorf("info.Models = %v", info.Models)
	}
}

func line(s string) string { return s + "\n" }

func TestCacheWriteSplitClamped(t *testing.T) {
	for _, tc := range []struct {
		name     string
		usage    string
		w5m, w1h int64
	}{
		{"split", `"cache_creation_input_tokens":10,"cache_creation":{"ephemeral_5m_input_tokens":4,"ephemeral_1h_input_tokens":6}`, 4, 6},
		{"remainder is 5m", `"cache_creation_input_tokens":10,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":3}`, 7, 3},
		{"split above total", `"cache_creation_input_tokens":10,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":30}`, 0, 10},
		{"total only", `"cache_creation_input_tokens":10`, 10, 0},
		{"split only", `"cache_creation":{"ephemeral_5m_input_tokens":1,"ephemeral_1h_input_tokens":2}`, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := `{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","requestId":"r","message":{"id":"m","model":"x","usage":{` + tc.usage + `}}}`
			e, _, _ := ParseTranscript(strings.NewReader(in), ParseOptions{})
			if len(e) != 1 || e[0].CacheWrite5m != tc.w5m || e[0].CacheWrite1h != tc.w1h {
				t.Errorf("ParseTranscript(%s) = %+v, want 5m %d 1h %d", tc.usage, e, tc.w5m, tc.w1h)
			}
		})
	}
}

func TestTailTranscriptHalfWrittenLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s1.jsonl")
	l1 := line(`{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","requestId":"r1","message":{"id":"m1","model":"x","usage":{"output_tokens":1}}}`)
	l2 := line(`{"type":"user","timestamp":"2026-01-01T00:00:01Z","message":{"role":"user","content":"x"}}`)
	l3 := line(`{"type":"assistant","timestamp":"2026-01-01T00:00:02Z","requestId":"r3","message":{"id":"m3","model":"x","usage":{"output_tokens":3}}}`)
	half := len(l3) / 2
	if err := os.WriteFile(path, []byte(l1+l2+l3[:half]), 0o644); err != nil {
		t.Fatal(err)
	}
	var keys []string
	tail := func(off int64) int64 {
		t.Helper()
		e, n, err := TailTranscript(path, off)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range e {
			keys = append(keys, x.Key)
		}
		return n
	}
	off := tail(0)
	if want := int64(len(l1 + l2)); off != want {
		t.Fatalf("TailTranscript offset = %d, want %d (stop before the partial line)", off, want)
	}
	if off2 := tail(off); off2 != off {
		t.Fatalf("TailTranscript again = %d, want %d", off2, off)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(l3[half:]); err != nil {
		t.Fatal(err)
	}
	f.Close()
	off = tail(off)
	if want := int64(len(l1 + l2 + l3)); off != want {
		t.Fatalf("TailTranscript offset = %d, want %d", off, want)
	}
	tail(off)
	if !slices.Equal(keys, []string{"m1:r1", "m3:r3"}) {
		t.Errorf("keys read = %v, want each entry exactly once", keys)
	}
}

func TestTailTranscriptLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s1.jsonl")
	big := strings.Repeat("x", 3<<20) // longer than the read buffer
	l := line(`{"type":"assistant","timestamp":"2026-01-01T00:00:00Z","requestId":"r1","message":{"id":"m1","model":"x","content":[{"type":"text","text":"` + big + `"}],"usage":{"output_tokens":5}}}`)
	if err := os.WriteFile(path, []byte(l+l), 0o644); err != nil {
		t.Fatal(err)
	}
	e, off, err := TailTranscript(path, 0)
	if err != nil || len(e) != 2 || off != int64(2*len(l)) || e[1].Output != 5 {
		t.Fatalf("TailTranscript = %d entries, offset %d, %v", len(e), off, err)
	}
}

// progressLine is a parent-transcript agent_progress line embedding one
// request of agent id.
func progressLine(agent, msgID, reqID string, out int) string {
	return line(`{"type":"progress","sessionId":"s1","timestamp":"2026-01-01T00:00:05Z","data":{"type":"agent_progress","agentId":"` + agent +
		`","message":{"type":"assistant","timestamp":"2026-01-01T00:00:04Z","requestId":"` + reqID + `","message":{"id":"` + msgID +
		`","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":` + strconv.Itoa(out) + `}}}}}`)
}

func TestSubagentFilesOrProgressNeverBoth(t *testing.T) {
	dir := t.TempDir()
	main := filepath.Join(dir, "s1.jsonl")
	body := line(`{"type":"assistant","sessionId":"s1","timestamp":"2026-01-01T00:00:00Z","requestId":"r0","message":{"id":"m0","model":"claude-opus-4-6","usage":{"output_tokens":1}}}`) +
		progressLine("withfile", "mA", "rA", 1) + progressLine("nofile", "mB", "rB", 1)
	sub := line(`{"type":"assistant","sessionId":"s1","isSidechain":true,"agentId":"withfile","timestamp":"2026-01-01T00:00:04Z","requestId":"rA","message":{"id":"mA","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":111}}}`)
	legacy := line(`{"type":"assistant","sessionId":"s1","isSidechain":true,"agentId":"old","timestamp":"2026-01-01T00:00:04Z","requestId":"rC","message":{"id":"mC","model":"claude-haiku-4-5","usage":{"output_tokens":2}}}`)
	other := line(`{"type":"assistant","sessionId":"s2","isSidechain":true,"agentId":"o2","timestamp":"2026-01-01T00:00:04Z","requestId":"rD","message":{"id":"mD","model":"claude-haiku-4-5","usage":{"output_tokens":2}}}`)
	mustWrite(t, main, body)
	mustWrite(t, filepath.Join(dir, "s1", "subagents", "agent-withfile.jsonl"), sub)
	mustWrite(t, filepath.Join(dir, "agent-old.jsonl"), legacy)
	mustWrite(t, filepath.Join(dir, "agent-o2.jsonl"), other)

	entries, _, err := ReadSession(main)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]capture.UsageEntry{}
	for _, e := range entries {
		if _, dup := got[e.Key]; dup {
			t.Errorf("ReadSession counted %s twice", e.Key)
		}
		got[e.Key] = e
	}
	if e := got["mA:rA"]; e.Output != 111 || !e.Sidechain || e.AgentID != "withfile" {
		t.Errorf("agent with a file: %+v, want the file's entry (111 output), not the progress copy", e)
	}
	if e := got["mB:rB"]; e.Output != 1 || !e.Sidechain || e.AgentID != "nofile" {
		t.Errorf("agent without a file: %+v, want the progress entry", e)
	}
	if _, ok := got["mC:rC"]; !ok {
		t.Errorf("legacy agent-old.jsonl of the same session not read")
	}
	if _, ok := got["mD:rD"]; ok {
		t.Errorf("agent file of another session read")
	}
	if len(entries) != 4 {
		t.Errorf("ReadSession: %d entries, want 4", len(entries))
	}

	// The tail applies the same rule.
	tailed, _, err := TailTranscript(main, 0)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range tailed {
		keys = append(keys, e.Key)
	}
	if !slices.Equal(keys, []string{"m0:r0", "mB:rB"}) {
		t.Errorf("TailTranscript keys = %v, want [m0:r0 mB:rB]", keys)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSyntheticLinesAreEntriesTaggedSynthetic(t *testing.T) {
	path := testutil.Fixture(t, "claude-code/transcripts/entireio-cli/73/7e6e3ea2ad/0/full.jsonl")
	entries, info, err := ReadSession(path)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Model == SyntheticModel {
			n++
			if e.Key != "" || e.Total() != 0 {
				t.Errorf("synthetic entry %+v, want no key and no tokens", e)
			}
		}
	}
	if n != 1 || slices.Contains(info.Models, SyntheticModel) {
		t.Errorf("%d synthetic entries, models %v; want 1 and not listed", n, info.Models)
	}
}

func TestIsVersion(t *testing.T) {
	for s, want := range map[string]bool{"2.1.38": true, "1.0.0-beta": true, "10.20.3": true, "2.1": false, "v2.1.3": false, "": false, "2..3": false, "2.1.x": false} {
		if got := isVersion(s); got != want {
			t.Errorf("isVersion(%q) = %v, want %v", s, got, want)
		}
	}
}
