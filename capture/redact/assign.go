package redact

import (
	"bytes"
)

// keyClass is what a key name says about the value assigned to it.
type keyClass int

const (
	keyNone     keyClass = iota
	keyPassword          // any literal of six bytes or more is a secret
	keySecret            // a secret only if it looks random
)

// matchAssignment is the matcher of the two assignment rules. It widens
// the keyword at b[start:end] to the whole key, and emits the value when
// the key names a secret of the rule's class and is assigned a literal
// that is not a placeholder or a reference.
func matchAssignment(sc *scan, ri, start, end int) {
	b := sc.b
	ks, ke := keyBounds(b, start, end)
	class := classifyKey(b[ks:ke])
	if class == keyNone || class != sc.r.rules[ri].class {
		return
	}
	v, ok := parseAssignment(b, ks, ke)
	if !ok || !plausibleValue(class, b[v.start:v.end], v.quoted, v.env) {
		return
	}
	sc.emit(ri, v.start, v.end)
}

func isKeyByte(c byte) bool { return isAlnum(c) || c == '_' || c == '-' || c == '.' }

// keyBounds widens b[start:end] over key bytes. It does not cross the
// escape in an encoded string ("\npassword" has the key "password").
func keyBounds(b []byte, start, end int) (int, int) {
	for lim := max(0, start-64); start > lim && isKeyByte(b[start-1]) && !(start >= 2 && b[start-2] == '\\'); {
		start--
	}
	for lim := min(len(b), end+64); end < lim && isKeyByte(b[end]); {
		end++
	}
	return start, end
}

// value is the literal of an assignment.
type value struct {
	start, end int
	quoted     bool // written in quotes: certainly a literal
	env        bool // KEY=value with no blanks: an env or config file literal
}

// parseAssignment reads `key = value` after the key b[ks:ke]. It accepts
// the separators = : := => (not == or ::), a quoted key, XML elements
// (<password>v</password>) and command-line flags (--password v).
func parseAssignment(b []byte, ks, ke int) (value, bool) {
	n, p := len(b), ke
	quotedKey := p < n && (b[p] == '"' || b[p] == '\'')
	if quotedKey {
		p++
	} else if p+1 < n && b[p] == '\\' && b[p+1] == '"' {
		p += 2
	}
	if ks > 0 && b[ks-1] == '<' && p < n && b[p] == '>' {
		i := bytes.IndexByte(b[p+1:min(n, p+1+256)], '<')
		return value{start: p + 1, end: p + 1 + i, quoted: true}, i > 0
	}
	s := skipBlanks(b, p)
	var sep int
	switch {
	case hasAt(b, s, ":=") || hasAt(b, s, "=>"):
		sep = 2
	case hasAt(b, s, "=") && !hasAt(b, s, "=="), hasAt(b, s, ":") && !hasAt(b, s, "::"):
		sep = 1
	case s > p && hasAt(b, ks, "--") && s < n && b[s] != '-':
		sep = 0
	case quotedKey && hasAt(b, s, ","): // ("smtp.password", "v") or ["--password", "v"]
		v, ok := readValue(b, skipBlanks(b, s+1))
		ok = ok && v.quoted
		v.quoted = false // judged like a bare word: a list of field names is not a password
		return v, ok
	default:
		return value{}, false
	}
	v := skipBlanks(b, s+sep)
	val, ok := readValue(b, v)
	val.env = ok && !val.quoted && sep == 1 && b[s] == '=' && s == p && v == s+1 &&
		(val.end == n || b[val.end] != ',' && b[val.end] != ')')
	return val, ok
}

func hasAt(b []byte, i int, s string) bool {
	return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

func skipBlanks(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	return i
}

// maxValue bounds a value; longer ones are not passwords or API keys.
const maxValue = 1024

// readValue reads the literal at b[p:]: quoted (with backslash escapes
// kept whole), quoted with escaped quotes (\"v\" inside an encoded string),
// or bare up to a blank or punctuation.
func readValue(b []byte, p int) (value, bool) {
	n := len(b)
	if p >= n {
		return value{}, false
	}
	if c := b[p]; c == '\\' && p+1 < n && (b[p+1] == '"' || b[p+1] == '\'') {
		for i := p + 2; i < min(n, p+2+maxValue); i++ {
			switch b[i] {
			case '\\':
				return value{start: p + 2, end: i, quoted: true}, i+1 < n && b[i+1] == b[p+1]
			case '\n':
				return value{}, false
			}
		}
		return value{}, false
	}
	if c := b[p]; c == '"' || c == '\'' || c == '`' {
		for i := p + 1; i < min(n, p+1+maxValue); i++ {
			switch b[i] {
			case '\\':
				i++
			case c:
				return value{start: p + 1, end: i, quoted: true}, true
			case '\n':
				return value{}, false
			}
		}
		return value{}, false
	}
	i := p
	for i < n && i-p < maxValue && !isStopByte(b[i]) {
		i++
	}
	if i-p == maxValue || i < n && b[i] == '(' {
		return value{}, false
	}
	return value{start: p, end: i}, i > p
}

func isStopByte(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', '\\', ',', ';', '&', '|', '(', ')', '[', ']', '{', '}', '<', '>':
		return true
	}
	return false
}

