package notes

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/tracevault/tracevault/gitstore"
)

// Add merges each note into the commit's existing note with
// [CatSortUniq] and writes one notes commit for the whole batch. A
// combined note with no lines removes the note.
func (n Notes) Add(ctx context.Context, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature) error {
	return n.write(ctx, notes, message, author, func(old, add []byte) []byte { return CatSortUniq(old, add) })
}

// Set replaces each commit's note and writes one notes commit for the
// whole batch. An empty or nil note removes the commit's note.
func (n Notes) Set(ctx context.Context, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature) error {
	return n.write(ctx, notes, message, author, func(_, set []byte) []byte { return set })
}

func (n Notes) write(ctx context.Context, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature, combine func(old, add []byte) []byte) error {
	if err := n.check(); err != nil {
		return err
	}
	err := retry(ctx, func() error {
		tip, err := n.tip(ctx)
		if err != nil {
			return err
		}
		b := gitstore.NewBatch(n.Store)
		u, changed, err := n.prepare(ctx, b, tip, notes, message, author, combine)
		if err != nil || !changed {
			return err
		}
		if err := b.Flush(ctx); err != nil {
			return err
		}
		return n.Store.UpdateRefs(ctx, []gitstore.RefUpdate{u})
	})
	if err != nil {
		return fmt.Errorf("writing %d notes to %s: %w", len(notes), n.Ref, err)
	}
	return nil
}

// PrepareSet is the first half of [Notes.Set], for a caller that moves
// the notes ref in one transaction with other refs. On the notes commit
// tip (the ref's value as the caller resolved it; zero when the ref does
// not exist) it adds to b, without writing them, the objects of a notes
// commit that replaces each commit's note (an empty note removes it), and
// returns the compare-and-swap update that publishes it; changed is false
// when the notes already are so (no update). When the update loses to a
// concurrent writer, resolve the ref again and start over.
func (n Notes) PrepareSet(ctx context.Context, b *gitstore.Batch, tip gitstore.Hash, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature) (u gitstore.RefUpdate, changed bool, err error) {
	if err := n.check(); err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	u, changed, err = n.prepare(ctx, b, tip, notes, message, author, func(_, set []byte) []byte { return set })
	if err != nil {
		return gitstore.RefUpdate{}, false, fmt.Errorf("writing %d notes to %s: %w", len(notes), n.Ref, err)
	}
	return u, changed, nil
}

// prepare combines notes into the notes at tip, adding the new objects to
// b, and returns the ref update; changed is false when nothing changes.
func (n Notes) prepare(ctx context.Context, b *gitstore.Batch, tip gitstore.Hash, notes map[gitstore.Hash][]byte, message string, author gitstore.Signature, combine func(old, add []byte) []byte) (gitstore.RefUpdate, bool, error) {
	if u, changed, ok, err := n.prepareIncremental(ctx, b, tip, notes, message, author, combine); ok || err != nil {
		return u, changed, err
	}
	st, err := n.loadAt(ctx, tip, func(string) bool { return true })
	if err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	final, err := n.normalize(ctx, st, b)
	if err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	old, err := n.contents(ctx, pick(st, notes))
	if err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	for c, data := range notes {
		if merged := combine(old[c], data); len(merged) > 0 {
			final[c] = b.AddBlob(merged)
		} else {
			delete(final, c)
		}
	}
	return n.build(st, final, b, nil, message, author)
}

// pick returns the loaded blobs of the commits in notes.
func pick(st *state, notes map[gitstore.Hash][]byte) map[gitstore.Hash][]gitstore.Hash {
	out := map[gitstore.Hash][]gitstore.Hash{}
	if st == nil {
		return out
	}
	for c := range notes {
		if bs, ok := st.notes[c]; ok {
			out[c] = bs
		}
	}
	return out
}

