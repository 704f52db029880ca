package scope

import (
	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/python"
)

var pythonGrammar = &grammar{
	lang:     python.GetLanguage,
	types:    []string{"function_definition", "class_definition"},
	describe: describePython,
}

// describePython names a def, async def or class by its __qualname__:
// "Foo.bar" for a method, "outer.<locals>.inner" for a function defined
// in a function. A decorated definition starts at its first decorator.
func describePython(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	d := def{kind: KindClass}
	if n.Type() == "function_definition" {
		d.kind = KindFunction
		if outer.Kind == KindClass {
			d.kind = KindMethod
		}
	}
	name := fieldText(n, "name", src)
	switch outer.Kind {
	case "":
		d.name = name
	case KindClass:
		d.name = outer.Name + "." + name
	default:
		d.name = outer.Name + ".<locals>." + name
	}
	if p := n.Parent(); p != nil && p.Type() == "decorated_definition" {
		d.from = p
	}
	return d, name != ""
}
