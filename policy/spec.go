package policy

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/policy/internal/ptree"
)

// Action is what a rule does when its condition is violated.
type Action string

// Actions.
const (
	ActionBlock Action = "block"
	ActionWarn  Action = "warn"
)

// Severity grades a rule for reports; it does not change the decision.
type Severity string

// Severities, lowest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// FailMode is what a caller should do when it cannot evaluate the policy
// (the file does not compile, an input cannot be built, the server is
// unreachable). The engine never applies it itself.
type FailMode string

// Fail modes. The default is [FailBlock] (fail closed).
const (
	FailBlock FailMode = "block"
	FailAllow FailMode = "allow"
)

// ConditionType names a kind of rule condition.
type ConditionType string

// Condition types. See the package documentation for each one's keys and
// where it is evaluated.
const (
	CondTraceCompleteness ConditionType = "trace_completeness"
	CondAIPercent         ConditionType = "ai_percent"
	CondModelAllowlist    ConditionType = "model_allowlist"
	CondAgentAllowlist    ConditionType = "agent_allowlist"
	CondSensitivePath     ConditionType = "sensitive_path"
	CondRequiredTool      ConditionType = "required_tool"
	CondConditionalTool   ConditionType = "conditional_tool"
	CondBudget            ConditionType = "budget"
	CondDangerousCommand  ConditionType = "dangerous_command"
	CondSecrets           ConditionType = "secrets"
)

// Dangerous-command checks.
const (
	CheckRmRoot      = "rm_root"
	CheckPipeToShell = "pipe_to_shell"
	CheckForcePush   = "force_push"
)

var allChecks = []string{CheckForcePush, CheckPipeToShell, CheckRmRoot}

// condKeys lists the keys each condition type accepts besides "type".
var condKeys = map[ConditionType][]string{
	CondTraceCompleteness: {"human_trailers", "human_paths"},
	CondAIPercent:         {"max_percent", "per"},
	CondModelAllowlist:    {"allow", "deny"},
	CondAgentAllowlist:    {"allow", "deny"},
	CondSensitivePath:     {"patterns"},
	CondRequiredTool:      {"tools", "commands", "after_last_edit", "must_succeed"},
	CondConditionalTool:   {"when_changed", "tools", "commands", "after_last_edit", "must_succeed"},
	CondBudget:            {"per", "max_cost_usd", "max_tokens"},
	CondDangerousCommand:  {"checks", "commands", "protected_branches"},
	CondSecrets:           {"max_count"},
}

var condTypes = []string{
	string(CondAIPercent), string(CondAgentAllowlist), string(CondBudget),
	string(CondConditionalTool), string(CondDangerousCommand), string(CondModelAllowlist),
	string(CondRequiredTool), string(CondSecrets), string(CondSensitivePath),
	string(CondTraceCompleteness),
}

// Aggregation levels ("per") for ai_percent and budget.
const (
	PerCommit    = "commit"
	PerRange     = "range"
	PerSession   = "session"
	PerAuthorDay = "author_day"
)

// spec is a policy file decoded and validated, with defaults filled in. Its
// JSON encoding is the policy's canonical form.
type spec struct {
	Version int        `json:"version"`
	OnError FailMode   `json:"on_error"`
	Rules   []ruleSpec `json:"rules"`
}

type ruleSpec struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	Enabled     bool      `json:"enabled"`
	Action      Action    `json:"action"`
	Severity    Severity  `json:"severity"`
	Scope       scopeSpec `json:"scope,omitzero"`
	Condition   condSpec  `json:"condition"`

	pos     pos // of the rule's first key
	namePos pos
}

type scopeSpec struct {
	Paths    []string `json:"paths,omitempty"`
	Branches []string `json:"branches,omitempty"`

	pathsPos, branchesPos []pos
}

