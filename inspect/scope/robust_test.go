package scope

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkLines asserts what holds for any input: one entry per line, and
// every scope on a line's path is named, well formed and covers the line.
func checkLines(t *testing.T, path string, src []byte, got [][]Scope) {
	t.Helper()
	if len(got) != countLines(src) {
		t.Fatalf("Lines(%q) has %d lines, want %d", path, len(got), countLines(src))
	}
	for i, p := range got {
		if len(p) > MaxDepth+1 {
			t.Fatalf("Lines(%q) line %d: path of %d scopes, over MaxDepth", path, i+1, len(p))
		}
		for _, s := range p {
			if s.Kind == "" || s.Name == "" || s.StartLine > i+1 || s.EndLine < i+1 {
				t.Fatalf("Lines(%q) line %d: bad scope %+v in path %+v", path, i+1, s, p)
			}
		}
	}
}

// testdataFiles returns the testdata sources by path.
func testdataFiles(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*.*") // not testdata/fuzz
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = src
	}
	return out
}

// TestLinesTruncated scopes every prefix of each testdata file (cut
// mid-definition, mid-token, mid-rune) and each file with a byte mangled
// at intervals: tree-sitter must recover and Lines must neither fail nor
// break its invariants.
func TestLinesTruncated(t *testing.T) {
	for path, src := range testdataFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cut, mangle := 7, 61 // coprime strides, so cuts land on varied bytes
			if testing.Short() {
				cut, mangle = 61, 307
			}
			for n := 0; n <= len(src); n += cut {
				got, err := Lines(path, src[:n])
				if err != nil {
					t.Fatalf("Lines(%q[:%d]) error: %v", path, n, err)
				}
				checkLines(t, path, src[:n], got)
			}
			for i := 0; i < len(src); i += mangle {
				for _, b := range []byte{'{', '}', '(', '"', '\n', 0xff, 0} {
					mangled := bytes.Clone(src)
					mangled[i] = b
					got, err := Lines(path, mangled)
					if err != nil {
						t.Fatalf("Lines(%q mangled at %d) error: %v", path, i, err)
					}
					checkLines(t, path, mangled, got)
				}
			}
		})
	}
}

// TestLinesHostile feeds inputs meant to be slow or deep: they must
// finish quickly with bounded paths and names.
func TestLinesHostile(t *testing.T) {
	tests := []struct {
		name, path string
		src        string
	}{
		{"garbage go", "x.go", "\x00\xff}}}{{{ func func ( ) ] type struct {"},
		{"binary", "x.py", string(bytes.Repeat([]byte{0, 0xfe, 0x80, '\n'}, 1000))},
		{"only newlines", "x.rs", strings.Repeat("\n", 1000)},
		{"no trailing newline", "x.java", "class A { void f() {} }"},
		{"deep js", "x.js", strings.Repeat("function f(){", 20000) + strings.Repeat("}", 20000)},
		{"deep python", "x.py", deepPython(300)},
		{"deep go closures", "x.go", "package p\nfunc F() {\n" + strings.Repeat("func() {\n", 5000) + strings.Repeat("}()\n", 5000) + "}\n"},
		{"unbalanced braces", "x.ts", strings.Repeat("class A { m() { ", 5000)},
		{"huge name", "x.rs", "impl Foo<" + strings.Repeat("Vec<", 3000) + "u8" + strings.Repeat(">", 3001) + " { fn f() {} }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got, err := Lines(tt.path, []byte(tt.src))
			if err != nil {
				t.Fatalf("Lines(%q) error: %v", tt.path, err)
			}
			checkLines(t, tt.path, []byte(tt.src), got)
			for _, p := range got {
				for _, s := range p {
					if len(s.Name) > MaxDepth*(maxName+len("…")+len(".<locals>.")) {
						t.Fatalf("Lines(%q): name of %d bytes", tt.path, len(s.Name))
					}
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Lines(%q) took %v", tt.path, d)
			}
		})
	}
}

// deepPython nests n defs.
func deepPython(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "def f():\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "pass\n")
	return b.String()
}

// FuzzLines checks that no input makes Lines fail, panic or break its
// invariants, in every supported language.
func FuzzLines(f *testing.F) {
	exts := []string{".go", ".py", ".ts", ".tsx", ".js", ".rs", ".java", ".txt"}
	for path, src := range testdataFiles(f) {
		for i, e := range exts {
			if strings.HasSuffix(path, e) {
				f.Add(uint8(i), src)
			}
		}
	}
	f.Add(uint8(0), []byte("package p\nfunc (s *S[T]) M() { func() {}() }\n"))
	f.Fuzz(func(t *testing.T, ext uint8, src []byte) {
		path := "fuzz" + exts[int(ext)%len(exts)]
		got, err := Lines(path, src)
		if err != nil {
			t.Fatalf("Lines(%q) error: %v", path, err)
		}
		checkLines(t, path, src, got)
		for _, p := range got {
			_ = Label(p)
		}
	})
}

// benchInput returns the testdata file followed by copies of its part
// from the first occurrence of from (all of it if from is ""), until the
// result has at least lines lines and size bytes. Names repeat; duplicate
// names cost the same as distinct ones.
func benchInput(b *testing.B, file, from string, lines, size int) []byte {
	b.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	body := src[max(bytes.Index(src, []byte(from)), 0):]
	out := bytes.Clone(src)
	for countLines(out) < lines || len(out) < size {
		out = append(out, body...)
	}
	return out
}

func benchLines(b *testing.B, path string, src []byte) {
	b.Helper()
	b.ReportMetric(float64(countLines(src)), "lines")
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Lines(path, src); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLinesGo5000 scopes a Go file of 5,000 lines: one package
// clause and import block, then declarations repeated.
func BenchmarkLinesGo5000(b *testing.B) {
	benchLines(b, "big.go", benchInput(b, "testdata/server.go", "// ErrClosed", 5000, 0))
}

// BenchmarkLinesTS130K scopes a 130 KB TypeScript file.
func BenchmarkLinesTS130K(b *testing.B) {
	benchLines(b, "big.ts", benchInput(b, "testdata/store.ts", "", 0, 130<<10))
}

// BenchmarkFallback splits a 130 KB file without a grammar into blocks.
func BenchmarkFallback(b *testing.B) {
	benchLines(b, "big.txt", benchInput(b, "testdata/store.ts", "", 0, 130<<10))
}

// TestLinesConcurrent scopes files from many goroutines at once: parsers
// are pooled and queries shared, so results must not depend on timing.
func TestLinesConcurrent(t *testing.T) {
	files := testdataFiles(t)
	want := map[string][]string{}
	for path, src := range files {
		got, err := Lines(path, src)
		if err != nil {
			t.Fatal(err)
		}
		want[path] = labels(got)
	}
	errs := make(chan error, 8*len(files))
	for range 8 {
		for path, src := range files {
			go func() {
				got, err := Lines(path, src)
				if err == nil && !slices.Equal(labels(got), want[path]) {
					err = fmt.Errorf("Lines(%q) differs under concurrency", path)
				}
				errs <- err
			}()
		}
	}
	for range 8 * len(files) {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
