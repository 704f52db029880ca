package hookrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestBadInput: every kind of bad input exits 0, logs the problem under
// .git/tracevault/hook.log and loses nothing recorded before, both in
// process and through the built binary.
func TestBadInput(t *testing.T) {
	big := strings.Repeat("x", 100<<20)
	tests := []struct {
		name  string
		stdin func(repo string) []byte
		// logs is a substring hook.log must gain.
		logs string
		// recorded says whether the input itself gets a record.
		recorded bool
	}{
		{"malformed JSON", func(string) []byte { return []byte(`{"session_id":"s1","hook_event_name":`) }, "not a JSON object", true},
		{"not an object", func(string) []byte { return []byte(`[1,2,3]`) }, "not a JSON object", true},
		{"empty stdin", func(string) []byte { return nil }, "empty stdin", true},
		{"whitespace stdin", func(string) []byte { return []byte(" \n\t") }, "empty stdin", true},
		{"binary garbage", func(string) []byte { return []byte("\xff\xfe\x00\x01{") }, "not a JSON object", true},
		{"missing transcript", func(repo string) []byte {
			return ev(repo, "s1", "Stop", map[string]any{"transcript_path": filepath.Join(repo, "nope.jsonl")})
		}, "nope.jsonl", true},
		{"unreadable transcript", func(repo string) []byte {
			return ev(repo, "s1", "Stop", map[string]any{"transcript_path": repo}) // a directory
		}, "reading transcript", true},
		{"100 MB Write payload", func(repo string) []byte {
			return ev(repo, "s1", "PostToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "toolu_big",
				"tool_input":    map[string]any{"file_path": filepath.Join(repo, "big.txt"), "content": big},
				"tool_response": map[string]any{"type": "create", "filePath": filepath.Join(repo, "big.txt"), "content": big}})
		}, "truncated", true},
		{"oversized payload with escapes", func(repo string) []byte {
			return ev(repo, "s1", "PostToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "toolu_esc",
				"tool_input":    map[string]any{"command": "cat big"},
				"tool_response": map[string]any{"stdout": strings.Repeat("é\"\\\n\u2028<&\x01", 300<<10)}})
		}, "truncated", true},
		{"non-UTF-8 path", func(repo string) []byte {
			p := ev(repo, "s1", "PostToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "toolu_bad_utf8",
				"tool_input": map[string]any{"file_path": filepath.Join(repo, "PLACEHOLDER"), "content": "x\n"}})
			return bytes.Replace(p, []byte("PLACEHOLDER"), []byte("caf\xe9-\xff.txt"), 1)
		}, "", true},
	}
	for _, via := range []string{"in-process", "binary"} {
		for _, tt := range tests {
			t.Run(via+"/"+tt.name, func(t *testing.T) {
				if via == "binary" && strings.HasPrefix(tt.name, "100 MB") && testing.Short() {
					t.Skip("short mode")
				}
				repo := newRepo(t)
				good := ev(repo, "s1", "UserPromptSubmit", map[string]any{"prompt": "before"})
				if code, _ := run(t, repo, good); code != 0 {
					t.Fatalf("good payload: exit %d", code)
				}
				stdin := tt.stdin(repo)
				var code int
				if via == "binary" {
					code, _ = runBin(t, repo, stdin)
				} else {
					code, _ = run(t, repo, stdin)
				}
				if code != 0 {
					t.Errorf("exit %d, want 0", code)
				}
				if log := hookLog(t, repo); !strings.Contains(log, tt.logs) || (tt.logs != "" && log == "") {
					t.Errorf("hook.log = %q, want it to mention %q", log, tt.logs)
				}
				// A later event is still recorded after the bad one.
				if code, _ := run(t, repo, ev(repo, "s1", "UserPromptSubmit", map[string]any{"prompt": "after"})); code != 0 {
					t.Fatalf("good payload after: exit %d", code)
				}
				all := allRecords(t, repo)
				if all.Skipped != 0 {
					t.Errorf("%d spool lines do not parse", all.Skipped)
				}
				prompts := 0
				for _, r := range all.Records {
					if p := payloadField(r, "prompt"); p == "before" || p == "after" {
						prompts++
					}
					if len(r.Payload) > 1<<20 {
						t.Errorf("a record keeps a payload of %d bytes", len(r.Payload))
					}
				}
				if prompts != 2 {
					t.Errorf("records of the good payloads = %d, want 2", prompts)
				}
				if want := 2; tt.recorded {
					want = 3
					if len(all.Records) != want {
						t.Errorf("records = %d, want %d", len(all.Records), want)
					}
				}
			})
		}
	}
}

