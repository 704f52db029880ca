package policy

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// A glob is a compiled pattern. Path globs (repo paths, branch names) are
// split on '/': '*', '?' and classes never match '/', and a segment that is
// exactly "**" matches any number of whole segments. Name globs (models,
// agents, tools, command words) are a single segment in which '*' also
// matches '/'.
//
// Syntax, for both kinds:
//
//   - any run of characters (not '/' in a path glob)
//     ?        any one character (not '/' in a path glob)
//     [abc]    one of the listed characters; [a-z] a range; [!a-z] or [^a-z] negates
//     {a,b}    either alternative (expanded when compiled; not nested)
//     \x       the character x itself
//     **       (path globs, a whole segment) zero or more segments; as the
//     last segment, one or more
type glob struct {
	src  string
	alts []globAlt // brace alternatives; matches if any does
}

type globAlt struct {
	segs []globSeg // path globs; nil for name globs
	name globSeg   // name globs
}

type globSeg struct {
	pat     string // pattern text of the segment
	literal bool   // pat holds no metacharacters (and no escapes)
	double  bool   // the segment is "**"
}

var (
	errGlobEmpty      = errors.New("empty pattern")
	errGlobClass      = errors.New("unterminated character class '['")
	errGlobEscape     = errors.New("trailing '\\'")
	errGlobBrace      = errors.New("unbalanced or nested braces '{}'")
	errGlobDoubleStar = errors.New("'**' must be a whole path segment, as in \"a/**/b\"")
	errGlobAbsolute   = errors.New("paths are repo-relative: remove the leading '/'")
	errGlobDotSeg     = errors.New("'.' and '..' segments are not allowed in repo-relative paths")
	errGlobEmptySeg   = errors.New("empty path segment ('//' or a trailing '/')")
)

// compilePathGlob compiles a '/'-separated glob.
func compilePathGlob(src string) (*glob, error) {
	return compileGlob(src, true)
}

// compileNameGlob compiles a glob for a single name, where '*' also matches '/'.
func compileNameGlob(src string) (*glob, error) {
	return compileGlob(src, false)
}

func compileGlob(src string, isPath bool) (*glob, error) {
	if src == "" {
		return nil, errGlobEmpty
	}
	alts, err := expandBraces(src)
	if err != nil {
		return nil, err
	}
	g := &glob{src: src}
	for _, a := range alts {
		var alt globAlt
		if !isPath {
			if err := checkSeg(a, false); err != nil {
				return nil, err
			}
			alt.name = newSeg(a)
			g.alts = append(g.alts, alt)
			continue
		}
		if strings.HasPrefix(a, "/") {
			return nil, errGlobAbsolute
		}
		for seg := range strings.SplitSeq(a, "/") {
			switch {
			case seg == "":
				return nil, errGlobEmptySeg
			case seg == "." || seg == "..":
				return nil, errGlobDotSeg
			}
			if err := checkSeg(seg, true); err != nil {
				return nil, err
			}
			alt.segs = append(alt.segs, newSeg(seg))
		}
		g.alts = append(g.alts, alt)
	}
	return g, nil
}

