package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// object is a JSON object that keeps its members in document order, so a
// settings file can be decoded, changed and re-encoded without reordering the
// user's keys. Values inside are *object, []any, string, json.Number, bool or
// nil.
type object struct {
	members []member
}

type member struct {
	key string
	val any
}

// get returns the value of the first member named key.
func (o *object) get(key string) (any, bool) {
	for _, m := range o.members {
		if m.key == key {
			return m.val, true
		}
	}
	return nil, false
}

// set replaces the value of the first member named key, or appends a member.
func (o *object) set(key string, val any) {
	for i, m := range o.members {
		if m.key == key {
			o.members[i].val = val
			return
		}
	}
	o.members = append(o.members, member{key, val})
}

// del removes every member named key.
func (o *object) del(key string) {
	kept := o.members[:0]
	for _, m := range o.members {
		if m.key != key {
			kept = append(kept, m)
		}
	}
	o.members = kept
}

// setIfDifferent sets key to val unless it already holds an equal value, and
// reports whether it changed anything.
func (o *object) setIfDifferent(key string, val any) bool {
	if old, ok := o.get(key); ok && jsonEqual(old, val) {
		return false
	}
	o.set(key, val)
	return true
}

// JSONError reports malformed JSON in a settings file, with the position of
// the problem.
type JSONError struct {
	File   string
	Line   int // 1-based
	Column int // 1-based, in bytes
	Err    error
}

func (e *JSONError) Error() string {
	return fmt.Sprintf("malformed JSON in %s at line %d, column %d: %v", e.File, e.Line, e.Column, e.Err)
}

func (e *JSONError) Unwrap() error { return e.Err }

// decodeObject parses data as a JSON object, keeping member order. A file that
// holds only white space decodes as an empty object.
func decodeObject(file string, data []byte) (*object, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return &object{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error {
		off := dec.InputOffset()
		// The token reader's offsets can lag; a plain Unmarshal pinpoints
		// the same syntax error exactly.
		var se *json.SyntaxError
		var probe any
		if uerr := json.Unmarshal(data, &probe); errors.As(uerr, &se) {
			off, err = se.Offset-1, se // Offset counts the offending byte
		} else if errors.As(err, &se) {
			off = se.Offset - 1
		}
		off = max(off, 0)
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
			off = int64(len(data))
		}
		line, col := position(data, off)
		return &JSONError{File: file, Line: line, Column: col, Err: err}
	}
	v, err := decodeValue(dec)
	if err != nil {
		return nil, fail(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err == nil {
			err = errors.New("unexpected data after the top-level value")
		}
		return nil, fail(err)
	}
	o, ok := v.(*object)
	if !ok {
		return nil, &JSONError{File: file, Line: 1, Column: 1, Err: errors.New("top-level value is not an object")}
	}
	return o, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	switch d {
	case '{':
		o := &object{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			o.members = append(o.members, member{kt.(string), v})
		}
		_, err := dec.Token()
		return o, err
	case '[':
		arr := []any{}
		for dec.More() {
			v, err := decodeValue(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return nil, fmt.Errorf("unexpected %v", d)
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// encodeJSON writes v with two-space indentation, the way Claude Code, Codex
// and Gemini CLI write their own settings, followed by a newline.
func encodeJSON(v any) []byte {
	var b bytes.Buffer
	writeValue(&b, v, "")
	b.WriteByte('\n')
	return b.Bytes()
}

func writeValue(b *bytes.Buffer, v any, indent string) {
	inner := indent + "  "
	switch v := v.(type) {
	case *object:
		if len(v.members) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, m := range v.members {
			b.WriteString(inner)
			b.WriteString(quoteJSON(m.key))
			b.WriteString(": ")
			writeValue(b, m.val, inner)
			if i < len(v.members)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, e := range v {
			b.WriteString(inner)
			writeValue(b, e, inner)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	case string:
		b.WriteString(quoteJSON(v))
	case json.Number:
		b.WriteString(v.String())
	case int:
		fmt.Fprintf(b, "%d", v)
	case bool:
		fmt.Fprintf(b, "%t", v)
	case nil:
		b.WriteString("null")
	default:
		panic(fmt.Sprintf("install: unexpected JSON value %T", v))
	}
}

// quoteJSON quotes s as a JSON string without HTML escaping.
func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic("install: encoding a string: " + err.Error())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonEqual reports whether a and b encode identically.
func jsonEqual(a, b any) bool {
	return bytes.Equal(encodeJSON(a), encodeJSON(b))
}
