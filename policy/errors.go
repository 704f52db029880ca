package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

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

// ErrorList is every problem [Compile] found, ordered by position. It is the
// error Compile returns; errors.As finds both the list and its first
// [*ParseError].
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

// pos is a place in the source.
type pos struct{ line, col int }

// maxErrors caps the problems reported for one file.
const maxErrors = 50

// errs collects problems while compiling.
type errs struct{ list ErrorList }

func (e *errs) add(p pos, format string, args ...any) {
	if len(e.list) < maxErrors {
		e.list = append(e.list, &ParseError{Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
	}
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	slices.SortStableFunc(e.list, func(a, b *ParseError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return e.list
}
