package notes

import (
	"context"
	"slices"

	"github.com/tracevault/tracevault/gitstore"
)

// maxLeaf is the size past which a one-level fanout leaf sends a write to
// the full rewrite, which moves to two levels at 65,536 notes (256 leaves
// of 256 on average).
const maxLeaf = 512

// prepareIncremental is prepare for a tree already in normalized fanout
// (one or two levels) along the paths of the commits in notes: it reads
// only the root, the subtrees on those paths and one more leaf (to learn
// the depth), and writes new versions of just those trees. ok is false,
// with nothing added to b, when the tree is not in that form (flat, mixed
// fanout or other entries at the root or on a path), when a note would be
// removed, or when a leaf grows past maxLeaf: the caller then rewrites the
// whole tree, which also normalizes it. A tree it leaves alone elsewhere
// (a duplicate variant of another commit's note) stays as it is; readers
// accept it, and the next full rewrite normalizes it.
func (n Notes) prepareIncremental(ctx context.Context, b *gitstore.Batch, tip gitstore.Hash, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature, combine func(old, add []byte) []byte) (u gitstore.RefUpdate, changed, ok bool, err error) {
	if tip.IsZero() || len(notes) == 0 {
		return u, false, false, nil
	}
	c, err := gitstore.ReadCommit(ctx, n.Store, tip)
	if err != nil {
		return u, false, false, err
	}
	t := &pathTrees{n: n, trees: map[string][]gitstore.TreeEntry{}}
	if err := t.read(ctx, map[string]gitstore.Hash{"": c.Tree}); err != nil || !t.uniform("", dirs) || len(t.trees[""]) == 0 {
		return u, false, false, err
	}
	// Level one: the subtrees on the commits' paths, and the first one.
	level := map[string]gitstore.Hash{}
	root := t.trees[""]
	level[root[0].Name] = root[0].Hash
	for cm := range notes {
		if e, found := t.entry("", cm.String()[:2]); found {
			level[e.Name] = e.Hash
		}
	}
	if err := t.read(ctx, level); err != nil {
		return u, false, false, err
	}
	depth := 1
	if t.uniform(root[0].Name, dirs) && len(t.trees[root[0].Name]) > 0 {
		depth = 2
	}
	kind := leaves(40 - 2*depth)
	if depth == 2 {
		level = map[string]gitstore.Hash{}
		for cm := range notes {
			h := cm.String()
			if _, found := t.trees[h[:2]]; !found {
				continue
			}
			if !t.uniform(h[:2], dirs) {
				return u, false, false, nil
			}
			if e, found := t.entry(h[:2], h[2:4]); found {
				level[h[:4]] = e.Hash
			}
		}
		if err := t.read(ctx, level); err != nil {
			return u, false, false, err
		}
	}
	// Every leaf on a path holds notes only, named for this depth.
	olds := map[gitstore.Hash][]gitstore.Hash{}
	for cm := range notes {
		dir := cm.String()[:2*depth]
		if _, found := t.trees[dir]; !found {
			continue
		}
		if !t.uniform(dir, kind) {
			return u, false, false, nil
		}
		if e, found := t.entry(dir, cm.String()[2*depth:]); found {
			olds[cm] = []gitstore.Hash{e.Hash}
		}
	}
	old, err := n.contents(ctx, olds)
	if err != nil {
		return u, false, false, err
	}
	merged := map[gitstore.Hash][]byte{}
	for cm, data := range notes {
		m := combine(old[cm], data)
		if _, had := old[cm]; had && len(m) == 0 {
			return u, false, false, nil // a removal: the full rewrite may flatten the tree
		}
		if len(m) > 0 {
			merged[cm] = m
		}
	}
	for cm, data := range merged {
		h := cm.String()
		t.set(h[:2*depth], h[2*depth:], gitstore.ModeFile, gitstore.HashObject(gitstore.TypeBlob, data))
	}
	if len(t.dirty) == 0 {
		return u, false, true, nil // nothing to set
	}
	for dir := range t.dirty {
		if depth == 1 && len(t.trees[dir]) > maxLeaf {
			return u, false, false, nil
		}
	}
	for _, data := range merged {
		b.AddBlob(data)
	}
	tree, err := t.write(b, depth)
	if err != nil || tree == c.Tree {
		return u, false, err == nil, err
	}
	ch, err := b.AddCommit(&gitstore.Commit{Tree: tree, Parents: []gitstore.Hash{tip}, Author: author, Committer: author, Message: message})
	if err != nil {
		return u, false, false, err
	}
	return gitstore.RefUpdate{Name: n.Ref, New: ch, Old: tip}, true, true, nil
}

