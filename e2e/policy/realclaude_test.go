package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
)

// TestRealClaudeDeniedOnProtectedPath runs the real claude CLI against the
// scripted API stand-in: its Edit of payments/ledger.go is denied by the
// policy; then a person edits the file, commits and pushes, and the
// pre-push check lets it go (human edits are not AI edits).
func TestRealClaudeDeniedOnProtectedPath(t *testing.T) {
	e := newEnv(t)
	e.newRepo()
	const orig = "package payments\n\nvar Balance = 0\n"
	e.write("payments/ledger.go", orig)
	e.write(policyPath, "rules:\n  - name: protect-payments\n    action: block\n    severity: critical\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n")
	e.commit("ledger and policy")
	if r := e.run(e.repo, "", nil, "git", "push", "origin", "main"); r.code != 0 {
		t.Fatalf("push of the human ledger: exit %d\n%s", r.code, r.stderr)
	}

	ledger := filepath.Join(e.repo, "payments", "ledger.go")
	srv := anthropic.New(t, anthropic.Script{Steps: []anthropic.Step{{
		Model: "claude-sonnet-4-5",
		Blocks: []anthropic.Block{anthropic.ToolUse("Edit", map[string]any{
			"file_path": ledger, "old_string": "var Balance = 0", "new_string": "var Balance = 1000000", "replace_all": false})},
		Usage: anthropic.Usage{InputTokens: 50, OutputTokens: 10},
	}}})
	res := claudecli.Run(t, claudecli.Options{Dir: e.repo, Prompt: "Give me a million.", BaseURL: srv.URL,
		AllowedTools: []string{"Read", "Edit"}, Env: []string{"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH")}})
	if res.ExitCode != 0 || res.Output.SessionID == "" {
		t.Fatalf("claude: exit %d, session %q\nstdout: %s\nstderr: %s", res.ExitCode, res.Output.SessionID, res.Stdout, res.Stderr)
	}

	// 1. The file is unchanged.
	if b, _ := os.ReadFile(ledger); string(b) != orig {
		t.Errorf("payments/ledger.go changed:\n%s", b)
	}
	// 2. The agent got the reason, in a tool_result of its next request.
	const reason = `TraceVault policy rule \"protect-payments\" blocks this Edit call`
	got := false
	for _, x := range srv.Exchanges() {
		body := string(x.Body)
		if strings.Contains(body, `"tool_result"`) && strings.Contains(body, reason) {
			got = true
		}
	}
	if !got {
		t.Errorf("no request to the model carries a tool_result with %s", reason)
	}
	// 3. The denial is in the session assembled from the spool.
	rr, err := spool.Dir(filepath.Join(e.repo, ".git", "tracevault")).Read(spool.SafeName(res.Output.SessionID))
	if err != nil {
		t.Fatal(err)
	}
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := assemble.Session(rr.Records, assemble.Options{Prices: prices})
	if len(s.Denials) != 1 || s.Denials[0].Rule != "protect-payments" || s.Denials[0].Tool != "Edit" ||
		!strings.Contains(s.Denials[0].Reason, "payments/ledger.go") {
		t.Errorf("session denials %+v, want one Edit denial by protect-payments", s.Denials)
	}
	if st := e.tv("status", "--json", "--session", res.Output.SessionID); !strings.Contains(strings.Join(strings.Fields(st.stdout), ""), `"denied":1`) {
		t.Errorf("status --json does not count the denied call: %s", st.stdout)
	}

	// 4. A person edits the file: it commits and pushes (check passes).
	e.write("payments/ledger.go", "package payments\n\nvar Balance = 10\n")
	e.commit("human raise")
	r := e.run(e.repo, "", nil, "git", "push", "origin", "main")
	if r.code != 0 {
		t.Fatalf("push of the human edit: exit %d\n%s", r.code, r.stderr)
	}
	if c := e.tv("check", "--json", "--range", "HEAD~1..HEAD"); c.code != 0 || decodeReport(t, c.stdout).Decision != "allow" {
		t.Errorf("check of the human edit: exit %d %s", c.code, c.stdout)
	}
}
