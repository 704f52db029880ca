package claudecli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
)

const (
	sonnet = "claude-sonnet-4-5"
	haiku  = "claude-haiku-4-5"
	marker = "[[tv-agent:writer]]"
)

// run is one finished scenario, handed to its check.
type run struct {
	repo  string
	res   claudecli.Result
	srv   *anthropic.Server
	hooks []hookPayload
}

type scenario struct {
	name  string
	model string
	// script returns the main script and the subagent scripts.
	script    func(repo string) (anthropic.Script, []anthropic.Script)
	wantHooks []string
	check     func(t *testing.T, r run)
}

// u is shorthand for a usage with all five counters.
func u(in, out, c5m, c1h, read int) anthropic.Usage {
	return anthropic.Usage{InputTokens: in, OutputTokens: out, CacheCreation5m: c5m, CacheCreation1h: c1h, CacheRead: read}
}

func step(model string, usage anthropic.Usage, blocks ...anthropic.Block) anthropic.Step {
	return anthropic.Step{Model: model, Usage: usage, Blocks: blocks}
}

// mainOnly makes a script field for a session without subagents.
func mainOnly(steps func(hello string) []anthropic.Step) func(string) (anthropic.Script, []anthropic.Script) {
	return func(repo string) (anthropic.Script, []anthropic.Script) {
		return anthropic.Script{Steps: steps(filepath.Join(repo, "hello.go"))}, nil
	}
}

// agentCall is the Agent tool input that starts a foreground subagent; the
// CLI runs subagents in the background unless told otherwise.
func agentCall(prompt, model string) anthropic.Block {
	in := map[string]any{"description": "Write a file", "prompt": prompt,
		"subagent_type": "general-purpose", "run_in_background": false}
	if model != "" {
		in["model"] = model
	}
	return anthropic.ToolUse("Agent", in)
}

var (
	sessionOpen  = []string{"SessionStart", "UserPromptSubmit"}
	sessionClose = []string{"Stop", "SessionEnd"}
)

func hooksOf(mid ...string) []string {
	return append(append(append([]string{}, sessionOpen...), mid...), sessionClose...)
}