// normalize returns one blob per annotated commit, joining the fanout
// variants of any commit that has several into a new blob of b.
func (n Notes) normalize(ctx context.Context, st *state, b *gitstore.Batch) (map[gitstore.Hash]gitstore.Hash, error) {
	final := map[gitstore.Hash]gitstore.Hash{}
	if st == nil {
		return final, nil
	}
	dups := map[gitstore.Hash][]gitstore.Hash{}
	for c, bs := range st.notes {
		if len(bs) == 1 {
			final[c] = bs[0]
		} else {
			dups[c] = bs
		}
	}
	joined, err := n.contents(ctx, dups)
	if err != nil {
		return nil, err
	}
	for c, data := range joined {
		final[c] = b.AddBlob(data)
	}
	return final, nil
}

// commit writes the tree of final plus a notes commit (parent: the old
// tip, then extra) and moves the ref with compare-and-swap. It writes
// nothing when the tree is unchanged and there is no extra parent.
func (n Notes) commit(ctx context.Context, st *state, final map[gitstore.Hash]gitstore.Hash, b *gitstore.Batch, extra []gitstore.Hash, message string, author gitstore.Signature) error {
	u, changed, err := n.build(st, final, b, extra, message, author)
	if err != nil || !changed {
		return err
	}
	if err := b.Flush(ctx); err != nil {
		return err
	}
	return n.Store.UpdateRefs(ctx, []gitstore.RefUpdate{u})
}

// build adds the tree of final and a notes commit (parent: the old tip,
// then extra) to b and returns the ref update; changed is false when the
// tree is unchanged and there is no extra parent.
func (n Notes) build(st *state, final map[gitstore.Hash]gitstore.Hash, b *gitstore.Batch, extra []gitstore.Hash, message string, author gitstore.Signature) (gitstore.RefUpdate, bool, error) {
	var known map[gitstore.Hash]bool
	var old gitstore.Hash
	var parents []gitstore.Hash
	if st != nil {
		known, old, parents = st.trees, st.tip, []gitstore.Hash{st.tip}
	}
	tree, objs, err := BuildTree(final, known)
	if err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	if st != nil && tree == st.tree && len(extra) == 0 {
		return gitstore.RefUpdate{}, false, nil
	}
	for _, o := range objs {
		if _, err := b.Add(o); err != nil {
			return gitstore.RefUpdate{}, false, err
		}
	}
	tip, err := b.AddCommit(&gitstore.Commit{Tree: tree, Parents: append(parents, extra...),
		Author: author, Committer: author, Message: message})
	if err != nil {
		return gitstore.RefUpdate{}, false, err
	}
	return gitstore.RefUpdate{Name: n.Ref, New: tip, Old: old}, true, nil
}

// FanoutDepth returns the number of two-character directory levels used
// for a tree of count notes.
func FanoutDepth(count int) int {
	switch {
	case count < 256:
		return 0
	case count < 256*256:
		return 1
	}
	return 2
}

// BuildTree returns the id of a notes tree mapping each commit to its
// note blob, with the fanout [FanoutDepth] chooses, and the tree objects
// to write (leaving out ids in known, which already exist).
func BuildTree(notes map[gitstore.Hash]gitstore.Hash, known map[gitstore.Hash]bool) (gitstore.Hash, []gitstore.Object, error) {
	keys := make([]string, 0, len(notes))
	blobs := make(map[string]gitstore.Hash, len(notes))
	for c, b := range notes {
		keys = append(keys, c.String())
		blobs[c.String()] = b
	}
	slices.Sort(keys)
	tb := treeBuilder{blobs: blobs, known: maps.Clone(known), depth: FanoutDepth(len(notes))}
	if tb.known == nil {
		tb.known = map[gitstore.Hash]bool{}
	}
	root, err := tb.build(0, keys)
	return root, tb.objs, err
}

type treeBuilder struct {
	blobs map[string]gitstore.Hash
	known map[gitstore.Hash]bool
	depth int
	objs  []gitstore.Object
}

