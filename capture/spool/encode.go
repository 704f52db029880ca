package spool

import (
	"encoding/json"
	"github.com/tracevault/tracevault/capture/internal/jsonlex"
	"strconv"

	"github.com/tracevault/tracevault/capture"
)

// Records are encoded by hand, byte for byte as encoding/json encodes them
// (TestEncodeRecordMatchesJSON checks it): encoding/json builds its encoders
// by reflection on first use of each type, which costs a hook process, that
// encodes one record and exits, more than the encoding itself. Rare fields
// (usage, denial, verdict, tools, head) still go through encoding/json.

// encodeRecord returns the JSON encoding of rec, as json.Marshal would.
func encodeRecord(rec *Record) ([]byte, error) {
	b := make([]byte, 0, len(rec.Payload)+len(rec.Invalid)+256+512*len(rec.Observed))
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(rec.V), 10)
	b = append(b, `,"at":`...)
	t, err := rec.At.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, t...)
	b = append(b, `,"agent":`...)
	b = jsonlex.AppendString(b, rec.Agent)
	b = append(b, `,"payload":`...)
	if rec.Payload == nil {
		b = append(b, "null"...)
	} else if b, err = appendCompact(b, rec.Payload); err != nil {
		return nil, err
	}
	if rec.Invalid != "" {
		b = append(b, `,"invalid":`...)
		b = jsonlex.AppendString(b, rec.Invalid)
	}
	if len(rec.Observed) > 0 {
		b = append(b, `,"observed":[`...)
		for i := range rec.Observed {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendFileEdit(b, &rec.Observed[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(rec.Usage) > 0 {
		if b, err = appendField(b, "usage", rec.Usage); err != nil {
			return nil, err
		}
	}
	if rec.Head != nil {
		if b, err = appendField(b, "head", rec.Head); err != nil {
			return nil, err
		}
	}
	if rec.Denial != nil {
		if b, err = appendField(b, "denial", rec.Denial); err != nil {
			return nil, err
		}
	}
	if len(rec.Verdict) > 0 {
		b = append(b, `,"verdict":`...)
		if b, err = appendCompact(b, rec.Verdict); err != nil {
			return nil, err
		}
	}
	if len(rec.Tools) > 0 {
		if b, err = appendField(b, "tools", rec.Tools); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendField appends ,"name":<v encoded by encoding/json>.
func appendField(b []byte, name string, v any) ([]byte, error) {
	enc, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	return append(b, enc...), nil
}

func appendFileEdit(b []byte, e *capture.FileEdit) ([]byte, error) {
	b = append(b, '{')
	if e.ToolUseID != "" {
		b = append(b, `"tool_use_id":`...)
		b = jsonlex.AppendString(b, e.ToolUseID)
		b = append(b, ',')
	}
	if e.Tool != "" {
		b = append(b, `"tool":`...)
		b = jsonlex.AppendString(b, e.Tool)
		b = append(b, ',')
	}
	b = append(b, `"time":`...)
	t, err := e.Time.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b = append(b, t...)
	b = append(b, `,"path":`...)
	b = jsonlex.AppendString(b, e.Path)
	if e.OldPath != "" {
		b = append(b, `,"old_path":`...)
		b = jsonlex.AppendString(b, e.OldPath)
	}
	b = append(b, `,"op":`...)
	b = jsonlex.AppendString(b, e.Op)
	for _, f := range [...]struct{ name, v string }{{"before", e.Before}, {"after", e.After}, {"diff", e.Diff}} {
		if f.v != "" {
			b = append(b, `,"`...)
			b = append(b, f.name...)
			b = append(b, `":`...)
			b = jsonlex.AppendString(b, f.v)
		}
	}
	b = append(b, `,"added":`...)
	b = strconv.AppendInt(b, int64(e.Added), 10)
	b = append(b, `,"removed":`...)
	b = strconv.AppendInt(b, int64(e.Removed), 10)
	if e.Human {
		b = append(b, `,"human":true`...)
	}
	if e.AgentID != "" {
		b = append(b, `,"agent_id":`...)
		b = jsonlex.AppendString(b, e.AgentID)
	}
	if e.Model != "" {
		b = append(b, `,"model":`...)
		b = jsonlex.AppendString(b, e.Model)
	}
	return append(b, '}'), nil
}

// appendCompact appends the JSON text src with insignificant white space
// removed and < > & U+2028 U+2029 escaped, as encoding/json does with a
// json.RawMessage. It returns an error, and dst unchanged, when src is not
// one valid JSON value.
func appendCompact(dst, src []byte) ([]byte, error) {
	c := compactor{src: src, dst: dst}
	w := jsonlex.Walker{Src: src, Str: c.walkStr, Emit: func(b []byte) { c.dst = append(c.dst, b...) }}
	w.Space()
	ok := w.Value(0)
	w.Space()
	if c.i = w.I; !ok || w.I != len(src) {
		return dst, c.err()
	}
	return c.dst, nil
}

// compactor copies what jsonlex.Walker accepts, strings through str.
type compactor struct {
	src []byte
	dst []byte
	i   int
}

// walkStr is the Walker's Str: it copies the string at w.I.
func (c *compactor) walkStr(w *jsonlex.Walker) bool {
	c.i = w.I
	ok := c.str()
	w.I = c.i
	return ok
}

func (c *compactor) err() error {
	// Let encoding/json word the error, so it reads as it always did.
	err := json.Unmarshal(c.src, new(json.RawMessage))
	if err == nil {
		err = &json.SyntaxError{Offset: int64(c.i)}
	}
	return err
}

// strStop marks the bytes that end the common run inside a string: control
// bytes, the quote, the backslash, < > & and the lead byte of U+2028 U+2029.
var strStop = [256]bool{
	0x00: true, 0x01: true, 0x02: true, 0x03: true, 0x04: true, 0x05: true, 0x06: true, 0x07: true,
	0x08: true, 0x09: true, 0x0A: true, 0x0B: true, 0x0C: true, 0x0D: true, 0x0E: true, 0x0F: true,
	0x10: true, 0x11: true, 0x12: true, 0x13: true, 0x14: true, 0x15: true, 0x16: true, 0x17: true,
	0x18: true, 0x19: true, 0x1A: true, 0x1B: true, 0x1C: true, 0x1D: true, 0x1E: true, 0x1F: true,
	'"': true, '\\': true, '<': true, '>': true, '&': true, 0xE2: true,
}

// str copies the string at c.i, escaping < > & U+2028 U+2029; the bytes
// are otherwise kept as they are (encoding/json does not check UTF-8 here).
func (c *compactor) str() bool {
	s := c.src
	i := c.i + 1
	start := c.i
	for {
		// The common bytes, in a tight loop: one table load each.
		for i < len(s) && !strStop[s[i]] {
			i++
		}
		if i >= len(s) {
			return false
		}
		switch ch := s[i]; {
		case ch == '"':
			c.dst = append(c.dst, s[start:i+1]...)
			c.i = i + 1
			return true
		case ch < 0x20:
			return false
		case ch == '\\':
			n := jsonlex.EscapeLen(s, i)
			if n == 0 {
				return false
			}
			i += n
		case ch == 0xE2:
			if i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8 {
				c.dst = append(c.dst, s[start:i]...)
				c.dst = append(c.dst, '\\', 'u', '2', '0', '2', jsonlex.HexDigits[s[i+2]&0xF])
				i += 3
				start = i
			} else {
				i++
			}
		default: // < > &
			c.dst = append(c.dst, s[start:i]...)
			c.dst = append(c.dst, '\\', 'u', '0', '0', jsonlex.HexDigits[ch>>4], jsonlex.HexDigits[ch&0xF])
			i++
			start = i
		}
	}
}
