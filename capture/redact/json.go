package redact

import (
	"bytes"
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON returns raw with the secrets inside its strings redacted. When raw
// is valid JSON the result is valid JSON with the same structure: each
// string is searched after decoding its escapes (so a secret written as
// "\u0073k-ant-…" is caught), a string assigned to a key that names a
// secret ("password": "…") is judged as that key's value, and a string
// that changes is re-encoded. Strings without findings keep their bytes.
// When raw is not valid JSON it is redacted as text by [Redactor.Bytes].
// Like Bytes, JSON returns raw itself when nothing was found.
func (r *Redactor) JSON(raw []byte) []byte {
	if !r.mayHaveSecret(raw) && !hasHiddenEscape(raw) {
		return raw
	}
	if !json.Valid(raw) {
		return r.Bytes(raw)
	}
	w := jsonWalk{r: r, raw: raw}
	w.run()
	if w.out == nil {
		return raw
	}
	return append(w.out, raw[w.last:]...)
}

// hasHiddenEscape reports whether b holds a backslash followed by 'u' or
// '/' (a \u or \/ escape could spell a keyword the prefilter does not see
// in the raw bytes): what bytes.Contains would find for either, in one pass.
func hasHiddenEscape(b []byte) bool {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\\')
		if j < 0 || i+j+1 >= len(b) {
			return false
		}
		i += j + 1
		if c := b[i]; c == 'u' || c == '/' {
			return true
		}
	}
}

// mayHaveSecret reports whether any rule's keyword occurs in b, JSON text
// whose escapes are not decoded (an escape before a keyword counts as a
// word boundary, as the byte it stands for does).
func (r *Redactor) mayHaveSecret(b []byte) bool {
	return !r.pre.scan(b, true, func(*keyword, int, int) bool { return false })
}

// jsonWalk rewrites the strings of one valid JSON document.
type jsonWalk struct {
	r    *Redactor
	raw  []byte
	out  []byte // nil until the first change
	last int    // raw[:last] has been copied to out
	key  []byte // the key whose value comes next, or nil
	kbuf []byte
	dec  []byte
}

func (w *jsonWalk) run() {
	raw := w.raw
	for i := 0; i < len(raw); {
		switch raw[i] {
		case '"':
			i = w.str(i)
		case ':', ' ', '\t', '\n', '\r':
			i++
		default:
			w.key = nil
			i++
		}
	}
}

// str handles the string starting at raw[i] and returns the offset after it.
func (w *jsonWalk) str(i int) int {
	raw := w.raw
	j := i + 1
	for raw[j] != '"' {
		if raw[j] == '\\' {
			j++
		}
		j++
	}
	content := raw[i+1 : j]
	text, escaped := content, bytes.IndexByte(content, '\\') >= 0
	var fs []Finding
	if escaped && w.mustDecode(content) {
		w.dec = appendUnescaped(w.dec[:0], content)
		text = w.dec
		fs = w.r.findValue(text, w.key)
	} else if !escaped {
		fs = w.r.findValue(text, w.key)
	}
	w.key = nil
	k := j + 1
	for k < len(raw) && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\n' || raw[k] == '\r') {
		k++
	}
	if k < len(raw) && raw[k] == ':' {
		w.kbuf = append(w.kbuf[:0], text...)
		w.key = w.kbuf
	}
	if len(fs) == 0 {
		return j + 1
	}
	if escaped {
		w.out = append(w.out, raw[w.last:i]...)
		w.out = appendQuoted(w.out, apply(text, fs))
		w.last = j + 1
		return j + 1
	}
	w.out = append(w.out, raw[w.last:i+1]...)
	w.out = append(w.out, apply(content, fs)...)
	w.last = j
	return j + 1
}

// mustDecode reports whether the escaped string content may hold a
// secret: a keyword occurs in it, an escape could hide one (\u0041KIA,
// :\/\/), or it is the value of a key that names a secret. Decoding is
// skipped otherwise, as most escaped strings are ordinary multi-line text.
func (w *jsonWalk) mustDecode(content []byte) bool {
	return w.key != nil && isKeyName(w.key) && classifyKey(w.key) != keyNone ||
		bytes.Contains(content, []byte(`\u`)) || bytes.Contains(content, []byte(`\/`)) ||
		w.r.mayHaveSecret(content)
}

// findValue is Find on one decoded JSON string, which when key is not nil
// is the value assigned to key.
func (r *Redactor) findValue(text, key []byte) []Finding {
	sc := scan{r: r, b: text}
	r.pre.scan(text, false, sc.hit)
	sc.flushAll()
	if key != nil && isKeyName(key) && bytes.IndexByte(text, '\n') < 0 {
		if c := classifyKey(key); c != keyNone && r.assign[c] >= 0 && plausibleValue(c, text, true, false) {
			sc.emit(r.assign[c], 0, len(text))
		}
	}
	return sc.result()
}

// isKeyName reports whether a JSON object key reads as a name
// (DB_PASSWORD, x-api-key) rather than free text.
func isKeyName(k []byte) bool {
	if len(k) == 0 || len(k) > 64 {
		return false
	}
	for _, c := range k {
		if !isKeyByte(c) {
			return false
		}
	}
	return true
}

// appendUnescaped appends the decoded form of s, the content of a valid
// JSON string. Lone surrogates decode to U+FFFD, as in encoding/json.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch s[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if i+6 < len(s) && s[i+1] == '\\' && s[i+2] == 'u' {
					r2 = hex4(s[i+3 : i+7])
				}
				if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
					i += 6
					r = d
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // " \ /
			dst = append(dst, s[i])
		}
	}
	return dst
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case 'a' <= lower(c) && lower(c) <= 'f':
			r = r<<4 | rune(lower(c)-'a'+10)
		}
	}
	return r
}

// appendQuoted appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func appendQuoted(dst, s []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		default:
			dst = append(dst, c)
		}
		i++
	}
	return append(dst, '"')
}
