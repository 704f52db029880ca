package policy

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// parseJSON is the fast path for policy files that are JSON objects, such as
// the canonical form a hook caches: encoding/json is about ten times faster
// than the YAML parser. It returns false when src is not one well-formed
// JSON object, and the caller then parses it as YAML (JSON is YAML), which
// reports syntax errors with positions.
func parseJSON(src []byte, e *errs) (*node, bool) {
	trimmed := bytes.TrimSpace(src)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	j := jsonReader{src: src, dec: dec, lines: lineStarts(src)}
	var local errs
	n, ok := j.value(&local, 0)
	if !ok {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	e.list = append(e.list, local.list...)
	return n, true
}

type jsonReader struct {
	src   []byte
	dec   *json.Decoder
	lines []int
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// next returns the next token and where it starts.
func (j *jsonReader) next() (json.Token, pos, bool) {
	off := int(j.dec.InputOffset())
	for off < len(j.src) && strings.IndexByte(" \t\r\n,:", j.src[off]) >= 0 {
		off++
	}
	tok, err := j.dec.Token()
	if err != nil {
		return nil, pos{}, false
	}
	line := 0
	for line+1 < len(j.lines) && j.lines[line+1] <= off {
		line++
	}
	return tok, pos{line + 1, off - j.lines[line] + 1}, true
}

func (j *jsonReader) value(e *errs, depth int) (*node, bool) {
	tok, p, ok := j.next()
	if !ok || depth > maxDepth {
		return nil, false
	}
	return j.fromToken(tok, p, e, depth)
}

func (j *jsonReader) fromToken(tok json.Token, p pos, e *errs, depth int) (*node, bool) {
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull, pos: p}, true
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &node{kind: kindBool, pos: p, str: s}, true
	case string:
		return &node{kind: kindString, pos: p, str: t}, true
	case json.Number:
		if strings.ContainsAny(t.String(), "eE") && !strings.Contains(t.String(), ".") {
			// The YAML parser reads 1e3 as a string; so must this path.
			return &node{kind: kindString, pos: p, str: t.String()}, true
		}
		f, err := t.Float64()
		if err != nil {
			return nil, false
		}
		return &node{kind: kindNumber, pos: p, num: f, str: t.String(), isInt: !strings.ContainsAny(t.String(), ".eE")}, true
	case json.Delim:
		switch t {
		case '[':
			n := &node{kind: kindSeq, pos: p}
			for j.dec.More() {
				v, ok := j.value(e, depth+1)
				if !ok {
					return nil, false
				}
				n.vals = append(n.vals, v)
			}
			_, _, ok := j.next()
			return n, ok
		case '{':
			n := &node{kind: kindMap, pos: p}
			seen := map[string]pos{}
			for j.dec.More() {
				k, kp, ok := j.next()
				key, isStr := k.(string)
				if !ok || !isStr {
					return nil, false
				}
				if len(n.keys) == 0 {
					n.pos = kp
				}
				v, ok := j.value(e, depth+1)
				if !ok {
					return nil, false
				}
				if first, dup := seen[key]; dup {
					e.add(kp, "key %q already set at line %d", key, first.line)
					continue
				}
				seen[key] = kp
				n.keys = append(n.keys, &node{kind: kindString, pos: kp, str: key})
				n.vals = append(n.vals, v)
			}
			_, _, ok := j.next()
			return n, ok
		}
	}
	return nil, false
}
