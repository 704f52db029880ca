package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"

	"github.com/tracevault/tracevault/policy/internal/ptree"
)

// Policy is a compiled policy. It is immutable and safe for concurrent use.
type Policy struct {
	spec      spec
	rules     []*rule // enabled rules, in name order
	canonical []byte
	hash      string
}

// Compile parses and validates a policy in its JSON form: a policy file
// written as one JSON object, or [Policy.Canonical]. Package
// policy/policyfile compiles policy files as people write them (YAML, of
// which JSON is a subset); this package links no YAML parser, so that the
// agent hook, which compiles only the canonical form it caches, starts fast.
// On failure Compile returns an [ErrorList] holding every problem found,
// each a [*ParseError] with a line and column; src that is not one JSON
// object is such a problem.
func Compile(src []byte) (*Policy, error) {
	var e errs
	root, ok := ptree.ParseJSON(src, &e)
	if !ok {
		e.Add(pos{Line: 1, Col: 1}, "not one JSON object (a policy file in YAML is compiled by the tracevault binary)")
		return nil, e.Err()
	}
	return CompileTree(root, e.List)
}

// CompileTree compiles a policy file a front end has parsed (package
// policy/policyfile) given the problems the parse found. The tree types are
// internal to package policy and its front ends.
func CompileTree(root *ptree.Node, parseErrs ptree.ErrorList) (*Policy, error) {
	e := errs{List: parseErrs}
	if len(e.List) > 0 {
		return nil, e.Err()
	}
	s := decodeSpec(root, &e)
	p := &Policy{}
	for i := range s.Rules {
		r := compileRule(&s.Rules[i], &e)
		if r != nil && s.Rules[i].Enabled {
			p.rules = append(p.rules, r)
		}
	}
	checkContradictions(s, &e)
	if err := e.Err(); err != nil {
		return nil, err
	}
	canonicalize(s)
	slices.SortFunc(p.rules, func(a, b *rule) int { return strings.Compare(a.name, b.name) })
	p.spec = *s
	p.canonical = mustJSON(s)
	sum := sha256.Sum256(p.canonical)
	p.hash = "sha256:" + hex.EncodeToString(sum[:])
	return p, nil
}

// Hash returns "sha256:<hex>" of [Policy.Canonical]: policies that mean the
// same (whatever their comments, key order, list order or defaults left
// out) have the same hash. Callers may cache compiled policies by it.
func (p *Policy) Hash() string { return p.hash }

// Canonical returns the policy's canonical form: compact JSON with defaults
// filled in, rules sorted by name and set-like lists sorted. Compiling it
// gives a policy with the same hash. The caller must not modify the result.
func (p *Policy) Canonical() []byte { return p.canonical }

// FailMode returns the policy's on_error setting.
func (p *Policy) FailMode() FailMode { return p.spec.OnError }

// Rules returns the names of the enabled rules, sorted.
func (p *Policy) Rules() []string {
	out := make([]string, len(p.rules))
	for i, r := range p.rules {
		out[i] = r.name
	}
	return out
}

// FailModeOf returns the on_error setting of a policy that may not
// compile, without a YAML parser: the top-level "on_error" key of a JSON
// object, else a line of the form "on_error: allow" at the start of a line;
// anything else (a missing or unreadable setting) gives [FailBlock].
// policyfile.FailModeOf reads a valid YAML file's top-level key too.
func FailModeOf(src []byte) FailMode {
	var e errs
	if root, ok := ptree.ParseJSON(src, &e); ok {
		return FailModeOfTree(root)
	}
	return failModeOfLines(src)
}

// FailModeOfTree returns the on_error setting of a parsed policy file:
// [FailAllow] only if its top-level "on_error" is "allow".
func FailModeOfTree(root *ptree.Node) FailMode {
	if root != nil && root.Kind == ptree.Map {
		if v := root.Get("on_error"); v != nil && v.Kind == ptree.String && v.Str == string(FailAllow) {
			return FailAllow
		}
	}
	return FailBlock
}

// failModeOfLines reads a line "on_error: allow" at the start of a line.
func failModeOfLines(src []byte) FailMode {
	for line := range bytes.SplitSeq(src, []byte("\n")) {
		rest, ok := bytes.CutPrefix(line, []byte("on_error:"))
		if !ok {
			continue
		}
		if i := bytes.IndexByte(rest, '#'); i >= 0 {
			rest = rest[:i]
		}
		v := strings.Trim(string(bytes.TrimSpace(rest)), `"'`)
		if v == string(FailAllow) {
			return FailAllow
		}
		return FailBlock
	}
	return FailBlock
}

func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("policy: encoding canonical form: " + err.Error())
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// canonicalize sorts rules by name and set-like lists.
func canonicalize(s *spec) {
	if s.Rules == nil {
		s.Rules = []ruleSpec{}
	}
	slices.SortFunc(s.Rules, func(a, b ruleSpec) int { return strings.Compare(a.Name, b.Name) })
	for i := range s.Rules {
		r := &s.Rules[i]
		c := &r.Condition
		for _, l := range []*[]string{
			&r.Scope.Paths, &r.Scope.Branches, &c.HumanTrailers, &c.HumanPaths, &c.Allow,
			&c.Deny, &c.Patterns, &c.WhenChanged, &c.Tools, &c.Commands, &c.Checks, &c.ProtectedBranches,
		} {
			slices.Sort(*l)
			*l = slices.Compact(*l)
		}
	}
}

// checkContradictions rejects allow entries that a deny entry of an enabled
// rule of the same type always overrides: the same model (or agent) both
// allowed and denied.
func checkContradictions(s *spec, e *errs) {
	for _, t := range []ConditionType{CondModelAllowlist, CondAgentAllowlist} {
		type denied struct {
			g    *glob
			rule string
			p    pos
		}
		var denies []denied
		for _, r := range s.Rules {
			if !r.Enabled || r.Condition.Type != t {
				continue
			}
			for i, d := range r.Condition.Deny {
				if g, err := compileNameGlob(d); err == nil {
					denies = append(denies, denied{g, r.Name, r.Condition.listPos["deny"][i]})
				}
			}
		}
		for _, r := range s.Rules {
			if !r.Enabled || r.Condition.Type != t {
				continue
			}
			for i, a := range r.Condition.Allow {
				for _, d := range denies {
					if a == d.g.src || isLiteral(a) && d.g.match(a) {
						e.Add(r.Condition.listPos["allow"][i],
							"contradictory rules: %q is allowed here but denied by %q in rule %q at line %d:%d",
							a, d.g.src, d.rule, d.p.Line, d.p.Col)
						break
					}
				}
			}
		}
	}
}

func isLiteral(s string) bool { return !strings.ContainsAny(s, `*?[{\`) }
