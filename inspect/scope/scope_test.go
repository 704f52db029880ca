package scope

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// wantMarker introduces an expectation in a testdata file: the rest of the
// line (less a closing "*/" or "*/}") is the Label wanted for that line,
// "-" for none.
const wantMarker = "want: "

type labelCase struct {
	line int
	want string
}

// labelCases reads the want markers of src.
func labelCases(src []byte) []labelCase {
	var cases []labelCase
	for i, line := range strings.Split(string(src), "\n") {
		_, rest, ok := strings.Cut(line, wantMarker)
		if !ok {
			continue
		}
		rest = strings.TrimSpace(rest)
		rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(rest, "}"), "*/"))
		if rest == "-" {
			rest = ""
		}
		cases = append(cases, labelCase{line: i + 1, want: rest})
	}
	return cases
}

// TestLinesLabels checks the label of every line of the testdata files
// that carries a want marker: signatures, bodies, closing lines,
// decorators, and lines between definitions.
func TestLinesLabels(t *testing.T) {
	files, err := filepath.Glob("testdata/*.*") // not testdata/fuzz
	if err != nil {
		t.Fatal(err)
	}
	seen := map[Language]bool{}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			lang, ok := LanguageFor(file)
			if !ok {
				t.Fatalf("LanguageFor(%q) unsupported", file)
			}
			seen[lang] = true
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Lines(file, src)
			if err != nil {
				t.Fatalf("Lines(%q) error: %v", file, err)
			}
			if n := bytes.Count(src, []byte("\n")); len(got) != n {
				t.Fatalf("Lines(%q) has %d lines, want %d", file, len(got), n)
			}
			cases := labelCases(src)
			if len(cases) < 15 {
				t.Fatalf("%s has %d want markers, want at least 15", file, len(cases))
			}
			for _, c := range cases {
				if g := Label(got[c.line-1]); g != c.want {
					t.Errorf("line %d: Label = %q, want %q", c.line, g, c.want)
				}
			}
		})
	}
	for _, l := range []Language{Go, Python, TypeScript, TSX, JavaScript, Rust, Java} {
		if !seen[l] {
			t.Errorf("no testdata file for %s", l)
		}
	}
}

// TestLinesPaths checks whole scope paths, with their line ranges.
func TestLinesPaths(t *testing.T) {
	tests := []struct {
		name string
		file string
		line int
		want []Scope
	}{
		{
			name: "python nested decorated def",
			file: "testdata/ledger.py",
			line: 19,
			want: []Scope{
				{Kind: KindFunction, Name: "retry", StartLine: 12, EndLine: 27},
				{Kind: KindFunction, Name: "retry.<locals>.wrap", StartLine: 15, EndLine: 25},
				{Kind: KindFunction, Name: "retry.<locals>.wrap.<locals>.inner", StartLine: 16, EndLine: 23},
			},
		},
		{
			name: "go closure in closure",
			file: "testdata/server.go",
			line: 57,
			want: []Scope{
				{Kind: KindMethod, Name: "(*Server).Handle", StartLine: 46, EndLine: 61},
				{Kind: KindClosure, Name: "(*Server).Handle.func2", StartLine: 56, EndLine: 59},
				{Kind: KindClosure, Name: "(*Server).Handle.func2.1", StartLine: 57, EndLine: 57},
			},
		},
		{
			name: "rust method in trait impl",
			file: "testdata/chain.rs",
			line: 20,
			want: []Scope{
				{Kind: KindImpl, Name: "<ChainError as fmt::Display>", StartLine: 17, EndLine: 24},
				{Kind: KindMethod, Name: "<ChainError as fmt::Display>::fmt", StartLine: 18, EndLine: 23},
			},
		},
		{
			name: "java compact constructor in nested record",
			file: "testdata/Vault.java",
			line: 39,
			want: []Scope{
				{Kind: KindClass, Name: "Vault", StartLine: 8, EndLine: 73},
				{Kind: KindRecord, Name: "Vault.Entry", StartLine: 37, EndLine: 45},
				{Kind: KindConstructor, Name: "Vault.Entry.Entry", StartLine: 38, EndLine: 40},
			},
		},
		{
			name: "typescript decorated export class",
			file: "testdata/store.ts",
			line: 28,
			want: []Scope{
				{Kind: KindClass, Name: "Store", StartLine: 26, EndLine: 59},
			},
		},
		{name: "between definitions", file: "testdata/store.ts", line: 17, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Lines(tt.file, src)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got[tt.line-1]); diff != "" {
				t.Errorf("Lines(%q)[line %d] mismatch (-want +got):\n%s", tt.file, tt.line, diff)
			}
		})
	}
}

