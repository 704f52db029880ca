// Package scope finds, for each line of a source file, the definitions
// that enclose it (function, method, class, ...), so that blame can say
// which function an AI-written line belongs to.
//
// [Lines] parses a file with tree-sitter (github.com/smacker/go-tree-sitter)
// for Go, Python, TypeScript, TSX, JavaScript, Rust and Java, chosen by
// [LanguageFor] from the file extension. Every other file, and any file
// over [MaxSize], is cut into [Fallback] blocks of lines instead. Syntax
// errors are tolerated: tree-sitter recovers, and whatever definitions it
// still recognises are reported. [Label] renders the innermost scope of a
// line as "<kind> <name>", e.g. "method (*Server).Handle".
//
// A scope's lines run from its signature (or the first decorator,
// annotation, attribute or export keyword in front of it) to its closing
// brace or last line. Nested scopes override their parents on the lines
// they cover. Comments before a definition belong to no scope.
//
// # Names and kinds, per language
//
// Names are qualified by the enclosing definitions, in the notation the
// language's own tools print.
//
// Go: function "Run"; method "(*Server).Handle", "Server.String",
// "(*Set[...]).Add" (the runtime's names, as in stack traces); struct,
// interface or type "Config" for each type spec or alias, a lone "type X ..."
// starting at its keyword; a func literal initialising a package-level var
// is function "handler"; any other func literal is closure "Run.func1",
// "Run.func1.1", "glob..func1", numbered in source order as the compiler
// numbers them in the common cases. Var and const blocks are not scopes.
//
// Python: the __qualname__: class "Foo", method "Foo.bar" (def or async
// def directly in a class), function "outer.<locals>.inner". The range of a
// decorated definition starts at its first decorator. Lambdas are not
// scopes.
//
// JavaScript, TypeScript and TSX: function "load" (declarations, and
// function or arrow expressions bound to a const/let/var: "const load =
// () => {}"); class "Widget"; method "Widget.render"; constructor
// "Widget.constructor"; a class field holding a function is a method;
// object-literal methods and function-valued keys are methods qualified by
// the variable holding the object, "api.get"; "x.y = function () {}" is
// function "x.y"; "export default function () {}" is function "default".
// TypeScript adds interface, type (aliases), enum, namespace and module
// (declare module "x"). Anonymous callbacks are not scopes; their lines
// belong to the enclosing definition.
//
// Rust: items joined with "::": function "parse", struct, enum, union,
// trait, module "net::tcp", macro "vec_of" (macro_rules!); impl "Point"
// or "<Point as fmt::Display>"; a fn in an impl or trait is method
// "<Point as fmt::Display>::fmt". The range includes #[attributes].
//
// Java: class, interface, enum, record, annotation (@interface), method
// and constructor, joined with ".": "Outer.Inner.run", constructor
// "Outer.Outer". Annotations are in the range. Lambdas and anonymous
// classes are not scopes; methods of an anonymous class are qualified by
// the enclosing method.
//
// In every language a declaration without a body (a Java interface or
// abstract method, a Rust fn signature in a trait, a TypeScript method
// signature or overload, a Go interface method) is not a scope of its own:
// it is a line of the type that declares it.
//
// # Fallback
//
// Unsupported files are split into paragraphs: maximal runs of non-blank
// lines, each cut into blocks of at most [MaxBlock] lines. Each block is a
// [KindLines] scope named by its range ("10-42"); blank lines have none.
//
// # Cost
//
// Parsers are pooled, and each language's query is compiled once; the
// definitions are found by one tree-sitter query run in C, so only
// definition nodes cross into Go. The package uses cgo: linking it adds
// the grammars (several MB) to a binary, so keep it out of the agent hook.
package scope
