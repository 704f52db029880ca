// Package claudecli runs the real Claude Code CLI in a test, isolated from
// the user's settings, credentials and network: a temporary HOME and
// CLAUDE_CONFIG_DIR, ANTHROPIC_BASE_URL pointing at a local stand-in (see
// package anthropic), and no telemetry, auto-update or other nonessential
// traffic. It is imported by tests only. docs/real-claude.md records what
// the CLI does when run this way.
package claudecli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// DefaultBinary is where the development image installs the CLI.
const DefaultBinary = "/opt/tv-npm/node_modules/.bin/claude"

// DefaultAllowedTools are the tools allowed without a prompt unless
// [Options.AllowedTools] says otherwise.
var DefaultAllowedTools = []string{"Read", "Write", "Edit", "Bash", "Agent"}

// Options says how to run the CLI.
type Options struct {
	// Dir is the working directory (the repository); required.
	Dir string
	// Prompt is passed to -p; required.
	Prompt string
	// BaseURL is the stand-in's URL; required, so a test never reaches the
	// real API.
	BaseURL string
	// Model, when set, is passed as --model.
	Model string
	// AllowedTools is passed to --allowedTools; nil means
	// [DefaultAllowedTools].
	AllowedTools []string
	// Args are appended to the command line.
	Args []string
	// Env is appended to the environment (KEY=value).
	Env []string
	// Timeout bounds the run; zero means 120 s.
	Timeout time.Duration
}

// Output is the part of the --output-format json result the tests read.
type Output struct {
	Type              string            `json:"type"`
	Subtype           string            `json:"subtype"`
	IsError           bool              `json:"is_error"`
	Result            string            `json:"result"`
	SessionID         string            `json:"session_id"`
	NumTurns          int               `json:"num_turns"`
	PermissionDenials []json.RawMessage `json:"permission_denials"`
}

// Result is what one run produced.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
	Duration       time.Duration
	// Output is stdout decoded; zero when stdout was not JSON.
	Output Output
	// Home and ConfigDir are the isolated HOME and CLAUDE_CONFIG_DIR.
	Home, ConfigDir string
	// Transcript is the main session file,
	// <ConfigDir>/projects/<slug>/<session>.jsonl.
	Transcript string
	// Subagents are <ConfigDir>/projects/<slug>/<session>/subagents/*.jsonl,
	// sorted.
	Subagents []string
}

// Binary returns the CLI to run: $TRACEVAULT_CLAUDE, else claude on PATH,
// else [DefaultBinary]. A missing binary fails the test: CI installs it.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TRACEVAULT_CLAUDE"); p != "" {
		return p
	}
	if p, err := exec.LookPath("claude"); err == nil {
		return p
	}
	if _, err := os.Stat(DefaultBinary); err != nil {
		t.Fatalf("claude CLI not found (set TRACEVAULT_CLAUDE, put claude on PATH or install %s): %v", DefaultBinary, err)
	}
	return DefaultBinary
}

// Run runs claude -p once with stdin from /dev/null and returns what it
// produced. It fails the test if the CLI cannot be started or times out; a
// non-zero exit is returned, not failed on.
func Run(t testing.TB, opts Options) Result {
	t.Helper()
	if opts.Dir == "" || opts.Prompt == "" || opts.BaseURL == "" {
		t.Fatalf("claudecli.Run: Dir, Prompt and BaseURL are required")
	}
	res := Result{Home: t.TempDir()}
	res.ConfigDir = filepath.Join(res.Home, ".claude")
	if opts.Timeout == 0 {
		opts.Timeout = 120 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), opts.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, Binary(t), Args(opts)...)
	cmd.Dir = opts.Dir
	cmd.Env = append(Env(res.Home, opts.BaseURL), opts.Env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	res.Duration = time.Since(start)
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	if ctx.Err() != nil {
		t.Fatalf("claude timed out after %v\nstdout: %s\nstderr: %s", opts.Timeout, res.Stdout, res.Stderr)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	case err != nil:
		t.Fatalf("running claude: %v", err)
	}
	_ = json.Unmarshal(stdout.Bytes(), &res.Output)
	res.Transcript, res.Subagents = transcripts(res.ConfigDir, res.Output.SessionID)
	return res
}

// Args returns the command line (without the binary) for opts.
func Args(opts Options) []string {
	tools := opts.AllowedTools
	if tools == nil {
		tools = DefaultAllowedTools
	}
	args := []string{"-p", opts.Prompt,
		"--output-format", "json",
		"--permission-mode", "acceptEdits",
		"--allowedTools", strings.Join(tools, " "),
	}
	if opts.Model != "" {
		args = append(args, "--model", opts.Model)
	}
	return append(args, opts.Args...)
}

// Env returns the environment for a run with the given HOME and API base
// URL: the process environment minus anything that could point the CLI at
// the user's account or settings (HOME, XDG_*, ANTHROPIC_*, CLAUDE*, GIT_*),
// plus the isolation and offline settings.
func Env(home, baseURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "HOME", strings.HasPrefix(name, "XDG_"),
			strings.HasPrefix(name, "ANTHROPIC_"), strings.HasPrefix(name, "CLAUDE"),
			strings.HasPrefix(name, "GIT_"), strings.HasPrefix(name, "OTEL_"),
			name == "DISABLE_TELEMETRY", name == "DISABLE_AUTOUPDATER":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+home,
		"CLAUDE_CONFIG_DIR="+filepath.Join(home, ".claude"),
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"),
		"GIT_CONFIG_NOSYSTEM=1",
		"ANTHROPIC_BASE_URL="+baseURL,
		"ANTHROPIC_API_KEY=sk-ant-test",
		"DISABLE_TELEMETRY=1",
		"DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1",
	)
}

// transcripts finds the main transcript and the subagent transcripts of
// session under configDir.
func transcripts(configDir, session string) (string, []string) {
	if session == "" {
		return "", nil
	}
	main, err := filepath.Glob(filepath.Join(configDir, "projects", "*", session+".jsonl"))
	if err != nil || len(main) != 1 {
		return "", nil
	}
	subs, _ := filepath.Glob(filepath.Join(strings.TrimSuffix(main[0], ".jsonl"), "subagents", "*.jsonl"))
	return main[0], subs
}