// allRecords reads every session's spool in repo.
func allRecords(t *testing.T, repo string) spool.ReadResult {
	t.Helper()
	names, err := spoolDir(repo).Sessions()
	if err != nil {
		t.Fatal(err)
	}
	var all spool.ReadResult
	for _, n := range names {
		r, err := spoolDir(repo).Read(n)
		if err != nil {
			t.Fatal(err)
		}
		all.Records = append(all.Records, r.Records...)
		all.Skipped += r.Skipped
	}
	return all
}

// TestConcurrentHookProcesses: 16 hook processes in parallel, 50 events
// each (tool calls of one session, Bash ones scanning the work tree), lose
// and duplicate nothing.
func TestConcurrentHookProcesses(t *testing.T) {
	repo := newRepo(t)
	const procs, events = 16, 50
	var wg sync.WaitGroup
	errs := make(chan string, procs*events)
	for p := 0; p < procs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < events; i++ {
				tool, event := "Read", "PostToolUse"
				if i%5 == 0 {
					tool, event = "Bash", "PreToolUse"
				}
				id := fmt.Sprintf("toolu_%02d_%02d", p, i)
				in := ev(repo, "shared", event, map[string]any{"tool_name": tool, "tool_use_id": id,
					"tool_input": map[string]any{"file_path": "hello.go", "command": "true"}})
				if code, stderr := runBin(t, repo, in); code != 0 {
					errs <- fmt.Sprintf("%s: exit %d: %s", id, code, stderr)
				}
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	res := records(t, repo, "shared")
	seen := map[string]int{}
	for _, r := range res.Records {
		seen[payloadField(r, "tool_use_id")]++
	}
	if res.Skipped != 0 || len(res.Records) != procs*events || len(seen) != procs*events {
		t.Errorf("spool: %d records, %d distinct, %d skipped; want %d, %d, 0", len(res.Records), len(seen), res.Skipped, procs*events, procs*events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s recorded %d times", id, n)
		}
	}
	if s := assembleSession(t, repo, "shared"); len(s.ToolCalls) != procs*events {
		t.Errorf("assembled tool calls = %d, want %d", len(s.ToolCalls), procs*events)
	}
}

// TestKilledHooks SIGKILLs hook processes at random instants: every record
// of a process that exited 0 is present exactly once, and the spool parses
// (a torn line of a killed process is skipped, never glued to the next).
func TestKilledHooks(t *testing.T) {
	repo := newRepo(t)
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	pad := strings.Repeat("y", 256<<10) // a bigger record widens the write window
	acked := map[string]bool{}
	killed := 0
	n := 120
	if testing.Short() {
		n = 30
	}
	// Kill at instants spread over 1.5 times a hook's run time, so that
	// some finish and the others die at every stage.
	start := time.Now()
	runBin(t, repo, ev(repo, "k", "SessionStart", map[string]any{"pad": pad}))
	window := int64(time.Since(start) * 3 / 2)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("toolu_k%03d", i)
		in := ev(repo, "k", "PostToolUse", map[string]any{"tool_name": "Read", "tool_use_id": id,
			"tool_input": map[string]any{"file_path": "hello.go", "pad": pad}})
		cmd := exec.Command(hookBin, "--agent", "claude-code")
		cmd.Dir = repo
		cmd.Stdin = bytes.NewReader(in)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int63n(window))
		time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		if err == nil {
			acked[id] = true
		} else {
			killed++
		}
	}
	t.Logf("%d of %d hooks killed, %d exited 0", killed, n, len(acked))
	// One more event after the kills must land intact.
	if code, _ := runBin(t, repo, ev(repo, "k", "Stop", nil)); code != 0 {
		t.Fatalf("final hook: exit %d", code)
	}
	res := records(t, repo, "k")
	seen := map[string]int{}
	stops := 0
	for _, r := range res.Records {
		seen[payloadField(r, "tool_use_id")]++
		if payloadField(r, "hook_event_name") == "Stop" {
			stops++
		}
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged record %s present %d times", id, seen[id])
		}
	}
	for id, c := range seen {
		if id != "" && c > 1 {
			t.Errorf("record %s present %d times", id, c)
		}
	}
	if stops != 1 {
		t.Errorf("final Stop record present %d times, want 1", stops)
	}
	if res.Skipped > killed {
		t.Errorf("%d torn lines from %d killed hooks", res.Skipped, killed)
	}
}

