// Package codexcli runs the real Codex CLI (codex exec) offline against the
// scripted [openai] stand-in, in a temporary CODEX_HOME, with every hook
// event logged, so tests can check what Codex writes and sends.
package codexcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testapi/openai"
)

// DefaultBinary is where the pinned @openai/codex is installed.
const DefaultBinary = "/opt/tv-npm/node_modules/.bin/codex"

// Binary returns the codex to run: $TRACEVAULT_CODEX, else codex on PATH,
// else [DefaultBinary]. It fails the test when none exists.
func Binary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("TRACEVAULT_CODEX"); b != "" {
		return b
	}
	if b, err := exec.LookPath("codex"); err == nil {
		return b
	}
	if _, err := os.Stat(DefaultBinary); err != nil {
		t.Fatalf("codex CLI not found (set TRACEVAULT_CODEX): %v", err)
	}
	return DefaultBinary
}

// HookEvents are the Codex hook events the run logs.
var HookEvents = []string{"SessionStart", "UserPromptSubmit", "PreModelRequest", "PreToolUse",
	"PermissionRequest", "PostToolUse", "PreCompact", "PostCompact", "SubagentStart",
	"SubagentStop", "Stop", "Interrupt", "SessionEnd"}

// Result is what a run left behind.
type Result struct {
	Home     string   // CODEX_HOME
	Rollouts []string // rollout files written
	Hooks    [][]byte // hook stdin payloads, in order
	Output   string   // combined stdout and stderr of codex
}

// Run runs `codex exec prompt` in repo against srv, with model (a catalog
// slug such as "gpt-5.5", so apply_patch is offered).
func Run(ctx context.Context, t testing.TB, srv *openai.Server, repo, model, prompt string) (*Result, error) {
	t.Helper()
	base := t.TempDir()
	home := filepath.Join(base, "codex-home")
	tmp := filepath.Join(home, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	hookLog := filepath.Join(base, "hooks.jsonl")
	config := fmt.Sprintf(`model = %q
model_provider = "scripted"
check_for_update_on_startup = false
[model_providers.scripted]
name = "scripted"
base_url = %q
wire_api = "responses"
env_key = "SCRIPTED_OPENAI_KEY"
request_max_retries = 0
stream_max_retries = 0
`, model, srv.BaseURL())
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(home, "hooks.json"), hooksJSON(hookLog), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, Binary(t), "exec", "--dangerously-bypass-approvals-and-sandbox",
		"--dangerously-bypass-hook-trust", "--skip-git-repo-check", "--color", "never", prompt)
	cmd.Dir = repo
	cmd.Stdin = nil
	cmd.Env = append(filteredEnv(), "CODEX_HOME="+home, "TMPDIR="+tmp, "SCRIPTED_OPENAI_KEY=sk-offline", "HOME="+base, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := &Result{Home: home, Output: out.String()}
	res.Rollouts, _ = filepath.Glob(filepath.Join(home, "sessions", "*", "*", "*", "rollout-*.jsonl"))
	if b, rerr := os.ReadFile(hookLog); rerr == nil {
		for _, l := range bytes.Split(b, []byte("\x1e")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				res.Hooks = append(res.Hooks, l)
			}
		}
	}
	if err != nil {
		return res, fmt.Errorf("running codex exec: %w\n%s", err, out.String())
	}
	return res, nil
}

// hooksJSON logs every event's stdin to log, records separated by 0x1e.
func hooksJSON(log string) []byte {
	cmd := fmt.Sprintf("cat >> '%s'; printf '\\036' >> '%s'; echo '{}'", log, log)
	hooks := map[string]any{}
	for _, ev := range HookEvents {
		hooks[ev] = []any{map[string]any{"matcher": "*", "hooks": []any{map[string]any{"type": "command", "command": cmd, "timeout": 3}}}}
	}
	b, _ := json.Marshal(map[string]any{"hooks": hooks})
	return b
}

// filteredEnv drops variables that would point Codex elsewhere.
func filteredEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CODEX_") || strings.HasPrefix(k, "OPENAI_") || k == "HOME" || k == "TMPDIR" {
			continue
		}
		env = append(env, kv)
	}
	return env
}
