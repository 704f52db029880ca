package action_test

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

var (
	devBinOnce sync.Once
	devBin     string
	devBinErr  error
)

// devBinaries builds tracevault and tracevault-hook for the developer
// side of the scenarios (the action builds its own copy).
func devBinaries(t *testing.T) string {
	devBinOnce.Do(func() {
		devBin, devBinErr = os.MkdirTemp("", "tracevault-action-dev")
		if devBinErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", devBin+string(os.PathSeparator), "./cmd/tracevault", "./cmd/tracevault-hook", "./cmd/tracevault-hookd", "./cmd/tracevault-githook")
		cmd.Dir = testutil.RepoRoot(t)
		out, err := cmd.CombinedOutput()
		if err != nil {
			devBinErr = errors.New(string(out))
		}
	})
	if devBinErr != nil {
		t.Fatalf("building binaries: %v", devBinErr)
	}
	return devBin
}

// dev is a developer machine pushing to a bare origin.
type dev struct {
	t      *testing.T
	env    []string
	repo   string
	origin string
}

func newDev(t *testing.T) *dev {
	bin := devBinaries(t)
	home := t.TempDir()
	d := &dev{t: t, repo: filepath.Join(t.TempDir(), "work"), origin: filepath.Join(t.TempDir(), "origin.git")}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GIT_") || strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "TRACEVAULT") || name == "HOME" || name == "PATH" {
			continue
		}
		d.env = append(d.env, kv)
	}
	d.env = append(d.env, "HOME="+home, "GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"TRACEVAULT_HOME="+filepath.Join(home, "tv"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "LC_ALL=C", "TRACEVAULT_QUIET=1")
	d.sh("", "git", "init", "-q", "--bare", "-b", "main", d.origin)
	d.sh("", "git", "init", "-q", "-b", "main", d.repo)
	d.git("config", "user.name", "Dev")
	d.git("config", "user.email", "dev@example.com")
	d.git("remote", "add", "origin", d.origin)
	d.sh(d.repo, "tracevault", "init", "--agent", "claude-code")
	d.write("README.md", "# demo\n")
	d.commit("setup")
	d.push("main")
	return d
}

