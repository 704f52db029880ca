package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// node is a YAML value reduced to what a policy file may hold: mappings,
// sequences and plain scalars, each with its position.
type node struct {
	kind  nodeKind
	pos   pos
	str   string // scalars: the text (strings unquoted)
	num   float64
	isInt bool
	keys  []*node // mappings: keys (scalars), in order
	vals  []*node // mappings: values; sequences: items
}

type nodeKind int

const (
	kindNull nodeKind = iota
	kindString
	kindNumber
	kindBool
	kindMap
	kindSeq
)

func (k nodeKind) String() string {
	return [...]string{"null", "a string", "a number", "true or false", "a mapping", "a list"}[k]
}

// parseYAML parses src into a node tree. An empty document gives nil.
func parseYAML(src []byte, e *errs) *node {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			p := pos{se.Token.Position.Line, se.Token.Position.Column}
			msg := "YAML syntax: " + se.Message
			if line := srcLine(src, p.line); strings.Contains(line, "*") {
				msg += " (a value that starts with '*' must be quoted, as in \"**/auth/**\")"
			}
			e.add(p, "%s", msg)
		} else {
			e.add(pos{1, 1}, "YAML syntax: %v", err)
		}
		return nil
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d.Body != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if len(docs) > 1 {
		e.add(posOf(docs[1].Body), "a policy file holds one YAML document")
	}
	return convert(docs[0].Body, e, 0)
}

func srcLine(src []byte, n int) string {
	for i := 1; i < n; i++ {
		j := strings.IndexByte(string(src), '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := strings.IndexByte(string(src), '\n'); j >= 0 {
		src = src[:j]
	}
	return string(src)
}

func posOf(n ast.Node) pos {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return pos{}
	}
	return pos{tk.Position.Line, tk.Position.Column}
}

const maxDepth = 32

// convert turns an AST node into a node, rejecting YAML features a policy
// file has no use for (anchors, aliases, tags, merge keys, complex keys).
func convert(n ast.Node, e *errs, depth int) *node {
	if depth > maxDepth {
		e.add(posOf(n), "nesting too deep")
		return nil
	}
	p := posOf(n)
	switch v := n.(type) {
	case *ast.NullNode:
		return &node{kind: kindNull, pos: p}
	case *ast.StringNode:
		return &node{kind: kindString, pos: p, str: v.Value}
	case *ast.LiteralNode:
		return &node{kind: kindString, pos: p, str: v.Value.Value}
	case *ast.BoolNode:
		return &node{kind: kindBool, pos: p, str: strconv.FormatBool(v.Value)}
	case *ast.IntegerNode:
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.GetToken().Value, "_", ""), 64)
		if err != nil {
			f = toFloat(v.Value)
		}
		return &node{kind: kindNumber, pos: p, num: f, isInt: true, str: v.GetToken().Value}
	case *ast.FloatNode:
		return &node{kind: kindNumber, pos: p, num: v.Value, str: v.GetToken().Value}
	case *ast.InfinityNode, *ast.NanNode:
		e.add(p, "infinite and NaN numbers are not allowed")
		return nil
	case *ast.MappingValueNode:
		return convertMap(p, []*ast.MappingValueNode{v}, e, depth)
	case *ast.MappingNode:
		return convertMap(p, v.Values, e, depth)
	case *ast.SequenceNode:
		out := &node{kind: kindSeq, pos: p}
		for _, item := range v.Values {
			if c := convert(item, e, depth+1); c != nil {
				out.vals = append(out.vals, c)
			}
		}
		return out
	case *ast.AnchorNode, *ast.AliasNode:
		e.add(p, "YAML anchors and aliases are not supported in policy files")
	case *ast.TagNode:
		e.add(p, "YAML tags (%s) are not supported in policy files", v.Start.Value)
	default:
		e.add(p, "unsupported YAML value (%s)", n.Type())
	}
	return nil
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case int:
		return float64(x)
	}
	return 0
}

func convertMap(p pos, items []*ast.MappingValueNode, e *errs, depth int) *node {
	out := &node{kind: kindMap, pos: p}
	seen := map[string]pos{}
	for _, mv := range items {
		kp := posOf(mv.Key)
		if len(out.keys) == 0 {
			out.pos = kp
		}
		if mv.Key.IsMergeKey() {
			e.add(kp, "YAML merge keys (<<) are not supported in policy files")
			continue
		}
		var key string
		switch k := mv.Key.(type) {
		case *ast.StringNode:
			key = k.Value
		default:
			e.add(kp, "mapping keys must be plain strings")
			continue
		}
		if first, dup := seen[key]; dup {
			e.add(kp, "key %q already set at line %d", key, first.line)
			continue
		}
		seen[key] = kp
		val := &node{kind: kindNull, pos: kp}
		if mv.Value != nil {
			val = convert(mv.Value, e, depth+1)
			if val == nil {
				continue
			}
		}
		out.keys = append(out.keys, &node{kind: kindString, pos: kp, str: key})
		out.vals = append(out.vals, val)
	}
	return out
}

// get returns the value of key in a mapping, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k.str == key {
			return n.vals[i]
		}
	}
	return nil
}

// checkKeys reports keys of mapping n that are not in allowed, suggesting
// the closest allowed key.
func checkKeys(n *node, where string, allowed []string, e *errs) {
	for _, k := range n.keys {
		ok := false
		for _, a := range allowed {
			if k.str == a {
				ok = true
				break
			}
		}
		if ok {
			continue
		}
		msg := fmt.Sprintf("unknown key %q in %s", k.str, where)
		if s := closest(k.str, allowed); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += fmt.Sprintf(" (known keys: %s)", strings.Join(allowed, ", "))
		}
		e.add(k.pos, "%s", msg)
	}
}

// closest returns the candidate within edit distance 2 of s, if any.
func closest(s string, cands []string) string {
	best, bestD := "", 3
	for _, c := range cands {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
