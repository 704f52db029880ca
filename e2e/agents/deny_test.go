package agents_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testapi/gemini"
	"github.com/tracevault/tracevault/internal/testapi/openai"
)

// policyYAML blocks every edit under secrets/.
const policyYAML = `version: 1
rules:
  - name: no-secrets
    action: block
    condition:
      type: sensitive_path
      patterns: ["secrets/**"]
`

func TestRealCodexDeny(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{".tracevault/policy.yaml": policyYAML}, "--agent", "codex")
	script := openai.Script{Model: codexModel, Steps: []openai.Step{
		{Call: &openai.Call{Name: "apply_patch", Custom: true, Input: "*** Begin Patch\n*** Add File: secrets/key.txt\n+hunter2\n*** End Patch"},
			Usage: openai.Usage{Input: 100, Output: 10}},
	}, Final: openai.Step{Text: "Done.", Usage: openai.Usage{Input: 200, Output: 5}}}
	srv := openai.NewServer(script)
	defer srv.Close()
	run := e.runCodex(srv, repo, codexModel, "write the secret", nil)
	hookLog(t, repo)
	t.Logf("codex output:\n%s", run.Output)
	if _, err := os.Stat(filepath.Join(repo, "secrets", "key.txt")); !os.IsNotExist(err) {
		t.Errorf("secrets/key.txt was written (stat: %v)", err)
	}
	reqs := srv.Requests()
	last := string(reqs[len(reqs)-1])
	i := strings.Index(last, "custom_tool_call_output")
	if i < 0 {
		t.Fatalf("no tool output in the last request")
	}
	t.Logf("tool output seen by the model: %.600s", last[i:])
}

func TestRealGeminiDeny(t *testing.T) {
	e := newEnv(t)
	repo := e.newRepo(map[string]string{".tracevault/policy.yaml": policyYAML}, "--agent", "gemini-cli")
	script := gemini.Script{Model: geminiModel, Steps: []gemini.Step{
		{Call: &gemini.Call{Name: "write_file", Args: map[string]any{"file_path": filepath.Join(repo, "secrets", "key.txt"), "content": "hunter2\n"}},
			Usage: gemini.Usage{Prompt: 100, Candidates: 10}},
	}, Final: gemini.Step{Text: "Done.", Usage: gemini.Usage{Prompt: 200, Candidates: 5}}}
	srv := gemini.NewServer(script)
	defer srv.Close()
	run := e.runGemini(srv, repo, geminiModel, "write the secret")
	hookLog(t, repo)
	t.Logf("gemini output:\n%s", run.Output)
	if _, err := os.Stat(filepath.Join(repo, "secrets", "key.txt")); !os.IsNotExist(err) {
		t.Errorf("secrets/key.txt was written (stat: %v)", err)
	}
}
