// Package agents_test drives the real Codex CLI, Gemini CLI and Claude Code
// CLI, offline against the scripted API stand-ins (internal/testapi), in
// repositories where "tracevault init" installed TraceVault's hooks, and
// checks what TraceVault captured and how it attributed the committed
// lines. A missing CLI fails the tests; they are never skipped.
package agents_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/hook/codex"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testapi/codexcli"
	"github.com/tracevault/tracevault/internal/testapi/gemini"
	"github.com/tracevault/tracevault/internal/testapi/geminicli"
	"github.com/tracevault/tracevault/internal/testapi/openai"
	"github.com/tracevault/tracevault/internal/testutil"
)

// binDir holds tracevault and tracevault-hook, built once by TestMain.
var binDir string

func TestMain(m *testing.M) { testutil.MainWithBinaries(m, &binDir, false) }

// env is one test's isolated world: HOME, TRACEVAULT_HOME and a git
// identity.
type env struct {
	t    *testing.T
	home string
}

func newEnv(t *testing.T) *env {
	return &env{t: t, home: t.TempDir()}
}

func (e *env) vars() []string {
	return append(testutil.GitEnv(e.home), "XDG_CONFIG_HOME="+filepath.Join(e.home, ".config"),
		"TRACEVAULT_HOME="+filepath.Join(e.home, "tracevault"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "NO_COLOR=1")
}

// tracevault runs the built CLI in dir and returns its stdout, failing the
// test on a non-zero exit.
func (e *env) tracevault(dir string, args ...string) string {
	e.t.Helper()
	return e.tracevaultEnv(dir, nil, args...)
}

// tracevaultEnv is tracevault with extra environment variables.
func (e *env) tracevaultEnv(dir string, extra []string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "tracevault"), args...)
	cmd.Dir = dir
	cmd.Env = append(e.vars(), extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("tracevault %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// git runs git in dir with this env (so the post-commit hook finds
// TRACEVAULT_HOME) and returns trimmed stdout.
func (e *env) git(dir string, args ...string) string {
	e.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = e.vars()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		e.t.Fatalf("git %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// newRepo makes a repository with one committed file per name in files,
// runs "tracevault init" with the given init arguments and commits what it
// wrote, so sessions start on a clean tree.
func (e *env) newRepo(files map[string]string, initArgs ...string) string {
	e.t.Helper()
	repo := testutil.NewRepo(e.t)
	for name, content := range files {
		writeFile(e.t, filepath.Join(repo, name), content)
	}
	writeFile(e.t, filepath.Join(repo, "README.md"), "scratch\n")
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "init")
	out := e.tracevault(repo, append([]string{"init"}, initArgs...)...)
	e.t.Logf("tracevault init %s:\n%s", strings.Join(initArgs, " "), out)
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "tracevault init")
	return repo
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
}

// hookLog logs the repository's hook.log, where hook problems go.
func hookLog(t *testing.T, repo string) {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(repo, ".git", "tracevault", "hook.log")); err == nil && len(b) > 0 {
		t.Logf("hook.log:\n%s", b)
	}
}

// status is the part of "tracevault status --json" the tests read.
type status struct {
	Session struct {
		ID     string   `json:"id"`
		Agent  string   `json:"agent"`
		Branch string   `json:"branch"`
		Ended  bool     `json:"ended"`
		Models []string `json:"models_seen"`
	} `json:"session"`
	FilesTouched   []string             `json:"files_touched"`
	ToolStatus     map[string]int       `json:"tool_calls_by_status"`
	Prompts        int                  `json:"prompts"`
	ToolCalls      int                  `json:"tool_calls"`
	Models         []capture.ModelUsage `json:"models"`
	UnpricedModels []string             `json:"unpriced_models"`
}

func (e *env) status(repo, session string) (status, string) {
	e.t.Helper()
	out := e.tracevault(repo, "status", "--json", "--session", session)
	var st status
	mustJSON(e.t, out, &st)
	return st, out
}

// aiLine is one "tv1 ai" line of a note.
type aiLine struct {
	Path, Range, Session, Agent, Model, Tool string
}

// note returns the TraceVault note of commit and its tv1 ai lines.
func (e *env) note(repo, commit string) (string, []aiLine) {
	e.t.Helper()
	note := e.git(repo, "notes", "--ref=refs/notes/tracevault", "show", commit)
	var ai []aiLine
	for _, l := range strings.Split(note, "\n") {
		f := strings.Fields(l)
		if len(f) == 8 && f[0] == "tv1" && f[1] == "ai" {
			p, _ := url.PathUnescape(f[2])
			ai = append(ai, aiLine{Path: p, Range: f[3], Session: f[4], Agent: f[5], Model: f[6], Tool: f[7]})
		}
	}
	return note, ai
}

// lineOwners expands tv1 ai lines of one path into line number → agent/model.
func lineOwners(t *testing.T, ai []aiLine, path string) map[int]string {
	t.Helper()
	out := map[int]string{}
	for _, a := range ai {
		if a.Path != path {
			continue
		}
		var s, e int
		if _, err := fmt.Sscanf(a.Range, "%d-%d", &s, &e); err != nil {
			t.Fatalf("bad range %q", a.Range)
		}
		for i := s; i <= e; i++ {
			out[i] = a.Agent + " " + a.Model
		}
	}
	return out
}

// ---- Codex ----

// codexRun is one finished codex exec.
type codexRun struct {
	Home     string
	Rollouts []string
	Output   string
	Err      error
}

// runCodex runs the real `codex exec` in repo against srv with a fresh
// CODEX_HOME holding only the provider configuration (plus userHooks, a
// hooks.json body, when not empty). --trust makes the project's
// .codex/hooks.json load; --dangerously-bypass-hook-trust runs its hooks
// without the interactive review.
func (e *env) runCodex(srv *openai.Server, repo, model, prompt string, userHooks []byte) codexRun {
	e.t.Helper()
	base := e.t.TempDir()
	home := filepath.Join(base, "codex-home")
	tmp := filepath.Join(home, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		e.t.Fatal(err)
	}
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
	writeFile(e.t, filepath.Join(home, "config.toml"), config)
	if len(userHooks) > 0 {
		writeFile(e.t, filepath.Join(home, "hooks.json"), string(userHooks))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, codexcli.Binary(e.t), "exec", "--dangerously-bypass-approvals-and-sandbox",
		"--dangerously-bypass-hook-trust", "--trust", "--skip-git-repo-check", "--color", "never", prompt)
	cmd.Dir = repo
	var vars []string
	for _, kv := range e.vars() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CODEX_") || strings.HasPrefix(k, "OPENAI_") || k == "TMPDIR" {
			continue
		}
		vars = append(vars, kv)
	}
	cmd.Env = append(vars, "CODEX_HOME="+home, "TMPDIR="+tmp, "SCRIPTED_OPENAI_KEY=sk-offline")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := codexRun{Home: home, Output: out.String(), Err: err}
	r.Rollouts, _ = filepath.Glob(filepath.Join(home, "sessions", "*", "*", "*", "rollout-*.jsonl"))
	return r
}

