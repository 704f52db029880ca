package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tracevault/tracevault/capture/githooks"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cli"
)

var update = flag.Bool("update", false, "rewrite the scripts' expected output files (cmp) from the actual output")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tracevault":         func() { os.Exit(int(cli.Main())) },
		"git-tracevault":     func() { os.Exit(int(cli.Main())) },
		"tracevault-hook":    func() { os.Exit(hookrun.MainArgs(os.Args[1:])) },
		"tracevault-githook": func() { os.Exit(githooks.Hook(os.Args[1:])) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, ".home")
			if err := os.MkdirAll(home, 0o755); err != nil {
				return err
			}
			gitconfig := filepath.Join(home, ".gitconfig")
			if err := os.WriteFile(gitconfig, []byte("[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"), 0o644); err != nil {
				return err
			}
			for k, v := range map[string]string{
				"HOME":                  home,
				"XDG_CONFIG_HOME":       filepath.Join(home, ".config"),
				"GIT_CONFIG_GLOBAL":     gitconfig,
				"GIT_CONFIG_NOSYSTEM":   "1",
				"TRACEVAULT_HOME":       filepath.Join(home, ".tracevault"),
				"TRACEVAULT_POSTCOMMIT": "sync",
				"TRACEVAULT_WATCH":      "off",
				"GIT_AUTHOR_NAME":       "Ann Author",
				"GIT_AUTHOR_EMAIL":      "ann@example.com",
				"GIT_COMMITTER_NAME":    "Ann Author",
				"GIT_COMMITTER_EMAIL":   "ann@example.com",
				"TERM":                  "xterm-256color",
			} {
				env.Setenv(k, v)
			}
			// NO_COLOR, GIT_PAGER and PAGER are unset: scripts set them.
			env.Vars = slicesDeleteKeys(env.Vars, "NO_COLOR", "GIT_PAGER", "PAGER", "TRACEVAULT_FORCE_TTY")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"noesc":      cmdNoEsc,
			"agentwrite": cmdAgentWrite,
			"agentstop":  cmdAgentStop,
		},
	})
}

// cmdNoEsc fails if stdout or stderr of the last command holds an escape
// character ("noesc"), or, negated, if stdout holds none.
func cmdNoEsc(ts *testscript.TestScript, neg bool, args []string) {
	out := ts.ReadFile("stdout") + ts.ReadFile("stderr")
	has := strings.Contains(out, "\x1b")
	switch {
	case neg && !has:
		ts.Fatalf("no escape codes in output")
	case !neg && has:
		ts.Fatalf("escape codes in output: %q", out)
	}
}

func slicesDeleteKeys(vars []string, keys ...string) []string {
	out := vars[:0]
	for _, kv := range vars {
		k, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range keys {
			keep = keep && k != d
		}
		if keep {
			out = append(out, kv)
		}
	}
	return out
}

// cmdAgentWrite writes a Claude Code PostToolUse Write payload for a file
// an agent has just written (as the agent would send it) to OUT:
//
//	agentwrite [-t TRANSCRIPT] SESSION TOOL-USE-ID FILE OUT
//
// FILE is read from the current directory, which is the payload's cwd.
func cmdAgentWrite(ts *testscript.TestScript, neg bool, args []string) {
	transcript := ""
	if len(args) > 2 && args[0] == "-t" {
		transcript, args = ts.MkAbs(args[1]), args[2:]
	}
	if neg || len(args) != 4 {
		ts.Fatalf("usage: agentwrite [-t TRANSCRIPT] SESSION TOOL-USE-ID FILE OUT")
	}
	path := ts.MkAbs(args[2])
	content := ts.ReadFile(args[2])
	p := map[string]any{
		"session_id": args[0], "cwd": ts.MkAbs("."), "hook_event_name": "PostToolUse", "tool_name": "Write", "tool_use_id": args[1],
		"tool_input":    map[string]any{"file_path": path, "content": content},
		"tool_response": map[string]any{"type": "create", "filePath": path, "content": content, "structuredPatch": []any{}, "originalFile": nil},
	}
	if transcript != "" {
		p["transcript_path"] = transcript
	}
	b, err := json.Marshal(p)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), b, 0o644))
}

// cmdAgentStop writes a Claude Code Stop payload (the event at which the
// hook reads token usage from the transcript) to OUT:
//
//	agentstop SESSION TRANSCRIPT OUT
func cmdAgentStop(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: agentstop SESSION TRANSCRIPT OUT")
	}
	p := map[string]any{"session_id": args[0], "cwd": ts.MkAbs("."), "hook_event_name": "Stop", "transcript_path": ts.MkAbs(args[1])}
	b, err := json.Marshal(p)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[2]), b, 0o644))
}
