package policy

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// shellTools are the tool names (any case) whose "command" input is a shell
// command line, across agents.
var shellTools = []string{"bash", "shell", "local_shell", "exec_command", "run_shell_command", "run_terminal_cmd", "terminal"}

// IsShellTool reports whether an agent tool name runs shell commands whose
// command line is in its "command" (or "cmd") input.
func IsShellTool(name string) bool {
	for _, t := range shellTools {
		if strings.EqualFold(name, t) {
			return true
		}
	}
	return false
}

// shellCommand returns the command line of a shell tool call.
func shellCommand(tc *capture.ToolCall) (string, bool) {
	if !IsShellTool(tc.Name) || len(tc.Input) == 0 {
		return "", false
	}
	var in struct {
		Command json.RawMessage `json:"command"`
		Cmd     json.RawMessage `json:"cmd"`
	}
	if json.Unmarshal(tc.Input, &in) != nil {
		return "", false
	}
	raw := in.Command
	if len(raw) == 0 {
		raw = in.Cmd
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, s != ""
	}
	var argv []string
	if json.Unmarshal(raw, &argv) != nil || len(argv) == 0 {
		return "", false
	}
	// Codex: ["bash", "-lc", "script"]; anything else is one command.
	if len(argv) == 3 && contains(shells, base(argv[0])) && strings.HasPrefix(argv[1], "-") && strings.Contains(argv[1], "c") {
		return argv[2], true
	}
	return shellJoin(argv), true
}

func shellJoin(argv []string) string {
	var b strings.Builder
	for i, a := range argv {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('\'')
		b.WriteString(strings.ReplaceAll(a, "'", `'\''`))
		b.WriteByte('\'')
	}
	return b.String()
}

// ---- required_tool, conditional_tool ----

type toolCond struct {
	tools         []*glob
	commands      []*cmdPattern
	when          pathSet // conditional_tool: required only if a changed file matches
	afterLastEdit bool
	mustSucceed   bool
}

func (t *toolCond) toolCall(*evaluation, *ToolCallInput) {}

func (t *toolCond) commits(ev *evaluation, in *RangeInput) {
	for i := range in.Commits {
		c := &in.Commits[i]
		if len(c.Sessions) == 0 || !ev.r.inBranch(branchOf(in, c)) {
			continue // human commits have no tool calls to require
		}
		files := map[string]bool{}
		trigger := t.when.empty()
		for _, f := range c.ChangedFiles {
			if p, ok := cleanPath(f.Path); ok && ev.r.inPaths(p) {
				files[p] = true
				trigger = trigger || t.when.match(p)
			}
		}
		if len(files) == 0 || !trigger {
			continue
		}
		if !t.satisfied(c.Sessions, files) {
			msg := "no " + t.describe() + " in the commit's sessions"
			if t.afterLastEdit {
				msg = "no " + t.describe() + " after the last edit in the commit's sessions"
			}
			ev.add(c.SHA, "", "", msg)
		}
	}
}

func (t *toolCond) describe() string {
	var parts []string
	if len(t.tools) > 0 {
		parts = append(parts, "tool "+quoteList(t.tools))
	}
	if len(t.commands) > 0 {
		gs := make([]*glob, len(t.commands))
		for i, c := range t.commands {
			gs[i] = &glob{src: c.src}
		}
		parts = append(parts, "command "+quoteList(gs))
	}
	what := "call of " + strings.Join(parts, " or ")
	if t.mustSucceed {
		what = "successful " + what
	}
	return what
}

// matches reports whether a tool call counts.
func (t *toolCond) matches(tc *capture.ToolCall) bool {
	switch tc.Status {
	case capture.ToolOK:
	case capture.ToolFailed:
		if t.mustSucceed {
			return false
		}
	default: // pending, denied, unknown: it did not (verifiably) run
		return false
	}
	for _, g := range t.tools {
		if g.match(tc.Name) {
			return true
		}
	}
	if len(t.commands) == 0 {
		return false
	}
	cmd, ok := shellCommand(tc)
	if !ok {
		return false
	}
	cmds := parseShell(cmd)
	for i := range cmds {
		for _, p := range t.commands {
			if p.match(&cmds[i]) {
				return true
			}
		}
	}
	return false
}

// lastEdit is where a session last edited one of the commit's files: the
// index of the editing tool call (-1 if unknown) and the time (zero if
// unknown).
type lastEdit struct {
	idx  int
	time time.Time
}

func findLastEdit(s *capture.Session, files map[string]bool) (lastEdit, bool) {
	le, found := lastEdit{idx: -1}, false
	for _, e := range s.Edits {
		if e.Human || !files[e.Path] && !files[e.OldPath] {
			continue
		}
		found = true
		t := e.Time
		for i := range s.ToolCalls {
			if e.ToolUseID != "" && s.ToolCalls[i].ID == e.ToolUseID {
				le.idx = max(le.idx, i)
				if t.IsZero() {
					t = s.ToolCalls[i].StartedAt
				}
			}
		}
		if t.After(le.time) {
			le.time = t
		}
	}
	return le, found
}

// satisfied reports whether the sessions hold a matching call (after the
// last edit of each session that edited the commit's files, if required).
// Order within a session is the order of its tool calls; across sessions it
// is by time. When the order cannot be known, the requirement is not met.
func (t *toolCond) satisfied(sessions []*capture.Session, files map[string]bool) bool {
	type hit struct {
		s   *capture.Session
		idx int
		at  time.Time
	}
	var hits []hit
	for _, s := range sessions {
		if s == nil {
			continue
		}
		for i := range s.ToolCalls {
			if t.matches(&s.ToolCalls[i]) {
				hits = append(hits, hit{s, i, s.ToolCalls[i].StartedAt})
			}
		}
	}
	if len(hits) == 0 {
		return false
	}
	if !t.afterLastEdit {
		return true
	}
	for _, s := range sessions {
		if s == nil {
			continue
		}
		le, edited := findLastEdit(s, files)
		if !edited {
			continue
		}
		ok := false
		for _, h := range hits {
			if h.s == s && le.idx >= 0 {
				ok = h.idx > le.idx
			} else {
				ok = !le.time.IsZero() && !h.at.IsZero() && h.at.After(le.time)
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
