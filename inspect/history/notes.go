package history

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

// Notes reads the notes of commits: only the fanout subtrees on their
// paths for a few commits, the whole tree listing for many.
func (r *Reader) Notes(ctx context.Context, commits []gitstore.Hash) (map[gitstore.Hash][]byte, error) {
	if err := r.loadRefs(ctx); err != nil {
		return nil, err
	}
	var s gitstore.Store = r.Store
	if r.notesListed {
		s = listedRefs{r.Store, r.refs}
	}
	n := notes.Notes{Store: s, Ref: record.NotesRef}
	if len(commits) > 2000 {
		return n.ReadAll(ctx)
	}
	if r.notesListed {
		if out, ok, err := r.fewNotes(ctx, commits); ok || err != nil {
			return out, err
		}
	}
	return n.Read(ctx, commits)
}

// listedRefs resolves the refs a Reader listed without another git
// process.
type listedRefs struct {
	gitstore.Store
	refs map[string]gitstore.Hash
}

func (l listedRefs) ResolveRef(ctx context.Context, name string) (gitstore.Hash, error) {
	if name != record.NotesRef {
		return l.Store.ResolveRef(ctx, name)
	}
	if h, ok := l.refs[name]; ok {
		return h, nil
	}
	return gitstore.ZeroHash, fmt.Errorf("resolving %s: %w", name, gitstore.ErrNotFound)
}

// notesRoot returns the root tree of the notes ref and its data, read
// once (zero when there are no notes).
func (r *Reader) notesRoot(ctx context.Context) (gitstore.Hash, []byte, error) {
	if r.notesTreeRead {
		return r.notesTree, r.notesTreeData, nil
	}
	tip := r.refs[record.NotesRef]
	if !tip.IsZero() {
		c, err := gitstore.ReadCommit(ctx, r.Store, tip)
		if err != nil {
			return gitstore.ZeroHash, nil, err
		}
		objs, err := r.Store.ReadObjects(ctx, []gitstore.Hash{c.Tree})
		if err != nil {
			return gitstore.ZeroHash, nil, err
		}
		if objs[c.Tree].Type != gitstore.TypeTree {
			return gitstore.ZeroHash, nil, fmt.Errorf("notes tree %s is a %s", c.Tree, objs[c.Tree].Type)
		}
		r.notesTree, r.notesTreeData = c.Tree, objs[c.Tree].Data
	}
	r.notesTreeRead = true
	return r.notesTree, r.notesTreeData, nil
}

// fewNotes is notes.Notes.Read for the usual notes tree, without building
// every entry of the fanout subtrees it reads: the trees on the commits'
// paths are scanned in place, one level at a time, then the blobs are
// read in one batch. The fanout subtrees come from the tree cache when
// they are there (see treeCache), from git otherwise. ok is false, and
// notes.Notes.Read must be used, when the tree has anything it does not
// handle the same way: a commit with notes at several fanout depths
// (concatenated there), or an entry it cannot parse (an error there).
func (r *Reader) fewNotes(ctx context.Context, commits []gitstore.Hash) (out map[gitstore.Hash][]byte, ok bool, err error) {
	root, rootData, err := r.notesRoot(ctx)
	if err != nil {
		return nil, false, nil
	}
	if root.IsZero() {
		return map[gitstore.Hash][]byte{}, true, nil
	}
	// under maps each wanted hex path prefix of even length to the
	// commits below it.
	under := make(map[string][]string, len(commits)*2)
	for _, c := range commits {
		s := c.String()
		for i := 0; i < 40; i += 2 {
			under[s[:i]] = append(under[s[:i]], s)
		}
	}
	tc := openTreeCache(r.CacheDir)
	keep := map[gitstore.Hash]bool{}
	defer func() { tc.save(keep) }()
	blobOf := map[gitstore.Hash]gitstore.Hash{}
	level := map[string]gitstore.Hash{}
	if !scanNotesTree("", rootData, under[""], level, blobOf, keep) {
		return nil, false, nil
	}
	for len(level) > 0 {
		data := make(map[gitstore.Hash][]byte, len(level))
		var miss []gitstore.Hash
		for _, h := range level {
			if d, ok := tc.get(h); ok {
				data[h] = d
			} else {
				miss = append(miss, h)
			}
		}
		if len(miss) > 0 {
			objs, err := r.Store.ReadObjects(ctx, miss)
			if err != nil {
				return nil, false, nil
			}
			for h, o := range objs {
				if o.Type != gitstore.TypeTree {
					return nil, false, nil
				}
				data[h] = o.Data
				tc.put(h, o.Data)
			}
		}
		next := map[string]gitstore.Hash{}
		for prefix, h := range level {
			if !scanNotesTree(prefix, data[h], under[prefix], next, blobOf, keep) {
				return nil, false, nil
			}
		}
		level = next
	}
	if len(blobOf) == 0 {
		return map[gitstore.Hash][]byte{}, true, nil
	}
	hs := make([]gitstore.Hash, 0, len(blobOf))
	for _, b := range blobOf {
		hs = append(hs, b)
	}
	objs, err := r.Store.ReadObjects(ctx, hs)
	if err != nil {
		return nil, false, nil
	}
	out = make(map[gitstore.Hash][]byte, len(blobOf))
	for c, b := range blobOf {
		out[c] = objs[b].Data
	}
	return out, true, nil
}

// scanNotesTree walks the raw data of the tree found at hex path prefix,
// below which are the wanted commits (hex): fanout subtrees on their
// paths go to next, their note blobs to blobOf, and every subtree id to
// seen. It returns false for data it does not handle as notes.Notes does:
// an entry it cannot parse, or a second note for a commit.
func scanNotesTree(prefix string, data []byte, wanted []string, next map[string]gitstore.Hash, blobOf map[gitstore.Hash]gitstore.Hash, seen map[gitstore.Hash]bool) bool {
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return false
		}
		mode := data[:sp]
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul <= 0 || len(data) < nul+21 {
			return false
		}
		name := data[:nul]
		var id gitstore.Hash
		copy(id[:], data[nul+1:nul+21])
		data = data[nul+21:]
		isTree := string(mode) == "40000"
		isFile := string(mode) == "100644"
		if !isTree && !isFile && string(mode) != "100755" && string(mode) != "120000" && string(mode) != "160000" {
			return false
		}
		if isTree {
			seen[id] = true
		}
		n := len(prefix) + len(name)
		switch {
		case isTree && len(name) == 2 && n < 40:
			for _, w := range wanted {
				if w[len(prefix):n] == string(name) {
					next[w[:n]] = id
					break
				}
			}
		case isFile && n == 40:
			for _, w := range wanted {
				if w[len(prefix):] == string(name) {
					c, err := gitstore.ParseHash(w)
					if err != nil {
						return false
					}
					if _, dup := blobOf[c]; dup {
						return false
					}
					blobOf[c] = id
					break
				}
			}
		}
	}
	return true
}

// Prefetch does the reading that Traces needs whatever the commits: the
// chain and notes refs and the notes' root tree, starting the store's
// object reader first when it can (gitcli's can). Run it while the
// commits are being listed; the Reader must not be used by anything else
// until it returns.
func (r *Reader) Prefetch(ctx context.Context) error {
	if s, ok := r.Store.(interface{ StartReader() error }); ok {
		if err := s.StartReader(); err != nil {
			return err
		}
	}
	if err := r.loadRefs(ctx); err != nil {
		return err
	}
	if !r.notesListed {
		return nil
	}
	_, _, err := r.notesRoot(ctx)
	return err
}
