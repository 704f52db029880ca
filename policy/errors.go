package policy

import "github.com/tracevault/tracevault/policy/internal/ptree"

// A ParseError is one problem in a policy file, at a 1-based line and column
// (0 when the problem has no single place, such as an empty file). Its
// Error method returns "line:col: msg".
type ParseError = ptree.ParseError

// ErrorList is every problem [Compile] (or policyfile.Compile) found,
// ordered by position. It is the error they return; errors.As finds both
// the list and its first [*ParseError]. Its Error method returns the
// problems one per line.
type ErrorList = ptree.ErrorList

// The parsed form of a policy file, shared with the front ends.
type (
	node = ptree.Node
	pos  = ptree.Pos
	errs = ptree.Errs
)
