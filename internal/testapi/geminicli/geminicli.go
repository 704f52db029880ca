// Package geminicli runs the real Gemini CLI (gemini -p) offline against
// the scripted [gemini] stand-in, in a temporary GEMINI_CLI_HOME, with
// every hook event logged, so tests can check what the CLI writes.
package geminicli

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

	"github.com/tracevault/tracevault/internal/testapi/gemini"
)

// DefaultBinary is where the pinned @google/gemini-cli is installed.
const DefaultBinary = "/opt/tv-npm/node_modules/.bin/gemini"

// Binary returns the gemini to run: $TRACEVAULT_GEMINI, else gemini on
// PATH, else [DefaultBinary]. It fails the test when none exists.
func Binary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv("TRACEVAULT_GEMINI"); b != "" {
		return b
	}
	if b, err := exec.LookPath("gemini"); err == nil {
		return b
	}
	if _, err := os.Stat(DefaultBinary); err != nil {
		t.Fatalf("gemini CLI not found (set TRACEVAULT_GEMINI): %v", err)
	}
	return DefaultBinary
}

// HookEvents are the Gemini CLI hook events the run logs.
var HookEvents = []string{"SessionStart", "SessionEnd", "BeforeAgent", "AfterAgent", "BeforeModel",
	"AfterModel", "BeforeToolSelection", "BeforeTool", "AfterTool", "PreCompress", "Notification"}

// Result is what a run left behind.
type Result struct {
	Home   string   // GEMINI_CLI_HOME
	Chats  []string // chat files written
	Hooks  [][]byte // hook stdin payloads, in order
	Output string
}

// Run runs `gemini -p prompt --yolo --skip-trust -m model` in repo
// against srv.
func Run(ctx context.Context, t testing.TB, srv *gemini.Server, repo, model, prompt string) (*Result, error) {
	t.Helper()
	base := t.TempDir()
	home := filepath.Join(base, "gemini-home")
	if err := os.MkdirAll(filepath.Join(home, ".gemini"), 0o755); err != nil {
		return nil, err
	}
	hookLog := filepath.Join(base, "hooks.log")
	cmdline := fmt.Sprintf("cat >> '%s'; printf '\\036' >> '%s'; echo '{}'", hookLog, hookLog)
	hooks := map[string]any{}
	for _, ev := range HookEvents {
		hooks[ev] = []any{map[string]any{"matcher": "*", "hooks": []any{map[string]any{"type": "command", "name": "log-" + ev, "command": cmdline, "timeout": 10000}}}}
	}
	settings := map[string]any{
		"security":  map[string]any{"auth": map[string]any{"selectedType": "gemini-api-key"}, "folderTrust": map[string]any{"enabled": false}},
		"privacy":   map[string]any{"usageStatisticsEnabled": false},
		"telemetry": map[string]any{"enabled": false},
		"general":   map[string]any{"disableAutoUpdate": true, "disableUpdateNag": true},
		"hooks":     hooks,
	}
	b, _ := json.Marshal(settings)
	if err := os.WriteFile(filepath.Join(home, ".gemini", "settings.json"), b, 0o644); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, Binary(t), "-p", prompt, "--yolo", "--skip-trust", "-m", model)
	cmd.Dir = repo
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GEMINI_") || strings.HasPrefix(k, "GOOGLE_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "GEMINI_CLI_HOME="+home, "HOME="+base, "GEMINI_API_KEY=offline-key",
		"GOOGLE_GEMINI_BASE_URL="+srv.URL, "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := &Result{Home: home, Output: out.String()}
	res.Chats, _ = filepath.Glob(filepath.Join(home, ".gemini", "tmp", "*", "chats", "session-*"))
	if b, rerr := os.ReadFile(hookLog); rerr == nil {
		for _, l := range bytes.Split(b, []byte("\x1e")) {
			if l = bytes.TrimSpace(l); len(l) > 0 {
				res.Hooks = append(res.Hooks, l)
			}
		}
	}
	if err != nil {
		return res, fmt.Errorf("running gemini: %w\n%s", err, out.String())
	}
	return res, nil
}
