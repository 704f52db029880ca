package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/linker"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// benchSession writes a 500-event session into the spool: for each of 20
// files, a Write of 10 lines and four Edits adding 10 lines each (50 lines a
// file, 1,000 in all), every tool call with its PreToolUse and PostToolUse
// and the observed edit with both blobs; the rest are Bash calls, prompts
// and stops. It leaves the files in the work tree.
func benchSession(tb testing.TB, e *env) {
	tb.Helper()
	d := spool.ForGitDir(filepath.Join(e.dir, ".git"))
	at := time.Now().Add(-time.Hour).UTC()
	n := 0
	add := func(payload map[string]any, obs []capture.FileEdit) {
		payload["session_id"], payload["cwd"], payload["transcript_path"] = "bench-session", e.dir, "/nonexistent"
		b, _ := json.Marshal(payload)
		at = at.Add(time.Second)
		if err := d.Append("bench-session", &spool.Record{At: at, Agent: "claude-code", Payload: b, Observed: obs}); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	put := func(s string) string {
		h, err := d.PutBlob([]byte(s))
		if err != nil {
			tb.Fatal(err)
		}
		return h
	}
	add(map[string]any{"hook_event_name": "UserPromptSubmit", "prompt": "build it"}, nil)
	tool := 0
	for f := 0; f < 20; f++ {
		rel := fmt.Sprintf("pkg/file%02d.go", f)
		abs := filepath.Join(e.dir, rel)
		content := ""
		for step := 0; step < 5; step++ {
			tool++
			id := fmt.Sprintf("toolu_%04d", tool)
			var block strings.Builder
			for l := 0; l < 10; l++ {
				fmt.Fprintf(&block, "\tx%d_%d_%d := %d // generated\n", f, step, l, l)
			}
			before := content
			content += block.String()
			name, resp := "Write", map[string]any{"type": "create", "filePath": abs, "content": content, "structuredPatch": []any{}, "originalFile": nil}
			op := capture.OpCreate
			if step > 0 {
				name, op = "Edit", capture.OpModify
				resp = map[string]any{"filePath": abs, "oldString": "x", "newString": "y", "originalFile": before, "structuredPatch": structuredPatch(before, content)}
			}
			add(map[string]any{"hook_event_name": "PreToolUse", "tool_name": name, "tool_use_id": id, "tool_input": map[string]any{"file_path": abs}}, nil)
			edit := capture.FileEdit{ToolUseID: id, Tool: name, Path: rel, Op: op, After: put(content), Added: 10}
			if step > 0 {
				edit.Before = put(before)
			}
			add(map[string]any{"hook_event_name": "PostToolUse", "tool_name": name, "tool_use_id": id, "tool_input": map[string]any{"file_path": abs}, "tool_response": resp}, []capture.FileEdit{edit})
		}
		e.write(rel, content)
	}
	for n < 499 {
		tool++
		id := fmt.Sprintf("toolu_%04d", tool)
		add(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_use_id": id, "tool_input": map[string]any{"command": "go test ./..."}}, nil)
		add(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_use_id": id, "tool_input": map[string]any{"command": "go test ./..."}, "tool_response": map[string]any{"stdout": "ok"}}, nil)
	}
	add(map[string]any{"hook_event_name": "Stop"}, nil)
}

// loadKey loads the writer key tracevault init made for this environment.
func loadKey(tb testing.TB, e *env) *sigkey.Key {
	tb.Helper()
	var found string
	_ = filepath.Walk(filepath.Join(e.home, "tv"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && found == "" {
			if _, kerr := sigkey.Load(p); kerr == nil {
				found = p
			}
		}
		return nil
	})
	k, err := sigkey.Load(found)
	if err != nil {
		tb.Fatalf("no writer key under %s: %v", e.home, err)
	}
	return k
}

// BenchmarkPostCommit compares TraceVault's post-commit work with the git
// commit it follows: a 20-file, 1,000-line commit after a 500-event
// session. It reports git commit (hooks off), the post-commit hook process
// (tracevault git-hook post-commit) and linker.PostCommit in process, and
// their ratios to the commit (goal: at most 0.5).
func BenchmarkPostCommit(b *testing.B) {
	e := newEnv(b)
	benchSession(b, e)
	e.git("add", "-A")
	ctx := context.Background()
	s := e.store()
	prices, err := pricing.Default()
	if err != nil {
		b.Fatal(err)
	}
	l := &linker.Linker{Store: s, Spool: spool.ForGitDir(filepath.Join(e.dir, ".git")), Prices: prices,
		Author: capture.Identity{Name: "Test Dev", Email: "dev@example.com"},
		Writer: &record.Writer{Store: s, Key: loadKey(b, e), Identity: gitstore.Signature{Name: "Test Dev", Email: "dev@example.com"}, Now: time.Now}}
	var commitT, hookT, linkT time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		e.git("-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", fmt.Sprintf("bench %d", i))
		t1 := time.Now()
		e.run(nil, filepath.Join(binDir, "tracevault"), "git-hook", "post-commit")
		t2 := time.Now()
		res, err := l.PostCommit(ctx, e.head(), nil)
		t3 := time.Now()
		if err != nil || res.Attr == nil || res.Attr.AILines != 1000 {
			b.Fatalf("PostCommit = %+v, %v; want 1000 AI lines", res, err)
		}
		commitT += t1.Sub(t0)
		hookT += t2.Sub(t1)
		linkT += t3.Sub(t2)
		b.StopTimer()
		// Every iteration is the first commit after the session: forget
		// what earlier iterations committed.
		e.git("reset", "-q", "--soft", "HEAD~1")
		if err := os.Remove(e.path(".git/tracevault/state/committed.log")); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(commitT), "commit-ms")
	b.ReportMetric(ms(hookT), "hook-ms")
	b.ReportMetric(ms(linkT), "linker-ms")
	b.ReportMetric(float64(hookT)/float64(commitT), "hook/commit")
	b.ReportMetric(float64(linkT)/float64(commitT), "linker/commit")
}
