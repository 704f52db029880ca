package jsonlex

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// The decoders that fill known fields without reflection (the hook's
// payload, transcript lines, the price table) walk objects key by key with
// Object and leave anything off their plain shape to encoding/json.

// Object walks the object at I (its '{'), nested depth levels deep, and
// hands set each key and the bytes of its value, leaving I just after the
// '}'. Keys must be free of escapes: a key with one, an invalid object, or
// set reporting false makes Object report false. Values are walked as
// Value walks them, or, when Checked is set (Src is known to be valid
// JSON), skipped by their quotes and brackets alone. Emit is not called.
func (w *Walker) Object(depth int, set func(key, v []byte) bool) bool {
	if depth > MaxDepth || w.I >= len(w.Src) || w.Src[w.I] != '{' {
		return false
	}
	w.I++
	w.Space()
	if w.I < len(w.Src) && w.Src[w.I] == '}' {
		w.I++
		return true
	}
	for {
		start := w.I
		if w.I >= len(w.Src) || w.Src[w.I] != '"' || !w.Str(w) {
			return false
		}
		key := w.Src[start+1 : w.I-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		w.Space()
		if w.I >= len(w.Src) || w.Src[w.I] != ':' {
			return false
		}
		w.I++
		w.Space()
		start = w.I
		if w.Checked {
			w.skipValid()
		} else if !w.Value(depth) {
			return false
		}
		if !set(key, w.Src[start:w.I]) {
			return false
		}
		w.Space()
		if w.I >= len(w.Src) {
			return false
		}
		switch w.Src[w.I] {
		case ',':
			w.I++
			w.Space()
		case '}':
			w.I++
			return true
		default:
			return false
		}
	}
}

// ValidString is a Walker's Str that validates the string at I and moves
// past it.
func ValidString(w *Walker) bool {
	b := w.Src
	for i := w.I + 1; i < len(b); {
		// The common bytes, eight at a time.
		if i = StrRun(b, i); i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '"':
			w.I = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			n := EscapeLen(b, i)
			if n == 0 {
				return false
			}
			i += n
		default:
			i++
		}
	}
	return false
}

// skipValid moves past the value at I, which is valid JSON: strings are
// skipped by looking for their closing quote alone, containers by counting
// brackets outside strings.
func (w *Walker) skipValid() {
	b := w.Src
	depth := 0
	for i := w.I; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = StringEnd(b, i)
			if depth == 0 {
				w.I = i + 1
				return
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				w.I = i + 1
				return
			}
		default:
			if depth == 0 { // a number or a literal
				j := i
				for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
					j++
				}
				w.I = j
				return
			}
		}
	}
	w.I = len(b)
}

// StringEnd returns the index of the closing quote of the valid string
// whose opening quote is at b[i]: the first quote after it not escaped by
// an odd run of backslashes.
func StringEnd(b []byte, i int) int {
	for j := i + 1; ; {
		q := j + bytes.IndexByte(b[j:], '"')
		n := 0
		for k := q - 1; k > i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q
		}
		j = q + 1
	}
}

// FoldsTo reports whether key could match one of names the way
// encoding/json matches object keys to fields (ignoring case, with Unicode
// folding of k and s): for an ASCII key, ASCII case folding; a non-ASCII
// key is reported as matching, to be safe.
func FoldsTo(key string, names ...string) bool {
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			return true
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return true
		}
	}
	return false
}

// Elements hands each element of the array at I (its '['), which must be
// valid JSON, to each as its bytes, and leaves I just after the ']'; it
// reports false when each does, or when the value is not an array.
func (w *Walker) Elements(each func(v []byte) bool) bool {
	if w.I >= len(w.Src) || w.Src[w.I] != '[' {
		return false
	}
	w.I++
	w.Space()
	for w.I < len(w.Src) && w.Src[w.I] != ']' {
		start := w.I
		w.skipValid()
		if !each(w.Src[start:w.I]) {
			return false
		}
		w.Space()
		if w.I < len(w.Src) && w.Src[w.I] == ',' {
			w.I++
			w.Space()
		}
	}
	w.I++
	return true
}
