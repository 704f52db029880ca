package policy

// evaluation carries one evaluation's verdict and per-input caches.
type evaluation struct {
	r       *rule
	verdict Verdict
	// cmds caches the parsed command line of a tool call.
	cmds       []simpleCmd
	cmdsParsed bool
}

// add records a violation of the current rule.
func (ev *evaluation) add(commit, session, path, msg string) {
	r := ev.r
	ev.verdict.Violations = append(ev.verdict.Violations, Violation{
		Rule:      r.name,
		Condition: r.condType,
		Action:    r.action,
		Severity:  r.severity,
		Commit:    commit,
		Session:   session,
		Path:      path,
		Message:   msg,
	})
}

// EvaluateToolCall judges a tool call before it runs (the agent's
// PreToolUse hook). Only conditions that can be judged from one call apply;
// see the package documentation.
func (p *Policy) EvaluateToolCall(in ToolCallInput) Verdict {
	ev := evaluation{verdict: Verdict{PolicyHash: p.hash}}
	for _, r := range p.rules {
		if !r.toolApplies(&in) {
			continue
		}
		ev.r = r
		dispatchToolCall(r.cond, &ev, &in)
	}
	ev.verdict.finish()
	return ev.verdict
}

// EvaluateCommits judges a range of commits (pre-push check, CI verify,
// server ingest). The order of commits, files and sessions in the input does
// not change the verdict.
func (p *Policy) EvaluateCommits(in RangeInput) Verdict {
	ev := evaluation{verdict: Verdict{PolicyHash: p.hash}}
	for _, r := range p.rules {
		ev.r = r
		r.cond.commits(&ev, &in)
	}
	ev.verdict.finish()
	return ev.verdict
}

// branchOf returns the branch commit c lands on.
func branchOf(in *RangeInput, c *CommitInput) string {
	if c.Branch != "" {
		return c.Branch
	}
	return in.Branch
}

// dispatchToolCall calls cond.toolCall through a type switch rather than the
// interface, so that escape analysis keeps the evaluation and the input on
// the stack: an allowed tool call allocates nothing.
func dispatchToolCall(cond condition, ev *evaluation, in *ToolCallInput) {
	switch c := cond.(type) {
	case *traceCond, *aiPercentCond, *toolCond:
		// judged at commit time only
	case *allowCond:
		c.toolCall(ev, in)
	case *sensitiveCond:
		c.toolCall(ev, in)
	case *budgetCond:
		c.toolCall(ev, in)
	case *dangerCond:
		c.toolCall(ev, in)
	case *secretsCond:
		c.toolCall(ev, in)
	default:
		panic("policy: unknown condition type")
	}
}
