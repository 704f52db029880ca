package policy_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const policyPath = ".tracevault/policy.yaml"

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name, src string
		code      int
		want      []string // substrings of the output
	}{
		{"ok", "rules:\n  - name: p\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n", 0,
			[]string{policyPath + ": ok (1 rules enabled, sha256:"}},
		{"syntax error", "rules:\n  - name: p\n    action: [block\n", 1, []string{policyPath + ":3:"}},
		{"unknown condition", "rules:\n  - name: p\n    action: block\n    condition: {type: sensitve_path, patterns: [\"a/**\"]}\n", 1,
			[]string{policyPath + ":4:", `sensitve_path`, `did you mean "sensitive_path"`}},
		{"bad glob", "rules:\n  - name: p\n    action: block\n    condition: {type: sensitive_path, patterns: [\"pay**/x\"]}\n", 1,
			[]string{policyPath + ":4:", `bad glob "pay**/x"`}},
		{"contradictory rules", "rules:\n  - name: a\n    action: block\n    condition: {type: model_allowlist, allow: [claude-opus-4-6]}\n" +
			"  - name: no-opus\n    action: block\n    condition: {type: model_allowlist, deny: [\"claude-opus-*\"]}\n", 1,
			[]string{policyPath + ":4:", "contradictory rules", `rule "no-opus" at line 7`}},
		{"fail mode is reported", "on_error: allow\nrules: [\n", 1, []string{"fail open (on_error: allow)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.newRepo()
			e.write(policyPath, tt.src)
			r := e.tv("policy", "validate")
			if r.code != tt.code {
				t.Fatalf("policy validate: exit %d, want %d\n%s%s", r.code, tt.code, r.stdout, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.stdout+r.stderr, w) {
					t.Errorf("output lacks %q:\n%s%s", w, r.stdout, r.stderr)
				}
			}
			// An explicit file argument gives the same result.
			if r2 := e.tv("policy", "validate", policyPath); r2.code != tt.code {
				t.Errorf("policy validate FILE: exit %d, want %d", r2.code, tt.code)
			}
		})
	}
}

// TestBadPolicyFailModes: a policy that does not compile makes the hook
// deny edits and check/verify block (on_error: block, the default), or
// lets everything through (on_error: allow), as docs/policy.md says.
func TestBadPolicyFailModes(t *testing.T) {
	bad := map[string]string{
		"syntax":        "rules:\n  - name: p\n    action: [block\n",
		"unknown cond":  "rules:\n  - name: p\n    action: block\n    condition: {type: nope}\n",
		"bad glob":      "rules:\n  - name: p\n    action: block\n    condition: {type: sensitive_path, patterns: [\"/abs/**\"]}\n",
		"contradictory": "rules:\n  - name: a\n    action: block\n    condition: {type: model_allowlist, allow: [m1]}\n  - name: b\n    action: warn\n    condition: {type: model_allowlist, deny: [m1]}\n",
	}
	for name, src := range bad {
		for _, mode := range []string{"block", "allow"} {
			t.Run(name+"/"+mode, func(t *testing.T) {
				e := newEnv(t)
				base := e.newRepo()
				body := src
				if mode == "allow" {
					body = "on_error: allow\n" + src
				}
				e.write(policyPath, body)
				e.commit("policy")
				pre := e.aiWrite("s1", "toolu_1", "a.go", "package a\n")
				denied := strings.Contains(pre.stdout, `"permissionDecision":"deny"`)
				if denied != (mode == "block") {
					t.Errorf("hook denied=%v, want %v (stdout %q)", denied, mode == "block", pre.stdout)
				}
				if denied && !strings.Contains(pre.stdout, "fail closed") {
					t.Errorf("deny reason does not say it fails closed: %s", pre.stdout)
				}
				e.write("b.go", "package b\n")
				e.commit("b")
				wantCode := map[string]int{"block": 3, "allow": 0}[mode]
				for _, args := range [][]string{{"check", "--json", "--range", base + "..HEAD"}, {"verify", "--json", "--range", base + "..HEAD"}} {
					r := e.tv(args...)
					if r.code != wantCode {
						t.Errorf("%s: exit %d, want %d\n%s%s", args[0], r.code, wantCode, r.stdout, r.stderr)
						continue
					}
					rep := decodeReport(t, r.stdout)
					if rep.PolicyError == "" || string(rep.Verdict) != "null" {
						t.Errorf("%s: policy_error %q verdict %s, want an error and no verdict", args[0], rep.PolicyError, rep.Verdict)
					}
				}
			})
		}
	}
}

