package policy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Policy is a compiled policy. It is immutable and safe for concurrent use.
type Policy struct {
	spec      spec
	rules     []*rule // enabled rules, in name order
	canonical []byte
	hash      string
}

// Compile parses and validates a policy file (YAML; JSON is YAML too). On
// failure it returns an [ErrorList] holding every problem found, each a
// [*ParseError] with a line and column.
func Compile(src []byte) (*Policy, error) {
	var e errs
	root, isJSON := parseJSON(src, &e)
	if !isJSON {
		root = parseYAML(src, &e)
	}
	if len(e.list) > 0 {
		return nil, e.err()
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
	if err := e.err(); err != nil {
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

// FailModeOf returns the on_error setting of a policy file that may not
// compile. It reads the top-level "on_error" key if the file is valid YAML,
// else a line of the form "on_error: allow" at the start of a line; anything
// else (a missing or unreadable setting) gives [FailBlock].
func FailModeOf(src []byte) FailMode {
	var e errs
	if root := parseYAML(src, &e); root != nil && root.kind == kindMap {
		if v := root.get("on_error"); v != nil && v.kind == kindString && v.str == string(FailAllow) {
			return FailAllow
		}
		return FailBlock
	}
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
						e.add(r.Condition.listPos["allow"][i],
							"contradictory rules: %q is allowed here but denied by %q in rule %q at line %d:%d",
							a, d.g.src, d.rule, d.p.line, d.p.col)
						break
					}
				}
			}
		}
	}
}

func isLiteral(s string) bool { return !strings.ContainsAny(s, `*?[{\`) }
