package hookrun_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
)

const protectPolicy = "rules:\n  - name: protect-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n"

// guardRun sends a PreToolUse(Write) of path through the in-process hook
// with the given policy compiler and returns its stdout.
func guardRun(t *testing.T, repo, path string, compile hookrun.PolicyCompiler) string {
	t.Helper()
	var out bytes.Buffer
	hookrun.Run(hookrun.Options{
		Agent: "claude-code", Stdout: &out, CompilePolicy: compile,
		Stdin: bytes.NewReader(ev(repo, "s1", "PreToolUse", map[string]any{"tool_name": "Write", "tool_use_id": "toolu_" + path,
			"tool_input": map[string]any{"file_path": filepath.Join(repo, path), "content": "x"}})),
		Getwd: func() (string, error) { return repo, nil },
	})
	return out.String()
}

// TestGuardCompilesOncePerPolicy: the hook hands a policy it has not seen
// to the policy compiler, caches the canonical form, and later compiles
// only that (no compiler, no YAML); an edited policy is compiled again.
func TestGuardCompilesOncePerPolicy(t *testing.T) {
	repo := newRepo(t)
	writeFile(t, filepath.Join(repo, hookrun.PolicyFile), protectPolicy)
	calls := 0
	counting := func(src []byte) ([]byte, policy.FailMode, error) {
		calls++
		return policyfile.Canonical(src)
	}
	if out := guardRun(t, repo, "payments/a.go", counting); !strings.Contains(out, `"permissionDecision":"deny"`) {
		t.Fatalf("write to payments/a.go not denied: %q", out)
	}
	failing := func([]byte) ([]byte, policy.FailMode, error) {
		t.Fatal("policy compiled again although cached")
		return nil, policy.FailBlock, nil
	}
	if out := guardRun(t, repo, "payments/b.go", failing); !strings.Contains(out, `"permissionDecision":"deny"`) {
		t.Fatalf("write to payments/b.go not denied with the cached policy: %q", out)
	}
	if out := guardRun(t, repo, "other/a.go", failing); out != "" {
		t.Fatalf("write to other/a.go: stdout %q, want none", out)
	}
	writeFile(t, filepath.Join(repo, hookrun.PolicyFile), strings.ReplaceAll(protectPolicy, "payments", "billing"))
	if out := guardRun(t, repo, "billing/a.go", counting); !strings.Contains(out, `"permissionDecision":"deny"`) || calls != 2 {
		t.Fatalf("edited policy: stdout %q after %d compiler calls, want a denial after 2", out, calls)
	}
}

// TestGuardFailsClosed: a policy that cannot be compiled (invalid, or no
// compiler to run) denies edits unless it says on_error: allow.
func TestGuardFailsClosed(t *testing.T) {
	noBinary := func(src []byte) ([]byte, policy.FailMode, error) {
		return nil, policy.FailModeOf(src), errors.New("the tracevault binary is neither beside tracevault-hook nor on PATH")
	}
	tests := []struct {
		name     string
		src      string
		compile  hookrun.PolicyCompiler
		denied   bool
		contains string
	}{
		{"invalid", "rules:\n  - name: p\n    action: [block\n", policyfile.Canonical, true, "is invalid"},
		{"invalid allow", "on_error: allow\nrules:\n  - name: p\n    action: [block\n", policyfile.Canonical, false, ""},
		{"no compiler", protectPolicy, noBinary, true, "could not compile"},
		{"no compiler allow", "on_error: allow\n" + protectPolicy, noBinary, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := newRepo(t)
			writeFile(t, filepath.Join(repo, hookrun.PolicyFile), tt.src)
			out := guardRun(t, repo, "other/a.go", tt.compile)
			if denied := strings.Contains(out, `"permissionDecision":"deny"`); denied != tt.denied {
				t.Fatalf("denied = %v, want %v (stdout %q)", denied, tt.denied, out)
			}
			if tt.denied && (!strings.Contains(out, "fail closed") || !strings.Contains(out, tt.contains)) {
				t.Errorf("deny reason %q, want %q and \"fail closed\"", out, tt.contains)
			}
		})
	}
}
