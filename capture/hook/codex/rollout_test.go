package codex

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

func fixtureRollouts(t *testing.T) []string {
	t.Helper()
	dir := testutil.Fixture(t, "codex/rollouts")
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".jsonl") {
			out = append(out, p)
		}
		return err
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("no codex rollout fixtures under %s: %v", dir, err)
	}
	return out
}

// sumByModel adds up usage entries per model.
func sumByModel(entries []capture.UsageEntry) map[string]capture.Tokens {
	out := map[string]capture.Tokens{}
	for _, e := range entries {
		out[e.Model] = out[e.Model].Add(e.Tokens)
	}
	return out
}

// fromCCUsage maps ccusage's codex report to capture.Tokens. ccusage 20
// already reports input without cached tokens (like capture.Tokens) but
// splits cache writes out of input; TraceVault keeps them in Input, since
// OpenAI bills them as input. Output includes reasoning in both.
func fromCCUsage(m map[string]ccModel) map[string]capture.Tokens {
	out := map[string]capture.Tokens{}
	for model, u := range m {
		out[model] = capture.Tokens{Input: u.InputTokens + u.CacheCreationTokens, CacheRead: u.CacheReadTokens, Output: u.OutputTokens}
	}
	return out
}

// TestRolloutFixturesMatchCCUsage parses every rollout fixture and checks
// its per-model token totals against ccusage 20.0.24 run on the same files.
func TestRolloutFixturesMatchCCUsage(t *testing.T) {
	files := fixtureRollouts(t)
	data := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data[filepath.Base(f)] = b
	}
	want := ccusageCodex(t, data)
	for name, b := range data {
		t.Run(name, func(t *testing.T) {
			r, err := ParseRollout(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("ParseRollout: %v", err)
			}
			if r.BadLines != 0 || r.SessionID == "" || r.CLIVersion == "" || len(r.ToolCalls) == 0 {
				t.Errorf("ParseRollout = session %q, version %q, %d tool calls, %d bad lines", r.SessionID, r.CLIVersion, len(r.ToolCalls), r.BadLines)
			}
			cc, ok := want[strings.TrimSuffix(name, ".jsonl")]
			if !ok {
				t.Fatalf("ccusage reported no session for %s", name)
			}
			if diff := cmp.Diff(fromCCUsage(cc), sumByModel(r.Usage)); diff != "" {
				t.Errorf("usage per model differs from ccusage (-ccusage +ours):\n%s", diff)
			}
			// Tailing line by line in odd chunks gives the same entries.
			if diff := cmp.Diff(r.Usage, tailInChunks(t, b)); diff != "" {
				t.Errorf("TailUsage differs from ParseRollout (-parse +tail):\n%s", diff)
			}
		})
	}
}

// tailInChunks appends data to a file in uneven pieces (cutting lines in
// half) and calls TailUsage after each, returning all entries.
func tailInChunks(t *testing.T, data []byte) []capture.UsageEntry {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rollout.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var state []byte
	var all []capture.UsageEntry
	for off, step := 0, 1; off < len(data); step = step*3 + 7 {
		end := min(off+step%40000+1, len(data))
		if _, err := f.Write(data[off:end]); err != nil {
			t.Fatal(err)
		}
		off = end
		entries, st, err := TailUsage(path, state)
		if err != nil {
			t.Fatalf("TailUsage: %v", err)
		}
		state = st
		all = append(all, entries...)
	}
	// A repeated call with nothing new adds nothing.
	entries, _, err := TailUsage(path, state)
	if err != nil || len(entries) != 0 {
		t.Fatalf("TailUsage at end = %d entries, %v; want none", len(entries), err)
	}
	return all
}

