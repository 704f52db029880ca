package spool

import (
	"encoding/json"
	"slices"
	"unicode/utf8"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// Small string maps (the hook's agent-after notes) are kept as JSON
// objects. These functions do what json.Marshal and json.Unmarshal do with
// a map[string]string, without the reflection setup that costs a hook
// process more than the work (TestStringMapMatchesJSON, FuzzStringMap).

// MarshalStringMap returns json.Marshal(m).
func MarshalStringMap(m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	n := 2
	for k, v := range m {
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	slices.Sort(keys) // json.Marshal sorts map keys by their bytes
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonlex.AppendString(b, k)
		b = append(b, ':')
		b = jsonlex.AppendString(b, m[k])
	}
	return append(b, '}')
}

// UnmarshalStringMap decodes the JSON object data into the empty map m as
// json.Unmarshal(data, &m) does, ignoring its error as callers that read a
// best-effort cache do: from a document it cannot decode, m gets what
// json.Unmarshal puts there.
func UnmarshalStringMap(data []byte, m map[string]string) {
	if !unmarshalPlainStringMap(data, m) {
		clear(m)
		_ = json.Unmarshal(data, &m)
	}
}

// unmarshalPlainStringMap decodes the plain shape, an object of strings
// with neither escapes nor invalid UTF-8, and reports false for anything
// else (having maybe added some members).
func unmarshalPlainStringMap(data []byte, m map[string]string) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		k, j, ok := plainString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, j)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		v, j, ok := plainString(data, skipSpace(data, i+1))
		if !ok {
			return false
		}
		m[k] = v
		i = skipSpace(data, j)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// plainString reads the string at b[i] when it has no escape, no control
// byte and valid UTF-8, returning it and the offset after it.
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			s := b[i+1 : j]
			if !ascii && !utf8.Valid(s) {
				return "", 0, false
			}
			return string(s), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}