func scenarios() []scenario {
	return []scenario{{
		name: "write",
		script: func(repo string) (anthropic.Script, []anthropic.Script) {
			return anthropic.Script{Steps: []anthropic.Step{
				step(sonnet, u(12, 57, 100, 2000, 40), anthropic.Thinking("Plan the file."), anthropic.Text("Writing it."),
					anthropic.ToolUse("Write", map[string]any{"file_path": filepath.Join(repo, "greet.go"), "content": "package main\n\nconst greeting = \"hi\"\n"})),
			}}, nil
		},
		wantHooks: hooksOf("PreToolUse:Write", "PostToolUse:Write", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "greet.go", "package main\n\nconst greeting = \"hi\"\n")
			p := payload(t, r.hooks, "PostToolUse")
			var resp struct {
				Type         string  `json:"type"`
				OriginalFile *string `json:"originalFile"`
			}
			decodeField(t, p, "tool_response", &resp)
			if resp.Type != "create" || resp.OriginalFile != nil {
				t.Errorf("PostToolUse Write tool_response = %+v, want type create and originalFile null", resp)
			}
		},
	}, {
		name: "edit",
		script: mainOnly(func(hello string) []anthropic.Step {
			return []anthropic.Step{step(sonnet, u(20, 30, 0, 0, 500),
				anthropic.ToolUse("Edit", map[string]any{"file_path": hello, "old_string": "func main() {}", "new_string": "func main() { println(1) }"}))}
		}),
		wantHooks: hooksOf("PreToolUse:Edit", "PostToolUse:Edit", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "hello.go", "package main\n\nfunc main() { println(1) }\n")
		},
	}, {
		name: "bash-edit",
		script: mainOnly(func(hello string) []anthropic.Step {
			return []anthropic.Step{step(sonnet, u(21, 31, 0, 0, 600),
				anthropic.ToolUse("Bash", map[string]any{"command": "sed -i 's/main() {}/main() { println(2) }/' " + hello + " && printf '// tail\\n' >> " + hello, "description": "Edit hello.go"}))}
		}),
		wantHooks: hooksOf("PreToolUse:Bash", "PostToolUse:Bash", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "hello.go", "package main\n\nfunc main() { println(2) }\n// tail\n")
		},
	}, {
		name: "failing-tools",
		script: mainOnly(func(hello string) []anthropic.Step {
			return []anthropic.Step{
				step(sonnet, u(22, 32, 0, 0, 0),
					anthropic.ToolUse("Edit", map[string]any{"file_path": hello, "old_string": "no such text", "new_string": "x"})),
				step(sonnet, u(23, 33, 0, 0, 0),
					anthropic.ToolUse("Bash", map[string]any{"command": "echo boom >&2; exit 3", "description": "Fail"})),
			}
		}),
		// A failed Edit is rejected by input validation before PreToolUse:
		// only PostToolBatch sees it. A failed Bash fires PostToolUseFailure.
		wantHooks: hooksOf("PostToolBatch",
			"PreToolUse:Bash", "PostToolUseFailure:Bash", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "hello.go", "package main\n\nfunc main() {}\n")
			if got := payload(t, r.hooks, "PostToolUseFailure"); !strings.Contains(string(got), `"error":"Exit code 3\nboom"`) {
				t.Errorf("PostToolUseFailure payload = %s, want error \"Exit code 3\\nboom\"", got)
			}
			errs := 0
			for _, tr := range toolResults(t, r.res.Transcript) {
				if tr.IsError {
					errs++
				}
			}
			if errs != 2 {
				t.Errorf("transcript holds %d tool_result with is_error, want 2", errs)
			}
		},
	}, {
		name: "subagent",
		script: func(repo string) (anthropic.Script, []anthropic.Script) {
			return anthropic.Script{Steps: []anthropic.Step{
					step(sonnet, u(30, 40, 0, 3000, 0), agentCall(marker+" Write sub.txt.", "")),
				}}, []anthropic.Script{{Marker: marker, Steps: []anthropic.Step{
					step(sonnet, u(50, 60, 700, 0, 0),
						anthropic.ToolUse("Write", map[string]any{"file_path": filepath.Join(repo, "sub.txt"), "content": "from the subagent\n"})),
				}}}
		},
		wantHooks: hooksOf("PreToolUse:Agent", "SubagentStart:general-purpose",
			"sub/PreToolUse:Write", "sub/PostToolUse:Write", "sub/PostToolBatch",
			"SubagentStop:general-purpose", "PostToolUse:Agent", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "sub.txt", "from the subagent\n")
			if len(r.res.Subagents) != 1 {
				t.Fatalf("subagent transcripts = %v, want 1", r.res.Subagents)
			}
			var stop struct {
				Path string `json:"agent_transcript_path"`
				Last string `json:"last_assistant_message"`
			}
			decodeField(t, payload(t, r.hooks, "SubagentStop"), "", &stop)
			if stop.Path != r.res.Subagents[0] || stop.Last != "Done." {
				t.Errorf("SubagentStop = %+v, want agent_transcript_path %s and last_assistant_message Done.", stop, r.res.Subagents[0])
			}
			for _, l := range readTranscript(t, r.res.Subagents[0]) {
				if l.Type == "assistant" && !l.IsSidechain {
					t.Errorf("subagent line %s has isSidechain false", l.Message.ID)
				}
			}
		},
	}, {
		name:  "two-models",
		model: sonnet,
		script: func(repo string) (anthropic.Script, []anthropic.Script) {
			return anthropic.Script{Steps: []anthropic.Step{
					step(sonnet, u(31, 41, 0, 1500, 200), agentCall(marker+" Write fast.txt.", "haiku")),
				}}, []anthropic.Script{{Marker: marker, Steps: []anthropic.Step{
					step(haiku, u(51, 61, 800, 0, 90),
						anthropic.ToolUse("Write", map[string]any{"file_path": filepath.Join(repo, "fast.txt"), "content": "haiku\n"})),
				}}}
		},
		wantHooks: hooksOf("PreToolUse:Agent", "SubagentStart:general-purpose",
			"sub/PreToolUse:Write", "sub/PostToolUse:Write", "sub/PostToolBatch",
			"SubagentStop:general-purpose", "PostToolUse:Agent", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			wantFile(t, r.repo, "fast.txt", "haiku\n")
			got := transcriptUsage(t, r.res.Subagents...)
			if _, ok := got[haiku]; !ok || len(got) != 1 {
				t.Errorf("subagent transcript models = %v, want only %s", got, haiku)
			}
			got = transcriptUsage(t, r.res.Transcript)
			if _, ok := got[sonnet]; !ok || len(got) != 1 {
				t.Errorf("main transcript models = %v, want only %s", got, sonnet)
			}
			var requested []string
			for _, e := range r.srv.Exchanges() {
				requested = append(requested, e.Route+"="+e.RequestedModel)
			}
			t.Logf("requested models: %v", requested)
		},
	}, {
		name: "deny",
		script: func(repo string) (anthropic.Script, []anthropic.Script) {
			return anthropic.Script{Steps: []anthropic.Step{
				step(sonnet, u(24, 34, 0, 0, 0),
					anthropic.ToolUse("Write", map[string]any{"file_path": filepath.Join(repo, "secret.txt"), "content": "s3cret\n"})),
			}}, nil
		},
		wantHooks: hooksOf("PreToolUse:Write", "PostToolBatch"),
		check: func(t *testing.T, r run) {
			if _, err := os.Stat(filepath.Join(r.repo, "secret.txt")); !os.IsNotExist(err) {
				t.Errorf("secret.txt exists after a denied Write (stat: %v)", err)
			}
			trs := toolResults(t, r.res.Transcript)
			if len(trs) != 1 {
				t.Fatalf("tool results = %v, want 1", trs)
			}
			for _, tr := range trs {
				const want = `"PreToolUse:Write hook error: TV-POLICY: secret.txt is protected"`
				if !tr.IsError || string(tr.Content) != want {
					t.Errorf("denied tool_result = is_error %v content %s, want is_error true content %s", tr.IsError, tr.Content, want)
				}
				if pd := tr.PermissionDecision; pd == nil || pd.Decision != "reject" || pd.Source != "hook" {
					t.Errorf("denied tool_result line permissionDecision = %+v, want decision reject, source hook", pd)
				}
			}
			// What the model sees: the next request carries the same tool_result.
			if ex := r.srv.Exchanges(); len(ex) < 2 || !strings.Contains(string(ex[1].Body), "PreToolUse:Write hook error: TV-POLICY: secret.txt is protected") {
				t.Errorf("the request after the denial does not carry the hook's reason to the model")
			}
			if len(r.res.Output.PermissionDenials) != 1 {
				t.Errorf("permission_denials = %s, want 1 entry", r.res.Output.PermissionDenials)
			}
		},
	}}
}

