// Package memstore is an in-memory [gitstore.Store] for fast unit tests.
// It computes real git object ids, so hashes match the git backend's for
// the same content, and it passes the same contract suite
// (gitstore/storetest). It depends only on the standard library.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/tracevault/tracevault/gitstore"
)

// Store is an in-memory [gitstore.Store]. It is safe for concurrent use.
// The zero value is not usable; call [New].
type Store struct {
	mu      sync.Mutex
	objects map[gitstore.Hash]gitstore.Object
	refs    map[string]gitstore.Hash
}

var _ gitstore.Store = (*Store)(nil)

// New returns an empty Store.
func New() *Store {
	return &Store{objects: map[gitstore.Hash]gitstore.Object{}, refs: map[string]gitstore.Hash{}}
}

// ReadObject implements [gitstore.Objects].
func (s *Store) ReadObject(ctx context.Context, h gitstore.Hash) (gitstore.ObjectType, []byte, error) {
	objs, err := s.ReadObjects(ctx, []gitstore.Hash{h})
	if err != nil {
		return "", nil, err
	}
	return objs[h].Type, objs[h].Data, nil
}

// ReadObjects implements [gitstore.Objects]. It returns copies.
func (s *Store) ReadObjects(ctx context.Context, hs []gitstore.Hash) (map[gitstore.Hash]gitstore.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[gitstore.Hash]gitstore.Object, len(hs))
	for _, h := range hs {
		o, ok := s.objects[h]
		if !ok {
			return nil, fmt.Errorf("reading object %s: %w", h, gitstore.ErrNotFound)
		}
		out[h] = gitstore.Object{Type: o.Type, Data: slices.Clone(o.Data)}
	}
	return out, nil
}

// WriteObjects implements [gitstore.Objects].
func (s *Store) WriteObjects(ctx context.Context, objs []gitstore.Object) ([]gitstore.Hash, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hs := make([]gitstore.Hash, len(objs))
	for i, o := range objs {
		if err := gitstore.CheckObject(o); err != nil {
			return nil, fmt.Errorf("writing object %d: %w", i, err)
		}
		hs[i] = o.Hash()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, o := range objs {
		if _, ok := s.objects[hs[i]]; !ok {
			s.objects[hs[i]] = gitstore.Object{Type: o.Type, Data: slices.Clone(o.Data)}
		}
	}
	return hs, nil
}

// ResolveRef implements [gitstore.Refs].
func (s *Store) ResolveRef(ctx context.Context, name string) (gitstore.Hash, error) {
	if err := gitstore.CheckRefName(name); err != nil {
		return gitstore.ZeroHash, err
	}
	if err := ctx.Err(); err != nil {
		return gitstore.ZeroHash, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.refs[name]
	if !ok {
		return gitstore.ZeroHash, fmt.Errorf("resolving %s: %w", name, gitstore.ErrNotFound)
	}
	return h, nil
}

// ListRefs implements [gitstore.Refs].
func (s *Store) ListRefs(ctx context.Context, prefix string) ([]gitstore.Ref, error) {
	if err := gitstore.CheckRefPrefix(prefix); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []gitstore.Ref
	for name, h := range s.refs {
		if strings.HasPrefix(name, prefix) {
			out = append(out, gitstore.Ref{Name: name, Hash: h})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// UpdateRefs implements [gitstore.Refs]: all old values and name clashes
// are checked before anything changes.
func (s *Store) UpdateRefs(ctx context.Context, updates []gitstore.RefUpdate) error {
	if err := gitstore.CheckUpdates(updates); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range updates {
		if cur := s.refs[u.Name]; cur != u.Old {
			return fmt.Errorf("updating %s: is at %s, expected %s: %w", u.Name, cur, u.Old, gitstore.ErrRefConflict)
		}
	}
	next := make(map[string]gitstore.Hash, len(s.refs)+len(updates))
	for k, v := range s.refs {
		next[k] = v
	}
	for _, u := range updates {
		if u.New.IsZero() {
			delete(next, u.Name)
		} else {
			next[u.Name] = u.New
		}
	}
	for _, u := range updates {
		if err := checkDF(next, u.Name); !u.New.IsZero() && err != nil {
			return err
		}
	}
	s.refs = next
	return nil
}

// checkDF reports a ref that is a directory of name or that name is a
// directory of (refs/a vs refs/a/b), which git's files backend cannot
// store.
func checkDF(refs map[string]gitstore.Hash, name string) error {
	for other := range refs {
		if strings.HasPrefix(other, name+"/") || strings.HasPrefix(name, other+"/") {
			return fmt.Errorf("ref %s clashes with %s: %w", name, other, gitstore.ErrInvalidRef)
		}
	}
	return nil
}
