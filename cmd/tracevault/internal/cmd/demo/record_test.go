package demo

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
	"github.com/tracevault/tracevault/internal/testutil"
)

// TestRecordDemoSession re-records the demo's session with the real Claude
// Code CLI (driven offline by the scripted API stand-in) when
// TRACEVAULT_RECORD_DEMO=1; otherwise it checks that the embedded
// recording is complete and replayable.
func TestRecordDemoSession(t *testing.T) {
	if os.Getenv("TRACEVAULT_RECORD_DEMO") != "1" {
		s, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Events) < 8 || len(s.Transcript) == 0 {
			t.Fatalf("recorded demo session has %d events and %d transcript bytes", len(s.Events), len(s.Transcript))
		}
		return
	}
	repo := testutil.NewRepo(t)
	for p, c := range BaseFiles {
		write(t, filepath.Join(repo, p), c)
	}
	testutil.Git(t, repo, "add", ".")
	testutil.Git(t, repo, "commit", "-q", "-m", "Start the greeter")
	dump := t.TempDir()
	rec := `p=$(cat); n=$(ls ` + dump + ` | wc -l); f=` + dump + `/$(printf %04d $n); printf '%s' "$p" > $f.json; tar -C ` + repo + ` --exclude=.git --exclude=.claude -cf $f.tar .`
	hooks := map[string]any{}
	for _, ev := range []string{"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PostToolUseFailure", "SubagentStop", "Stop", "SessionEnd"} {
		hooks[ev] = []any{map[string]any{"hooks": []any{map[string]any{"type": "command", "command": rec}}}}
	}
	settings, _ := json.Marshal(map[string]any{"hooks": hooks})
	write(t, filepath.Join(repo, ".claude", "settings.json"), string(settings))

	greet := filepath.Join(repo, "greet", "greet.go")
	main := filepath.Join(repo, "main.go")
	sonnet := "claude-sonnet-4-5"
	srv := anthropic.New(t, anthropic.Script{Steps: []anthropic.Step{
		{Model: sonnet, Usage: anthropic.Usage{InputTokens: 1200, OutputTokens: 310, CacheCreation1h: 8200, CacheRead: 0},
			Blocks: []anthropic.Block{anthropic.Text("I'll add a greet package."), anthropic.ToolUse("Write", map[string]any{"file_path": greet, "content": GreetGo})}},
		{Model: sonnet, Usage: anthropic.Usage{InputTokens: 40, OutputTokens: 190, CacheCreation5m: 600, CacheRead: 8200},
			Blocks: []anthropic.Block{anthropic.ToolUse("Edit", map[string]any{"file_path": main, "old_string": "\tfmt.Println(\"hello\")", "new_string": "\tfmt.Println(greet.Hello(\"world\"))"})}},
		{Model: sonnet, Usage: anthropic.Usage{InputTokens: 35, OutputTokens: 120, CacheRead: 8800},
			Blocks: []anthropic.Block{anthropic.ToolUse("Bash", map[string]any{"command": "sed -i 's|import \"fmt\"|import (\\n\\t\"fmt\"\\n\\n\\t\"example.com/greeter/greet\"\\n)|' " + main, "description": "Add the import"})}},
		{Model: sonnet, Usage: anthropic.Usage{InputTokens: 30, OutputTokens: 80, CacheRead: 9000},
			Blocks: []anthropic.Block{anthropic.Text("Added greet.Hello and used it from main.")}},
	}})
	res := claudecli.Run(t, claudecli.Options{Dir: repo, Prompt: "Add a greet package with Hello(name) and use it from main.go", BaseURL: srv.URL,
		AllowedTools: []string{"Write", "Edit", "Bash"}})
	if res.ExitCode != 0 {
		t.Fatalf("claude exited %d: %s", res.ExitCode, res.Stderr)
	}
	transcript, err := os.ReadFile(res.Transcript)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dump, "*.json"))
	sort.Strings(names)
	var out bytes.Buffer
	for _, n := range names {
		payload, _ := os.ReadFile(n)
		files := untar(t, strings.TrimSuffix(n, ".json")+".tar")
		p := strings.ReplaceAll(string(payload), res.Transcript, "{{TRANSCRIPT}}")
		p = strings.ReplaceAll(p, repo, "{{REPO}}")
		line, _ := json.Marshal(Event{Payload: json.RawMessage(p), Files: files})
		out.Write(append(line, '\n'))
	}
	dir := filepath.Join("session")
	must(t, os.WriteFile(filepath.Join(dir, "events.jsonl"), out.Bytes(), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "transcript.jsonl"), []byte(strings.ReplaceAll(string(transcript), repo, "{{REPO}}")), 0o644))
	t.Logf("recorded %d events, usage %+v", len(names), srv.UsageByModel())
}

func untar(t *testing.T, path string) map[string]string {
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	files := map[string]string{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		must(t, err)
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, _ := io.ReadAll(tr)
		files[strings.TrimPrefix(h.Name, "./")] = string(b)
	}
}

func write(t *testing.T, p, c string) {
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(c), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
