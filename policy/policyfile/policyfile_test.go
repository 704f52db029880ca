package policyfile_test

import (
	"errors"
	"testing"

	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
)

const protect = "rules:\n  - name: protect-payments\n    action: block\n    condition: {type: sensitive_path, patterns: [\"payments/**\"]}\n"

func TestCompile(t *testing.T) {
	p, err := policyfile.Compile([]byte(protect))
	if err != nil {
		t.Fatalf("Compile(YAML) error = %v", err)
	}
	// The canonical form compiles without a YAML parser, to the same policy.
	q, err := policy.Compile(p.Canonical())
	if err != nil || q.Hash() != p.Hash() {
		t.Fatalf("policy.Compile(canonical) = %v, %v; want hash %s", q, err, p.Hash())
	}
	j, err := policyfile.Compile(p.Canonical())
	if err != nil || j.Hash() != p.Hash() {
		t.Fatalf("Compile(canonical) = %v, %v; want hash %s", j, err, p.Hash())
	}
	_, err = policyfile.Compile([]byte("rules:\n  - name: p\n    action: [block\n"))
	var pe *policy.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Errorf("Compile(bad YAML) error = %v, want a ParseError on line 3", err)
	}
}

func TestFailModeOf(t *testing.T) {
	tests := []struct {
		src       string
		want      policy.FailMode
		wantLines policy.FailMode // policy.FailModeOf, which reads no YAML
	}{
		{"rules: []\n", policy.FailBlock, policy.FailBlock},
		{"on_error: allow\nrules:\n  - name: x\n    bogus: 1\n", policy.FailAllow, policy.FailAllow},
		{"on_error: allow # best effort\nrules: [\n", policy.FailAllow, policy.FailAllow}, // not even YAML
		{"{on_error: allow, rules: [{bogus: 1}]}\n", policy.FailAllow, policy.FailBlock},  // a YAML flow mapping
		{"{\"on_error\": \"allow\", \"rules\": 1}", policy.FailAllow, policy.FailAllow},
		{"rules: []\nx:\n  on_error: allow\n", policy.FailBlock, policy.FailBlock},
		{"", policy.FailBlock, policy.FailBlock},
	}
	for _, tt := range tests {
		if got := policyfile.FailModeOf([]byte(tt.src)); got != tt.want {
			t.Errorf("FailModeOf(%q) = %s, want %s", tt.src, got, tt.want)
		}
		if got := policy.FailModeOf([]byte(tt.src)); got != tt.wantLines {
			t.Errorf("policy.FailModeOf(%q) = %s, want %s", tt.src, got, tt.wantLines)
		}
	}
}
