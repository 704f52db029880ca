package policy

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const protectPayments = `rules:
  - name: protect-payments
    condition:
      type: sensitive_path
      patterns: ["payments/**"]
    action: block
`

func TestProtectPaymentsExample(t *testing.T) {
	p := mustCompile(t, protectPayments)
	tests := []struct {
		path string
		want Decision
	}{
		{"payments/ledger.go", DecisionBlock},
		{"payments/internal/refund.go", DecisionBlock},
		{"src/payments/x.go", DecisionAllow}, // anchored at the repo root
		{"paymentsv2/x.go", DecisionAllow},
	}
	for _, tt := range tests {
		v := p.EvaluateToolCall(ToolCallInput{Tool: "Edit", Paths: []string{tt.path}})
		if v.Decision != tt.want {
			t.Errorf("edit of %q: decision = %s, want %s", tt.path, v.Decision, tt.want)
		}
	}
	// The defaults the file leaves out.
	want := `{"version":1,"on_error":"block","rules":[{"name":"protect-payments","enabled":true,"action":"block","severity":"medium","condition":{"type":"sensitive_path","patterns":["payments/**"]}}]}`
	if got := string(p.Canonical()); got != want {
		t.Errorf("Canonical() = %s, want %s", got, want)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message" prefixes, in order
	}{
		{"syntax error", "rules:\n  - name: a\n    action: [block\n", []string{"3:13: YAML syntax"}},
		{"unquoted star", "rules:\n  - name: a\n    condition:\n      patterns:\n        - **/auth/**\n",
			[]string{"5:12: YAML syntax: unexpected scalar value type (a value that starts with '*' must be quoted"}},
		{"empty file", "", []string{"1:1: empty policy file"}},
		{"not a mapping", "- a\n", []string{"1:1: a policy file is a mapping"}},
		{"unknown top-level key", "rule:\n  - name: a\n", []string{`1:1: unknown key "rule" in the policy file (did you mean "rules"?)`, "1:1: missing key \"rules\""}},
		{"unknown rule key", "rules:\n  - name: a\n    action: block\n    conditon: {type: secrets}\n",
			[]string{`2:5: rule "a" has no "condition"`, `4:5: unknown key "conditon" in a rule (did you mean "condition"?)`}},
		{"unknown condition key", "rules:\n  - name: a\n    action: block\n    condition:\n      type: sensitive_path\n      patterns: [x]\n      pattern: [y]\n",
			[]string{`7:7: unknown key "pattern" in a sensitive_path condition (did you mean "patterns"?)`}},
		{"key of another type", "rules:\n  - name: a\n    action: block\n    condition: {type: secrets, max_percent: 3}\n",
			[]string{`4:32: unknown key "max_percent" in a secrets condition (known keys: type, max_count)`}},
		{"unknown condition", "rules:\n  - name: a\n    action: block\n    condition:\n      type: sensitive_paths\n",
			[]string{`5:13: unknown condition type "sensitive_paths" (one of `}},
		{"bad glob", "rules:\n  - name: a\n    action: block\n    condition:\n      type: sensitive_path\n      patterns: [\"ok/**\", \"pay**/x\"]\n",
			[]string{`6:27: bad glob "pay**/x" in patterns: '**' must be a whole path segment`}},
		{"absolute glob", "rules:\n  - name: a\n    action: block\n    scope:\n      paths:\n        - /etc/**\n    condition: {type: secrets}\n",
			[]string{`6:11: bad glob "/etc/**" in scope.paths: paths are repo-relative`}},
		{"duplicate names", "rules:\n  - name: a\n    action: block\n    condition: {type: secrets}\n  - name: a\n    action: warn\n    condition: {type: secrets}\n",
			[]string{`5:11: duplicate rule name "a" (first used at line 2)`}},
		{"duplicate key", "rules:\n  - name: a\n    name: b\n", []string{`3:5: YAML syntax: mapping key "name" already defined at [2:5]`}},
		{"contradictory rules", "rules:\n" +
			"  - name: allow-opus\n    action: block\n    condition:\n      type: model_allowlist\n      allow: [\"claude-opus-4-6\", \"claude-sonnet-4-*\"]\n" +
			"  - name: no-opus\n    action: block\n    condition:\n      type: model_allowlist\n      deny: [\"claude-opus-*\"]\n",
			[]string{`6:15: contradictory rules: "claude-opus-4-6" is allowed here but denied by "claude-opus-*" in rule "no-opus" at line 11:14`}},
		{"same pattern allowed and denied", "rules:\n  - name: a\n    action: warn\n    condition: {type: agent_allowlist, allow: [\"codex*\"], deny: [\"codex*\"]}\n",
			[]string{`4:48: contradictory rules: "codex*" is allowed here but denied by "codex*"`}},
		{"bad values", "on_error: maybe\nrules:\n  - name: \"bad name\"\n    action: blok\n    severity: urgent\n    enabled: yes\n    condition: {type: ai_percent, max_percent: 140, per: week}\n",
			[]string{`1:11: unknown on_error "maybe"`, `3:11: rule name "bad name" may hold only`, `4:13: unknown action "blok" (one of block, warn); did you mean "block"?`,
				`5:15: unknown severity "urgent"`, `6:14: "enabled" must be true or false, not a string "yes"`,
				`7:48: max_percent must be between 0 and 100`, `7:58: unknown per "week"`}},
		{"missing required", "rules:\n  - name: a\n    action: block\n    condition: {type: budget}\n  - name: b\n    condition: {type: conditional_tool, tools: [X]}\n",
			[]string{`4:17: budget condition needs "per"`, `4:17: budget condition needs "max_cost_usd" or "max_tokens"`,
				`5:5: rule "b" has no "action"`, `6:17: conditional_tool condition needs "when_changed"`}},
		{"wrong types", "rules:\n  - name: a\n    action: block\n    condition: {type: sensitive_path, patterns: \"x/**\"}\n",
			[]string{`4:49: "patterns" must be a list of strings, not a string`}},
		{"empty list", "rules:\n  - name: a\n    action: block\n    condition: {type: dangerous_command, checks: []}\n",
			[]string{`4:50: "checks" is an empty list`}},
		{"unknown check", "rules:\n  - name: a\n    action: block\n    condition: {type: dangerous_command, checks: [rm_root, fork_bomb]}\n",
			[]string{`4:60: unknown check "fork_bomb"`}},
		{"anchors", "x: &a 1\nrules: *a\n", []string{"1:4: YAML anchors and aliases", "2:8: YAML anchors and aliases"}},
		{"version", "version: 2\nrules: []\n", []string{"1:10: unsupported policy version 2"}},
		{"disabled rules are checked too", "rules:\n  - name: a\n    enabled: false\n    action: block\n    condition: {type: sensitive_path, patterns: [\"[x\"]}\n",
			[]string{`5:50: bad glob "[x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileSrc([]byte(tt.src))
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("compileSrc() error = %v, want an ErrorList", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe != list[0] {
				t.Errorf("errors.As(*ParseError) did not find the first error")
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("compileSrc() errors:\n%s\nwant %d:\n%s", strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			sortedWant := append([]string(nil), tt.want...)
			for i, w := range sortedWant {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("error %d = %q, want prefix %q", i, got[i], w)
				}
			}
		})
	}
}

func TestFailModeOf(t *testing.T) {
	tests := []struct {
		src  string
		want FailMode
	}{
		{"rules: []\n", FailBlock},
		{"on_error: allow\nrules: []\n", FailAllow},
		{"on_error: allow\nrules:\n  - name: x\n    bogus: 1\n", FailAllow}, // invalid rules
		{"on_error: allow # best effort\nrules: [\n", FailAllow},            // not even YAML
		{"on_error: \"allow\"\n  : : [\n", FailAllow},
		{"on_error: block\nrules: [\n", FailBlock},
		{"on_error: sometimes\n", FailBlock},
		{"", FailBlock},
		{"{{{{", FailBlock},
	}
	for _, tt := range tests {
		if got := FailModeOf([]byte(tt.src)); got != tt.want {
			t.Errorf("FailModeOf(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
	if p := mustCompile(t, "on_error: allow\nrules: []\n"); p.FailMode() != FailAllow {
		t.Errorf("FailMode() = %s, want allow", p.FailMode())
	}
}

const fullPolicy = `# A policy using every condition.
version: 1
on_error: block
rules:
  - name: traced
    description: Every code commit has a trace or says it is human.
    action: block
    severity: high
    condition:
      type: trace_completeness
      human_trailers: ["TraceVault-Human: yes"]
      human_paths: ["docs/**", "**/*.md"]
  - name: ai-share
    action: warn
    condition: {type: ai_percent, max_percent: 80, per: commit}
  - name: ai-share-range
    action: warn
    severity: low
    condition: {type: ai_percent, max_percent: 60, per: range}
  - name: models
    action: block
    condition:
      type: model_allowlist
      allow: ["claude-sonnet-4-*", "claude-opus-4-*", "gpt-5*"]
      deny: ["claude-opus-4-0*"]
  - name: agents
    action: block
    condition: {type: agent_allowlist, allow: [claude-code, codex, gemini-cli]}
  - name: protect-payments
    action: block
    severity: critical
    scope: {branches: [main, "release/**"]}
    condition:
      type: sensitive_path
      patterns: ["**/payments/**", "**/auth/**", "**/crypto/**", "!**/*_test.go"]
  - name: tests-ran
    action: block
    condition:
      type: required_tool
      commands: ["go test", "make test"]
      after_last_edit: true
      must_succeed: true
  - name: semgrep-on-auth
    action: warn
    condition:
      type: conditional_tool
      when_changed: ["**/auth/**"]
      tools: ["mcp__semgrep__*"]
      commands: [semgrep]
  - name: session-budget
    action: block
    condition: {type: budget, per: session, max_cost_usd: 25, max_tokens: 50000000}
  - name: daily-budget
    action: warn
    condition: {type: budget, per: author_day, max_cost_usd: 100}
  - name: commit-budget
    action: warn
    condition: {type: budget, per: commit, max_tokens: 5000000}
  - name: no-foot-guns
    action: block
    severity: critical
    condition:
      type: dangerous_command
      protected_branches: [main, "release/*"]
      commands: ["terraform destroy", "kubectl delete namespace*"]
  - name: no-secrets
    action: block
    condition: {type: secrets, max_count: 0}
  - name: old-rule
    enabled: false
    action: warn
    condition: {type: secrets}
`

func TestCanonicalRoundTrip(t *testing.T) {
	p := mustCompile(t, fullPolicy)
	q := mustCompile(t, string(p.Canonical()))
	if p.Hash() != q.Hash() {
		t.Errorf("hash changed through the canonical form:\n%s\n%s", p.Canonical(), q.Canonical())
	}
	if diff := cmp.Diff(p.Rules(), q.Rules()); diff != "" {
		t.Errorf("rules changed (-want +got):\n%s", diff)
	}
	if len(p.Rules()) != 13 {
		t.Errorf("Rules() = %v, want the 13 enabled rules", p.Rules())
	}
	// Comments, layout, key order and list order do not change the hash.
	reordered := strings.Replace(fullPolicy, `allow: [claude-code, codex, gemini-cli]`, `allow: [gemini-cli, codex, claude-code]`, 1)
	reordered = strings.Replace(reordered, "# A policy using every condition.\n", "", 1)
	if r := mustCompile(t, reordered); r.Hash() != p.Hash() {
		t.Errorf("reordered policy hash %s, want %s", r.Hash(), p.Hash())
	}
	// A change of meaning does.
	if r := mustCompile(t, strings.Replace(fullPolicy, "max_count: 0", "max_count: 1", 1)); r.Hash() == p.Hash() {
		t.Errorf("changed policy has the same hash")
	}
}

func FuzzCompile(f *testing.F) {
	f.Add([]byte(protectPayments))
	f.Add([]byte(fullPolicy))
	f.Add([]byte("rules: [{name: a, action: block, condition: {type: secrets}}]"))
	f.Add([]byte("on_error: allow\nrules:\n - &a {name: x}\n - *a\n"))
	f.Add([]byte(`{"rules":[{"name":"a","action":"warn","condition":{"type":"budget","per":"range","max_cost_usd":0.0000001}}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		FailModeOf(src)
		if _, err := Compile(src); err == nil && !bytes.HasPrefix(bytes.TrimSpace(src), []byte("{")) {
			t.Fatalf("Compile accepted %q, which is not a JSON object", src)
		}
		var ej, ey errs
		if nj, ok := parseJSON(src, &ej); ok {
			// The JSON fast path must mean exactly what the YAML parser reads.
			if ny := parseYAML(src, &ey); len(ey.List) == 0 && len(ej.List) == 0 {
				sj, sy := decodeSpec(nj, &ej), decodeSpec(ny, &ey)
				canonicalize(sj)
				canonicalize(sy)
				if a, b := string(mustJSON(sj)), string(mustJSON(sy)); a != b || len(ej.List) != len(ey.List) {
					t.Fatalf("JSON and YAML paths differ on %q:\n%s %v\n%s %v", src, a, ej.Err(), b, ey.Err())
				}
			}
		}
		p, err := compileSrc(src)
		if err != nil {
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("Compile error %v is not a non-empty ErrorList", err)
			}
			return
		}
		q, err := Compile(p.Canonical())
		if err != nil || q.Hash() != p.Hash() {
			t.Fatalf("canonical form does not round-trip: %v\n%s", err, p.Canonical())
		}
		p.EvaluateToolCall(ToolCallInput{Paths: []string{"a/b.go"}, Command: "git push -f", Model: "m", Agent: "a"})
		p.EvaluateCommits(RangeInput{Commits: []CommitInput{{SHA: "x", ChangedFiles: []ChangedFile{{Path: "a", AddedLines: 1, AILines: 1}}}}})
	})
}

func TestJSONFastPathMatchesYAML(t *testing.T) {
	srcs := []string{
		`{"rules":[{"name":"a","action":"block","condition":{"type":"sensitive_path","patterns":["payments/**"]}}]}`,
		"{\n  \"rules\": [\n    {\"name\": \"a\", \"action\": \"blok\",\n     \"condition\": {\"type\": \"secrets\", \"max_count\": 1.5}}\n  ]\n}\n",
		`{"rules":[], "rules": []}`,
		`{"on_error":"allow","rules":[{"name":"a","action":"warn","enabled":false,"condition":{"type":"budget","per":"session","max_tokens":1e3}}]}`,
		`{"rules": [1, null, true, {"x": [] }]}`,
	}
	for _, src := range srcs {
		var ej, ey errs
		nj, ok := parseJSON([]byte(src), &ej)
		if !ok {
			t.Fatalf("parseJSON(%s) failed", src)
		}
		ny := parseYAML([]byte(src), &ey)
		sj, sy := decodeSpec(nj, &ej), decodeSpec(ny, &ey)
		_ = sj
		_ = sy
		if diff := cmp.Diff(errStrings(ey.List), errStrings(ej.List)); diff != "" && !strings.Contains(src, `"rules": []}`) {
			t.Errorf("errors for %s differ (-yaml +json):\n%s", src, diff)
		}
		pj, errj := Compile([]byte(src))
		if errj == nil {
			var ey2 errs
			root := parseYAML([]byte(src), &ey2)
			s := decodeSpec(root, &ey2)
			canonicalize(s)
			if got, want := string(pj.Canonical()), string(mustJSON(s)); got != want {
				t.Errorf("canonical via JSON %s, via YAML %s", got, want)
			}
		}
	}
}

func TestCompileTakesJSONOnly(t *testing.T) {
	_, err := Compile([]byte(protectPayments))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Line != 1 || !strings.Contains(list[0].Msg, "not one JSON object") {
		t.Fatalf("Compile(YAML) = %v, want one error saying it is not JSON", err)
	}
	p := mustCompile(t, protectPayments)
	q, err := Compile(p.Canonical())
	if err != nil || q.Hash() != p.Hash() {
		t.Fatalf("Compile(canonical) = %v, %v; want the same policy", q, err)
	}
}

func errStrings(l ErrorList) []string {
	var out []string
	for _, e := range l {
		out = append(out, e.Error())
	}
	return out
}
