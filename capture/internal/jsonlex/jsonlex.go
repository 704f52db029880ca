// Package jsonlex holds the lexical pieces of JSON (RFC 8259) shared by the
// hook's hand-written fast paths: the payload decoder in capture/hook/claude
// and the spool record encoder in capture/spool. Both validate exactly as
// encoding/json does, and fall back to it on anything unusual.
package jsonlex

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return '0' <= c && c <= '9' }

// NumberEnd returns the index just past the JSON number starting at b[i],
// or -1 when no valid number starts there.
func NumberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !IsDigit(b[i]) {
			return -1
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !IsDigit(b[i]) {
			return -1
		}
		i = digits(b, i)
	}
	return i
}

func digits(b []byte, i int) int {
	for i < len(b) && IsDigit(b[i]) {
		i++
	}
	return i
}

// EscapeLen returns the length of the valid escape sequence at b[i] (which
// is a backslash): 2 for \" \\ \/ \b \f \n \r \t, 6 for \uXXXX, or 0 when it
// is not a valid escape.
func EscapeLen(b []byte, i int) int {
	if i+1 >= len(b) {
		return 0
	}
	switch b[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if i+6 > len(b) {
			return 0
		}
		for _, h := range b[i+2 : i+6] {
			if !IsDigit(h) && !('a' <= h && h <= 'f') && !('A' <= h && h <= 'F') {
				return 0
			}
		}
		return 6
	}
	return 0
}

// HasLiteral reports whether b[i:] starts with the literal w (true, false,
// null).
func HasLiteral(b []byte, i int, w string) bool {
	return len(b)-i >= len(w) && string(b[i:i+len(w)]) == w
}
