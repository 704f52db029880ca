// Package ptree is a policy file as its front ends parse it: mappings,
// sequences and plain scalars, each with its line and column, and the
// problems found on the way. The JSON front end ([ParseJSON]) lives here;
// the YAML one lives in policy/internal/yamltree, apart, so that the agent
// hook, which compiles only the cached JSON form of a policy, does not link
// a YAML parser. Package policy decodes and compiles the tree.
package ptree

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Node is one value of a policy file.
type Node struct {
	Kind  Kind
	Pos   Pos
	Str   string // scalars: the text (strings unquoted)
	Num   float64
	IsInt bool
	Keys  []*Node // mappings: keys (scalars), in order
	Vals  []*Node // mappings: values; sequences: items
}

// Kind is the kind of a [Node].
type Kind int

// The kinds of [Node].
const (
	Null Kind = iota
	String
	Number
	Bool
	Map
	Seq
)

// String names the kind as error messages do ("a mapping").
func (k Kind) String() string {
	return [...]string{"null", "a string", "a number", "true or false", "a mapping", "a list"}[k]
}

// Get returns the value of key in a mapping, or nil.
func (n *Node) Get(key string) *Node {
	for i, k := range n.Keys {
		if k.Str == key {
			return n.Vals[i]
		}
	}
	return nil
}

// MaxDepth is the deepest nesting a front end accepts.
const MaxDepth = 32

// Pos is a place in the source: a 1-based line and column.
type Pos struct{ Line, Col int }

// A ParseError is one problem in a policy file, at a 1-based line and column
// (0 when the problem has no single place, such as an empty file).
type ParseError struct {
	Line, Col int
	Msg       string
}

// Error returns "line:col: msg".
func (e *ParseError) Error() string {
	return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg)
}

// ErrorList is every problem compiling a policy found, ordered by position.
// errors.As finds both the list and its first [*ParseError].
type ErrorList []*ParseError

// Error returns the problems one per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the problems, for errors.As and errors.Is.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors caps the problems reported for one file.
const maxErrors = 50

// Errs collects problems while parsing and compiling.
type Errs struct{ List ErrorList }

// Add records a problem at p (up to a cap).
func (e *Errs) Add(p Pos, format string, args ...any) {
	if len(e.List) < maxErrors {
		e.List = append(e.List, &ParseError{Line: p.Line, Col: p.Col, Msg: fmt.Sprintf(format, args...)})
	}
}

// Err returns the problems sorted by position, or nil if there are none.
func (e *Errs) Err() error {
	if len(e.List) == 0 {
		return nil
	}
	slices.SortStableFunc(e.List, func(a, b *ParseError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return e.List
}
