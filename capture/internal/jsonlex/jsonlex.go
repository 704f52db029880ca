// Package jsonlex holds the lexical pieces of JSON (RFC 8259) shared by the
// hook's hand-written fast paths: the payload decoder in capture/hook/claude,
// the spool record encoder in capture/spool and the post-commit queue. Both validate exactly as
// encoding/json does, and fall back to it on anything unusual.
package jsonlex

import (
	"math/bits"
	"unicode/utf8"
)

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

// HexDigits are the lower-case hexadecimal digits.
const HexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string exactly as encoding/json does
// (HTML-safe: < > & escaped; invalid UTF-8 as U+FFFD; U+2028 and U+2029
// escaped).
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', HexDigits[c>>4], HexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', HexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Word-at-a-time masks for [StrRun] and [PlainRun]: lo has 0x01 in every
// byte, hi 0x80.
const (
	lo = 0x0101010101010101
	hi = 0x8080808080808080
)

// stops returns a mask with the high bit set in the bytes of the
// little-endian word w that end a run inside a JSON string: the quote, the
// backslash and the control bytes (below 0x20). A borrow can set a bit above
// a true one, never below: the lowest bit set marks the first such byte.
func stops(w uint64) uint64 {
	q := w ^ (lo * '"')
	b := w ^ (lo * '\\')
	return ((q-lo)&^q | (b-lo)&^b | (w-lo*0x20)&^w) & hi
}

// StrRun returns the index of the first byte of b at or after i that is a
// quote, a backslash or a control byte, or len(b) when there is none. It
// reads eight bytes at a time: string contents are the bulk of a payload.
func StrRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if m := stops(load64(b[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return i
}

// PlainRun returns the index of the first byte of b at or after i that is a
// backslash or not ASCII, or len(b) when there is none: the end of a run a
// string decoder copies as it is.
func PlainRun(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		w := load64(b[i : i+8])
		s := w ^ (lo * '\\')
		if m := ((s-lo)&^s | w) & hi; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '\\' || c >= utf8.RuneSelf {
			return i
		}
	}
	return i
}

// load64 reads b[0:8] as a little-endian word (one load once inlined).
func load64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
