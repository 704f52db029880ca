package policy

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture"
)

// ---- trace_completeness ----

type traceCond struct {
	trailers []trailerSpec
	human    pathSet
}

// trailerSpec is "Key" (present with any value) or "Key: value" (that value,
// ignoring case).
type trailerSpec struct {
	key, value string
	anyValue   bool
}

func parseTrailerSpecs(list []string, ps []pos, e *errs) []trailerSpec {
	var out []trailerSpec
	for i, s := range list {
		k, v, hasValue := strings.Cut(s, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if k == "" || strings.ContainsAny(k, " \t") || hasValue && v == "" {
			e.Add(ps[i], "bad trailer %q in human_trailers: write \"Key\" or \"Key: value\"", s)
			continue
		}
		out = append(out, trailerSpec{key: k, value: v, anyValue: !hasValue})
	}
	return out
}

func (t *traceCond) declaredHuman(trailers map[string][]string) bool {
	for k, vals := range trailers {
		for _, ts := range t.trailers {
			if !strings.EqualFold(k, ts.key) {
				continue
			}
			for _, v := range vals {
				if ts.anyValue || strings.EqualFold(strings.TrimSpace(v), ts.value) {
					return true
				}
			}
		}
	}
	return false
}

func (t *traceCond) toolCall(*evaluation, *ToolCallInput) {}

func (t *traceCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if c.TraceStatus == TraceOK || !ev.r.inBranch(branchOf(in, c)) {
			continue
		}
		var code []string
		for _, f := range c.ChangedFiles {
			if p, ok := cleanPath(f.Path); ok && ev.r.inPaths(p) && (t.human.empty() || !t.human.match(p)) {
				code = append(code, p)
			}
		}
		if len(code) == 0 || t.declaredHuman(c.Trailers) {
			continue
		}
		status := "missing"
		if c.TraceStatus != TraceMissing {
			status = "invalid"
		}
		ev.add(c.SHA, "", "", "commit changes "+plural(len(code), "file")+" (first "+quote(slices.Min(code))+
			") but its trace is "+status+" and it is not declared human")
	}
}

// ---- ai_percent ----

type aiPercentCond struct {
	max float64
	per string
}

func (a *aiPercentCond) toolCall(*evaluation, *ToolCallInput) {}

func (a *aiPercentCond) commits(ev *evaluation, in *RangeInput) {
	var added, ai int
	n := 0
	for i := range in.Commits {
		c := &in.Commits[i]
		if !ev.r.inBranch(branchOf(in, c)) {
			continue
		}
		ca, cai := 0, 0
		for _, f := range c.ChangedFiles {
			if p, ok := cleanPath(f.Path); ok && ev.r.inPaths(p) {
				ca += f.AddedLines
				cai += min(f.AILines, f.AddedLines)
			}
		}
		if a.per == PerCommit && ca > 0 && pct(cai, ca) > a.max {
			ev.add(c.SHA, "", "", a.message(cai, ca, "commit"))
		}
		added, ai, n = added+ca, ai+cai, n+1
	}
	if a.per == PerRange && added > 0 && pct(ai, added) > a.max {
		ev.add("", "", "", a.message(ai, added, "range of "+plural(n, "commit")))
	}
}

func pct(part, whole int) float64 { return 100 * float64(part) / float64(whole) }