// ---- Gemini ----

// geminiRun is one finished gemini -p.
type geminiRun struct {
	Home   string
	Chats  []string
	Output string
	Err    error
}

// runGemini runs the real `gemini -p` in repo against srv with a fresh
// GEMINI_CLI_HOME whose settings.json sets API-key auth and no hooks; the
// hooks come from the project's .gemini/settings.json.
func (e *env) runGemini(srv *gemini.Server, repo, model, prompt string) geminiRun {
	e.t.Helper()
	base := e.t.TempDir()
	home := filepath.Join(base, "gemini-home")
	settings := map[string]any{
		"security":  map[string]any{"auth": map[string]any{"selectedType": "gemini-api-key"}, "folderTrust": map[string]any{"enabled": false}},
		"privacy":   map[string]any{"usageStatisticsEnabled": false},
		"telemetry": map[string]any{"enabled": false},
		"general":   map[string]any{"disableAutoUpdate": true, "disableUpdateNag": true},
	}
	b, _ := json.Marshal(settings)
	writeFile(e.t, filepath.Join(home, ".gemini", "settings.json"), string(b))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{"-p", prompt, "--yolo", "--skip-trust"}
	if model != "" {
		args = append(args, "-m", model) // otherwise the CLI's model router picks
	}
	cmd := exec.CommandContext(ctx, geminicli.Binary(e.t), args...)
	cmd.Dir = repo
	var vars []string
	for _, kv := range e.vars() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GEMINI_") || strings.HasPrefix(k, "GOOGLE_") {
			continue
		}
		vars = append(vars, kv)
	}
	cmd.Env = append(vars, "GEMINI_CLI_HOME="+home, "GEMINI_API_KEY=offline-key", "GOOGLE_GEMINI_BASE_URL="+srv.URL)
	cmd.Stdin = nil
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	r := geminiRun{Home: home, Output: out.String(), Err: err}
	r.Chats, _ = filepath.Glob(filepath.Join(home, ".gemini", "tmp", "*", "chats", "session-*"))
	return r
}