type condSpec struct {
	Type              ConditionType `json:"type"`
	HumanTrailers     []string      `json:"human_trailers,omitempty"`
	HumanPaths        []string      `json:"human_paths,omitempty"`
	MaxPercent        *decimal      `json:"max_percent,omitempty"`
	Per               string        `json:"per,omitempty"`
	Allow             []string      `json:"allow,omitempty"`
	Deny              []string      `json:"deny,omitempty"`
	Patterns          []string      `json:"patterns,omitempty"`
	WhenChanged       []string      `json:"when_changed,omitempty"`
	Tools             []string      `json:"tools,omitempty"`
	Commands          []string      `json:"commands,omitempty"`
	AfterLastEdit     bool          `json:"after_last_edit,omitempty"`
	MustSucceed       bool          `json:"must_succeed,omitempty"`
	MaxCostUSD        *decimal      `json:"max_cost_usd,omitempty"`
	MaxTokens         *int64        `json:"max_tokens,omitempty"`
	Checks            []string      `json:"checks,omitempty"`
	ProtectedBranches []string      `json:"protected_branches,omitempty"`
	MaxCount          *int64        `json:"max_count,omitempty"`

	// Positions of list items, for errors found after decoding.
	listPos map[string][]pos
	typePos pos
}

// decodeSpec validates the node tree of a policy file and fills defaults.
func decodeSpec(root *node, e *errs) *spec {
	s := &spec{Version: 1, OnError: FailBlock}
	if root == nil {
		e.Add(pos{Line: 1, Col: 1}, "empty policy file: it needs a \"rules\" list")
		return s
	}
	if root.Kind != ptree.Map {
		e.Add(root.Pos, "a policy file is a mapping with a \"rules\" list, not %s", root.Kind)
		return s
	}
	checkKeys(root, "the policy file", []string{"version", "on_error", "rules"}, e)
	if v := root.Get("version"); v != nil {
		if n, ok := intValue(v, "version", e); ok && n != 1 {
			e.Add(v.Pos, "unsupported policy version %d (this engine reads version 1)", n)
		}
	}
	if v := root.Get("on_error"); v != nil {
		if str, ok := enumValue(v, "on_error", []string{"allow", "block"}, e); ok {
			s.OnError = FailMode(str)
		}
	}
	rules := root.Get("rules")
	if rules == nil {
		e.Add(root.Pos, "missing key \"rules\"")
		return s
	}
	if rules.Kind != ptree.Seq {
		e.Add(rules.Pos, "\"rules\" must be a list, not %s", rules.Kind)
		return s
	}
	names := map[string]pos{}
	for _, r := range rules.Vals {
		rs, ok := decodeRule(r, e)
		if rs.Name != "" {
			if first, dup := names[rs.Name]; dup {
				e.Add(rs.namePos, "duplicate rule name %q (first used at line %d)", rs.Name, first.Line)
			} else {
				names[rs.Name] = rs.namePos
			}
		}
		if ok {
			s.Rules = append(s.Rules, rs)
		}
	}
	return s
}

func decodeRule(n *node, e *errs) (ruleSpec, bool) {
	rs := ruleSpec{Enabled: true, Severity: SeverityMedium, pos: n.Pos}
	if n.Kind != ptree.Map {
		e.Add(n.Pos, "a rule must be a mapping, not %s", n.Kind)
		return rs, false
	}
	checkKeys(n, "a rule", []string{"name", "description", "enabled", "action", "severity", "scope", "condition"}, e)
	if v := n.Get("name"); v == nil {
		e.Add(n.Pos, "rule has no \"name\"")
	} else if str, ok := stringValue(v, "name", e); ok {
		rs.Name, rs.namePos = str, v.Pos
		if err := checkName(str); err != "" {
			e.Add(v.Pos, "rule name %q %s", str, err)
		}
	}
	where := "rule"
	if rs.Name != "" {
		where = fmt.Sprintf("rule %q", rs.Name)
	}
	if v := n.Get("description"); v != nil {
		rs.Description, _ = stringValue(v, "description", e)
	}
	if v := n.Get("enabled"); v != nil {
		rs.Enabled, _ = boolValue(v, "enabled", e)
	}
	if v := n.Get("action"); v == nil {
		e.Add(n.Pos, "%s has no \"action\" (block or warn)", where)
	} else if str, ok := enumValue(v, "action", []string{"block", "warn"}, e); ok {
		rs.Action = Action(str)
	}
	if v := n.Get("severity"); v != nil {
		if str, ok := enumValue(v, "severity", []string{"low", "medium", "high", "critical"}, e); ok {
			rs.Severity = Severity(str)
		}
	}
	if v := n.Get("scope"); v != nil {
		rs.Scope = decodeScope(v, e)
	}
	if v := n.Get("condition"); v == nil {
		e.Add(n.Pos, "%s has no \"condition\"", where)
		return rs, false
	} else if !decodeCondition(v, &rs.Condition, e) {
		return rs, false
	}
	return rs, true
}

