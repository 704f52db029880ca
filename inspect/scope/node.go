package scope

import (
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// namedIndex returns the position of c among p's named children.
func namedIndex(p, c *sitter.Node) int {
	for i := 0; i < int(p.NamedChildCount()); i++ {
		if p.NamedChild(i).Equal(c) {
			return i
		}
	}
	return -1
}

// childIndex returns the position of c among all of p's children.
func childIndex(p, c *sitter.Node) int {
	for i := 0; i < int(p.ChildCount()); i++ {
		if p.Child(i).Equal(c) {
			return i
		}
	}
	return -1
}

// fieldText returns the text of n's child in field, or "".
func fieldText(n *sitter.Node, field string, src []byte) string {
	c := n.ChildByFieldName(field)
	if c == nil {
		return ""
	}
	return text(c, src)
}

// text returns n's source text with runs of whitespace collapsed to one
// space, so a name split over lines still prints on one.
// Names longer than maxName bytes are cut at a rune boundary.
func text(n *sitter.Node, src []byte) string {
	s, e := n.StartByte(), n.EndByte()
	if e > uint32(len(src)) || s > e {
		return ""
	}
	b, cut := src[s:e], false
	if len(b) > 4*maxName {
		b, cut = b[:4*maxName], true // enough to fill maxName after collapsing
	}
	name := strings.Join(strings.Fields(string(b)), " ")
	if len(name) > maxName {
		name, cut = name[:maxName], true
	}
	if cut {
		name = strings.ToValidUTF8(name, "") + "…" // drop a rune cut in half
	}
	return name
}

// qualify prefixes name with the name of the enclosing definition.
func qualify(outer *frame, sep, name string) string {
	if outer.Name == "" || name == "" {
		return name
	}
	return outer.Name + sep + name
}
