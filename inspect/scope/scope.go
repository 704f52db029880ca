package scope

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Language is a source language whose definitions this package understands.
type Language string

// The supported languages.
const (
	Go         Language = "go"
	Python     Language = "python"
	TypeScript Language = "typescript"
	TSX        Language = "tsx"
	JavaScript Language = "javascript"
	Rust       Language = "rust"
	Java       Language = "java"
)

// MaxSize is the largest input [Lines] parses. Larger files get [Fallback]
// blocks: a generated or vendored file that big is not worth the parse time.
const MaxSize = 4 << 20

// Kinds of [Scope]. The set is shared by all languages so that consumers of
// blame's JSON need not know the language of a file.
const (
	KindFunction    = "function"    // a named free function, or a function bound to a variable
	KindMethod      = "method"      // a function defined in a class, impl, trait or object literal
	KindConstructor = "constructor" // a Java or JavaScript/TypeScript constructor
	KindClosure     = "closure"     // a Go func literal, named as the Go runtime names it
	KindClass       = "class"
	KindStruct      = "struct"
	KindInterface   = "interface"
	KindType        = "type" // a type declaration other than a struct or interface
	KindEnum        = "enum"
	KindRecord      = "record"     // a Java record
	KindAnnotation  = "annotation" // a Java @interface
	KindImpl        = "impl"       // a Rust impl block
	KindTrait       = "trait"
	KindUnion       = "union"
	KindModule      = "module"    // a Rust mod or an ambient TypeScript module
	KindNamespace   = "namespace" // a TypeScript namespace
	KindMacro       = "macro"     // a Rust macro_rules!
	KindLines       = "lines"     // a fallback block of lines; see [Fallback]
)

// Scope is one enclosing definition.
type Scope struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Name is the definition's name qualified by the definitions that
	// enclose it, in the language's own notation; the package doc lists
	// the rules. For a [KindLines] block it is the line range, "10-42".
	Name string `json:"name"`
	// StartLine and EndLine are 1-based and inclusive. The range covers
	// the signature, the closing brace, and any decorators, annotations
	// or attributes written before the definition.
	StartLine int `json:"start_line"`
	EndLine   int `json:"end_line"`
}

// LanguageFor reports the language of the file at path, judged by its
// extension, and whether it is supported.
func LanguageFor(path string) (Language, bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".go":
		return Go, true
	case ".py", ".pyi":
		return Python, true
	case ".ts", ".mts", ".cts":
		return TypeScript, true
	case ".tsx":
		return TSX, true
	case ".js", ".jsx", ".mjs", ".cjs":
		return JavaScript, true
	case ".rs":
		return Rust, true
	case ".java":
		return Java, true
	}
	return "", false
}

// Lines returns, for each line of src, the path of definitions enclosing it,
// outermost first: element i describes line i+1, and is nil for a line
// outside every definition. The result has one element per line as git
// counts them (a final newline does not start a line).
//
// The language comes from [LanguageFor]. A file in an unsupported language,
// or one larger than [MaxSize], is split into [Fallback] blocks instead.
// Syntax errors do not make Lines fail: tree-sitter recovers, and the
// definitions it still recognises are reported. The scope slices may be
// shared between lines and must not be modified.
func Lines(path string, src []byte) ([][]Scope, error) {
	lang, ok := LanguageFor(path)
	if !ok || len(src) > MaxSize {
		return Fallback(src), nil
	}
	out, err := parse(lang, src)
	if err != nil {
		return nil, fmt.Errorf("scoping %s: %w", path, err)
	}
	return out, nil
}

// Label renders the innermost scope of a path as a short string for
// output: "method (*Server).Handle", "class Foo", "lines 10-42". It
// returns "" for a line outside every definition.
func Label(scopes []Scope) string {
	if len(scopes) == 0 {
		return ""
	}
	s := scopes[len(scopes)-1]
	return s.Kind + " " + s.Name
}

// countLines returns the number of lines in src as git counts them.
func countLines(src []byte) int {
	n := 0
	for _, c := range src {
		if c == '\n' {
			n++
		}
	}
	if len(src) > 0 && src[len(src)-1] != '\n' {
		n++
	}
	return n
}
