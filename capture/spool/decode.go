package spool

import (
	"encoding/json"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// Records are decoded by hand when a line looks as encodeRecord writes it
// (fields in declaration order, exact names, no white space between
// them): the payload, most of a line's bytes, is validated in one pass and
// kept as a slice of the line, where encoding/json validates it, scans it
// again and copies it. Small structured fields (observed, usage, tools, ...)
// still go through encoding/json, each on its own bytes. Any other line is
// left to encoding/json, so what is accepted and what it decodes to do not
// change (TestDecodeRecordMatchesJSON, FuzzDecodeRecord).

// recordFields are the JSON names of Record's fields in declaration order.
var recordFields = [...]string{"v", "at", "agent", "payload", "invalid", "observed", "usage", "head", "denial", "verdict", "tools"}

// decodeRecord decodes line (one spool line without its newline) into the
// zero Record rec as json.Unmarshal would. It reports false, leaving rec in
// any state, when the line is not in the form it handles or does not
// decode; the caller then uses json.Unmarshal.
func decodeRecord(line []byte, rec *Record) bool {
	if len(line) < 2 || line[0] != '{' {
		return false
	}
	i, next := 1, 0
	for {
		if line[i] != '"' {
			return false
		}
		end := i + 1
		for end < len(line) && line[end] != '"' && line[end] != '\\' {
			end++
		}
		if end+1 >= len(line) || line[end] != '"' || line[end+1] != ':' {
			return false
		}
		key := string(line[i+1 : end])
		for next < len(recordFields) && recordFields[next] != key {
			next++
		}
		if next == len(recordFields) {
			return false // unknown, repeated or out of order
		}
		i = end + 2
		end = skipValue(line, i)
		if end < 0 || !rec.set(next, line[i:end:end]) {
			return false
		}
		next++
		i = end
		switch {
		case i < len(line) && line[i] == ',':
			i++
		case i < len(line) && line[i] == '}':
			return onlySpace(line[i+1:])
		default:
			return false
		}
		if i >= len(line) {
			return false
		}
	}
}

// set decodes the value v of field f (an index into recordFields).
func (rec *Record) set(f int, v []byte) bool {
	switch recordFields[f] {
	case "v":
		n, ok := smallInt(v)
		rec.V = n
		return ok
	case "at":
		return v[0] == '"' && rec.At.UnmarshalJSON(v) == nil
	case "agent":
		return setString(&rec.Agent, v)
	case "payload":
		rec.Payload = v
		return v[0] != 'n' // null decodes differently: leave it to encoding/json
	case "invalid":
		return setString(&rec.Invalid, v)
	case "verdict":
		rec.Verdict = v
		return v[0] != 'n'
	case "observed":
		return json.Unmarshal(v, &rec.Observed) == nil
	case "usage":
		return json.Unmarshal(v, &rec.Usage) == nil
	case "head":
		return json.Unmarshal(v, &rec.Head) == nil
	case "denial":
		return json.Unmarshal(v, &rec.Denial) == nil
	case "tools":
		return json.Unmarshal(v, &rec.Tools) == nil
	}
	return false
}

// smallInt parses a plain non-negative decimal of at most 9 digits.
func smallInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 || (v[0] == '0' && len(v) > 1) {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if !jsonlex.IsDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// setString sets *s to the JSON string v, by hand when it needs no
// unescaping (see plainString), else through encoding/json.
func setString(s *string, v []byte) bool {
	if str, end, ok := plainString(v, 0); ok && end == len(v) {
		*s = str
		return true
	}
	return v[0] == '"' && json.Unmarshal(v, s) == nil
}

func onlySpace(b []byte) bool { return skipSpace(b, 0) == len(b) }

// skipDepth is the deepest nesting skipValue follows; deeper values are
// left to encoding/json (whose own limit is 10000).
const skipDepth = 1000

// skipValue returns the index just past the JSON value starting at b[i]
// (no leading white space), validating it as encoding/json does, or -1.
func skipValue(b []byte, i int) int {
	var stack [skipDepth]byte // open brackets
	depth := 0
	for {
		// A value.
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '{' || c == '[':
			if depth == skipDepth {
				return -1
			}
			stack[depth] = c
			depth++
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == c+2 { // '}' or ']'
				depth--
				i++
				break
			}
			if c == '{' {
				if i = skipKey(b, i); i < 0 {
					return -1
				}
			}
			continue
		case c == '"':
			if i = skipString(b, i); i < 0 {
				return -1
			}
		case c == '-' || jsonlex.IsDigit(c):
			if i = jsonlex.NumberEnd(b, i); i < 0 {
				return -1
			}
		case jsonlex.HasLiteral(b, i, "true"):
			i += 4
		case jsonlex.HasLiteral(b, i, "false"):
			i += 5
		case jsonlex.HasLiteral(b, i, "null"):
			i += 4
		default:
			return -1
		}
		// After a value: close brackets, or a comma and the next one.
		for {
			if depth == 0 {
				return i
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			if b[i] == stack[depth-1]+2 {
				depth--
				i++
				continue
			}
			if b[i] != ',' {
				return -1
			}
			i = skipSpace(b, i+1)
			if stack[depth-1] == '{' {
				if i = skipKey(b, i); i < 0 {
					return -1
				}
			}
			break
		}
	}
}

// skipKey skips `"key" :` and the white space after it.
func skipKey(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = skipString(b, i); i < 0 {
		return -1
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return skipSpace(b, i+1)
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			n := jsonlex.EscapeLen(b, i)
			if n == 0 {
				return -1
			}
			i += n
		case c < 0x20:
			return -1
		default:
			i++
		}
	}
	return -1
}
