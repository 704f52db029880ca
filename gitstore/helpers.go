package gitstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// WriteBlob stores data as a blob.
func WriteBlob(ctx context.Context, w Objects, data []byte) (Hash, error) {
	return writeOne(ctx, w, Object{Type: TypeBlob, Data: data})
}

// WriteTree stores a tree of entries, sorted in git order (see
// [EncodeTree]).
func WriteTree(ctx context.Context, w Objects, entries []TreeEntry) (Hash, error) {
	data, err := EncodeTree(entries)
	if err != nil {
		return ZeroHash, err
	}
	return writeOne(ctx, w, Object{Type: TypeTree, Data: data})
}

// WriteCommit stores c.
func WriteCommit(ctx context.Context, w Objects, c *Commit) (Hash, error) {
	data, err := EncodeCommit(c)
	if err != nil {
		return ZeroHash, err
	}
	return writeOne(ctx, w, Object{Type: TypeCommit, Data: data})
}

func writeOne(ctx context.Context, w Objects, o Object) (Hash, error) {
	hs, err := w.WriteObjects(ctx, []Object{o})
	if err != nil {
		return ZeroHash, err
	}
	return hs[0], nil
}

// ReadTree reads and strictly parses tree h.
func ReadTree(ctx context.Context, r Objects, h Hash) ([]TreeEntry, error) {
	data, err := readTyped(ctx, r, h, TypeTree)
	if err != nil {
		return nil, err
	}
	entries, err := ParseTree(data)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	return entries, nil
}

// ReadCommit reads and strictly parses commit h.
func ReadCommit(ctx context.Context, r Objects, h Hash) (*Commit, error) {
	data, err := readTyped(ctx, r, h, TypeCommit)
	if err != nil {
		return nil, err
	}
	c, err := ParseCommit(data)
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, err)
	}
	return c, nil
}

func readTyped(ctx context.Context, r Objects, h Hash, want ObjectType) ([]byte, error) {
	t, data, err := r.ReadObject(ctx, h)
	if err != nil {
		return nil, err
	}
	if t != want {
		return nil, fmt.Errorf("object %s is a %s, not a %s: %w", h, t, want, ErrInvalidObject)
	}
	return data, nil
}

// Batch collects objects and writes them with one WriteObjects call.
// Ids are computed in-process when an object is added, so a tree can name
// blobs of the same batch. A Batch is not safe for concurrent use.
type Batch struct {
	w    Objects
	objs []Object
	seen map[Hash]bool
}

// NewBatch returns an empty batch that writes to w.
func NewBatch(w Objects) *Batch { return &Batch{w: w, seen: map[Hash]bool{}} }

// Len returns the number of distinct objects waiting to be written.
func (b *Batch) Len() int { return len(b.objs) }

// Add queues o (after [CheckObject]) and returns its id. Adding the same
// object twice queues it once.
func (b *Batch) Add(o Object) (Hash, error) {
	if err := CheckObject(o); err != nil {
		return ZeroHash, err
	}
	h := o.Hash()
	if !b.seen[h] {
		b.seen[h] = true
		b.objs = append(b.objs, o)
	}
	return h, nil
}

// AddBlob queues a blob and returns its id.
func (b *Batch) AddBlob(data []byte) Hash {
	h, err := b.Add(Object{Type: TypeBlob, Data: data})
	if err != nil {
		panic("gitstore: blob rejected: " + err.Error()) // blobs are never invalid
	}
	return h
}

// AddTree queues a tree of entries and returns its id.
func (b *Batch) AddTree(entries []TreeEntry) (Hash, error) {
	data, err := EncodeTree(entries)
	if err != nil {
		return ZeroHash, err
	}
	return b.Add(Object{Type: TypeTree, Data: data})
}

// AddCommit queues c and returns its id.
func (b *Batch) AddCommit(c *Commit) (Hash, error) {
	data, err := EncodeCommit(c)
	if err != nil {
		return ZeroHash, err
	}
	return b.Add(Object{Type: TypeCommit, Data: data})
}

// Flush writes every queued object and empties the batch.
func (b *Batch) Flush(ctx context.Context) error {
	if len(b.objs) == 0 {
		return nil
	}
	if _, err := b.w.WriteObjects(ctx, b.objs); err != nil {
		return fmt.Errorf("writing batch of %d objects: %w", len(b.objs), err)
	}
	b.objs, b.seen = nil, map[Hash]bool{}
	return nil
}

// ResolveRefs resolves full ref names together: with one listing when the
// store can list several names at once (gitcli's ListRefsMany, one
// `git for-each-ref`), else one [Refs.ResolveRef] each. Missing refs are
// absent from the map.
func ResolveRefs(ctx context.Context, r Refs, names ...string) (map[string]Hash, error) {
	out := make(map[string]Hash, len(names))
	if m, ok := r.(interface {
		ListRefsMany(ctx context.Context, prefixes ...string) ([]Ref, error)
	}); ok {
		for _, n := range names {
			if err := CheckRefName(n); err != nil {
				return nil, err
			}
		}
		refs, err := m.ListRefsMany(ctx, names...)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if slices.Contains(names, ref.Name) {
				out[ref.Name] = ref.Hash
			}
		}
		return out, nil
	}
	for _, n := range names {
		h, err := r.ResolveRef(ctx, n)
		switch {
		case err == nil:
			out[n] = h
		case !errors.Is(err, ErrNotFound):
			return nil, err
		}
	}
	return out, nil
}
