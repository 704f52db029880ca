package redact

import (
	"regexp"
	"testing"
)

// TestBuiltinRules compiles every lazily compiled pattern and checks the
// rule table's invariants.
func TestBuiltinRules(t *testing.T) {
	seen := make(map[string]bool)
	for _, rl := range builtinRules() {
		if !regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`).MatchString(rl.id) || seen[rl.id] {
			t.Errorf("rule %q: bad or duplicate id", rl.id)
		}
		seen[rl.id] = true
		if len(rl.keywords)+len(rl.ciKeywords) == 0 {
			t.Errorf("rule %q: no keywords", rl.id)
		}
		if (rl.pattern == "") == (rl.match == nil) {
			t.Errorf("rule %q: want exactly one of pattern and matcher", rl.id)
			continue
		}
		if rl.pattern != "" {
			if re := rl.re(); rl.group > re.NumSubexp() {
				t.Errorf("rule %q: group %d of %d", rl.id, rl.group, re.NumSubexp())
			}
		}
	}
	t.Logf("%d built-in rules", len(seen))
}
