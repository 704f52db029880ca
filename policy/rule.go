package policy

import (
	"path"
	"strconv"
	"strings"
)

// rule is a compiled, enabled rule.
type rule struct {
	name     string
	condType ConditionType
	action   Action
	severity Severity
	paths    pathSet // scope.paths; empty matches every path
	branches pathSet // scope.branches; empty matches every branch
	cond     condition
}

// condition is the compiled form of one condition type. Each method appends
// violations through ev; a condition that cannot be judged at that point
// does nothing.
type condition interface {
	toolCall(ev *evaluation, in *ToolCallInput)
	commits(ev *evaluation, in *RangeInput)
}

// pathSet is a list of globs where a leading '!' excludes: a string matches
// if it matches some positive glob (or there are none) and no negative one.
type pathSet struct {
	pos, neg []*glob
}

func (s *pathSet) empty() bool { return len(s.pos) == 0 && len(s.neg) == 0 }

func (s *pathSet) match(p string) bool {
	return s.which(p) != nil
}

// which returns the positive glob p matches (or a placeholder when there are
// none), or nil.
func (s *pathSet) which(p string) *glob {
	for _, g := range s.neg {
		if g.match(p) {
			return nil
		}
	}
	if len(s.pos) == 0 {
		return anyGlob
	}
	for _, g := range s.pos {
		if g.match(p) {
			return g
		}
	}
	return nil
}

var anyGlob = &glob{src: "**"}

// compilePathSet compiles path globs for key, reporting bad ones at their
// list positions.
func compilePathSet(list []string, ps []pos, key string, negation bool, e *errs) pathSet {
	var s pathSet
	for i, src := range list {
		neg := false
		if negation && strings.HasPrefix(src, "!") {
			neg, src = true, src[1:]
		}
		g, err := compilePathGlob(src)
		if err != nil {
			e.Add(ps[i], "bad glob %q in %s: %v", list[i], key, err)
			continue
		}
		if neg {
			s.neg = append(s.neg, g)
		} else {
			s.pos = append(s.pos, g)
		}
	}
	return s
}

func compileNameGlobs(list []string, ps []pos, key string, e *errs) []*glob {
	var out []*glob
	for i, src := range list {
		g, err := compileNameGlob(src)
		if err != nil {
			e.Add(ps[i], "bad glob %q in %s: %v", src, key, err)
			continue
		}
		out = append(out, g)
	}
	return out
}

func compileCmdPatterns(list []string, ps []pos, key string, e *errs) []*cmdPattern {
	var out []*cmdPattern
	for i, src := range list {
		p, err := compileCmdPattern(src)
		if err != nil {
			e.Add(ps[i], "bad command pattern %q in %s: %v", src, key, err)
			continue
		}
		out = append(out, p)
	}
	return out
}