func (tb *treeBuilder) build(level int, keys []string) (gitstore.Hash, error) {
	var entries []gitstore.TreeEntry
	if level == tb.depth {
		for _, k := range keys {
			entries = append(entries, gitstore.TreeEntry{Name: k[2*level:], Mode: gitstore.ModeFile, Hash: tb.blobs[k]})
		}
	} else {
		for len(keys) > 0 {
			dir := keys[0][2*level : 2*level+2]
			end := 1
			for end < len(keys) && keys[end][2*level:2*level+2] == dir {
				end++
			}
			sub, err := tb.build(level+1, keys[:end])
			if err != nil {
				return gitstore.ZeroHash, err
			}
			entries = append(entries, gitstore.TreeEntry{Name: dir, Mode: gitstore.ModeTree, Hash: sub})
			keys = keys[end:]
		}
	}
	data, err := gitstore.EncodeTree(entries)
	if err != nil {
		return gitstore.ZeroHash, err
	}
	o := gitstore.Object{Type: gitstore.TypeTree, Data: data}
	h := o.Hash()
	if !tb.known[h] {
		tb.known[h] = true
		tb.objs = append(tb.objs, o)
	}
	return h, nil
}

// Merge merges the notes at otherRef (typically a tracking ref fetched
// from a remote) into n with cat_sort_uniq semantics: afterwards every
// commit's note is the union of its lines in both. If n already holds
// the union, nothing is written; if otherRef holds exactly the union, n
// is fast-forwarded to it; otherwise a merge commit with both tips as
// parents is written.
func (n Notes) Merge(ctx context.Context, otherRef, message string, author gitstore.Signature) error {
	if err := n.check(); err != nil {
		return err
	}
	if err := gitstore.CheckRefName(otherRef); err != nil {
		return err
	}
	other := Notes{Store: n.Store, Ref: otherRef}
	err := retry(ctx, func() error {
		all := func(string) bool { return true }
		theirs, err := other.load(ctx, all)
		if err != nil || theirs == nil {
			return err
		}
		ours, err := n.load(ctx, all)
		if err != nil {
			return err
		}
		if ours == nil {
			return n.Store.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: n.Ref, New: theirs.tip}})
		}
		final, b, err := n.union(ctx, ours, theirs)
		if err != nil {
			return err
		}
		tree, _, err := BuildTree(final, nil)
		switch {
		case err != nil:
			return err
		case tree == ours.tree:
			return nil
		case tree == theirs.tree:
			return n.Store.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: n.Ref, New: theirs.tip, Old: ours.tip}})
		}
		return n.commit(ctx, ours, final, b, []gitstore.Hash{theirs.tip}, message, author)
	})
	if err != nil {
		return fmt.Errorf("merging notes %s into %s: %w", otherRef, n.Ref, err)
	}
	return nil
}

// union returns one blob per commit noted in ours or theirs, combining
// differing notes with CatSortUniq.
func (n Notes) union(ctx context.Context, ours, theirs *state) (map[gitstore.Hash]gitstore.Hash, *gitstore.Batch, error) {
	b := gitstore.NewBatch(n.Store)
	final, err := n.normalize(ctx, ours, b)
	if err != nil {
		return nil, nil, err
	}
	both := map[gitstore.Hash][]gitstore.Hash{}
	for c, tb := range theirs.notes {
		ob, ok := ours.notes[c]
		switch {
		case !ok && len(tb) == 1:
			final[c] = tb[0]
		case !ok || !slices.Equal(ob, tb):
			both[c] = append(slices.Clone(ob), tb...)
		}
	}
	var hs []gitstore.Hash
	for _, bs := range both {
		hs = append(hs, bs...)
	}
	objs, err := n.Store.ReadObjects(ctx, hs)
	if err != nil {
		return nil, nil, err
	}
	for c, bs := range both {
		var parts [][]byte
		for _, h := range bs {
			parts = append(parts, objs[h].Data)
		}
		if merged := CatSortUniq(parts...); len(merged) > 0 {
			final[c] = b.AddBlob(merged)
		}
	}
	return final, b, nil
}
