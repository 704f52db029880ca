package policy

import (
	"path"
	"strings"
	"testing"
)

func TestPathGlob(t *testing.T) {
	tests := []struct {
		pat, path string
		want      bool
	}{
		// The documented anchoring: patterns start at the repo root.
		{"payments/**", "payments/ledger.go", true},
		{"payments/**", "payments/a/b/c.go", true},
		{"payments/**", "src/payments/x.go", false},
		{"payments/**", "payments", false},
		{"**/payments/**", "payments/ledger.go", true},
		{"**/payments/**", "src/payments/x.go", true},
		{"**/payments/**", "a/b/payments/c/d.go", true},
		{"**/payments/**", "paymentsx/y.go", false},
		{"**/auth/**", "internal/auth/token.go", true},
		{"**/crypto/**", "crypto.go", false},
		{"*.go", "main.go", true},
		{"*.go", "cmd/main.go", false},
		{"**/*.go", "main.go", true},
		{"**/*.go", "cmd/x/main.go", true},
		{"**", "a", true},
		{"**", "a/b", true},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"src/*/x.go", "src/a/x.go", true},
		{"src/*/x.go", "src/a/b/x.go", false},
		{"?.go", "a.go", true},
		{"?.go", "ab.go", false},
		{"?.go", "é.go", true},
		{"[abc].go", "b.go", true},
		{"[!abc].go", "b.go", false},
		{"[^abc].go", "d.go", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{`\*.go`, "*.go", true},
		{`\*.go`, "a.go", false},
		{"**/*.{pem,key}", "certs/server.key", true},
		{"**/*.{pem,key}", "certs/server.crt", false},
		{"{src,lib}/**", "lib/a.c", true},
		{"a/b", "a/b/", false},
		{"*", "", false},
	}
	for _, tt := range tests {
		g, err := compilePathGlob(tt.pat)
		if err != nil {
			t.Errorf("compilePathGlob(%q) error: %v", tt.pat, err)
			continue
		}
		if got := g.match(tt.path); got != tt.want {
			t.Errorf("glob(%q).match(%q) = %v, want %v", tt.pat, tt.path, got, tt.want)
		}
	}
}

func TestNameGlob(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"claude-sonnet-4-*", "claude-sonnet-4-5-20250929", true},
		{"claude-sonnet-4-*", "claude-sonnet-4-20250514", true},
		{"claude-sonnet-4-*", "claude-opus-4-6", false},
		{"claude-sonnet-4-*", "claude-sonnet-4", false},
		{"*/claude-*", "openrouter/anthropic/claude-3", true},
		{"gpt-5*", "gpt-5-codex", true},
		{"mcp__semgrep__*", "mcp__semgrep__scan", true},
	}
	for _, tt := range tests {
		g, err := compileNameGlob(tt.pat)
		if err != nil {
			t.Fatalf("compileNameGlob(%q): %v", tt.pat, err)
		}
		if got := g.match(tt.name); got != tt.want {
			t.Errorf("glob(%q).match(%q) = %v, want %v", tt.pat, tt.name, got, tt.want)
		}
	}
}

func TestBadGlobs(t *testing.T) {
	for _, pat := range []string{"", "/abs/**", "a//b", "a/", "./a", "a/../b", "a**", "**b/c", "[abc", `a\`, "{a,b", "a}", "{a,{b}}"} {
		if _, err := compilePathGlob(pat); err == nil {
			t.Errorf("compilePathGlob(%q) succeeded, want an error", pat)
		}
	}
}

func TestGlobDoesNotAllocate(t *testing.T) {
	g, _ := compilePathGlob("**/payments/**")
	n := testing.AllocsPerRun(100, func() { g.match("src/internal/payments/ledger/x.go") })
	if n != 0 {
		t.Errorf("match allocates %v times, want 0", n)
	}
}

// FuzzGlob checks that matching never panics, and that for patterns within
// path.Match's syntax (no "**", braces, '!' or leading ']' in classes) and
// ASCII input, a path glob agrees with path.Match.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"payments/**", "payments/x.go"}, {"**/a/*.go", "b/a/c.go"}, {"[a-c]?/*", "b1/x"},
		{`\*x`, "*x"}, {"*a*b*c", "xaybzc"}, {"{a,b}/**", "a/b"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		for _, isPath := range []bool{true, false} {
			g, err := compileGlob(pat, isPath)
			if err != nil {
				continue
			}
			got := g.match(name)
			if !isPath || strings.ContainsAny(pat, "{}!") || strings.Contains(pat, "**") ||
				strings.Contains(pat, "[]") || strings.Contains(pat, "[^]") || !ascii(pat+name) {
				continue
			}
			want, err := path.Match(pat, name)
			if err != nil {
				continue
			}
			if _, ok := cleanPath(name); !ok || strings.HasSuffix(name, "/") {
				continue
			}
			if got != want {
				t.Errorf("glob(%q).match(%q) = %v, path.Match = %v", pat, name, got, want)
			}
		}
	})
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
