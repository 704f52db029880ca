package scope

import (
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// ecmaTypes are the definition node types JavaScript and TypeScript share.
var ecmaTypes = []string{
	"function_declaration", "generator_function_declaration",
	"function_expression", "generator_function", "arrow_function",
	"class_declaration", "class", "method_definition",
}

// typeScriptTypes adds the declarations only TypeScript has.
var typeScriptTypes = append(ecmaTypes[:len(ecmaTypes):len(ecmaTypes)],
	"abstract_class_declaration", "interface_declaration", "type_alias_declaration",
	"enum_declaration", "internal_module", "module")

var (
	javaScriptGrammar = &grammar{lang: javascript.GetLanguage, types: ecmaTypes, describe: describeECMA}
	typeScriptGrammar = &grammar{lang: typescript.GetLanguage, types: typeScriptTypes, describe: describeECMA}
	tsxGrammar        = &grammar{lang: tsx.GetLanguage, types: typeScriptTypes, describe: describeECMA}
)

var ecmaKinds = map[string]string{
	"function_declaration":           KindFunction,
	"generator_function_declaration": KindFunction,
	"class_declaration":              KindClass,
	"abstract_class_declaration":     KindClass,
	"interface_declaration":          KindInterface,
	"type_alias_declaration":         KindType,
	"enum_declaration":               KindEnum,
	"internal_module":                KindNamespace,
	"module":                         KindModule,
}

// describeECMA names a JavaScript or TypeScript definition; the package
// doc lists the rules. Names are joined with ".".
func describeECMA(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	switch t := n.Type(); t {
	case "method_definition":
		return ecmaMethod(n, fieldText(n, "name", src), src, outer)
	case "function_expression", "generator_function", "arrow_function", "class":
		return ecmaExpression(n, src, outer)
	case "module":
		name := strings.Trim(fieldText(n, "name", src), `"'`)
		return def{kind: KindModule, name: qualify(outer, ".", name), from: ecmaStatement(n)}, name != ""
	default:
		name := fieldText(n, "name", src)
		return def{kind: ecmaKinds[t], name: qualify(outer, ".", name), from: ecmaStatement(n)}, name != ""
	}
}

// ecmaMethod names a method of a class or an object literal, declared by
// member n (a method definition, a key: value pair or a field). A method of
// an object literal bound to a variable is qualified by the variable:
// "const api = { get() {} }" gives "api.get".
func ecmaMethod(n *sitter.Node, name string, src []byte, outer *frame) (def, bool) {
	if name == "" {
		return def{}, false
	}
	d := def{kind: KindMethod, from: n}
	if name == "constructor" && outer.Kind == KindClass {
		d.kind = KindConstructor
	}
	if p := n.Parent(); p != nil && p.Type() == "object" {
		if obj, _ := ecmaBinding(p, src); obj != "" {
			name = obj + "." + name
		}
	}
	d.name = qualify(outer, ".", name)
	return d, true
}

// ecmaExpression names a function or class expression by what it is bound
// to: a variable, an object key, a class field, an assignment target
// ("module.exports.run", "Foo.prototype.bar") or "export default". An
// unbound one keeps its own name if it has one; an anonymous callback is
// not a scope.
func ecmaExpression(n *sitter.Node, src []byte, outer *frame) (def, bool) {
	kind := KindFunction
	if n.Type() == "class" {
		kind = KindClass
	}
	p := n.Parent()
	if p == nil {
		return def{}, false
	}
	switch p.Type() {
	case "pair":
		if kind == KindFunction && fieldIs(p, "value", n) {
			return ecmaMethod(p, fieldText(p, "key", src), src, outer)
		}
	case "public_field_definition", "field_definition":
		if kind == KindFunction && fieldIs(p, "value", n) {
			name := fieldText(p, "name", src)
			if name == "" {
				name = fieldText(p, "property", src)
			}
			return ecmaMethod(p, name, src, outer)
		}
	}
	name, from := ecmaBinding(n, src)
	if name == "" {
		name = fieldText(n, "name", src)
	}
	if from == nil {
		from = n
	}
	return def{kind: kind, name: qualify(outer, ".", name), from: from}, name != ""
}

// ecmaBinding returns the name an expression is bound to and the node
// where that binding's statement starts, or "" if it is not bound.
func ecmaBinding(n *sitter.Node, src []byte) (string, *sitter.Node) {
	p := n.Parent()
	if p == nil {
		return "", nil
	}
	switch p.Type() {
	case "variable_declarator":
		if fieldIs(p, "value", n) {
			if id := p.ChildByFieldName("name"); id != nil && id.Type() == "identifier" {
				return text(id, src), ecmaStatement(p)
			}
		}
	case "assignment_expression":
		if fieldIs(p, "right", n) {
			return fieldText(p, "left", src), ecmaStatement(p)
		}
	case "export_statement":
		return "default", p
	}
	return "", nil
}

// ecmaStatement returns the outermost node of the statement that declares
// n alone: its lexical declaration, expression statement or export
// statement (whose decorators come first). It returns n itself otherwise.
func ecmaStatement(n *sitter.Node) *sitter.Node {
	for {
		p := n.Parent()
		if p == nil {
			return n
		}
		switch p.Type() {
		case "lexical_declaration", "variable_declaration":
			if p.NamedChildCount() != 1 {
				return n
			}
		case "expression_statement", "export_statement", "ambient_declaration":
		default:
			return n
		}
		n = p
	}
}

// fieldIs reports whether c is p's child in field.
func fieldIs(p *sitter.Node, field string, c *sitter.Node) bool {
	f := p.ChildByFieldName(field)
	return f != nil && f.Equal(c)
}