// TestHalfWrittenTranscriptLine: a usage line still being written at Stop is
// read at SessionEnd, once.
func TestHalfWrittenTranscriptLine(t *testing.T) {
	repo := newRepo(t)
	tr := filepath.Join(t.TempDir(), "s.jsonl")
	line := func(msg string, in, out int) string {
		return fmt.Sprintf(`{"type":"assistant","timestamp":"2026-11-27T10:00:00Z","requestId":"req_%s","message":{"id":"%s","model":"claude-sonnet-4-5","usage":{"input_tokens":%d,"output_tokens":%d}}}`+"\n", msg, msg, in, out)
	}
	first, second := line("msg_1", 10, 20), line("msg_2", 30, 40)
	half := len(second) / 2
	writeFile(t, tr, first+second[:half])
	fields := map[string]any{"transcript_path": tr}
	for _, e := range []string{"SessionStart", "Stop"} {
		if code, _ := run(t, repo, ev(repo, "s", e, fields)); code != 0 {
			t.Fatalf("%s: exit %d", e, code)
		}
	}
	f, err := os.OpenFile(tr, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(second[half:])
	f.Close()
	for _, e := range []string{"Stop", "SessionEnd"} {
		if code, _ := run(t, repo, ev(repo, "s", e, fields)); code != 0 {
			t.Fatalf("%s: exit %d", e, code)
		}
	}
	var keys []string
	for _, r := range records(t, repo, "s").Records {
		for _, u := range r.Usage {
			keys = append(keys, u.Key)
		}
	}
	if strings.Join(keys, ",") != "msg_1:req_msg_1,msg_2:req_msg_2" {
		t.Errorf("usage entries recorded = %v, want msg_1 then msg_2, once each", keys)
	}
	s := assembleSession(t, repo, "s")
	if want := (capture.Tokens{Input: 40, Output: 60}); s.Total.Tokens != want {
		t.Errorf("session total = %+v, want %+v", s.Total.Tokens, want)
	}
}

// TestRedaction: a secret in a prompt, a tool input, a file's content (via
// Write, Edit and a Bash command) and a transcript never reaches the spool,
// the blobs, the state or the log.
func TestRedaction(t *testing.T) {
	const secret = "AKIAQ7XK4ZLMN2PRS5TV"
	repo := newRepo(t)
	tr := filepath.Join(t.TempDir(), "s.jsonl")
	writeFile(t, tr, `{"type":"assistant","message":{"id":"m","content":[{"type":"tool_use","id":"toolu_t","name":"Bash","input":{"command":"echo `+secret+`"}}]}}`+"\n"+
		`{"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_t","is_error":true,"content":"bad key `+secret+`"}]}}`+"\n")
	fields := func(m map[string]any) map[string]any {
		m["transcript_path"] = tr
		return m
	}
	secretFile := filepath.Join(repo, "creds.txt")
	content := "aws_key = " + secret + "\n"
	steps := []struct {
		event  string
		fields map[string]any
		before func()
	}{
		{"UserPromptSubmit", map[string]any{"prompt": "use " + secret}, nil},
		{"PreToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "toolu_b", "tool_input": map[string]any{"command": "echo " + secret + " > made.txt"}}, nil},
		{"PostToolUse", map[string]any{"tool_name": "Bash", "tool_use_id": "toolu_b", "tool_input": map[string]any{"command": "echo " + secret + " > made.txt"}},
			func() { writeFile(t, filepath.Join(repo, "made.txt"), secret+"\n") }},
		{"PostToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "toolu_w",
			"tool_input":    map[string]any{"file_path": secretFile, "content": content},
			"tool_response": map[string]any{"type": "create", "filePath": secretFile, "content": content}},
			func() { writeFile(t, secretFile, content) }},
		{"PostToolUse", map[string]any{"tool_name": "Edit", "tool_use_id": "toolu_e",
			"tool_input": map[string]any{"file_path": secretFile, "old_string": "aws_key", "new_string": "key"},
			"tool_response": map[string]any{"filePath": secretFile, "originalFile": content,
				"structuredPatch": []any{map[string]any{"oldStart": 1, "oldLines": 1, "newStart": 1, "newLines": 1,
					"lines": []string{"-" + strings.TrimSuffix(content, "\n"), "+key = " + secret}}}}},
			func() { writeFile(t, secretFile, "key = "+secret+"\n") }},
		{"Stop", map[string]any{}, nil},
		{"garbage", nil, nil},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		in := []byte("not json " + secret)
		if st.fields != nil {
			in = ev(repo, "s", st.event, fields(st.fields))
		}
		if code, _ := run(t, repo, in); code != 0 {
			t.Fatalf("%s: exit %d", st.event, code)
		}
	}
	s := assembleSession(t, repo, "s")
	if len(s.Edits) < 3 {
		t.Errorf("edits = %+v, want the Bash, Write and Edit ones", s.Edits)
	}
	for _, e := range s.Edits {
		if e.After == "" {
			t.Errorf("edit of %s by %s has no content hash", e.Path, e.Tool)
		}
	}
	grepTree(t, filepath.Join(repo, ".git", "tracevault"), secret)
}

// TestFixturePayloads: every recorded Claude Code payload under
// shared/fixtures/claude-code/hooks is accepted by the full hook: exit 0, a
// valid record per payload, and assembly raises no problem.
func TestFixturePayloads(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testutil.Fixture(t, "claude-code/hooks"), "*", "logs", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture payloads: %v", err)
	}
	total := 0
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(filepath.Dir(f)))+"/"+filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var payloads []json.RawMessage
			if err := json.Unmarshal(b, &payloads); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			repo := newRepo(t)
			sessions := map[string]bool{}
			for i, p := range payloads {
				if code, out := run(t, repo, p); code != 0 || out != "" {
					t.Errorf("payload %d: exit %d, stdout %q", i, code, out)
				}
				var id struct {
					SessionID string `json:"session_id"`
				}
				_ = json.Unmarshal(p, &id)
				sessions[id.SessionID] = true
			}
			n := 0
			for sid := range sessions {
				res := records(t, repo, sid)
				n += len(res.Records)
				for _, r := range res.Records {
					if r.Invalid != "" {
						t.Errorf("session %s: record invalid: %s", sid, r.Invalid)
					}
				}
				if s := assembleSession(t, repo, sid); len(s.ToolCalls) == 0 && strings.Contains(f, "tool_use") {
					t.Errorf("session %s: no tool calls assembled", sid)
				}
				if s := assembleSession(t, repo, sid); len(s.Problems) > 0 {
					t.Errorf("session %s: problems %v", sid, s.Problems)
				}
			}
			if n != len(payloads) {
				t.Logf("hook.log:\n%s", hookLog(t, repo))
				t.Errorf("%d records for %d payloads", n, len(payloads))
			}
			total += n
		})
	}
	t.Logf("%d fixture payloads recorded", total)
}
