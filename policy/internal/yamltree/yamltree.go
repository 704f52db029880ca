// Package yamltree is the YAML front end of the policy compiler: it parses a
// policy file into a [ptree.Node] with github.com/goccy/go-yaml, rejecting
// YAML features a policy file has no use for. It is apart from package
// policy so that binaries that compile only JSON policies (the agent hook)
// do not link a YAML parser.
package yamltree

import (
	"errors"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/tracevault/tracevault/policy/internal/ptree"
)

// Parse parses src into a node tree, adding problems to e. An empty
// document gives nil.
func Parse(src []byte, e *ptree.Errs) *ptree.Node {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		var se *yaml.SyntaxError
		if errors.As(err, &se) && se.Token != nil {
			p := ptree.Pos{Line: se.Token.Position.Line, Col: se.Token.Position.Column}
			msg := "YAML syntax: " + se.Message
			if line := srcLine(src, p.Line); strings.Contains(line, "*") {
				msg += " (a value that starts with '*' must be quoted, as in \"**/auth/**\")"
			}
			e.Add(p, "%s", msg)
		} else {
			e.Add(ptree.Pos{Line: 1, Col: 1}, "YAML syntax: %v", err)
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
		e.Add(posOf(docs[1].Body), "a policy file holds one YAML document")
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

func posOf(n ast.Node) ptree.Pos {
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return ptree.Pos{}
	}
	return ptree.Pos{Line: tk.Position.Line, Col: tk.Position.Column}
}

// convert turns an AST node into a node, rejecting YAML features a policy
// file has no use for (anchors, aliases, tags, merge keys, complex keys).
func convert(n ast.Node, e *ptree.Errs, depth int) *ptree.Node {
	if depth > ptree.MaxDepth {
		e.Add(posOf(n), "nesting too deep")
		return nil
	}
	p := posOf(n)
	switch v := n.(type) {
	case *ast.NullNode:
		return &ptree.Node{Kind: ptree.Null, Pos: p}
	case *ast.StringNode:
		return &ptree.Node{Kind: ptree.String, Pos: p, Str: v.Value}
	case *ast.LiteralNode:
		return &ptree.Node{Kind: ptree.String, Pos: p, Str: v.Value.Value}
	case *ast.BoolNode:
		return &ptree.Node{Kind: ptree.Bool, Pos: p, Str: strconv.FormatBool(v.Value)}
	case *ast.IntegerNode:
		f, err := strconv.ParseFloat(strings.ReplaceAll(v.GetToken().Value, "_", ""), 64)
		if err != nil {
			f = toFloat(v.Value)
		}
		return &ptree.Node{Kind: ptree.Number, Pos: p, Num: f, IsInt: true, Str: v.GetToken().Value}
	case *ast.FloatNode:
		return &ptree.Node{Kind: ptree.Number, Pos: p, Num: v.Value, Str: v.GetToken().Value}
	case *ast.InfinityNode, *ast.NanNode:
		e.Add(p, "infinite and NaN numbers are not allowed")
		return nil
	case *ast.MappingValueNode:
		return convertMap(p, []*ast.MappingValueNode{v}, e, depth)
	case *ast.MappingNode:
		return convertMap(p, v.Values, e, depth)
	case *ast.SequenceNode:
		out := &ptree.Node{Kind: ptree.Seq, Pos: p}
		for _, item := range v.Values {
			if c := convert(item, e, depth+1); c != nil {
				out.Vals = append(out.Vals, c)
			}
		}
		return out
	case *ast.AnchorNode, *ast.AliasNode:
		e.Add(p, "YAML anchors and aliases are not supported in policy files")
	case *ast.TagNode:
		e.Add(p, "YAML tags (%s) are not supported in policy files", v.Start.Value)
	default:
		e.Add(p, "unsupported YAML value (%s)", n.Type())
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

func convertMap(p ptree.Pos, items []*ast.MappingValueNode, e *ptree.Errs, depth int) *ptree.Node {
	out := &ptree.Node{Kind: ptree.Map, Pos: p}
	seen := map[string]ptree.Pos{}
	for _, mv := range items {
		kp := posOf(mv.Key)
		if len(out.Keys) == 0 {
			out.Pos = kp
		}
		if mv.Key.IsMergeKey() {
			e.Add(kp, "YAML merge keys (<<) are not supported in policy files")
			continue
		}
		var key string
		switch k := mv.Key.(type) {
		case *ast.StringNode:
			key = k.Value
		default:
			e.Add(kp, "mapping keys must be plain strings")
			continue
		}
		if first, dup := seen[key]; dup {
			e.Add(kp, "key %q already set at line %d", key, first.Line)
			continue
		}
		seen[key] = kp
		val := &ptree.Node{Kind: ptree.Null, Pos: kp}
		if mv.Value != nil {
			val = convert(mv.Value, e, depth+1)
			if val == nil {
				continue
			}
		}
		out.Keys = append(out.Keys, &ptree.Node{Kind: ptree.String, Pos: kp, Str: key})
		out.Vals = append(out.Vals, val)
	}
	return out
}
