package worktree

import (
	"bytes"
	"strings"
)

// maxIgnoreFile caps the size of an ignore file read, as git's 100 MiB cap
// does; a larger file is skipped (its directory is then walked in full).
const maxIgnoreFile = 8 << 20

// ignorePattern is one line of a gitignore file.
type ignorePattern struct {
	pattern  string // glob, without "!", leading "/" or trailing "/"
	negate   bool   // "!" prefix: re-include
	dirOnly  bool   // trailing "/": matches directories only
	basename bool   // no "/" inside: matched against the last path component
	literal  bool   // no glob characters: compared with ==
}

// ignoreList is the patterns of one file, applying to paths below base
// ("" for the work-tree root, and for info/exclude).
type ignoreList struct {
	base     string
	patterns []ignorePattern
}

// parseIgnore parses gitignore text as git's add_patterns_from_buffer does:
// a UTF-8 BOM is skipped, CR before LF is dropped, blank lines and lines
// starting with '#' are comments, unescaped trailing spaces are trimmed.
func parseIgnore(base string, data []byte) *ignoreList {
	l := &ignoreList{base: base}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		if p, ok := parsePattern(trimTrailingSpaces(string(line))); ok {
			l.patterns = append(l.patterns, p)
		}
	}
	return l
}

func parsePattern(s string) (ignorePattern, bool) {
	var p ignorePattern
	if strings.HasPrefix(s, "!") {
		p.negate = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") {
		p.dirOnly = true
		s = s[:len(s)-1]
	}
	if s == "" {
		return p, false
	}
	p.basename = !strings.Contains(s, "/")
	s = strings.TrimPrefix(s, "/")
	if s == "" {
		return p, false
	}
	p.pattern = s
	p.literal = !strings.ContainsAny(s, "*?[\\")
	return p, true
}

// trimTrailingSpaces removes trailing spaces not escaped by a backslash.
func trimTrailingSpaces(s string) string {
	lastSpace := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if lastSpace < 0 {
				lastSpace = i
			}
		case '\\':
			i++
			if i >= len(s) {
				return s
			}
			lastSpace = -1
		default:
			lastSpace = -1
		}
	}
	if lastSpace >= 0 {
		return s[:lastSpace]
	}
	return s
}

// match reports whether the pattern matches path (relative to the list's
// base) whose last component is name.
func (p *ignorePattern) match(rel, name string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	subject := rel
	if p.basename {
		subject = name
	}
	if p.literal {
		return subject == p.pattern
	}
	return wildmatch(p.pattern, subject)
}

// decide returns whether the list has a verdict for path and what it is:
// the last matching pattern wins.
func (l *ignoreList) decide(path, name string, isDir bool) (ignored, decided bool) {
	rel := path
	if l.base != "" {
		if !strings.HasPrefix(path, l.base) || len(path) <= len(l.base) || path[len(l.base)] != '/' {
			return false, false
		}
		rel = path[len(l.base)+1:]
	}
	for i := len(l.patterns) - 1; i >= 0; i-- {
		if l.patterns[i].match(rel, name, isDir) {
			return !l.patterns[i].negate, true
		}
	}
	return false, false
}

// ignorer holds the ignore lists in force at one point of the walk:
// per-directory .gitignore files from the root down, and the repository-wide
// lists (info/exclude, an optional excludes file) that rank below them.
type ignorer struct {
	dirs   []*ignoreList // root first; deeper lists take precedence
	global []*ignoreList // info/exclude first, then the excludes file
}

// ignored reports whether path (slash-separated, repo-relative) is ignored.
func (g *ignorer) ignored(path, name string, isDir bool) bool {
	for i := len(g.dirs) - 1; i >= 0; i-- {
		if ig, ok := g.dirs[i].decide(path, name, isDir); ok {
			return ig
		}
	}
	for _, l := range g.global {
		if ig, ok := l.decide(path, name, isDir); ok {
			return ig
		}
	}
	return false
}
