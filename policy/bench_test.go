package policy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture"
)

// twentyRules is a 20-rule policy: fullPolicy's 14 plus six more.
func twentyRules() string {
	var b strings.Builder
	b.WriteString(fullPolicy)
	for i := range 6 {
		fmt.Fprintf(&b, "  - name: extra-%d\n    action: warn\n    scope: {paths: [\"services/svc%d/**\"], branches: [main]}\n"+
			"    condition: {type: sensitive_path, patterns: [\"**/migrations/**\", \"**/*.sql\"]}\n", i, i)
	}
	return b.String()
}

func BenchmarkCompile20Rules(b *testing.B) {
	src := []byte(twentyRules())
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if _, err := compileSrc(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileCanonical20Rules(b *testing.B) {
	p, err := compileSrc([]byte(twentyRules()))
	if err != nil {
		b.Fatal(err)
	}
	src := p.Canonical()
	for b.Loop() {
		if _, err := compileSrc(src); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluateToolCall(b *testing.B) {
	p, err := compileSrc([]byte(twentyRules()))
	if err != nil {
		b.Fatal(err)
	}
	cases := map[string]ToolCallInput{
		"edit-allowed": {Agent: "claude-code", Model: "claude-sonnet-4-5-20250929", SessionID: "s", Tool: "Edit",
			ToolKind: capture.ToolFileEdit, Paths: []string{"internal/server/handler.go"}, Branch: "main"},
		"edit-blocked": {Agent: "claude-code", Model: "claude-sonnet-4-5-20250929", SessionID: "s", Tool: "Edit",
			ToolKind: capture.ToolFileEdit, Paths: []string{"services/payments/ledger.go"}, Branch: "main"},
		"bash": {Agent: "claude-code", Model: "claude-sonnet-4-5-20250929", SessionID: "s", Tool: "Bash",
			ToolKind: capture.ToolShell, Command: "cd services && go test ./... 2>&1 | tail -20", Branch: "main"},
	}
	for name, in := range cases {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p.EvaluateToolCall(in)
			}
		})
	}
}

func BenchmarkEvaluateCommits(b *testing.B) {
	p, err := compileSrc([]byte(twentyRules()))
	if err != nil {
		b.Fatal(err)
	}
	in := determinismInput(b)
	b.ReportAllocs()
	for b.Loop() {
		p.EvaluateCommits(in)
	}
}