// compileRule compiles a decoded rule. Disabled rules are compiled too, so
// that their mistakes are reported.
func compileRule(rs *ruleSpec, e *errs) *rule {
	before := len(e.List)
	r := &rule{name: rs.Name, condType: rs.Condition.Type, action: rs.Action, severity: rs.Severity}
	r.paths = compilePathSet(rs.Scope.Paths, rs.Scope.pathsPos, "scope.paths", true, e)
	r.branches = compilePathSet(rs.Scope.Branches, rs.Scope.branchesPos, "scope.branches", true, e)
	c := &rs.Condition
	lp := c.listPos
	switch c.Type {
	case CondTraceCompleteness:
		r.cond = &traceCond{
			trailers: parseTrailerSpecs(c.HumanTrailers, lp["human_trailers"], e),
			human:    compilePathSet(c.HumanPaths, lp["human_paths"], "human_paths", true, e),
		}
	case CondAIPercent:
		r.cond = &aiPercentCond{max: float64(*c.MaxPercent), per: c.Per}
	case CondModelAllowlist, CondAgentAllowlist:
		r.cond = &allowCond{
			model: c.Type == CondModelAllowlist,
			allow: compileNameGlobs(c.Allow, lp["allow"], "allow", e),
			deny:  compileNameGlobs(c.Deny, lp["deny"], "deny", e),
		}
	case CondSensitivePath:
		r.cond = &sensitiveCond{patterns: compilePathSet(c.Patterns, lp["patterns"], "patterns", true, e)}
	case CondRequiredTool, CondConditionalTool:
		r.cond = &toolCond{
			tools:         compileNameGlobs(c.Tools, lp["tools"], "tools", e),
			commands:      compileCmdPatterns(c.Commands, lp["commands"], "commands", e),
			when:          compilePathSet(c.WhenChanged, lp["when_changed"], "when_changed", true, e),
			afterLastEdit: c.AfterLastEdit,
			mustSucceed:   c.MustSucceed,
		}
	case CondBudget:
		b := &budgetCond{per: c.Per, maxTokens: c.MaxTokens}
		if c.MaxCostUSD != nil {
			f := float64(*c.MaxCostUSD)
			b.maxCost = &f
		}
		r.cond = b
	case CondDangerousCommand:
		r.cond = &dangerCond{
			rmRoot:      contains(c.Checks, CheckRmRoot),
			pipeToShell: contains(c.Checks, CheckPipeToShell),
			forcePush:   contains(c.Checks, CheckForcePush),
			patterns:    compileCmdPatterns(c.Commands, lp["commands"], "commands", e),
			protected:   compilePathSet(c.ProtectedBranches, lp["protected_branches"], "protected_branches", true, e),
		}
	case CondSecrets:
		r.cond = &secretsCond{max: *c.MaxCount}
	}
	if len(e.List) != before || r.cond == nil {
		return nil
	}
	return r
}

// inBranch reports whether the rule applies on branch. An unknown branch
// ("") is in every scope: rules fail closed.
func (r *rule) inBranch(branch string) bool {
	return branch == "" || r.branches.empty() || r.branches.match(branch)
}

// inPaths reports whether repo path p is in the rule's scope.
func (r *rule) inPaths(p string) bool {
	return r.paths.empty() || r.paths.match(p)
}

// toolApplies reports whether the rule's scope covers a tool call: its
// branch, and (for a path-scoped rule) at least one edited path.
func (r *rule) toolApplies(in *ToolCallInput) bool {
	if !r.inBranch(in.Branch) {
		return false
	}
	if r.paths.empty() {
		return true
	}
	for _, p := range in.Paths {
		if p, ok := cleanPath(p); ok && r.paths.match(p) {
			return true
		}
	}
	return false
}

// commitApplies is toolApplies for a commit and its changed files.
func (r *rule) commitApplies(c *CommitInput, branch string) bool {
	if !r.inBranch(branch) {
		return false
	}
	if r.paths.empty() {
		return true
	}
	for i := range c.ChangedFiles {
		if p, ok := cleanPath(c.ChangedFiles[i].Path); ok && r.paths.match(p) {
			return true
		}
	}
	return false
}

// cleanPath returns p in clean repo-relative form, and false for a path
// outside the repository. Clean paths (the common case) are returned as is,
// without allocating.
func cleanPath(p string) (string, bool) {
	if p == "" || p[0] == '/' {
		return "", false
	}
	if strings.HasPrefix(p, "./") || strings.Contains(p, "//") || strings.Contains(p, "/./") ||
		strings.Contains(p, "..") || strings.HasSuffix(p, "/.") || strings.HasSuffix(p, "/") {
		p = path.Clean(p)
		if p == "." || p == ".." || strings.HasPrefix(p, "../") {
			return "", false
		}
	}
	return p, true
}

func quote(s string) string { return strconv.Quote(s) }

func quoteList(gs []*glob) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, g := range gs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(g.src))
	}
	b.WriteByte(']')
	return b.String()
}
