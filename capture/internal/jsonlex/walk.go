package jsonlex

// MaxDepth is encoding/json's nesting limit.
const MaxDepth = 10000

// Walker validates one JSON value as encoding/json does, from Src[I], and
// leaves I just after it. Strings (keys and values) are handed to Str,
// which must consume the string at I, its quotes included, and report
// whether it is valid. When Emit is set, every other significant byte
// (structural characters, literals, numbers; no white space) is passed to
// it in order, as a subslice of Src: compacting is an Emit that copies and
// a Str that copies. The hook's payload decoder (capture/hook/claude) and
// the spool's compactor (capture/spool) share it.
type Walker struct {
	Src  []byte
	I    int
	Str  func(w *Walker) bool
	Emit func(b []byte)
	// Checked says Src is valid JSON already: Object skips values rather
	// than walking them.
	Checked bool
}

// Space skips white space.
func (w *Walker) Space() {
	for w.I < len(w.Src) {
		switch w.Src[w.I] {
		case ' ', '\t', '\n', '\r':
			w.I++
		default:
			return
		}
	}
}

// Value walks the value at I, nested depth levels deep.
func (w *Walker) Value(depth int) bool {
	if w.I >= len(w.Src) {
		return false
	}
	switch c := w.Src[w.I]; {
	case c == '{':
		return w.container(depth+1, '}')
	case c == '[':
		return w.container(depth+1, ']')
	case c == '"':
		return w.Str(w)
	case c == 't':
		return w.lit("true")
	case c == 'f':
		return w.lit("false")
	case c == 'n':
		return w.lit("null")
	case c == '-' || IsDigit(c):
		end := NumberEnd(w.Src, w.I)
		if end < 0 {
			return false
		}
		w.take(end - w.I)
		return true
	}
	return false
}

// container walks an object (close '}': key, colon, value) or an array
// (close ']') whose opening byte is at I.
func (w *Walker) container(depth int, close byte) bool {
	if depth > MaxDepth {
		return false
	}
	w.take(1)
	w.Space()
	if w.I < len(w.Src) && w.Src[w.I] == close {
		w.take(1)
		return true
	}
	for {
		if close == '}' {
			if w.I >= len(w.Src) || w.Src[w.I] != '"' || !w.Str(w) {
				return false
			}
			w.Space()
			if w.I >= len(w.Src) || w.Src[w.I] != ':' {
				return false
			}
			w.take(1)
			w.Space()
		}
		if !w.Value(depth) {
			return false
		}
		w.Space()
		if w.I >= len(w.Src) {
			return false
		}
		switch w.Src[w.I] {
		case ',':
			w.take(1)
			w.Space()
		case close:
			w.take(1)
			return true
		default:
			return false
		}
	}
}

func (w *Walker) lit(word string) bool {
	if !HasLiteral(w.Src, w.I, word) {
		return false
	}
	w.take(len(word))
	return true
}

// take passes the next n bytes to Emit and moves past them.
func (w *Walker) take(n int) {
	if w.Emit != nil {
		w.Emit(w.Src[w.I : w.I+n])
	}
	w.I += n
}
