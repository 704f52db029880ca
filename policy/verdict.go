package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
)

// Decision is the outcome of an evaluation.
type Decision string

// Decisions, weakest first.
const (
	DecisionAllow Decision = "allow"
	DecisionWarn  Decision = "warn"
	DecisionBlock Decision = "block"
)

// VerdictVersion is the version of the verdict JSON format.
const VerdictVersion = 1

// Verdict is the result of evaluating a policy. Its canonical encoding is
// [Verdict.JSON].
type Verdict struct {
	Decision Decision `json:"decision"`
	// PolicyHash is [Policy.Hash] of the policy that was evaluated.
	PolicyHash string      `json:"policy"`
	Violations []Violation `json:"violations"`
}

// Violation is one rule broken by one commit, session or path.
type Violation struct {
	Rule      string        `json:"rule"`
	Condition ConditionType `json:"condition"`
	Action    Action        `json:"action"`
	Severity  Severity      `json:"severity"`
	Commit    string        `json:"commit,omitempty"`
	Session   string        `json:"session,omitempty"`
	Path      string        `json:"path,omitempty"`
	Message   string        `json:"message"`
}

func compareViolations(a, b Violation) int {
	return cmp.Or(
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Commit, b.Commit),
		cmp.Compare(a.Session, b.Session),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.Message, b.Message),
	)
}

// finish sorts and de-duplicates the violations and sets the decision.
func (v *Verdict) finish() {
	slices.SortFunc(v.Violations, compareViolations)
	v.Violations = slices.CompactFunc(v.Violations, func(a, b Violation) bool { return a == b })
	v.Decision = DecisionAllow
	for _, x := range v.Violations {
		switch x.Action {
		case ActionBlock:
			v.Decision = DecisionBlock
			return
		case ActionWarn:
			v.Decision = DecisionWarn
		}
	}
}

// Blocked reports whether the decision is block.
func (v Verdict) Blocked() bool { return v.Decision == DecisionBlock }

// JSON returns the canonical encoding of v: one line of compact JSON
// (no trailing newline) with keys in a fixed order, "v" first, violations
// sorted by rule, commit, session, path and message, and nothing that
// depends on time or host. Equal verdicts encode to equal bytes. <, > and
// & are escaped as encoding/json does by default, so the bytes survive
// being embedded verbatim in other JSON (spool records, reports).
func (v Verdict) JSON() []byte {
	w := v
	w.Violations = slices.Clone(v.Violations)
	w.finish() // a verdict built by hand is canonicalised too
	if w.Violations == nil {
		w.Violations = []Violation{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	err := enc.Encode(struct {
		V int `json:"v"`
		Verdict
	}{VerdictVersion, w})
	if err != nil {
		panic("policy: encoding verdict: " + err.Error()) // only strings and fixed types
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
