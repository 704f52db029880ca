package install

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Agent names a coding agent whose hooks Install can configure. The value is
// also what the hook command receives after --agent.
type Agent string

// The agents Install knows.
const (
	ClaudeCode Agent = "claude-code"
	Codex      Agent = "codex"
	GeminiCLI  Agent = "gemini-cli"
)

// agentSpec describes one agent's hook settings file.
type agentSpec struct {
	agent      Agent
	events     []string
	toolEvents map[string]bool
	// toolMatcher is the matcher written on tool events; other events get
	// no matcher (which every agent reads as "everything").
	toolMatcher string
	// millis: the agent reads timeout in milliseconds, not seconds.
	millis bool
	// named: every handler needs a "name" (Gemini CLI).
	named bool
}

var specs = map[Agent]agentSpec{
	ClaudeCode: {
		agent: ClaudeCode,
		events: []string{"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse",
			"PostToolUseFailure", "SubagentStop", "Stop", "PreCompact", "SessionEnd"},
		toolEvents:  map[string]bool{"PreToolUse": true, "PostToolUse": true, "PostToolUseFailure": true},
		toolMatcher: "",
	},
	Codex: {
		agent: Codex,
		events: []string{"SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse",
			"Stop", "SessionEnd", "SubagentStart", "SubagentStop", "PreCompact"},
		toolEvents:  map[string]bool{"PreToolUse": true, "PostToolUse": true},
		toolMatcher: "*",
	},
	GeminiCLI: {
		agent: GeminiCLI,
		events: []string{"SessionStart", "SessionEnd", "BeforeAgent", "AfterAgent",
			"BeforeTool", "AfterTool", "PreCompress"},
		toolEvents:  map[string]bool{"BeforeTool": true, "AfterTool": true},
		toolMatcher: "*",
		millis:      true,
		named:       true,
	},
}

// agentCommand is the shell command an agent runs for TraceVault.
func agentCommand(hookCommand string, a Agent) string {
	return hookCommand + " --agent " + string(a)
}

// handler builds TraceVault's handler for one event.
func (s agentSpec) handler(command, event string, timeoutSeconds int) *object {
	h := &object{}
	if s.named {
		h.set("name", "tracevault-"+strings.ToLower(event))
	}
	h.set("type", "command")
	h.set("command", command)
	t := timeoutSeconds
	if s.millis {
		t *= 1000
	}
	h.set("timeout", t)
	return h
}

func (s agentSpec) group(h *object, event string) *object {
	g := &object{}
	if s.toolEvents[event] {
		g.set("matcher", s.toolMatcher)
	}
	g.set("hooks", []any{h})
	return g
}

// isOurs reports whether a handler was written by TraceVault for agent a: a
// command handler whose command names a tracevault executable (any word whose
// base name contains "tracevault") and passes "--agent <a>". Matching on this
// rather than on the exact command lets a later run replace an old
// executable path with a new one instead of adding a second handler.
func isOurs(h any, a Agent) bool {
	o, ok := h.(*object)
	if !ok {
		return false
	}
	cmd, _ := o.get("command")
	s, ok := cmd.(string)
	return ok && commandIsOurs(s, a)
}

func commandIsOurs(cmd string, a Agent) bool {
	words := strings.Fields(cmd)
	named, flagged := false, false
	for i, w := range words {
		w = strings.Trim(w, `"'`)
		if strings.Contains(strings.ToLower(filepath.Base(w)), "tracevault") {
			named = true
		}
		if w == "--agent="+string(a) || (w == "--agent" && i+1 < len(words) && strings.Trim(words[i+1], `"'`) == string(a)) {
			flagged = true
		}
	}
	return named && flagged
}

// hooksObject returns the settings' "hooks" object, creating it if create is
// set.
func hooksObject(root *object, create bool) (*object, error) {
	v, ok := root.get("hooks")
	if !ok {
		if !create {
			return nil, nil
		}
		h := &object{}
		root.set("hooks", h)
		return h, nil
	}
	h, ok := v.(*object)
	if !ok {
		return nil, fmt.Errorf(`"hooks" is not an object`)
	}
	return h, nil
}

// mergeHandlers adds TraceVault's handler to every event of the spec, keeping
// every other key, group and handler. A handler of ours that is already there
// is updated in place (other keys the user added to it are kept); extra
// copies are removed. It reports whether anything changed.
func (s agentSpec) mergeHandlers(root *object, hookCommand string, timeoutSeconds int) (bool, error) {
	hooks, err := hooksObject(root, true)
	if err != nil {
		return false, err
	}
	command := agentCommand(hookCommand, s.agent)
	changed := false
	for _, ev := range s.events {
		want := s.handler(command, ev, timeoutSeconds)
		v, ok := hooks.get(ev)
		if !ok {
			hooks.set(ev, []any{s.group(want, ev)})
			changed = true
			continue
		}
		groups, ok := v.([]any)
		if !ok {
			return false, fmt.Errorf("hooks.%s is not an array", ev)
		}
		found := false
		groups, removed := s.filterHandlers(groups, func(h *object) bool {
			if found {
				return false // a duplicate: drop it
			}
			found = true
			for _, m := range want.members {
				if h.setIfDifferent(m.key, m.val) {
					changed = true
				}
			}
			return true
		})
		changed = changed || removed
		if !found {
			groups = append(groups, s.group(want, ev))
			changed = true
		}
		hooks.set(ev, groups)
	}
	return changed, nil
}

// filterHandlers calls keep for each of our handlers in groups and drops the
// ones it rejects, then drops groups left without handlers. It reports
// whether anything was dropped.
func (s agentSpec) filterHandlers(groups []any, keep func(*object) bool) ([]any, bool) {
	removed := false
	out := groups[:0:0]
	for _, g := range groups {
		gobj, ok := g.(*object)
		if !ok {
			out = append(out, g)
			continue
		}
		hv, _ := gobj.get("hooks")
		hs, ok := hv.([]any)
		if !ok {
			out = append(out, g)
			continue
		}
		kept := []any{}
		for _, h := range hs {
			if isOurs(h, s.agent) && !keep(h.(*object)) {
				removed = true
				continue
			}
			kept = append(kept, h)
		}
		if len(kept) == 0 && len(hs) > 0 {
			continue // the group held only our handlers
		}
		gobj.set("hooks", kept)
		out = append(out, g)
	}
	return out, removed
}

// removeHandlers removes every TraceVault handler for the agent from every
// event, then any group, event list or "hooks" object that this left empty.
// It reports whether anything changed.
func (s agentSpec) removeHandlers(root *object) (bool, error) {
	hooks, err := hooksObject(root, false)
	if err != nil || hooks == nil {
		return false, err
	}
	changed := false
	kept := []member{}
	for _, m := range hooks.members {
		if groups, ok := m.val.([]any); ok {
			groups, removed := s.filterHandlers(groups, func(*object) bool { return false })
			if removed {
				changed = true
				if len(groups) == 0 {
					continue
				}
				m.val = groups
			}
		}
		kept = append(kept, m)
	}
	hooks.members = kept
	if changed && len(kept) == 0 {
		root.del("hooks")
	}
	return changed, nil
}
