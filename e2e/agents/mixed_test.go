package agents_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
	"github.com/tracevault/tracevault/internal/testapi/gemini"
	"github.com/tracevault/tracevault/internal/testapi/openai"
)

const claudeModel = "claude-sonnet-4-5"

func claudeStep(blocks ...anthropic.Block) anthropic.Step {
	return anthropic.Step{Model: claudeModel, Usage: anthropic.Usage{InputTokens: 10, OutputTokens: 20}, Blocks: blocks}
}

func (e *env) runClaude(repo string, steps ...anthropic.Step) {
	e.t.Helper()
	srv := anthropic.New(e.t, anthropic.Script{Steps: steps})
	res := claudecli.Run(e.t, claudecli.Options{Dir: repo, Prompt: "do the scripted task", BaseURL: srv.URL, Model: claudeModel,
		Env: []string{"TRACEVAULT_HOME=" + filepath.Join(e.home, "tracevault"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off"}})
	if res.ExitCode != 0 || res.Output.IsError {
		e.t.Fatalf("claude exit %d, output %+v\nstdout: %s\nstderr: %s", res.ExitCode, res.Output, res.Stdout, res.Stderr)
	}
}

// TestRealAgentsOneFile: Claude Code, Codex and Gemini CLI, the real CLIs,
// work on the same file one after the other in one repository with all
// three agents' hooks installed; a person adds a line; one commit. Every
// line is attributed to whoever wrote it last, with that agent's model.
func TestRealAgentsOneFile(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(nil, "--agent", "claude-code", "--agent", "codex", "--agent", "gemini-cli")
	shared := filepath.Join(repo, "shared.txt")

	// 1. Claude writes five lines.
	e.runClaude(repo,
		claudeStep(anthropic.ToolUse("Write", map[string]any{"file_path": shared, "content": "claude 1\nclaude 2\nclaude 3\nclaude 4\nclaude 5\n"})),
		claudeStep(anthropic.Text("Done.")))

	// 2. Codex rewrites line 2 with apply_patch and appends line 6 from a shell.
	osrv := openai.NewServer(openai.Script{Model: codexModel, Steps: []openai.Step{
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Update File: shared.txt\n@@\n claude 1\n-claude 2\n+codex 2\n claude 3\n*** End Patch"},
			Usage: openai.Usage{Input: 100, Output: 10}},
		{Call: &openai.Call{Name: "exec_command", Arguments: `{"cmd":"printf 'codex 6\\n' >> shared.txt"}`},
			Usage: openai.Usage{Input: 200, Output: 10}},
	}, Final: openai.Step{Text: "Done.", Usage: openai.Usage{Input: 300, Output: 5}}})
	defer osrv.Close()
	if run := e.runCodex(osrv, repo, codexModel, "edit shared.txt", nil); run.Err != nil {
		t.Fatalf("codex: %v\n%s", run.Err, run.Output)
	}

	// 3. Gemini rewrites line 3 with replace, then from a shell rewrites
	// Codex's line 6 and appends line 7.
	gsrv := gemini.NewServer(gemini.Script{Model: geminiModel, Steps: []gemini.Step{
		{Call: &gemini.Call{Name: "replace", Args: map[string]any{"file_path": shared, "instruction": "line 3", "old_string": "claude 3", "new_string": "gemini 3"}},
			Usage: gemini.Usage{Prompt: 100, Candidates: 10}},
		{Call: &gemini.Call{Name: "run_shell_command", Args: map[string]any{"command": "sed -i 's/^codex 6$/gemini 6/' shared.txt && printf 'gemini 7\\n' >> shared.txt", "description": "edit"}},
			Usage: gemini.Usage{Prompt: 200, Candidates: 10}},
	}, Final: gemini.Step{Text: "Done.", Usage: gemini.Usage{Prompt: 300, Candidates: 5}}})
	defer gsrv.Close()
	if run := e.runGemini(gsrv, repo, geminiModel, "edit shared.txt"); run.Err != nil {
		t.Fatalf("gemini: %v\n%s", run.Err, run.Output)
	}

	// 4. Claude takes line 3 back from Gemini.
	e.runClaude(repo,
		claudeStep(anthropic.ToolUse("Read", map[string]any{"file_path": shared})),
		claudeStep(anthropic.ToolUse("Edit", map[string]any{"file_path": shared, "old_string": "gemini 3", "new_string": "claude 3 again"})),
		claudeStep(anthropic.Text("Done.")))

	// 5. A person adds a line.
	writeFile(t, shared, readFile(t, shared)+"human 8\n")

	want := "claude 1\ncodex 2\nclaude 3 again\nclaude 4\nclaude 5\ngemini 6\ngemini 7\nhuman 8\n"
	if got := readFile(t, shared); got != want {
		t.Fatalf("shared.txt =\n%s\nwant\n%s", got, want)
	}
	hookLog(t, repo)
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "three agents")
	note, ai := e.note(repo, "HEAD")
	t.Logf("note:\n%s", note)

	got := lineOwners(t, ai, "shared.txt")
	claude, codex, gem := "claude-code "+claudeModel, "codex "+codexModel, "gemini-cli "+geminiModel
	wantOwners := map[int]string{1: claude, 2: codex, 3: claude, 4: claude, 5: claude, 6: gem, 7: gem}
	if diff := cmp.Diff(wantOwners, got); diff != "" {
		t.Errorf("line owners (-want +got):\n%s", diff)
	}
	if !strings.Contains(note, "tv1 file 7 1 shared.txt") {
		t.Errorf("note lacks \"tv1 file 7 1 shared.txt\"")
	}
	sessions := map[string]bool{}
	for _, l := range strings.Split(note, "\n") {
		if f := strings.Fields(l); len(f) == 5 && f[0] == "tv1" && f[1] == "session" {
			sessions[f[3]+" "+f[4]] = true
		}
	}
	wantSessions := map[string]bool{claude: true, codex: true, gem: true}
	if diff := cmp.Diff(wantSessions, sessions); diff != "" {
		t.Errorf("sessions by agent/model (-want +got):\n%s", diff)
	}
}
