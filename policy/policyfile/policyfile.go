// Package policyfile compiles TraceVault policy files as people write them
// (.tracevault/policy.yaml: YAML, or JSON, which is YAML too) into a
// [policy.Policy]. It is the YAML front end of package policy, kept apart
// so that the agent hook, which compiles only the canonical JSON form it
// caches (with [policy.Compile]), does not link a YAML parser; every other
// caller compiles policy files here.
package policyfile

import (
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/internal/ptree"
	"github.com/tracevault/tracevault/policy/internal/yamltree"
)

// Compile parses and validates a policy file. A file that is one JSON
// object takes a fast path that means exactly what the YAML parser reads.
// On failure it returns a [policy.ErrorList] holding every problem found,
// each a [*policy.ParseError] with a line and column.
func Compile(src []byte) (*policy.Policy, error) {
	var e ptree.Errs
	root, isJSON := ptree.ParseJSON(src, &e)
	if !isJSON {
		root = yamltree.Parse(src, &e)
	}
	return policy.CompileTree(root, e.List)
}

// FailModeOf returns the on_error setting of a policy file that may not
// compile. It reads the top-level "on_error" key if the file is a valid YAML
// mapping, else a line of the form "on_error: allow" at the start of a line;
// anything else (a missing or unreadable setting) gives
// [policy.FailBlock].
func FailModeOf(src []byte) policy.FailMode {
	var e ptree.Errs
	if root := yamltree.Parse(src, &e); root != nil && root.Kind == ptree.Map {
		return policy.FailModeOfTree(root)
	}
	return policy.FailModeOf(src)
}

// Canonical compiles a policy file and returns its canonical form
// ([policy.Policy.Canonical]), which [policy.Compile] reads without a YAML
// parser. For a file that does not compile it returns the [FailModeOf] the
// file and the error (a [policy.ErrorList]).
func Canonical(src []byte) ([]byte, policy.FailMode, error) {
	p, err := Compile(src)
	if err != nil {
		return nil, FailModeOf(src), err
	}
	return p.Canonical(), p.FailMode(), nil
}
