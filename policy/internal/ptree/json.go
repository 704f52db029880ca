package ptree

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// ParseJSON parses a policy file that is one JSON object, such as the
// canonical form a hook caches (encoding/json is about ten times faster than
// the YAML parser), adding problems (duplicate keys) to e. It returns false
// when src is not one well-formed JSON object; a caller that accepts YAML
// then parses it as YAML (JSON is YAML), which reports syntax errors with
// positions.
func ParseJSON(src []byte, e *Errs) (*Node, bool) {
	trimmed := bytes.TrimSpace(src)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	j := jsonReader{src: src, dec: dec, lines: lineStarts(src)}
	var local Errs
	n, ok := j.value(&local, 0)
	if !ok {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	e.List = append(e.List, local.List...)
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
func (j *jsonReader) next() (json.Token, Pos, bool) {
	off := int(j.dec.InputOffset())
	for off < len(j.src) && strings.IndexByte(" \t\r\n,:", j.src[off]) >= 0 {
		off++
	}
	tok, err := j.dec.Token()
	if err != nil {
		return nil, Pos{}, false
	}
	line := 0
	for line+1 < len(j.lines) && j.lines[line+1] <= off {
		line++
	}
	return tok, Pos{Line: line + 1, Col: off - j.lines[line] + 1}, true
}

func (j *jsonReader) value(e *Errs, depth int) (*Node, bool) {
	tok, p, ok := j.next()
	if !ok || depth > MaxDepth {
		return nil, false
	}
	return j.fromToken(tok, p, e, depth)
}

func (j *jsonReader) fromToken(tok json.Token, p Pos, e *Errs, depth int) (*Node, bool) {
	switch t := tok.(type) {
	case nil:
		return &Node{Kind: Null, Pos: p}, true
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &Node{Kind: Bool, Pos: p, Str: s}, true
	case string:
		return &Node{Kind: String, Pos: p, Str: t}, true
	case json.Number:
		if strings.ContainsAny(t.String(), "eE") && !strings.Contains(t.String(), ".") {
			// The YAML parser reads 1e3 as a string; so must this path.
			return &Node{Kind: String, Pos: p, Str: t.String()}, true
		}
		f, err := t.Float64()
		if err != nil {
			return nil, false
		}
		return &Node{Kind: Number, Pos: p, Num: f, Str: t.String(), IsInt: !strings.ContainsAny(t.String(), ".eE")}, true
	case json.Delim:
		switch t {
		case '[':
			n := &Node{Kind: Seq, Pos: p}
			for j.dec.More() {
				v, ok := j.value(e, depth+1)
				if !ok {
					return nil, false
				}
				n.Vals = append(n.Vals, v)
			}
			_, _, ok := j.next()
			return n, ok
		case '{':
			n := &Node{Kind: Map, Pos: p}
			seen := map[string]Pos{}
			for j.dec.More() {
				k, kp, ok := j.next()
				key, isStr := k.(string)
				if !ok || !isStr {
					return nil, false
				}
				if len(n.Keys) == 0 {
					n.Pos = kp
				}
				v, ok := j.value(e, depth+1)
				if !ok {
					return nil, false
				}
				if first, dup := seen[key]; dup {
					e.Add(kp, "key %q already set at line %d", key, first.Line)
					continue
				}
				seen[key] = kp
				n.Keys = append(n.Keys, &Node{Kind: String, Pos: kp, Str: key})
				n.Vals = append(n.Vals, v)
			}
			_, _, ok := j.next()
			return n, ok
		}
	}
	return nil, false
}
