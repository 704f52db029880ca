package worktree

// Results of wildmatch, as in git's wildmatch.c.
const (
	wmMatch = iota
	wmNoMatch
	wmAbortAll
	wmAbortToStarStar
)

// wildmatch matches text against a gitignore glob with git's WM_PATHNAME
// semantics: '*' and '?' never match '/', "**" between slashes (or at either
// end) matches any number of directories, "[...]" is a byte class with
// ranges, "!" or "^" negation and [:class:] names, and '\' escapes. Matching
// is on bytes, as git does.
func wildmatch(pattern, text string) bool {
	return dowild(pattern, 0, text, 0) == wmMatch
}

// dowild is a port of git's dowild with WM_PATHNAME always set.
func dowild(p string, pi int, t string, ti int) int {
	for ; pi < len(p); pi, ti = pi+1, ti+1 {
		pc := p[pi]
		if ti >= len(t) && pc != '*' {
			return wmAbortAll
		}
		var tc byte
		if ti < len(t) {
			tc = t[ti]
		}
		switch pc {
		case '\\':
			pi++
			if pi >= len(p) || tc != p[pi] {
				return wmNoMatch
			}
		case '?':
			if tc == '/' {
				return wmNoMatch
			}
		case '*':
			return star(p, pi, t, ti)
		case '[':
			np, ok := matchClass(p, pi, tc)
			if np < 0 {
				return wmAbortAll
			}
			if !ok || tc == '/' {
				return wmNoMatch
			}
			pi = np
		default:
			if tc != pc {
				return wmNoMatch
			}
		}
	}
	if ti < len(t) {
		return wmNoMatch
	}
	return wmMatch
}

// star handles a '*' or "**" at p[pi].
func star(p string, pi int, t string, ti int) int {
	matchSlash := false
	pi++
	if pi < len(p) && p[pi] == '*' {
		prev := pi - 2
		for pi < len(p) && p[pi] == '*' {
			pi++
		}
		if (prev < 0 || p[prev] == '/') &&
			(pi == len(p) || p[pi] == '/' || (p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == '/')) {
			if pi < len(p) && p[pi] == '/' && dowild(p, pi+1, t, ti) == wmMatch {
				return wmMatch
			}
			matchSlash = true
		}
	}
	if pi == len(p) {
		if !matchSlash && indexByteFrom(t, ti, '/') >= 0 {
			return wmNoMatch
		}
		return wmMatch
	}
	if !matchSlash && p[pi] == '/' {
		s := indexByteFrom(t, ti, '/')
		if s < 0 {
			return wmNoMatch
		}
		return dowild(p, pi+1, t, s+1)
	}
	for ti < len(t) {
		tc := t[ti]
		if !isGlobSpecial(p[pi]) {
			// Skip ahead to the next occurrence of the literal that follows.
			for ti < len(t) && (matchSlash || t[ti] != '/') && t[ti] != p[pi] {
				ti++
			}
			if ti >= len(t) || t[ti] != p[pi] {
				return wmNoMatch
			}
			tc = t[ti]
		}
		if m := dowild(p, pi, t, ti); m != wmNoMatch {
			if !matchSlash || m != wmAbortToStarStar {
				return m
			}
		} else if !matchSlash && tc == '/' {
			return wmAbortToStarStar
		}
		ti++
	}
	return wmAbortAll
}

func isGlobSpecial(c byte) bool { return c == '*' || c == '?' || c == '[' || c == '\\' }

func indexByteFrom(s string, from int, c byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// matchClass matches tc against the bracket expression starting at p[pi]
// ('['). It returns the index of the closing ']' and whether tc matched, or
// -1 for a malformed class (which makes the whole pattern fail, as in git).
func matchClass(p string, pi int, tc byte) (int, bool) {
	at := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	pi++
	pc := at(pi)
	if pc == '^' {
		pc = '!'
	}
	negated := pc == '!'
	if negated {
		pi++
		pc = at(pi)
	}
	var prev byte
	matched := false
	for {
		if pi >= len(p) {
			return -1, false
		}
		switch {
		case pc == '\\':
			pi++
			if pi >= len(p) {
				return -1, false
			}
			pc = p[pi]
			if tc == pc {
				matched = true
			}
		case pc == '-' && prev != 0 && pi+1 < len(p) && p[pi+1] != ']':
			pi++
			pc = p[pi]
			if pc == '\\' {
				pi++
				if pi >= len(p) {
					return -1, false
				}
				pc = p[pi]
			}
			if tc <= pc && tc >= prev {
				matched = true
			}
			pc = 0
		case pc == '[' && at(pi+1) == ':':
			s := pi + 2
			e := s
			for e < len(p) && p[e] != ']' {
				e++
			}
			if e >= len(p) {
				return -1, false
			}
			if e-s-1 < 0 || p[e-1] != ':' {
				// No ":]": an ordinary '[' in the set.
				if tc == '[' {
					matched = true
				}
				pc = '['
				break
			}
			ok, known := posixClass(p[s:e-1], tc)
			if !known {
				return -1, false
			}
			if ok {
				matched = true
			}
			pi = e
			pc = 0
		default:
			if tc == pc {
				matched = true
			}
		}
		prev = pc
		pi++
		pc = at(pi)
		if pc == ']' {
			break
		}
	}
	return pi, matched != negated
}

// posixClass reports whether c is in the named [:class:] and whether the
// name is known.
func posixClass(name string, c byte) (in, known bool) {
	lower := c >= 'a' && c <= 'z'
	upper := c >= 'A' && c <= 'Z'
	digit := c >= '0' && c <= '9'
	switch name {
	case "alnum":
		return lower || upper || digit, true
	case "alpha":
		return lower || upper, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return digit, true
	case "graph":
		return c > 0x20 && c < 0x7f, true
	case "lower":
		return lower, true
	case "print":
		return c >= 0x20 && c < 0x7f, true
	case "punct":
		return c > 0x20 && c < 0x7f && !lower && !upper && !digit, true
	case "space":
		return c == ' ' || (c >= '\t' && c <= '\r'), true
	case "upper":
		return upper, true
	case "xdigit":
		return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'), true
	}
	return false, false
}
