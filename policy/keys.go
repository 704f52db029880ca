package policy

import (
	"fmt"
	"strings"
)

// checkKeys reports keys of mapping n that are not in allowed, suggesting
// the closest allowed key.
func checkKeys(n *node, where string, allowed []string, e *errs) {
	for _, k := range n.Keys {
		ok := false
		for _, a := range allowed {
			if k.Str == a {
				ok = true
				break
			}
		}
		if ok {
			continue
		}
		msg := fmt.Sprintf("unknown key %q in %s", k.Str, where)
		if s := closest(k.Str, allowed); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += fmt.Sprintf(" (known keys: %s)", strings.Join(allowed, ", "))
		}
		e.Add(k.Pos, "%s", msg)
	}
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, cands []string) string {
	best, bestD := "", 3
	for _, c := range cands {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