// TestVerdictIdentity: PreToolUse, check and verify run the same engine on
// the same facts and produce byte-identical verdict JSON.
func TestVerdictIdentity(t *testing.T) {
	t.Run("check and verify, sensitive path and model allowlist", func(t *testing.T) {
		e := newEnv(t)
		base := e.newRepo()
		e.write(policyPath, "rules:\n  - name: protect-payments\n    action: warn\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n"+
			"  - name: sonnet-only\n    action: warn\n    severity: low\n    condition: {type: model_allowlist, allow: [\"claude-sonnet-4-*\"]}\n")
		e.commit("policy")
		tr := e.transcript("claude-opus-4-6", 100, 20)
		e.hook(map[string]any{"session_id": "s1", "hook_event_name": "Stop", "transcript_path": tr})
		e.aiWrite("s1", "toolu_1", "payments/ledger.go", "package payments\n\nvar Balance = 0\n")
		e.hook(map[string]any{"session_id": "s1", "hook_event_name": "Stop", "transcript_path": tr})
		e.commit("ledger")
		hookVerdicts := e.spoolVerdicts("s1")
		if len(hookVerdicts) != 1 || !strings.Contains(hookVerdicts[0], `"path":"payments/ledger.go"`) {
			t.Fatalf("PreToolUse verdicts %q, want one about payments/ledger.go", hookVerdicts)
		}
		c := e.tv("check", "--json", "--range", base+"..HEAD")
		v := e.tv("verify", "--json", "--range", base+"..HEAD")
		if c.code != 0 || v.code != 0 {
			t.Fatalf("check exit %d, verify exit %d, want 0 (warn)\n%s%s\n%s%s", c.code, v.code, c.stdout, c.stderr, v.stdout, v.stderr)
		}
		cv, vv := decodeReport(t, c.stdout).Verdict, decodeReport(t, v.stdout).Verdict
		if string(cv) != string(vv) {
			t.Errorf("verdicts differ:\ncheck:  %s\nverify: %s", cv, vv)
		}
		for _, want := range []string{`"decision":"warn"`, `"rule":"protect-payments"`, `"rule":"sonnet-only"`, `model \"claude-opus-4-6\" is not in the allowlist`} {
			if !strings.Contains(string(cv), want) {
				t.Errorf("verdict %s lacks %s", cv, want)
			}
		}
		// Same policy hash at tool time and at commit time.
		var hv, rv struct{ Policy string }
		_ = json.Unmarshal([]byte(hookVerdicts[0]), &hv)
		_ = json.Unmarshal(cv, &rv)
		if hv.Policy == "" || hv.Policy != rv.Policy {
			t.Errorf("policy hash at PreToolUse %q, at check %q", hv.Policy, rv.Policy)
		}
	})
	t.Run("PreToolUse, check and verify, session budget", func(t *testing.T) {
		// A session over its token budget: the guard judges the session
		// usage so far, check and verify the session record's total; with
		// no usage in between they are the same facts.
		e := newEnv(t)
		base := e.newRepo()
		e.write(policyPath, "rules:\n  - name: session-budget\n    action: warn\n    condition: {type: budget, per: session, max_tokens: 1000}\n"+
			"  - name: protect-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n")
		e.commit("policy")
		tr := e.transcript("claude-sonnet-4-5", 1200, 300)
		e.hook(map[string]any{"session_id": "s1", "hook_event_name": "Stop", "transcript_path": tr})
		e.aiWrite("s1", "toolu_1", "src/app.go", "package src\n")
		e.hook(map[string]any{"session_id": "s1", "hook_event_name": "Stop", "transcript_path": tr})
		e.commit("app")
		hv := e.spoolVerdicts("s1")
		c := e.tv("check", "--json", "--range", base+"..HEAD")
		v := e.tv("verify", "--json", "--range", base+"..HEAD")
		if len(hv) != 1 {
			t.Fatalf("PreToolUse verdicts: %q", hv)
		}
		cv, vv := string(decodeReport(t, c.stdout).Verdict), string(decodeReport(t, v.stdout).Verdict)
		if hv[0] != cv || cv != vv {
			t.Errorf("verdicts differ:\nPreToolUse: %s\ncheck:      %s\nverify:     %s", hv[0], cv, vv)
		}
		if !strings.Contains(cv, `"message":"the session used 1500 tokens, over the budget of 1000"`) {
			t.Errorf("verdict %s lacks the budget violation", cv)
		}
	})
}