func newSeg(s string) globSeg {
	return globSeg{pat: s, literal: !strings.ContainsAny(s, `*?[\`), double: s == "**"}
}

// checkSeg validates the syntax of one segment so that matching never fails.
func checkSeg(s string, isPath bool) error {
	if isPath && s != "**" && strings.Contains(s, "**") {
		return errGlobDoubleStar
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 == len(s) {
				return errGlobEscape
			}
			i++
		case '[':
			end, ok := classEnd(s, i)
			if !ok {
				return errGlobClass
			}
			i = end
		}
	}
	return nil
}

// classEnd returns the index of the ']' closing the class that opens at i.
func classEnd(s string, i int) (int, bool) {
	j := i + 1
	if j < len(s) && (s[j] == '!' || s[j] == '^') {
		j++
	}
	if j < len(s) && s[j] == ']' { // a leading ']' is literal
		j++
	}
	for ; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case ']':
			return j, true
		}
	}
	return 0, false
}

// expandBraces expands one level of {a,b} alternatives.
func expandBraces(s string) ([]string, error) {
	out := []string{""}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 == len(s) {
				return nil, errGlobEscape
			}
			for k := range out {
				out[k] += s[i : i+2]
			}
			i++
			continue
		case '}':
			return nil, errGlobBrace
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, errGlobBrace
			}
			body := s[i+1 : i+end]
			if strings.ContainsAny(body, "{\\") {
				return nil, errGlobBrace
			}
			var next []string
			for _, p := range out {
				for opt := range strings.SplitSeq(body, ",") {
					next = append(next, p+opt)
				}
			}
			if len(next) > 256 {
				return nil, errGlobBrace
			}
			out = next
			i += end
			continue
		}
		for k := range out {
			out[k] += string(c)
		}
	}
	return out, nil
}

// String returns the pattern as written.
func (g *glob) String() string { return g.src }

// match reports whether s matches the glob. It does not allocate.
func (g *glob) match(s string) bool {
	for i := range g.alts {
		a := &g.alts[i]
		if a.segs == nil {
			if a.name.literal {
				if a.name.pat == s {
					return true
				}
			} else if matchSeg(a.name.pat, s) {
				return true
			}
			continue
		}
		if matchSegs(a.segs, s) {
			return true
		}
	}
	return false
}

// matchSegs matches a '/'-separated path against pattern segments.
func matchSegs(segs []globSeg, p string) bool {
	for len(segs) > 0 {
		if segs[0].double {
			segs = segs[1:]
			if len(segs) == 0 { // trailing **: one or more segments
				return p != ""
			}
			for {
				if matchSegs(segs, p) {
					return true
				}
				i := strings.IndexByte(p, '/')
				if i < 0 {
					return false
				}
				p = p[i+1:]
			}
		}
		if p == "" {
			return false
		}
		var head string
		i := strings.IndexByte(p, '/')
		if i < 0 {
			head, p = p, ""
		} else {
			head, p = p[:i], p[i+1:]
			if p == "" { // trailing slash: never a file path
				return false
			}
		}
		s := &segs[0]
		if s.literal {
			if s.pat != head {
				return false
			}
		} else if !matchSeg(s.pat, head) {
			return false
		}
		segs = segs[1:]
	}
	return p == ""
}

// matchSeg matches one segment (or a whole name) against a pattern with
// '*', '?', classes and escapes. A path segment holds no '/', so there '*'
// and '?' never match one; in a name they match anything. '?' matches one
// UTF-8 character; classes match one byte (ASCII). It uses the classic
// single-backtrack algorithm: no allocation.
func matchSeg(pat, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, -1
	for sx < len(s) {
		if px < len(pat) {
			switch c := pat[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[sx:])
				px++
				sx += n
				continue
			case '[':
				end, _ := classEnd(pat, px)
				if matchClass(pat[px+1:end], s[sx]) {
					px = end + 1
					sx++
					continue
				}
			case '\\':
				if pat[px+1] == s[sx] {
					px += 2
					sx++
					continue
				}
			default:
				if c == s[sx] {
					px++
					sx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		px, sx = starP+1, starS
	}
	for px < len(pat) && pat[px] == '*' {
		px++
	}
	return px == len(pat)
}

// matchClass matches byte c against the body of a class (without brackets).
func matchClass(body string, c byte) bool {
	neg := false
	if body != "" && (body[0] == '!' || body[0] == '^') {
		neg, body = true, body[1:]
	}
	found := false
	for i := 0; i < len(body); i++ {
		lo := body[i]
		if lo == '\\' && i+1 < len(body) {
			i++
			lo = body[i]
		}
		hi := lo
		if i+2 < len(body) && body[i+1] == '-' {
			hi = body[i+2]
			if hi == '\\' && i+3 < len(body) {
				hi = body[i+3]
				i++
			}
			i += 2
		}
		if lo <= c && c <= hi {
			found = true
		}
	}
	return found != neg
}