func TestLanguageFor(t *testing.T) {
	tests := []struct {
		path string
		want Language
		ok   bool
	}{
		{"main.go", Go, true},
		{"a/b/x.PY", Python, true},
		{"types.d.ts", TypeScript, true},
		{"App.tsx", TSX, true},
		{"index.mjs", JavaScript, true},
		{"cfg.cjs", JavaScript, true},
		{"view.jsx", JavaScript, true},
		{"lib.rs", Rust, true},
		{"Main.java", Java, true},
		{"README.md", "", false},
		{"Makefile", "", false},
		{".go", Go, true},
	}
	for _, tt := range tests {
		got, ok := LanguageFor(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LanguageFor(%q) = %q, %v, want %q, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLabel(t *testing.T) {
	tests := []struct {
		name   string
		scopes []Scope
		want   string
	}{
		{"none", nil, ""},
		{"innermost", []Scope{{Kind: KindClass, Name: "Foo"}, {Kind: KindMethod, Name: "Foo.bar"}}, "method Foo.bar"},
		{"fallback", []Scope{{Kind: KindLines, Name: "10-42", StartLine: 10, EndLine: 42}}, "lines 10-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Label(tt.scopes); got != tt.want {
				t.Errorf("Label(%v) = %q, want %q", tt.scopes, got, tt.want)
			}
		})
	}
}

// labels renders each line's label, "-" for none, for compact diffs.
func labels(lines [][]Scope) []string {
	out := make([]string, len(lines))
	for i, s := range lines {
		out[i] = Label(s)
		if out[i] == "" {
			out[i] = "-"
		}
	}
	return out
}

func TestFallback(t *testing.T) {
	long := strings.Repeat("x\n", MaxBlock+3)
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"empty", "", []string{}},
		{"one line no newline", "a", []string{"lines 1-1"}},
		{"paragraphs", "a\nb\n\n  \t\nc\n", []string{"lines 1-2", "lines 1-2", "-", "-", "lines 5-5"}},
		{"leading blank, crlf", "\r\na\r\nb\r\n", []string{"-", "lines 2-3", "lines 2-3"}},
		{"long run is cut", long, append(
			slicesRepeat("lines 1-50", MaxBlock), "lines 51-53", "lines 51-53", "lines 51-53")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := labels(Fallback([]byte(tt.src)))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Fallback(%q) mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestLinesFallback(t *testing.T) {
	src := []byte("# Title\ntext\n\nmore\n")
	got, err := Lines("README.md", src)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"lines 1-2", "lines 1-2", "-", "lines 4-4"}, labels(got)); diff != "" {
		t.Errorf("Lines(README.md) mismatch (-want +got):\n%s", diff)
	}

	big := bytes.Repeat([]byte("func f() {}\n"), MaxSize/12+1)
	got, err = Lines("big.go", big)
	if err != nil {
		t.Fatal(err)
	}
	if g, want := Label(got[0]), "lines 1-50"; g != want {
		t.Errorf("Lines(big.go) line 1 = %q, want %q (fallback over MaxSize)", g, want)
	}
}

func ExampleLabel() {
	src := []byte(`package p

type Server struct{}

func (s *Server) Handle() {
	go func() {}()
}
`)
	lines, err := Lines("server.go", src)
	if err != nil {
		panic(err)
	}
	for i, scopes := range lines {
		fmt.Printf("%d %q\n", i+1, Label(scopes))
	}
	// Output:
	// 1 ""
	// 2 ""
	// 3 "struct Server"
	// 4 ""
	// 5 "method (*Server).Handle"
	// 6 "closure (*Server).Handle.func1"
	// 7 "method (*Server).Handle"
}
