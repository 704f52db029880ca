package policy

import (
	"strings"
)

// A shell command line is split into simple commands the way a POSIX shell
// would see them, closely enough for policy: quotes and escapes are removed,
// ';', '&&', '||', '&', '|', newlines and parentheses separate commands,
// "$(...)", "<(...)" and backquotes are parsed as commands of their own
// (also inside double quotes), and the script of "sh -c '...'" (bash, zsh,
// ...) is parsed too. Leading variable assignments and wrappers (sudo, env,
// time, nice, nohup, command, exec, doas, timeout) are dropped, so the first
// word is the program. No expansion is performed.

type simpleCmd struct {
	words     []string
	pipedFrom bool // stdin comes from the previous command through '|'
	parent    int  // index of the command a substitution belongs to, else -1
	// substWord is set when the command's first word came from a
	// substitution: the shell runs the substitution's output as a command.
	substWord bool
}

// maxShellInput and maxShellDepth bound the work done on one command line.
const (
	maxShellInput = 64 << 10
	maxShellDepth = 8
)

type shellLexer struct {
	cmds []simpleCmd
}

// parseShell splits a command line into simple commands.
func parseShell(s string) []simpleCmd {
	if len(s) > maxShellInput {
		s = s[:maxShellInput]
	}
	var l shellLexer
	l.parse(s, -1, 0)
	return l.cmds
}

// parse lexes s, appending its commands. Commands found at the top level of
// s belong to parent (a substitution's enclosing command), or -1.
func (l *shellLexer) parse(s string, parent, depth int) {
	if depth > maxShellDepth {
		return
	}
	cur := -1 // index in l.cmds of the command being read
	var word strings.Builder
	inWord, piped := false, false
	start := func() int {
		if cur < 0 {
			cur = len(l.cmds)
			l.cmds = append(l.cmds, simpleCmd{pipedFrom: piped, parent: parent})
			piped = false
		}
		return cur
	}
	flushWord := func() {
		if inWord {
			c := start()
			l.cmds[c].words = append(l.cmds[c].words, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		flushWord()
		if cur >= 0 {
			l.finish(cur, depth)
		}
		cur = -1
	}
	subst := func(body string) {
		c := start()
		if !inWord && len(l.cmds[c].words) == 0 {
			l.cmds[c].substWord = true
		}
		inWord = true
		l.parse(body, c, depth+1)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					word.WriteByte(s[i])
					inWord = true
				}
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				j = len(s) - i - 1
			}
			word.WriteString(s[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '"':
			i = l.doubleQuoted(s, i+1, &word, subst)
			inWord = true
		case (c == '$' || c == '<') && i+1 < len(s) && s[i+1] == '(':
			end := closeParen(s, i+2)
			subst(s[i+2 : end])
			i = end
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				j = len(s) - i - 1
			}
			subst(s[i+1 : i+1+j])
			i += j + 1
		case c == '#' && !inWord:
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			i += j - 1
		case c == '&' && (i > 0 && (s[i-1] == '>' || s[i-1] == '<') || i+1 < len(s) && s[i+1] == '>'):
			word.WriteByte(c) // a redirection: 2>&1, &>file
			inWord = true
		case c == ' ' || c == '\t' || c == '\r':
			flushWord()
		case c == '|':
			endCmd()
			if i+1 < len(s) && s[i+1] == '|' {
				i++
			} else {
				if i+1 < len(s) && s[i+1] == '&' {
					i++
				}
				piped = true
			}
		case c == ';' || c == '&' || c == '\n' || c == '(' || c == ')' || c == '{' && !inWord || c == '}' && !inWord:
			endCmd()
			piped = false
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
}

// doubleQuoted reads a double-quoted string starting after the opening
// quote at i, writing its text to w and parsing substitutions in it. It
// returns the index of the closing quote.
func (l *shellLexer) doubleQuoted(s string, i int, w *strings.Builder, subst func(string)) int {
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i
		case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`\n", s[i+1]) >= 0:
			i++
			w.WriteByte(s[i])
		case c == '$' && i+1 < len(s) && s[i+1] == '(':
			end := closeParen(s, i+2)
			subst(s[i+2 : end])
			i = end
		case c == '`':
			j := strings.IndexByte(s[i+1:], '`')
			if j < 0 {
				j = len(s) - i - 1
			}
			subst(s[i+1 : i+1+j])
			i += j + 1
		default:
			w.WriteByte(c)
		}
	}
	return i
}

// closeParen returns the index of the ')' closing a '(' just before i,
// skipping quoted text, or len(s).
func closeParen(s string, i int) int {
	depth := 1
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			if j := strings.IndexByte(s[i+1:], '\''); j >= 0 {
				i += j + 1
			}
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return len(s)
}

var (
	wrappers     = []string{"sudo", "doas", "env", "time", "nice", "nohup", "command", "exec", "timeout"}
	shells       = []string{"sh", "bash", "zsh", "dash", "ksh", "fish", "ash"}
	interpreters = []string{"sh", "bash", "zsh", "dash", "ksh", "fish", "ash", "python", "python2", "python3", "perl", "ruby", "node", "php", "pwsh", "powershell", "eval", "source", "."}
	downloaders  = []string{"curl", "wget", "fetch", "http", "https", "aria2c"}
)

// finish strips assignments and wrappers from command c and parses the
// script of "sh -c".
func (l *shellLexer) finish(c, depth int) {
	w := l.cmds[c].words
	for len(w) > 0 {
		switch {
		case isAssignment(w[0]):
			w = w[1:]
		case contains(wrappers, w[0]):
			timeout := w[0] == "timeout"
			w = w[1:]
			for len(w) > 0 && (strings.HasPrefix(w[0], "-") || isAssignment(w[0])) {
				w = w[1:]
			}
			if timeout && len(w) > 0 {
				w = w[1:] // the duration
			}
		default:
			l.cmds[c].words = w
			if contains(shells, base(w[0])) {
				for i := 1; i+1 < len(w); i++ {
					if a := w[i]; len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.IndexByte(a, 'c') > 0 {
						l.parse(w[i+1], c, depth+1)
						break
					}
				}
			}
			return
		}
	}
	l.cmds[c].words = nil
}

func isAssignment(w string) bool {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := w[j]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || j > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// base returns the last '/'-separated element of a program path.
func base(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 && i+1 < len(p) {
		return p[i+1:]
	}
	return p
}

func (c *simpleCmd) prog() string {
	if len(c.words) == 0 {
		return ""
	}
	return base(c.words[0])
}

// cmdPattern matches the leading words of a simple command, each word a name
// glob. A first pattern word without '/' matches the program's base name.
type cmdPattern struct {
	src   string
	words []*glob
}

func compileCmdPattern(src string) (*cmdPattern, error) {
	fields := strings.Fields(src)
	if len(fields) == 0 {
		return nil, errGlobEmpty
	}
	p := &cmdPattern{src: src}
	for _, f := range fields {
		g, err := compileNameGlob(f)
		if err != nil {
			return nil, err
		}
		p.words = append(p.words, g)
	}
	return p, nil
}

func (p *cmdPattern) match(c *simpleCmd) bool {
	if len(c.words) < len(p.words) {
		return false
	}
	for i, g := range p.words {
		w := c.words[i]
		if i == 0 && !strings.Contains(g.src, "/") {
			w = base(w)
		}
		if !g.match(w) {
			return false
		}
	}
	return true
}
