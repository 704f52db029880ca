package scope

import (
	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/rust"
)

var rustKinds = map[string]string{
	"function_item":    KindFunction,
	"impl_item":        KindImpl,
	"trait_item":       KindTrait,
	"struct_item":      KindStruct,
	"enum_item":        KindEnum,
	"union_item":       KindUnion,
	"mod_item":         KindModule,
	"macro_definition": KindMacro,
}

var rustGrammar = &grammar{
	lang:     rust.GetLanguage,
	types:    keys(rustKinds),
	describe: describeRust,
}

// describeRust names an item by its path, joined with "::". An impl block
// is named "Type" or, for a trait impl, "<Type as Trait>", as rustc
// prints it, so a method in it is "<Point as fmt::Display>::fmt". A fn in
// an impl or trait is a method. The range starts at the first #[attribute]
// written before the item.
func describeRust(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	d := def{kind: rustKinds[n.Type()], from: rustAttributes(n)}
	var name string
	if n.Type() == "impl_item" {
		name = fieldText(n, "type", src)
		if trait := fieldText(n, "trait", src); trait != "" && name != "" {
			name = "<" + name + " as " + trait + ">"
		}
	} else {
		name = fieldText(n, "name", src)
	}
	if d.kind == KindFunction && (outer.Kind == KindImpl || outer.Kind == KindTrait) {
		d.kind = KindMethod
	}
	d.name = qualify(outer, "::", name)
	return d, name != ""
}

// rustAttributes returns the first of the attributes (and comments among
// them) directly before n, or nil if there are none.
func rustAttributes(n *sitter.Node) *sitter.Node {
	var first *sitter.Node
	for p := n.PrevSibling(); p != nil; p = p.PrevSibling() {
		switch p.Type() {
		case "attribute_item":
			first = p
		case "line_comment", "block_comment":
		default:
			return first
		}
	}
	return first
}