func (a *aiPercentCond) message(ai, added int, what string) string {
	return "AI wrote " + strconv.FormatFloat(pct(ai, added), 'f', 1, 64) + "% of the " + what + "'s added lines (" +
		strconv.Itoa(ai) + " of " + strconv.Itoa(added) + "), above the limit of " + fmtNum(a.max) + "%"
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// ---- model_allowlist, agent_allowlist ----

type allowCond struct {
	model       bool
	allow, deny []*glob
}

func (a *allowCond) noun() string {
	if a.model {
		return "model"
	}
	return "agent"
}

// check returns why name is not allowed, or "".
func (a *allowCond) check(name string) string {
	if name == "" || name[0] == '<' { // unknown, or "<synthetic>"
		return ""
	}
	for _, g := range a.deny {
		if g.match(name) {
			return a.noun() + " " + quote(name) + " is denied by " + quote(g.src)
		}
	}
	if len(a.allow) == 0 {
		return ""
	}
	for _, g := range a.allow {
		if g.match(name) {
			return ""
		}
	}
	return a.noun() + " " + quote(name) + " is not in the allowlist " + quoteList(a.allow)
}

func (a *allowCond) toolCall(ev *evaluation, in *ToolCallInput) {
	name := in.Agent
	if a.model {
		name = in.Model
	}
	if msg := a.check(name); msg != "" {
		ev.add("", in.SessionID, "", msg)
	}
}

func (a *allowCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if !ev.r.commitApplies(c, branchOf(in, c)) {
			continue
		}
		// Origins of in-scope files: one violation per name, at its first path.
		first := map[string]string{}
		for _, f := range c.ChangedFiles {
			p, ok := cleanPath(f.Path)
			if !ok || !ev.r.inPaths(p) {
				continue
			}
			for _, o := range f.AIBy {
				name := o.Agent
				if a.model {
					name = o.Model
				}
				if q, seen := first[name]; !seen || p < q {
					first[name] = p
				}
			}
		}
		for name, p := range first {
			if msg := a.check(name); msg != "" {
				ev.add(c.SHA, "", p, msg+" (wrote AI lines)")
			}
		}
		if !ev.r.paths.empty() {
			continue // a path-scoped rule judges only who wrote those paths
		}
		for _, s := range c.Sessions {
			if s == nil {
				continue
			}
			for _, name := range a.sessionNames(s) {
				if msg := a.check(name); msg != "" {
					ev.add("", s.ID, "", msg+" (used in the session)")
				}
			}
		}
	}
}

func (a *allowCond) sessionNames(s *capture.Session) []string {
	if !a.model {
		return []string{s.Agent}
	}
	names := slices.Clone(s.Models)
	for _, sub := range s.Subagents {
		names = append(names, sub.Models...)
	}
	for _, u := range s.Usage {
		names = append(names, u.Model)
	}
	return names
}

// ---- sensitive_path ----

type sensitiveCond struct{ patterns pathSet }

func (sc *sensitiveCond) toolCall(ev *evaluation, in *ToolCallInput) {
	for _, p := range in.Paths {
		if p, ok := cleanPath(p); ok && ev.r.inPaths(p) {
			if g := sc.patterns.which(p); g != nil {
				ev.add("", in.SessionID, p, "AI edit to sensitive path "+quote(p)+" (matches "+quote(g.src)+")")
			}
		}
	}
}

func (sc *sensitiveCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if !ev.r.inBranch(branchOf(in, c)) {
			continue
		}
		for _, f := range c.ChangedFiles {
			if f.AILines == 0 && len(f.AIBy) == 0 {
				continue
			}
			if p, ok := cleanPath(f.Path); ok && ev.r.inPaths(p) {
				if g := sc.patterns.which(p); g != nil {
					ev.add(c.SHA, "", p, "AI-written lines in sensitive path "+quote(p)+" (matches "+quote(g.src)+")")
				}
			}
		}
	}
}

// ---- budget ----

type budgetCond struct {
	per       string
	maxCost   *float64
	maxTokens *int64
}

// over returns why cost/tokens break the budget, or "". cost nil means
// unpriced: the cost limit cannot be judged.
func (b *budgetCond) over(what string, cost *float64, tokens int64) string {
	if b.maxCost != nil && cost != nil && *cost > *b.maxCost {
		return what + " cost $" + strconv.FormatFloat(*cost, 'f', 2, 64) + ", over the budget of $" + fmtNum(*b.maxCost)
	}
	if b.maxTokens != nil && tokens > *b.maxTokens {
		return what + " used " + strconv.FormatInt(tokens, 10) + " tokens, over the budget of " + strconv.FormatInt(*b.maxTokens, 10)
	}
	return ""
}