// rollout169 is a trimmed 0.169.0 rollout, shaped after one the real
// codex-cli 0.169.0 wrote against the scripted stand-in: session_meta,
// world_state, turn_context, a custom_tool_call apply_patch, its
// token_usage_record, item_completed FileChange, token_count, then an
// exec_command with a cache write, and a repeated token_count.
const rollout169 = `{"timestamp":"2026-11-27T23:03:54.674Z","ordinal":0,"type":"session_meta","payload":{"session_id":"s1","id":"s1","cwd":"/repo","originator":"codex_exec","cli_version":"0.169.0","source":"exec"}}
{"timestamp":"2026-11-27T23:03:54.700Z","ordinal":1,"type":"world_state","payload":{"full":true,"state":{}}}
{"timestamp":"2026-11-27T23:03:54.701Z","ordinal":2,"type":"turn_context","payload":{"turn_id":"t1","cwd":"/repo","model":"gpt-5.5"}}
{"timestamp":"2026-11-27T23:03:54.800Z","ordinal":3,"type":"response_item","payload":{"type":"custom_tool_call","id":"fc1","status":"completed","call_id":"call1","name":"apply_patch","input":"*** Begin Patch\n*** Add File: hello.py\n+print('hello')\n*** End Patch"}}
{"timestamp":"2026-11-27T23:03:54.801Z","ordinal":4,"type":"token_usage_record","payload":{"response_id":"resp_1","usage":{"input_tokens":1000,"cached_input_tokens":100,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10,"total_tokens":1050},"thread_token_usage":{"input_tokens":1000,"cached_input_tokens":100,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10,"total_tokens":1050}}}
{"timestamp":"2026-11-27T23:03:54.802Z","ordinal":5,"type":"event_msg","payload":{"type":"item_completed","turn_id":"t1","item":{"type":"FileChange","id":"call1","changes":{"/repo/hello.py":{"type":"add","content":"print('hello')\n"}},"status":"completed"}}}
{"timestamp":"2026-11-27T23:03:54.803Z","ordinal":6,"type":"response_item","payload":{"type":"custom_tool_call_output","call_id":"call1","output":"Exit code: 0\nOutput:\nSuccess. Updated the following files:\nA hello.py\n"}}
{"timestamp":"2026-11-27T23:03:54.804Z","ordinal":7,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":100,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10,"total_tokens":1050},"last_token_usage":{"input_tokens":1000,"cached_input_tokens":100,"cache_write_input_tokens":0,"output_tokens":50,"reasoning_output_tokens":10,"total_tokens":1050}}}}
{"timestamp":"2026-11-27T23:03:54.900Z","ordinal":8,"type":"response_item","payload":{"type":"function_call","id":"fc2","name":"exec_command","arguments":"{\"cmd\":\"echo more > other.txt\"}","call_id":"call2"}}
{"timestamp":"2026-11-27T23:03:54.901Z","ordinal":9,"type":"token_usage_record","payload":{"response_id":"resp_2","usage":{"input_tokens":3000,"cached_input_tokens":1900,"cache_write_input_tokens":50,"output_tokens":70,"reasoning_output_tokens":30,"total_tokens":3070},"thread_token_usage":{"input_tokens":4000,"cached_input_tokens":2000,"cache_write_input_tokens":50,"output_tokens":120,"reasoning_output_tokens":40,"total_tokens":4120}}}
{"timestamp":"2026-11-27T23:03:54.902Z","ordinal":10,"type":"response_item","payload":{"type":"function_call_output","call_id":"call2","output":"Process exited with code 0\n"}}
{"timestamp":"2026-11-27T23:03:54.903Z","ordinal":11,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":4000,"cached_input_tokens":2000,"cache_write_input_tokens":50,"output_tokens":120,"reasoning_output_tokens":40,"total_tokens":4120},"last_token_usage":{"input_tokens":3000,"cached_input_tokens":1900,"cache_write_input_tokens":50,"output_tokens":70,"reasoning_output_tokens":30,"total_tokens":3070}}}}
{"timestamp":"2026-11-27T23:03:54.904Z","ordinal":12,"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":4000,"cached_input_tokens":2000,"cache_write_input_tokens":50,"output_tokens":120,"reasoning_output_tokens":40,"total_tokens":4120},"last_token_usage":{"input_tokens":3000,"cached_input_tokens":1900,"cache_write_input_tokens":50,"output_tokens":70,"reasoning_output_tokens":30,"total_tokens":3070}}}}
`