func TestRealClaude(t *testing.T) {
	claudecli.Binary(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			repo, hookLog := newRepo(t)
			main, agents := sc.script(repo)
			srv := anthropic.New(t, main, agents...)
			res := claudecli.Run(t, claudecli.Options{Dir: repo, Prompt: "Do the scripted task.", BaseURL: srv.URL, Model: sc.model})
			t.Logf("claude ran in %v", res.Duration)
			if res.ExitCode != 0 || res.Output.IsError || res.Output.Result != "Done." {
				t.Fatalf("claude exit %d, output %+v\nstdout: %s\nstderr: %s", res.ExitCode, res.Output, res.Stdout, res.Stderr)
			}
			if res.Transcript == "" {
				t.Fatalf("no transcript for session %q under %s", res.Output.SessionID, res.ConfigDir)
			}
			r := run{repo: repo, res: res, srv: srv, hooks: readHooks(t, hookLog)}
			if diff := cmp.Diff(sc.wantHooks, sequence(r.hooks)); diff != "" {
				t.Errorf("hook sequence (-want +got):\n%s", diff)
			}
			paths := append([]string{res.Transcript}, res.Subagents...)
			if diff := cmp.Diff(billedUsage(srv), transcriptUsage(t, paths...)); diff != "" {
				t.Errorf("transcript usage (-sent +recorded):\n%s", diff)
			}
			sc.check(t, r)
			dump(t, sc.name, r, hookLog)
		})
	}
}

// dump copies what a scenario produced (stdout, hook log, transcripts, the
// stand-in's request bodies) under $TRACEVAULT_CLAUDE_DUMP/<scenario> when
// that variable is set, for reading by hand.
func dump(t *testing.T, name string, r run, hookLog string) {
	dir := os.Getenv("TRACEVAULT_CLAUDE_DUMP")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, name)
	files := map[string]string{"stdout.json": r.res.Stdout, "stderr.txt": r.res.Stderr,
		"hooks.jsonl": readFile(t, hookLog), "main.jsonl": readFile(t, r.res.Transcript)}
	for _, p := range r.res.Subagents {
		files[filepath.Base(p)] = readFile(t, p)
	}
	for i, e := range r.srv.Exchanges() {
		route := strings.Map(func(r rune) rune {
			if r == '-' || r >= 'a' && r <= 'z' {
				return r
			}
			return -1
		}, e.Route)
		files[fmt.Sprintf("request-%02d-%s.json", i, route)] = string(e.Body)
	}
	for f, content := range files {
		writeFile(t, filepath.Join(dir, f), content)
	}
}

func wantFile(t *testing.T, repo, name, want string) {
	t.Helper()
	if got := readFile(t, filepath.Join(repo, name)); got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

// payload returns the first logged payload of event.
func payload(t *testing.T, hooks []hookPayload, event string) json.RawMessage {
	t.Helper()
	for _, p := range hooks {
		if p.Event == event {
			return p.Raw
		}
	}
	t.Fatalf("no %s hook payload", event)
	return nil
}

// decodeField decodes field of the JSON object raw into v; an empty field
// decodes the whole object.
func decodeField(t *testing.T, raw json.RawMessage, field string, v any) {
	t.Helper()
	if field != "" {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		raw = m[field]
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decoding %s of %s: %v", field, raw, err)
	}
}