func (d *dev) sh(dir, name string, args ...string) string {
	d.t.Helper()
	if name == "tracevault" {
		name = filepath.Join(devBinaries(d.t), name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, d.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		d.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (d *dev) git(args ...string) string { d.t.Helper(); return d.sh(d.repo, "git", args...) }

func (d *dev) write(path, content string) {
	abs := filepath.Join(d.repo, path)
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
		d.t.Fatal(err)
	}
}

// aiWrite is an agent's Write of path, seen by the hooks.
func (d *dev) aiWrite(session, id, path, content string) {
	abs := filepath.Join(d.repo, path)
	input := map[string]any{"file_path": abs, "content": content}
	for _, ev := range []string{"PreToolUse", "PostToolUse"} {
		p := map[string]any{"session_id": session, "cwd": d.repo, "hook_event_name": ev, "tool_name": "Write", "tool_use_id": id, "tool_input": input}
		if ev == "PostToolUse" {
			d.write(path, content)
			p["tool_response"] = map[string]any{"type": "create", "filePath": abs, "content": content, "structuredPatch": []any{}, "originalFile": nil}
		}
		b, _ := json.Marshal(p)
		cmd := exec.Command(filepath.Join(devBinaries(d.t), "tracevault-hook"), "--agent", "claude-code")
		cmd.Dir, cmd.Env, cmd.Stdin = d.repo, d.env, strings.NewReader(string(b))
		if out, err := cmd.CombinedOutput(); err != nil {
			d.t.Fatalf("hook: %v %s", err, out)
		}
	}
}

func (d *dev) commit(msg string) string {
	d.git("add", "-A")
	d.git("commit", "-q", "-m", msg)
	return d.git("rev-parse", "HEAD")
}

// push pushes a branch with its notes and trace chains.
func (d *dev) push(branch string) {
	d.git("push", "-q", "origin", branch)
	if d.git("for-each-ref", "refs/notes/tracevault") != "" {
		d.git("push", "-q", "-f", "origin", "refs/notes/tracevault", "refs/tracevault/*:refs/tracevault/*")
	}
}

// checkout makes the runner's workspace: a full clone of origin, as
// actions/checkout with fetch-depth: 0 leaves it.
func (d *dev) checkout(r *runner, rev string) {
	r.workspace = filepath.Join(d.t.TempDir(), "ws")
	cmd := exec.Command("git", "clone", "-q", d.origin, r.workspace)
	cmd.Env = r.env
	if out, err := cmd.CombinedOutput(); err != nil {
		d.t.Fatalf("clone: %v %s", err, out)
	}
	cmd = exec.Command("git", "checkout", "-q", "--detach", rev)
	cmd.Dir, cmd.Env = r.workspace, r.env
	if out, err := cmd.CombinedOutput(); err != nil {
		d.t.Fatalf("checkout: %v %s", err, out)
	}
}

const zero = "0000000000000000000000000000000000000000"

func TestAction(t *testing.T) {
	protect := "rules:\n  - name: protect-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n"
	tests := []struct {
		name     string
		scenario func(d *dev) (event string, payload any, checkout string)
		code     int
		summary  []string
		rangeOut string // "" to skip; "BASE..HEAD" placeholders
	}{
		{
			name: "push with valid traces",
			scenario: func(d *dev) (string, any, string) {
				before := d.git("rev-parse", "HEAD")
				d.aiWrite("s1", "toolu_1", "src/app.go", "package src\n")
				after := d.commit("app")
				d.push("main")
				return "push", map[string]any{"ref": "refs/heads/main", "before": before, "after": after, "repository": map[string]any{"default_branch": "main"}}, after
			},
			code:    0,
			summary: []string{"## TraceVault verify ✅", "| Decision | **allow** |", "| Traces | 1 ok, 0 missing, 0 invalid |", "| Exit code | 0 |"},
		},
		{
			name: "push blocked by policy",
			scenario: func(d *dev) (string, any, string) {
				before := d.git("rev-parse", "HEAD")
				d.aiWrite("s1", "toolu_1", "payments/ledger.go", "package payments\n")
				d.commit("ledger")
				d.write(".tracevault/policy.yaml", protect)
				after := d.commit("policy")
				d.git("push", "-q", "--no-verify", "origin", "main")
				d.push("main")
				return "push", map[string]any{"ref": "refs/heads/main", "before": before, "after": after}, after
			},
			code:    3,
			summary: []string{"| Decision | **block** |", "protect-payments", "payments/ledger.go", "| Exit code | 3 |"},
		},
		{
			name: "pull request with a tampered note",
			scenario: func(d *dev) (string, any, string) {
				base := d.git("rev-parse", "HEAD")
				d.git("checkout", "-q", "-b", "feature")
				d.aiWrite("s1", "toolu_1", "src/app.go", "package src\n\nfunc F() {}\n")
				head := d.commit("feature")
				d.push("feature")
				note := d.git("notes", "--ref=tracevault", "show", head)
				d.git("notes", "--ref=tracevault", "add", "-f", "-m", strings.Replace(note, "tv1 file 3 0", "tv1 file 0 3", 1), head)
				d.push("feature")
				return "pull_request", map[string]any{"pull_request": map[string]any{
					"base": map[string]any{"sha": base, "ref": "main"}, "head": map[string]any{"sha": head, "ref": "feature"}}}, head
			},
			code:    4,
			summary: []string{"### Invalid traces", "not derived from the record", "| Exit code | 4 |"},
		},
		{
			name: "new branch push",
			scenario: func(d *dev) (string, any, string) {
				d.aiWrite("s1", "toolu_1", "payments/old.go", "package payments\n") // on main already: not judged
				d.commit("old")
				d.write(".tracevault/policy.yaml", protect)
				d.commit("policy")
				d.git("push", "-q", "--no-verify", "origin", "main")
				d.push("main")
				d.git("checkout", "-q", "-b", "topic")
				d.aiWrite("s2", "toolu_2", "src/new.go", "package src\n")
				after := d.commit("new")
				d.push("topic")
				return "push", map[string]any{"ref": "refs/heads/topic", "before": zero, "after": after, "repository": map[string]any{"default_branch": "main"}}, after
			},
			code:    0,
			summary: []string{"| Commits | 1 |", "| Decision | **allow** |"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDev(t)
			event, payload, rev := tt.scenario(d)
			r := newRunner(t, t.TempDir())
			d.checkout(r, rev)
			code, summary := r.run(event, payload, nil)
			if code != tt.code {
				t.Fatalf("action exit %d, want %d\nsummary:\n%s", code, tt.code, summary)
			}
			for _, w := range tt.summary {
				if !strings.Contains(summary, w) {
					t.Errorf("summary lacks %q:\n%s", w, summary)
				}
			}
			if got := r.outputs["verify"]["exit-code"]; got != "" && got != string(rune('0'+tt.code)) {
				t.Errorf("exit-code output %q, want %d", got, tt.code)
			}
			if r.outputs["range"]["range"] == "" {
				t.Errorf("no range output")
			}
		})
	}
}