// plausibleValue reports whether v, assigned to a key of class c, is a
// secret rather than a placeholder, a reference or a code expression.
func plausibleValue(c keyClass, v []byte, quoted, env bool) bool {
	if len(v) == 0 || isPlaceholder(v) {
		return false
	}
	if !quoted && !env && isCodeRef(v) {
		return false
	}
	switch c {
	case keyPassword:
		if len(v) < 6 || !quoted && !env && !hasDigit(v) && !hasSymbol(v) {
			return false
		}
		// One space may be a passphrase; more reads as prose ("pass": "Great point, …").
		spaces := bytes.Count(v, []byte(" "))
		return spaces == 0 || spaces == 1 && (hasDigit(v) || hasSymbol(v))
	case keySecret:
		if bytes.ContainsAny(v, " \t") || bytes.Contains(v, []byte("://")) || isPath(v) {
			return false
		}
		return randomLooking(v)
	}
	return false
}

// isPath reports whether v reads as a file path: it starts like one and
// no part between slashes looks random.
func isPath(v []byte) bool {
	if v[0] != '/' && !bytes.HasPrefix(v, []byte("~/")) && !bytes.HasPrefix(v, []byte("./")) && !bytes.HasPrefix(v, []byte("../")) {
		return false
	}
	for _, part := range bytes.Split(v, []byte("/")) {
		if randomLooking(part) {
			return false
		}
	}
	return true
}

// isCodeRef reports whether a bare value reads as an identifier or a
// dotted path (cfg.password, newToken) rather than a literal.
func isCodeRef(v []byte) bool {
	for _, part := range bytes.Split(v, []byte(".")) {
		if len(part) == 0 || !(isLetter(part[0]) || part[0] == '_') {
			return false
		}
		for _, c := range part {
			if !isAlnum(c) && c != '_' {
				return false
			}
		}
	}
	return !hasDigit(v) || bytes.IndexByte(v, '.') >= 0
}

// placeholderWords mark a value as a template or documentation.
var placeholderWords = []string{
	"example", "placeholder", "changeme", "change_me", "change-me", "changeit", "your_", "your-", "yourpass",
	"yoursecret", "yourtoken", "yourkey", "redacted", "dummy", "replace_me", "replace-me", "replaceme",
	"insert_", "insert-", "fixme", "todo", "sample", "xxxx", "${", "{{", "}}", "<%", "%>",
}

// isPlaceholderValue reports whether w is a whole value that is never a
// secret.
func isPlaceholderValue(w string) bool {
	switch w {
	case "test", "testing", "secret", "secrets", "password", "passwd", "pass", "pwd", "token", "null", "nil",
		"none", "true", "false", "undefined", "empty", "string", "str", "bool", "boolean", "int", "number", "any",
		"object", "required", "optional", "hidden", "masked", "default", "foo", "bar", "baz", "foobar",
		"mypassword", "mysecret", "mytoken", "admin", "root", "user", "guest", "notasecret", "value", "secret123",
		"password123", "inherit", "include", "omit", "same-origin":
		return true
	}
	return false
}

// isPlaceholder reports whether v is a template, a variable reference or
// a documentation value rather than a real secret.
func isPlaceholder(v []byte) bool {
	switch v[0] {
	case '$', '%', '<', '{', '*', '@', '[':
		return true
	}
	var buf [64]byte
	l := buf[:0]
	for _, c := range v[:min(len(v), len(buf))] {
		l = append(l, lower(c))
	}
	if isPlaceholderValue(string(l)) {
		return true
	}
	for _, w := range placeholderWords {
		if bytes.Contains(l, []byte(w)) {
			return true
		}
	}
	return hasRun(v, 5)
}

// plausibleURLPassword is the check of the url-password rule.
func plausibleURLPassword(v []byte) bool { return !isPlaceholder(v) }
