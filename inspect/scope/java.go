package scope

import (
	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/java"
)

var javaKinds = map[string]string{
	"class_declaration":               KindClass,
	"interface_declaration":           KindInterface,
	"enum_declaration":                KindEnum,
	"record_declaration":              KindRecord,
	"annotation_type_declaration":     KindAnnotation,
	"method_declaration":              KindMethod,
	"constructor_declaration":         KindConstructor,
	"compact_constructor_declaration": KindConstructor,
}

var javaGrammar = &grammar{
	lang:     java.GetLanguage,
	types:    keys(javaKinds),
	describe: describeJava,
}

// describeJava names a type or member by its dotted path from the
// outermost type: "Outer.Inner.method", "Outer.Outer" for a constructor.
// Annotations are part of a declaration's modifiers, so its range starts
// at the first annotation. Lambdas and anonymous classes are not scopes,
// nor is a method without a body (abstract, in an interface, native): like
// a Go interface method or a Rust fn signature, it is a line of its type.
func describeJava(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	if n.Type() == "method_declaration" && n.ChildByFieldName("body") == nil {
		return def{}, false
	}
	name := fieldText(n, "name", src)
	return def{kind: javaKinds[n.Type()], name: qualify(outer, ".", name)}, name != ""
}