// gitMaybe runs git and returns its output and error without failing.
func gitMaybe(e *env, dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = e.vars()
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}

// loadSession assembles one session of the repository's spool through the
// Go API, the way "tracevault status" does.
func loadSession(t *testing.T, repo, id string) *capture.Session {
	t.Helper()
	dir := spool.ForGitDir(filepath.Join(repo, ".git"))
	names, err := dir.Sessions()
	if err != nil {
		t.Fatal(err)
	}
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		res, err := dir.Read(n)
		if err != nil {
			t.Fatal(err)
		}
		s := assemble.Session(res.Records, assemble.Options{Prices: prices})
		if s.ID == id || n == id {
			if res.Skipped != 0 {
				t.Errorf("spool %s: %d lines skipped", n, res.Skipped)
			}
			return s
		}
	}
	t.Fatalf("no session %s in spool (%v)", id, names)
	return nil
}

// callSummary and editSummary are what the tests compare of tool calls
// and edits.
type callSummary struct{ ID, Name, Status string }

type editSummary struct {
	Path, Op, Tool, ToolUseID string
	Human, HasAfter           bool
}

func summarize(s *capture.Session) ([]callSummary, []editSummary) {
	var cs []callSummary
	for _, c := range s.ToolCalls {
		cs = append(cs, callSummary{c.ID, c.Name, c.Status})
	}
	var es []editSummary
	for _, e := range s.Edits {
		es = append(es, editSummary{Path: e.Path, Op: e.Op, Tool: e.Tool, ToolUseID: e.ToolUseID, Human: e.Human, HasAfter: e.After != ""})
	}
	return cs, es
}

// noteHas reports whether the note has exactly the line l.
func noteHas(note, l string) bool {
	for _, x := range strings.Split(note, "\n") {
		if x == l {
			return true
		}
	}
	return false
}

// sessionIDFromRollout reads the session id of a Codex rollout.
func sessionIDFromRollout(t *testing.T, path string) string {
	t.Helper()
	r, err := codex.ParseRolloutFile(path)
	if err != nil || r.SessionID == "" {
		t.Fatalf("rollout %s: %v, session %q", path, err, r.SessionID)
	}
	return r.SessionID
}

// usage runs "tracevault usage --json --agent agent" with extra
// environment (the agent's home) and returns its per-model rows.
func (e *env) usage(agent string, extra ...string) []capture.ModelUsage {
	e.t.Helper()
	var rep struct {
		Models []capture.ModelUsage `json:"models"`
	}
	mustJSON(e.t, e.tracevaultEnv(e.t.TempDir(), extra, "usage", "--json", "--agent", agent), &rep)
	return rep.Models
}

// withoutSavings drops the cache savings, which "tracevault usage" does
// not report.
func withoutSavings(rows []capture.ModelUsage) []capture.ModelUsage {
	out := append([]capture.ModelUsage(nil), rows...)
	for i := range out {
		out[i].CacheSavingsUSD = nil
	}
	return out
}
