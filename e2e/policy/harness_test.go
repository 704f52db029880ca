// Package policy_test holds the end-to-end tests of the policy slice: the
// PreToolUse guard, check, verify and the fail modes, driven through the
// built binaries, real git and the real Claude Code CLI.
package policy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// binDir holds tracevault and tracevault-hook built once for the tests.
var binDir string

func TestMain(m *testing.M) { testutil.MainWithBinaries(m, &binDir, false) }

// env is an isolated user: HOME, git config, TraceVault key, PATH with the
// test binaries first.
type env struct {
	t     *testing.T
	home  string
	vars  []string
	repo  string // work tree
	X     map[string]string
	extra []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	home := t.TempDir()
	e := &env{t: t, home: home}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GIT_") || strings.HasPrefix(name, "TRACEVAULT") || name == "HOME" || name == "PATH" || name == "GITHUB_STEP_SUMMARY" {
			continue
		}
		e.vars = append(e.vars, kv)
	}
	e.vars = append(e.vars, "HOME="+home, "GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"TRACEVAULT_HOME="+filepath.Join(home, "tv"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"LC_ALL=C", "TRACEVAULT_QUIET=1")
	return e
}

// environ returns the environment plus extra KEY=value pairs.
func (e *env) environ(extra ...string) []string {
	return append(append(append([]string{}, e.vars...), e.extra...), extra...)
}

// result is one process run.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a program in dir.
func (e *env) run(dir, stdin string, extraEnv []string, name string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = e.environ(extraEnv...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("running %s %v: %v", name, args, err)
	}
	return res
}

// git runs git in the repository and fails on error.
func (e *env) git(args ...string) string {
	e.t.Helper()
	r := e.run(e.repo, "", nil, "git", args...)
	if r.code != 0 {
		e.t.Fatalf("git %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// tv runs tracevault in the repository.
func (e *env) tv(args ...string) result {
	e.t.Helper()
	return e.run(e.repo, "", nil, filepath.Join(binDir, "tracevault"), args...)
}

// newRepo makes a repository with a bare origin, runs tracevault init,
// commits and pushes the setup, and returns the base commit.
func (e *env) newRepo() string {
	e.t.Helper()
	root := e.t.TempDir()
	origin := filepath.Join(root, "origin.git")
	e.repo = filepath.Join(root, "work")
	e.run(root, "", nil, "git", "init", "-q", "--bare", "-b", "main", origin)
	e.run(root, "", nil, "git", "init", "-q", "-b", "main", e.repo)
	e.git("config", "user.name", "Test Author")
	e.git("config", "user.email", "author@example.com")
	e.git("remote", "add", "origin", origin)
	if r := e.tv("init", "--agent", "claude-code"); r.code != 0 {
		e.t.Fatalf("tracevault init: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	e.write("README.md", "# test\n")
	e.git("add", "-A")
	e.git("commit", "-q", "-m", "setup")
	e.git("push", "-q", "origin", "main")
	return e.git("rev-parse", "HEAD")
}

// write writes a file of the work tree, as a person.
func (e *env) write(path, content string) {
	e.t.Helper()
	abs := filepath.Join(e.repo, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// hook sends one Claude Code hook payload to tracevault-hook.
func (e *env) hook(payload map[string]any) result {
	e.t.Helper()
	payload["cwd"] = e.repo
	b, _ := json.Marshal(payload)
	return e.run(e.repo, string(b), nil, filepath.Join(binDir, "tracevault-hook"), "--agent", "claude-code")
}

// aiWrite is Claude Code's Write of path in session: PreToolUse (which the
// guard may deny), then, if allowed, the write and PostToolUse. It returns
// the PreToolUse result.
func (e *env) aiWrite(session, id, path, content string) result {
	e.t.Helper()
	abs := filepath.Join(e.repo, filepath.FromSlash(path))
	input := map[string]any{"file_path": abs, "content": content}
	pre := e.hook(map[string]any{"session_id": session, "hook_event_name": "PreToolUse", "tool_name": "Write", "tool_use_id": id, "tool_input": input})
	if strings.Contains(pre.stdout, `"deny"`) {
		return pre
	}
	e.write(path, content)
	e.hook(map[string]any{"session_id": session, "hook_event_name": "PostToolUse", "tool_name": "Write", "tool_use_id": id, "tool_input": input,
		"tool_response": map[string]any{"type": "create", "filePath": abs, "content": content, "structuredPatch": []any{}, "originalFile": nil}})
	return pre
}

// transcript writes a Claude Code transcript with one assistant message
// and returns its path.
func (e *env) transcript(model string, in, out int) string {
	e.t.Helper()
	p := filepath.Join(e.home, "transcript-"+model+".jsonl")
	line := fmt.Sprintf(`{"type":"assistant","sessionId":"x","timestamp":"2026-01-02T03:04:05.000Z","requestId":"req_1","message":{"id":"msg_1","model":%q,"usage":{"input_tokens":%d,"output_tokens":%d}}}`+"\n", model, in, out)
	if err := os.WriteFile(p, []byte(line), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// commit commits everything (the post-commit hook links traces).
func (e *env) commit(msg string) string {
	e.t.Helper()
	e.git("add", "-A")
	e.git("commit", "-q", "-m", msg)
	return e.git("rev-parse", "HEAD")
}

// spoolVerdicts returns the verdict field of every spool record of session.
func (e *env) spoolVerdicts(session string) []string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.repo, ".git", "tracevault", "spool", session+".jsonl"))
	if err != nil {
		e.t.Fatalf("reading spool: %v", err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec struct {
			Verdict json.RawMessage `json:"verdict"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			e.t.Fatal(err)
		}
		if rec.Verdict != nil {
			out = append(out, string(rec.Verdict))
		}
	}
	return out
}

// report decodes check/verify --json output, keeping the verdict's bytes.
type report struct {
	Command     string          `json:"command"`
	Decision    string          `json:"decision"`
	Exit        int             `json:"exit"`
	Verdict     json.RawMessage `json:"verdict"`
	PolicyError string          `json:"policy_error"`
	ServerError string          `json:"server_error"`
	Override    string          `json:"override"`
	Traces      []struct {
		Commit, Status, Error string
	} `json:"traces"`
}

func decodeReport(t *testing.T, out string) report {
	t.Helper()
	var r report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("decoding report %q: %v", out, err)
	}
	return r
}