func checkName(s string) string {
	if s == "" || len(s) > 64 {
		return "must be 1 to 64 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return "may hold only letters, digits, '-', '_' and '.'"
		}
	}
	return ""
}

func decodeScope(n *node, e *errs) scopeSpec {
	var sc scopeSpec
	if n.Kind != ptree.Map {
		e.Add(n.Pos, "\"scope\" must be a mapping, not %s", n.Kind)
		return sc
	}
	checkKeys(n, "scope", []string{"paths", "branches"}, e)
	if v := n.Get("paths"); v != nil {
		sc.Paths, sc.pathsPos = stringList(v, "paths", e)
	}
	if v := n.Get("branches"); v != nil {
		sc.Branches, sc.branchesPos = stringList(v, "branches", e)
	}
	return sc
}

func decodeCondition(n *node, c *condSpec, e *errs) bool {
	if n.Kind != ptree.Map {
		e.Add(n.Pos, "\"condition\" must be a mapping, not %s", n.Kind)
		return false
	}
	tv := n.Get("type")
	if tv == nil {
		e.Add(n.Pos, "condition has no \"type\" (one of %s)", strings.Join(condTypes, ", "))
		return false
	}
	str, ok := enumValue(tv, "condition type", condTypes, e)
	if !ok {
		return false
	}
	c.Type, c.typePos = ConditionType(str), tv.Pos
	before := len(e.List)
	c.listPos = map[string][]pos{}
	keys := condKeys[c.Type]
	checkKeys(n, fmt.Sprintf("a %s condition", c.Type), append([]string{"type"}, keys...), e)
	lists := map[string]*[]string{
		"human_trailers": &c.HumanTrailers, "human_paths": &c.HumanPaths,
		"allow": &c.Allow, "deny": &c.Deny, "patterns": &c.Patterns,
		"when_changed": &c.WhenChanged, "tools": &c.Tools, "commands": &c.Commands,
		"checks": &c.Checks, "protected_branches": &c.ProtectedBranches,
	}
	for _, k := range keys {
		v := n.Get(k)
		if v == nil {
			continue
		}
		if dst, ok := lists[k]; ok {
			*dst, c.listPos[k] = stringList(v, k, e)
			if len(*dst) == 0 && v.Kind == ptree.Seq {
				e.Add(v.Pos, "%q is an empty list: list at least one item, or remove the key", k)
			}
			continue
		}
		switch k {
		case "max_percent":
			if f, ok := numberValue(v, k, e); ok {
				if f < 0 || f > 100 {
					e.Add(v.Pos, "max_percent must be between 0 and 100, not %v", f)
				}
				d := decimal(f)
				c.MaxPercent = &d
			}
		case "max_cost_usd":
			if f, ok := numberValue(v, k, e); ok {
				if f < 0 || f > 1e9 {
					e.Add(v.Pos, "max_cost_usd must be between 0 and 1000000000")
				}
				d := decimal(f)
				c.MaxCostUSD = &d
			}
		case "max_tokens", "max_count":
			if i, ok := intValue(v, k, e); ok {
				if i < 0 {
					e.Add(v.Pos, "%s must not be negative", k)
				}
				if k == "max_tokens" {
					c.MaxTokens = &i
				} else {
					c.MaxCount = &i
				}
			}
		case "per":
			allowed := []string{PerCommit, PerRange}
			if c.Type == CondBudget {
				allowed = []string{PerAuthorDay, PerCommit, PerRange, PerSession}
			}
			c.Per, _ = enumValue(v, "per", allowed, e)
		case "after_last_edit":
			c.AfterLastEdit, _ = boolValue(v, k, e)
		case "must_succeed":
			c.MustSucceed, _ = boolValue(v, k, e)
		}
	}
	checkCondition(n, c, e)
	return len(e.List) == before
}

