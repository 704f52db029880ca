// Package action_test runs the GitHub Action's steps (action.yml) in a
// simulated GitHub environment: event payload files, the GITHUB_*
// variables, a local bare origin holding commits, notes and trace chains.
// Each `run:` script is taken from action.yml, its ${{ ... }} expressions
// are replaced with the test's values, and it runs under bash as a runner
// would (bash --noprofile --norc -eo pipefail).
package action_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/tracevault/tracevault/internal/testutil"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			Shell string            `yaml:"shell"`
			Run   string            `yaml:"run"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

// runner is a simulated GitHub runner for one job.
type runner struct {
	t         *testing.T
	root      string // the checkout of this project (action_path/..)
	env       []string
	workspace string
	path      []string // GITHUB_PATH entries
	outputs   map[string]map[string]string
}

func newRunner(t *testing.T, home string) *runner {
	r := &runner{t: t, root: testutil.RepoRoot(t), outputs: map[string]map[string]string{}}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "GIT_") || strings.HasPrefix(name, "GITHUB_") || strings.HasPrefix(name, "TRACEVAULT") || name == "HOME" || name == "RUNNER_TEMP" {
			continue
		}
		r.env = append(r.env, kv)
	}
	// The runner's Go toolchain (actions/setup-go): the module and build
	// caches of this machine, offline.
	for _, k := range []string{"GOMODCACHE", "GOCACHE", "GOPATH"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		r.env = append(r.env, k+"="+strings.TrimSpace(string(out)))
	}
	r.env = append(r.env, "GOPROXY=off", "GOTOOLCHAIN=local")
	r.env = append(r.env, "HOME="+home, "GIT_CONFIG_GLOBAL="+filepath.Join(home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"TRACEVAULT_HOME="+filepath.Join(home, "tv"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "LC_ALL=C", "TRACEVAULT_QUIET=1")
	return r
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]+?)\s*\}\}`)

// run runs every step of action.yml with inputs; it returns the exit code
// of the first failing step (0 when all pass) and the step summary.
func (r *runner) run(event string, payload any, inputs map[string]string) (int, string) {
	t := r.t
	src, err := os.ReadFile(filepath.Join(r.root, "action", "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(src, &a); err != nil {
		t.Fatalf("parsing action.yml: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Fatalf("runs.using = %q, want composite", a.Runs.Using)
	}
	tmp := t.TempDir()
	eventPath := filepath.Join(tmp, "event.json")
	b, _ := json.Marshal(payload)
	if err := os.WriteFile(eventPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(tmp, "summary.md")
	gh := []string{"GITHUB_ACTIONS=true", "GITHUB_EVENT_NAME=" + event, "GITHUB_EVENT_PATH=" + eventPath,
		"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_WORKSPACE=" + r.workspace, "RUNNER_TEMP=" + tmp}
	for i, st := range a.Runs.Steps {
		if st.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", st.Name, st.Shell)
		}
		out := filepath.Join(tmp, fmt.Sprintf("output-%d", i))
		pathFile := filepath.Join(tmp, fmt.Sprintf("path-%d", i))
		env := append(append([]string{}, r.env...), gh...)
		env = append(env, "GITHUB_OUTPUT="+out, "GITHUB_PATH="+pathFile, "PATH="+strings.Join(append(r.path, os.Getenv("PATH")), string(os.PathListSeparator)))
		for k, v := range st.Env {
			env = append(env, k+"="+r.subst(v, a, inputs))
		}
		if m := expr.FindString(st.Run); m != "" {
			t.Fatalf("step %q: run script uses %s; pass it through env", st.Name, m)
		}
		script := filepath.Join(tmp, fmt.Sprintf("step-%d.sh", i))
		if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.WaitDelay = 5 * time.Second
		cmd.Dir, cmd.Env = r.workspace, env
		var o bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &o
		err := cmd.Run()
		t.Logf("step %q:\n%s", st.Name, o.String())
		r.outputs[st.ID] = readKV(t, out)
		if p, err := os.ReadFile(pathFile); err == nil {
			for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
				r.path = append([]string{l}, r.path...)
			}
		}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			s, _ := os.ReadFile(summary)
			return ee.ExitCode(), string(s)
		} else if err != nil {
			t.Fatal(err)
		}
	}
	s, _ := os.ReadFile(summary)
	return 0, string(s)
}

// subst replaces the expressions the action uses.
func (r *runner) subst(v string, a actionFile, inputs map[string]string) string {
	return expr.ReplaceAllStringFunc(v, func(m string) string {
		e := strings.TrimSpace(expr.FindStringSubmatch(m)[1])
		switch {
		case e == "github.action_path":
			return filepath.Join(r.root, "action")
		case strings.HasPrefix(e, "inputs."):
			name := strings.TrimPrefix(e, "inputs.")
			if v, ok := inputs[name]; ok {
				return v
			}
			in, ok := a.Inputs[name]
			if !ok {
				r.t.Fatalf("unknown input %s", name)
			}
			return in.Default
		case strings.HasPrefix(e, "steps."):
			f := strings.Split(e, ".") // steps.ID.outputs.NAME
			if len(f) != 4 || f[2] != "outputs" {
				r.t.Fatalf("unsupported expression %s", m)
			}
			return r.outputs[f[1]][f[3]]
		}
		r.t.Fatalf("unsupported expression %s", m)
		return ""
	})
}

func readKV(t *testing.T, path string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = v
		}
	}
	return out
}