func (b *budgetCond) toolCall(ev *evaluation, in *ToolCallInput) {
	switch b.per {
	case PerSession:
		if msg := b.over("the session", in.SessionUsage.CostUSD, in.SessionUsage.Total()); msg != "" {
			ev.add("", in.SessionID, "", msg)
		}
	case PerAuthorDay:
		cost := in.AuthorDayCostUSD
		if msg := b.over("the author's day", &cost, in.AuthorDayTokens); msg != "" {
			ev.add("", in.SessionID, "", msg)
		}
	}
}

func (b *budgetCond) commits(ev *evaluation, in *RangeInput) {
	var total float64
	var tokens int64
	priced := false
	for i := range in.Commits {
		c := &in.Commits[i]
		if !ev.r.commitApplies(c, branchOf(in, c)) {
			continue
		}
		switch b.per {
		case PerSession:
			for _, s := range c.Sessions {
				if s != nil {
					if msg := b.over("the session", s.Total.CostUSD, s.Total.Total()); msg != "" {
						ev.add("", s.ID, "", msg)
					}
				}
			}
		case PerCommit:
			if msg := b.over("the commit", c.CostUSD, c.Tokens.Total()); msg != "" {
				ev.add(c.SHA, "", "", msg)
			}
		case PerAuthorDay:
			cost := c.AuthorDayCostUSD
			if msg := b.over("author "+quote(c.Author)+" on the commit's day", &cost, c.AuthorDayTokens); msg != "" {
				ev.add(c.SHA, "", "", msg)
			}
		}
		if c.CostUSD != nil {
			total, priced = total+*c.CostUSD, true
		}
		tokens += c.Tokens.Total()
	}
	if b.per == PerRange {
		var cost *float64
		if priced {
			cost = &total
		}
		if msg := b.over("the range", cost, tokens); msg != "" {
			ev.add("", "", "", msg)
		}
	}
}

// ---- dangerous_command ----

type dangerCond struct {
	rmRoot, pipeToShell, forcePush bool
	patterns                       []*cmdPattern
	protected                      pathSet
}

func (d *dangerCond) toolCall(ev *evaluation, in *ToolCallInput) {
	if in.Command == "" {
		return
	}
	if !ev.cmdsParsed {
		ev.cmds, ev.cmdsParsed = parseShell(in.Command), true
	}
	for _, f := range d.findDanger(ev.cmds, in.Branch) {
		ev.add("", in.SessionID, "", "dangerous command: "+f.what)
	}
}

func (d *dangerCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if !ev.r.commitApplies(c, branchOf(in, c)) {
			continue
		}
		for _, s := range c.Sessions {
			if s == nil {
				continue
			}
			branch := s.Branch
			if branch == "" {
				branch = branchOf(in, c)
			}
			for j := range s.ToolCalls {
				tc := &s.ToolCalls[j]
				if tc.Status == capture.ToolDenied {
					continue // the guard already stopped it
				}
				cmd, ok := shellCommand(tc)
				if !ok {
					continue
				}
				for _, f := range d.findDanger(parseShell(cmd), branch) {
					ev.add("", s.ID, "", "dangerous command run: "+f.what+" (tool call "+quote(tc.ID)+")")
				}
			}
		}
	}
}

// ---- secrets ----

type secretsCond struct{ max int64 }

func (sc *secretsCond) toolCall(ev *evaluation, in *ToolCallInput) {
	if int64(in.SecretsSeen) > sc.max {
		ev.add("", in.SessionID, "", plural(in.SecretsSeen, "secret")+" seen in the session (allowed: "+strconv.FormatInt(sc.max, 10)+")")
	}
}

func (sc *secretsCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if ev.r.commitApplies(c, branchOf(in, c)) && int64(c.SecretsSeen) > sc.max {
			ev.add(c.SHA, "", "", plural(c.SecretsSeen, "secret")+" seen in the commit's sessions (allowed: "+strconv.FormatInt(sc.max, 10)+")")
		}
	}
}