// TestPrePush drives git push through the hooks init installed.
func TestPrePush(t *testing.T) {
	const protect = "rules:\n  - name: protect-payments\n    action: %s\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n"
	setup := func(t *testing.T, action string) *env {
		e := newEnv(t)
		e.newRepo()
		e.aiWrite("s1", "toolu_1", "payments/ledger.go", "package payments\n")
		e.commit("ai ledger")
		e.write(policyPath, fmt.Sprintf(protect, action))
		e.commit("policy")
		return e
	}
	t.Run("block", func(t *testing.T) {
		e := setup(t, "block")
		r := e.run(e.repo, "", nil, "git", "push", "origin", "main")
		if r.code == 0 {
			t.Fatalf("push succeeded, want it blocked\n%s", r.stderr)
		}
		for _, w := range []string{"RULE", "protect-payments", "payments/ledger.go", "BLOCK", "push blocked by policy"} {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("push output lacks %q:\n%s", w, r.stderr)
			}
		}
		if got := e.git("ls-remote", "origin", "refs/heads/main"); strings.Contains(got, e.git("rev-parse", "HEAD")) {
			t.Errorf("the remote got the blocked commits")
		}
		// check --range gives the same answer by hand.
		if r := e.tv("check", "--range", "origin/main..HEAD"); r.code != 3 {
			t.Errorf("check --range: exit %d, want 3", r.code)
		}
	})
	t.Run("warn", func(t *testing.T) {
		e := setup(t, "warn")
		r := e.run(e.repo, "", nil, "git", "push", "origin", "main")
		if r.code != 0 || !strings.Contains(r.stderr, "WARN") || !strings.Contains(r.stderr, "protect-payments") {
			t.Fatalf("push: exit %d, want 0 with a warning\n%s", r.code, r.stderr)
		}
	})
	t.Run("new branch judges only commits on no remote-tracking ref", func(t *testing.T) {
		e := setup(t, "block")
		e.git("push", "--no-verify", "origin", "main") // the AI commit is on origin/main now
		e.git("checkout", "-q", "-b", "topic")
		e.write("notes.txt", "human\n")
		e.commit("human")
		if r := e.run(e.repo, "", nil, "git", "push", "origin", "topic"); r.code != 0 {
			t.Fatalf("push of a new branch with only a human commit: exit %d\n%s", r.code, r.stderr)
		}
		if r := e.run(e.repo, "", nil, "git", "push", "origin", "--delete", "topic"); r.code != 0 {
			t.Fatalf("deleting a branch: exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestCheckServer covers the server seam: a reachable server's verdict
// counts; an unreachable one blocks unless overridden, and the override is
// recorded.
func TestCheckServer(t *testing.T) {
	setup := func(t *testing.T, server string) *env {
		e := newEnv(t)
		e.newRepo()
		e.aiWrite("s1", "toolu_1", "payments/ledger.go", "package payments\n")
		e.commit("ai ledger")
		e.git("config", "tracevault.server", server)
		return e
	}
	t.Run("reachable server blocks", func(t *testing.T) {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.Path + "?" + r.URL.RawQuery
			fmt.Fprint(w, "rules:\n  - name: org-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n")
		}))
		defer srv.Close()
		e := setup(t, srv.URL)
		r := e.run(e.repo, "", nil, "git", "push", "origin", "main")
		if r.code == 0 || !strings.Contains(r.stderr, "org-payments") || !strings.Contains(r.stderr, "(server)") {
			t.Fatalf("push: exit %d, want blocked by the server's rule\n%s", r.code, r.stderr)
		}
		if !strings.HasPrefix(got, "/api/v1/policy?repo=") {
			t.Errorf("server asked for %q", got)
		}
	})
	t.Run("unreachable server fails closed", func(t *testing.T) {
		e := setup(t, "http://127.0.0.1:1")
		r := e.run(e.repo, "", nil, "git", "push", "origin", "main")
		if r.code == 0 || !strings.Contains(r.stderr, "server unreachable") || !strings.Contains(r.stderr, "--override-offline") {
			t.Fatalf("push: exit %d, want fail-closed\n%s", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(e.repo, ".git", "tracevault", "overrides.jsonl")); err == nil {
			t.Errorf("an override was recorded without one being given")
		}
	})
	t.Run("override is recorded", func(t *testing.T) {
		e := setup(t, "http://127.0.0.1:1")
		r := e.run(e.repo, "", []string{"TRACEVAULT_OVERRIDE=server down, release 1.2 hotfix"}, "git", "push", "origin", "main")
		if r.code != 0 {
			t.Fatalf("push with override: exit %d\n%s", r.code, r.stderr)
		}
		b, err := os.ReadFile(filepath.Join(e.repo, ".git", "tracevault", "overrides.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		var line struct {
			Reason, Check, Server, Remote, Record string
			Refs, Commits                         []string
		}
		if err := json.Unmarshal(b, &line); err != nil {
			t.Fatalf("overrides.jsonl %q: %v", b, err)
		}
		if line.Reason != "server down, release 1.2 hotfix" || line.Check != "server-unreachable" || line.Remote != "origin" ||
			len(line.Commits) != 1 || len(line.Refs) != 1 || line.Record == "" {
			t.Errorf("override line %+v", line)
		}
		writer, _, _ := strings.Cut(line.Record, "/")
		rec := e.git("show", "refs/tracevault/log/"+writer+":record.json")
		if !strings.Contains(rec, `"type":"override"`) || !strings.Contains(rec, `"reason":"server down, release 1.2 hotfix"`) {
			t.Errorf("chain tip record %s is not the override", rec)
		}
		// The chain still verifies with the override record on it.
		if r := e.tv("verify", "--range", "HEAD~1..HEAD"); r.code != 0 {
			t.Errorf("verify after override: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestVerifyExitCodes: 4 for an invalid trace wins over 3 for a block.
func TestVerifyExitCodes(t *testing.T) {
	e := newEnv(t)
	base := e.newRepo()
	e.aiWrite("s1", "toolu_1", "payments/ledger.go", "package payments\n")
	e.commit("ai ledger")
	e.write(policyPath, "rules:\n  - name: protect-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n")
	e.commit("policy")
	summary := filepath.Join(t.TempDir(), "summary.md")
	r := e.run(e.repo, "", []string{"GITHUB_STEP_SUMMARY=" + summary}, filepath.Join(binDir, "tracevault"), "verify", "--range", base+"..HEAD")
	if r.code != 3 {
		t.Fatalf("verify: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	md, _ := os.ReadFile(summary)
	for _, w := range []string{"## TraceVault verify", "| Decision | **block** |", "protect-payments", "| Exit code | 3 |"} {
		if !strings.Contains(string(md), w) {
			t.Errorf("summary lacks %q:\n%s", w, md)
		}
	}
	// Distrust the writer: the trace is invalid, and 4 wins.
	e.write(".tracevault/allowed_signers", "")
	r = e.tv("verify", "--json", "--range", base+"..HEAD")
	rep := decodeReport(t, r.stdout)
	if r.code != 4 || rep.Exit != 4 || len(rep.Traces) != 2 || rep.Traces[0].Status != "invalid" {
		t.Fatalf("verify with an unknown key: exit %d, report %+v", r.code, rep)
	}
	if !strings.Contains(rep.Traces[0].Error, "not in .tracevault/allowed_signers") {
		t.Errorf("invalid trace error %q", rep.Traces[1].Error)
	}
}