// checkCondition applies each type's required keys and defaults.
func checkCondition(n *node, c *condSpec, e *errs) {
	switch c.Type {
	case CondAIPercent:
		if c.MaxPercent == nil && n.Get("max_percent") == nil {
			e.Add(n.Pos, "ai_percent condition needs \"max_percent\"")
		}
		if c.Per == "" {
			c.Per = PerCommit
		}
	case CondModelAllowlist, CondAgentAllowlist:
		if n.Get("allow") == nil && n.Get("deny") == nil {
			e.Add(n.Pos, "%s condition needs \"allow\" or \"deny\"", c.Type)
		}
	case CondSensitivePath:
		if n.Get("patterns") == nil {
			e.Add(n.Pos, "sensitive_path condition needs \"patterns\"")
		}
	case CondRequiredTool, CondConditionalTool:
		if n.Get("tools") == nil && n.Get("commands") == nil {
			e.Add(n.Pos, "%s condition needs \"tools\" or \"commands\"", c.Type)
		}
		if c.Type == CondConditionalTool && n.Get("when_changed") == nil {
			e.Add(n.Pos, "conditional_tool condition needs \"when_changed\" (use required_tool for an unconditional requirement)")
		}
	case CondBudget:
		if n.Get("per") == nil {
			e.Add(n.Pos, "budget condition needs \"per\" (session, commit, author_day or range)")
		}
		if n.Get("max_cost_usd") == nil && n.Get("max_tokens") == nil {
			e.Add(n.Pos, "budget condition needs \"max_cost_usd\" or \"max_tokens\"")
		}
	case CondDangerousCommand:
		for i, ch := range c.Checks {
			if !contains(allChecks, ch) {
				e.Add(c.listPos["checks"][i], "unknown check %q (known: %s)", ch, strings.Join(allChecks, ", "))
			}
		}
		if c.Checks == nil {
			c.Checks = append([]string(nil), allChecks...)
		}
		if c.ProtectedBranches == nil {
			c.ProtectedBranches = []string{"main", "master"}
		}
	case CondSecrets:
		if c.MaxCount == nil {
			var zero int64
			c.MaxCount = &zero
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func stringValue(n *node, key string, e *errs) (string, bool) {
	if n.Kind != ptree.String {
		e.Add(n.Pos, "%q must be a string, not %s", key, n.Kind)
		return "", false
	}
	return n.Str, true
}

func enumValue(n *node, key string, allowed []string, e *errs) (string, bool) {
	s, ok := stringValue(n, key, e)
	if !ok {
		return "", false
	}
	if contains(allowed, s) {
		return s, true
	}
	msg := fmt.Sprintf("unknown %s %q (one of %s)", key, s, strings.Join(allowed, ", "))
	if c := closest(s, allowed); c != "" {
		msg += fmt.Sprintf("; did you mean %q?", c)
	}
	e.Add(n.Pos, "%s", msg)
	return "", false
}

func boolValue(n *node, key string, e *errs) (bool, bool) {
	if n.Kind != ptree.Bool {
		e.Add(n.Pos, "%q must be true or false, not %s %q", key, n.Kind, n.Str)
		return false, false
	}
	return n.Str == "true", true
}

func numberValue(n *node, key string, e *errs) (float64, bool) {
	if n.Kind != ptree.Number || math.IsNaN(n.Num) || math.IsInf(n.Num, 0) {
		e.Add(n.Pos, "%q must be a number, not %s", key, n.Kind)
		return 0, false
	}
	return n.Num, true
}

func intValue(n *node, key string, e *errs) (int64, bool) {
	f, ok := numberValue(n, key, e)
	if !ok {
		return 0, false
	}
	if !n.IsInt && f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		e.Add(n.Pos, "%q must be a whole number, not %s", key, n.Str)
		return 0, false
	}
	return int64(f), true
}

func stringList(n *node, key string, e *errs) ([]string, []pos) {
	if n.Kind != ptree.Seq {
		e.Add(n.Pos, "%q must be a list of strings, not %s", key, n.Kind)
		return nil, nil
	}
	out := make([]string, 0, len(n.Vals))
	ps := make([]pos, 0, len(n.Vals))
	for _, v := range n.Vals {
		if v.Kind != ptree.String {
			e.Add(v.Pos, "items of %q must be strings, not %s", key, v.Kind)
			continue
		}
		out = append(out, v.Str)
		ps = append(ps, v.Pos)
	}
	return out, ps
}

// decimal is a number that the canonical form writes in plain decimal
// notation, never with an exponent, so that YAML and JSON read it alike.
type decimal float64

// MarshalJSON writes d in the shortest plain decimal form.
func (d decimal) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(d), 'f', -1, 64), nil
}
