package scope

import (
	"strconv"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/golang"
)

var goGrammar = &grammar{
	lang:     golang.GetLanguage,
	types:    []string{"function_declaration", "method_declaration", "type_spec", "type_alias", "func_literal"},
	describe: describeGo,
}

func describeGo(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	switch n.Type() {
	case "function_declaration":
		return def{kind: KindFunction, name: qualify(outer, ".", fieldText(n, "name", src))}, true
	case "method_declaration":
		name := fieldText(n, "name", src)
		return def{kind: KindMethod, name: goReceiver(n, src) + "." + name}, name != ""
	case "type_spec", "type_alias":
		return describeGoType(n, src, outer), true
	case "func_literal":
		return describeGoFuncLit(n, src, outer), true
	}
	return def{}, false
}

// goReceiver renders a method's receiver type as the runtime does:
// "(*Server)" for a pointer receiver, "Server" for a value receiver,
// "(*Set[...])" for a generic type.
func goReceiver(n *sitter.Node, src []byte) string {
	recv := n.ChildByFieldName("receiver")
	if recv == nil || recv.NamedChildCount() == 0 {
		return "?"
	}
	t := recv.NamedChild(0).ChildByFieldName("type")
	if t == nil {
		return "?"
	}
	ptr := false
	for t.Type() == "pointer_type" || t.Type() == "parenthesized_type" {
		ptr = ptr || t.Type() == "pointer_type"
		if t.NamedChildCount() == 0 {
			return "?"
		}
		t = t.NamedChild(0)
	}
	name := text(t, src)
	if t.Type() == "generic_type" {
		name = fieldText(t, "type", src) + "[...]"
	}
	if ptr {
		return "(*" + name + ")"
	}
	return name
}

// describeGoType names one type_spec; a declaration of a single type
// starts at its "type" keyword.
func describeGoType(n *sitter.Node, src []byte, outer *frame) def {
	d := def{kind: KindType, name: qualify(outer, ".", fieldText(n, "name", src))}
	if t := n.ChildByFieldName("type"); t != nil {
		switch t.Type() {
		case "struct_type":
			d.kind = KindStruct
		case "interface_type":
			d.kind = KindInterface
		}
	}
	if p := n.Parent(); p != nil && p.Type() == "type_declaration" && p.NamedChildCount() == 1 {
		d.from = p
	}
	return d
}

// describeGoFuncLit names a func literal. One that initialises a
// package-level variable is a function named after the variable; any other
// is a closure named as the Go runtime names it: F.func1, F.func1.1,
// (*T).M.func2, glob..func1.
func describeGoFuncLit(n *sitter.Node, src []byte, outer *frame) def {
	if outer.Name == "" {
		if name, decl := goVarName(n, src); name != "" {
			return def{kind: KindFunction, name: name, from: decl}
		}
	}
	outer.closures++
	num := strconv.Itoa(outer.closures)
	switch {
	case outer.Name == "":
		return def{kind: KindClosure, name: "glob..func" + num}
	case outer.Kind == KindClosure:
		return def{kind: KindClosure, name: outer.Name + "." + num}
	}
	return def{kind: KindClosure, name: outer.Name + ".func" + num}
}

// goVarName returns the variable a func literal initialises in a var
// spec ("var h = func() {...}"), and the node where that declaration
// starts, or "" if n is not such an initialiser.
func goVarName(n *sitter.Node, src []byte) (string, *sitter.Node) {
	list := n.Parent()
	if list == nil || list.Type() != "expression_list" {
		return "", nil
	}
	spec := list.Parent()
	if spec == nil || spec.Type() != "var_spec" {
		return "", nil
	}
	idx := namedIndex(list, n)
	names := 0
	for i := 0; i < int(spec.NamedChildCount()); i++ {
		c := spec.NamedChild(i)
		if c.Type() != "identifier" || spec.FieldNameForChild(childIndex(spec, c)) != "name" {
			continue
		}
		if names == idx {
			from := spec
			if p := spec.Parent(); p != nil && p.Type() == "var_declaration" {
				from = p
			}
			return text(c, src), from
		}
		names++
	}
	return "", nil
}