// pathTrees holds the notes trees read so far, by hex path ("" is the
// root), and which of them changed.
type pathTrees struct {
	n     Notes
	trees map[string][]gitstore.TreeEntry
	dirty map[string]bool
}

// read reads and parses the trees at the given paths in one exchange.
func (t *pathTrees) read(ctx context.Context, at map[string]gitstore.Hash) error {
	if len(at) == 0 {
		return nil
	}
	hs := make([]gitstore.Hash, 0, len(at))
	for _, h := range at {
		hs = append(hs, h)
	}
	objs, err := t.n.Store.ReadObjects(ctx, hs)
	if err != nil {
		return err
	}
	for p, h := range at {
		entries, err := gitstore.ParseTree(objs[h].Data)
		if err != nil || objs[h].Type != gitstore.TypeTree {
			continue // not read: not uniform, so the full rewrite reports it
		}
		t.trees[p] = entries
	}
	return nil
}

// entryTest says whether a tree entry has the expected form.
type entryTest func(gitstore.TreeEntry) bool

func dirs(e gitstore.TreeEntry) bool {
	return e.Mode == gitstore.ModeTree && len(e.Name) == 2 && isHex(e.Name)
}

func leaves(size int) entryTest {
	return func(e gitstore.TreeEntry) bool {
		return e.Mode == gitstore.ModeFile && len(e.Name) == size && isHex(e.Name)
	}
}

// uniform reports whether the tree at path was read and every entry
// passes test.
func (t *pathTrees) uniform(path string, test entryTest) bool {
	entries, found := t.trees[path]
	if !found {
		return false
	}
	for _, e := range entries {
		if !test(e) {
			return false
		}
	}
	return true
}

// entry finds the entry called name in the tree at path.
func (t *pathTrees) entry(path, name string) (gitstore.TreeEntry, bool) {
	for _, e := range t.trees[path] {
		if e.Name == name {
			return e, true
		}
	}
	return gitstore.TreeEntry{}, false
}

// set puts an entry in the tree at path (created when missing) and marks
// the trees up to the root as changed.
func (t *pathTrees) set(path, name string, mode gitstore.FileMode, h gitstore.Hash) {
	entries := slices.DeleteFunc(t.trees[path], func(e gitstore.TreeEntry) bool { return e.Name == name })
	t.trees[path] = append(entries, gitstore.TreeEntry{Name: name, Mode: mode, Hash: h})
	if t.dirty == nil {
		t.dirty = map[string]bool{}
	}
	for p := path; ; p = p[:len(p)-2] {
		t.dirty[p] = true
		if p == "" {
			break
		}
	}
}

// write encodes the changed trees deepest first, each parent naming its
// new children, adds them to b and returns the new root's id.
func (t *pathTrees) write(b *gitstore.Batch, depth int) (gitstore.Hash, error) {
	for level := depth; level >= 0; level-- {
		var paths []string
		for p := range t.dirty {
			if len(p) == 2*level {
				paths = append(paths, p)
			}
		}
		slices.Sort(paths)
		for _, p := range paths {
			h, err := b.AddTree(t.trees[p])
			if err != nil {
				return gitstore.ZeroHash, err
			}
			if p == "" {
				return h, nil
			}
			t.set(p[:len(p)-2], p[len(p)-2:], gitstore.ModeTree, h)
		}
	}
	panic("notes: a changed notes tree without its root") // set marks every ancestor
}