func TestParseRollout169(t *testing.T) {
	r, err := ParseRollout(strings.NewReader(rollout169))
	if err != nil {
		t.Fatal(err)
	}
	wantUsage := []capture.UsageEntry{
		{Key: "codex:s1:total:1000/100/50/10", Time: mustTime(t, "2026-11-27T23:03:54.804Z"), Model: "gpt-5.5", Tokens: capture.Tokens{Input: 900, CacheRead: 100, Output: 50}},
		{Key: "codex:s1:total:4000/2000/120/40", Time: mustTime(t, "2026-11-27T23:03:54.903Z"), Model: "gpt-5.5", Tokens: capture.Tokens{Input: 1100, CacheRead: 1900, Output: 70}},
	}
	if diff := cmp.Diff(wantUsage, r.Usage); diff != "" {
		t.Errorf("Usage (-want +got):\n%s", diff)
	}
	if r.SessionID != "s1" || r.Cwd != "/repo" || r.CLIVersion != "0.169.0" || !cmp.Equal(r.Models, []string{"gpt-5.5"}) {
		t.Errorf("identity = %q %q %q %v", r.SessionID, r.Cwd, r.CLIVersion, r.Models)
	}
	if len(r.ToolCalls) != 2 || r.ToolCalls[0].Kind != capture.ToolFileEdit || r.ToolCalls[1].Kind != capture.ToolShell ||
		!strings.Contains(r.ToolCalls[0].Output, "Success") || r.ToolCalls[1].TurnID != "t1" {
		t.Errorf("ToolCalls = %+v", r.ToolCalls)
	}
	content := "print('hello')\n"
	wantEdits := []capture.FileEdit{{ToolUseID: "call1", Tool: "apply_patch", Time: mustTime(t, "2026-11-27T23:03:54.802Z"), Path: "hello.py", Op: capture.OpCreate, Added: 1, Model: "gpt-5.5", Content: &content}}
	if diff := cmp.Diff(wantEdits, r.FileChanges); diff != "" {
		t.Errorf("FileChanges (-want +got):\n%s", diff)
	}
}

// TestRolloutCompaction checks that a token_usage_record counts only when
// a compacted line names it and no token_count accounted for it.
func TestRolloutCompaction(t *testing.T) {
	lines := `{"timestamp":"2026-01-01T00:00:00Z","type":"session_meta","payload":{"id":"s2"}}
{"timestamp":"2026-01-01T00:00:01Z","type":"token_usage_record","payload":{"response_id":"cmp_1","usage":{"input_tokens":500,"cached_input_tokens":0,"output_tokens":40,"reasoning_output_tokens":0,"total_tokens":540}}}
{"timestamp":"2026-01-01T00:00:02Z","type":"compacted","payload":{"message":"summary","compaction_response_id":"cmp_1"}}
{"timestamp":"2026-01-01T00:00:03Z","type":"compacted","payload":{"message":"again","compaction_response_id":"cmp_1"}}
`
	r, err := ParseRollout(strings.NewReader(lines))
	if err != nil {
		t.Fatal(err)
	}
	want := []capture.UsageEntry{{Key: "codex:s2:response:cmp_1", Time: mustTime(t, "2026-01-01T00:00:01Z"), Model: DefaultModel, Tokens: capture.Tokens{Input: 500, Output: 40}}}
	if diff := cmp.Diff(want, r.Usage); diff != "" {
		t.Errorf("Usage (-want +got):\n%s", diff)
	}
}

// TestRolloutResumeReset checks a resumed session that repeats its last
// total and one whose counter restarts.
func TestRolloutResumeReset(t *testing.T) {
	tc := func(in, out, lastIn, lastOut int) string {
		return `{"timestamp":"2026-01-01T00:00:00Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":` +
			itoa(in) + `,"output_tokens":` + itoa(out) + `},"last_token_usage":{"input_tokens":` + itoa(lastIn) + `,"output_tokens":` + itoa(lastOut) + `}}}}` + "\n"
	}
	text := tc(100, 10, 100, 10) + tc(100, 10, 100, 10) + tc(250, 30, 150, 20) + tc(250, 30, 150, 20) + tc(40, 5, 40, 5)
	r, err := ParseRollout(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	got := sumByModel(r.Usage)[DefaultModel]
	want := capture.Tokens{Input: 290, Output: 35}
	if got != want || len(r.Usage) != 3 {
		t.Errorf("usage = %+v in %d entries, want %+v in 3", got, len(r.Usage), want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestDefaultPaths(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	getenv := func(k string) string { return env[k] }
	if got := DefaultPaths(getenv); !cmp.Equal(got, []string{"/home/u/.codex/sessions", "/home/u/.codex/archived_sessions"}) {
		t.Errorf("DefaultPaths = %v", got)
	}
	env["CODEX_HOME"] = "/c"
	if got := DefaultPaths(getenv); !cmp.Equal(got, []string{"/c/sessions", "/c/archived_sessions"}) {
		t.Errorf("DefaultPaths with CODEX_HOME = %v", got)
	}
	dirs := []string{filepath.Dir(fixtureRollouts(t)[0]), "/nonexistent"}
	if got, err := FindRollouts(dirs); err != nil || len(got) != 3 {
		t.Errorf("FindRollouts = %v, %v; want the 3 fixtures", got, err)
	}
}
