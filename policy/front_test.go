package policy

import (
	"github.com/tracevault/tracevault/policy/internal/ptree"
	"github.com/tracevault/tracevault/policy/internal/yamltree"
)

// The tests compile policy files as people write them, in YAML, which
// package policyfile does outside this package; these are its two steps.

func parseJSON(src []byte, e *errs) (*node, bool) { return ptree.ParseJSON(src, e) }

func parseYAML(src []byte, e *errs) *node { return yamltree.Parse(src, e) }

// compileSrc compiles a policy file written in YAML or JSON.
func compileSrc(src []byte) (*Policy, error) {
	var e errs
	root, isJSON := parseJSON(src, &e)
	if !isJSON {
		root = parseYAML(src, &e)
	}
	return CompileTree(root, e.List)
}
