package scope

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// A grammar tells the engine how to find and describe a language's
// definitions.
type grammar struct {
	lang func() *sitter.Language
	// types lists the node types that may be definitions. The engine
	// asks tree-sitter for all of them in one query, so it never walks
	// the whole tree in Go.
	types []string
	// describe names the definition at n, or reports false to skip it
	// (an anonymous callback, say). outer is the innermost enclosing
	// definition, or the file's root frame.
	describe func(n *sitter.Node, src []byte, outer *frame) (def, bool)
}

// def is what a grammar reports about one definition.
type def struct {
	kind, name string
	// from, when set, is the node whose first line starts the scope:
	// a decorator, an export statement, a declaration keyword.
	from *sitter.Node
}

// frame is a definition being processed, on the engine's stack.
type frame struct {
	Scope
	path               []Scope // enclosing scopes and this one, shared by its lines
	startByte, endByte uint32
	closures           int // Go func literals numbered so far directly inside
}

// compiled is a grammar with its query, built once per process.
type compiled struct {
	once  sync.Once
	lang  *sitter.Language
	query *sitter.Query
	err   error
}

var (
	grammars = map[Language]*grammar{
		Go:         goGrammar,
		Python:     pythonGrammar,
		TypeScript: typeScriptGrammar,
		TSX:        tsxGrammar,
		JavaScript: javaScriptGrammar,
		Rust:       rustGrammar,
		Java:       javaGrammar,
	}
	compiledGrammars = map[Language]*compiled{}
	// parsers holds idle parsers for reuse; a tree-sitter parser keeps
	// its allocations between parses. Dropped parsers are freed by the
	// bindings' finalizer.
	parsers = sync.Pool{New: func() any { return sitter.NewParser() }}
)

func init() {
	for l := range grammars {
		compiledGrammars[l] = new(compiled)
	}
}

// load returns the language and query for l, compiling them on first use.
func load(l Language) (*grammar, *compiled, error) {
	g, c := grammars[l], compiledGrammars[l]
	c.once.Do(func() {
		c.lang = g.lang()
		pattern := "[" + "(" + strings.Join(g.types, ") (") + ")" + "] @def"
		c.query, c.err = sitter.NewQuery([]byte(pattern), c.lang)
		if c.err != nil {
			c.err = fmt.Errorf("compiling %s query: %w", l, c.err)
		}
	})
	return g, c, c.err
}

// MaxDepth is the deepest nesting of definitions [Lines] reports. Lines of
// a definition nested deeper belong to its ancestor at that depth; the cap
// keeps machine-generated or hostile input from costing time and memory
// quadratic in its nesting.
const MaxDepth = 32

// maxName is the longest name, in bytes, taken from the source for one
// definition; a longer one is cut and ends in "…".
const maxName = 200

// errNoTree reports that tree-sitter returned no tree.
var errNoTree = errors.New("tree-sitter returned no tree")

// parse scopes src, a file in language l.
func parse(l Language, src []byte) ([][]Scope, error) {
	g, c, err := load(l)
	if err != nil {
		return nil, err
	}
	p := parsers.Get().(*sitter.Parser)
	p.SetLanguage(c.lang)
	tree, err := p.ParseCtx(context.Background(), nil, src)
	parsers.Put(p)
	if err != nil {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	if tree == nil {
		return nil, errNoTree
	}
	defer tree.Close()
	nodes := definitionNodes(c.query, tree.RootNode())
	return assign(countLines(src), collect(g, nodes, src)), nil
}

// definitionNodes runs q over root and returns the captured nodes ordered
// so that an enclosing node comes before the nodes it contains.
func definitionNodes(q *sitter.Query, root *sitter.Node) []*sitter.Node {
	qc := sitter.NewQueryCursor()
	defer qc.Close()
	qc.Exec(q, root)
	var nodes []*sitter.Node
	for {
		m, ok := qc.NextMatch()
		if !ok {
			break
		}
		for _, c := range m.Captures {
			nodes = append(nodes, c.Node)
		}
	}
	slices.SortStableFunc(nodes, func(a, b *sitter.Node) int {
		if a.StartByte() != b.StartByte() {
			return int(a.StartByte()) - int(b.StartByte())
		}
		return int(b.EndByte()) - int(a.EndByte())
	})
	return nodes
}

// collect describes each node in document order, keeping a stack of the
// definitions that enclose it, and returns the frames in that order.
func collect(g *grammar, nodes []*sitter.Node, src []byte) []*frame {
	root := &frame{endByte: ^uint32(0)}
	stack := []*frame{root}
	var frames []*frame
	for _, n := range nodes {
		for !stack[len(stack)-1].contains(n) {
			stack = stack[:len(stack)-1]
		}
		outer := stack[len(stack)-1]
		if len(stack) > MaxDepth {
			continue // deeper definitions belong to their ancestor at MaxDepth
		}
		d, ok := g.describe(n, src, outer)
		if !ok || d.name == "" {
			continue
		}
		f := newFrame(n, d, outer)
		frames = append(frames, f)
		stack = append(stack, f)
	}
	return frames
}

// contains reports whether n lies within f's node.
func (f *frame) contains(n *sitter.Node) bool {
	return f.startByte <= n.StartByte() && n.EndByte() <= f.endByte
}

// newFrame builds the frame for definition d at node n inside outer.
func newFrame(n *sitter.Node, d def, outer *frame) *frame {
	from := n
	if d.from != nil {
		from = d.from
	}
	f := &frame{
		Scope: Scope{
			Kind:      d.kind,
			Name:      d.name,
			StartLine: int(from.StartPoint().Row) + 1,
			EndLine:   endLine0(n) + 1,
		},
		startByte: n.StartByte(),
		endByte:   n.EndByte(),
	}
	f.path = append(slices.Clip(outer.path), f.Scope)
	return f
}

// endLine0 returns the 0-based last line of n, not counting a final
// newline that some grammars include in a node.
func endLine0(n *sitter.Node) int {
	end := n.EndPoint()
	if end.Column == 0 && end.Row > n.StartPoint().Row {
		return int(end.Row) - 1
	}
	return int(end.Row)
}

// assign gives each line the path of the innermost frame covering it.
// Frames come in document order, enclosing frames first, so a later frame
// overrides an earlier one on the lines they share.
func assign(lines int, frames []*frame) [][]Scope {
	out := make([][]Scope, lines)
	for _, f := range frames {
		for l := max(f.StartLine, 1); l <= min(f.EndLine, lines); l++ {
			out[l-1] = f.path
		}
	}
	return out
}

// keys returns the keys of m, sorted.
func keys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
