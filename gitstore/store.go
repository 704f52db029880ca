package gitstore

import (
	"context"
	"fmt"
)

// Objects reads and writes git objects.
type Objects interface {
	// ReadObject returns the type and exact stored bytes of object h.
	// A missing object is an error wrapping [ErrNotFound].
	ReadObject(ctx context.Context, h Hash) (ObjectType, []byte, error)

	// ReadObjects reads many objects at once (the git backend uses one
	// `git cat-file --batch` exchange, not a process per object). The
	// result holds an entry for every requested hash; if any is missing,
	// it returns an error wrapping [ErrNotFound] naming the first missing
	// hash, and no map.
	ReadObjects(ctx context.Context, hs []Hash) (map[Hash]Object, error)

	// WriteObjects stores objs and returns their ids in order. Trees and
	// commits must parse with [ParseTree] and [ParseCommit] (an error
	// wrapping [ErrInvalidObject] otherwise); referenced objects need not
	// exist. Writing many objects costs one process and, past a
	// threshold, one pack rather than a loose file per object.
	WriteObjects(ctx context.Context, objs []Object) ([]Hash, error)
}

// Ref is a ref name and the object it points to.
type Ref struct {
	Name string
	Hash Hash
}

// RefUpdate is one compare-and-swap step of [Refs.UpdateRefs].
type RefUpdate struct {
	// Name is a full ref name (see [CheckRefName]).
	Name string
	// New is the new value; ZeroHash deletes the ref.
	New Hash
	// Old is the value the ref must hold now; ZeroHash means the ref
	// must not exist.
	Old Hash
}

// Refs reads refs and updates them with compare-and-swap only.
type Refs interface {
	// ResolveRef returns the object a full ref name points to. A missing
	// ref is an error wrapping [ErrNotFound].
	ResolveRef(ctx context.Context, name string) (Hash, error)

	// ListRefs returns every ref whose name starts with prefix (empty, or
	// ending in '/'), sorted by name.
	ListRefs(ctx context.Context, prefix string) ([]Ref, error)

	// UpdateRefs applies updates as one transaction: either every ref
	// held its Old value and all are updated, or none is. A ref that did
	// not hold its Old value (or was locked by a concurrent writer)
	// yields an error wrapping [ErrRefConflict]; the caller re-reads and
	// retries. Bad names, deleting with a zero Old, a name given twice
	// and names clashing with existing refs (refs/a vs refs/a/b) wrap
	// [ErrInvalidRef].
	UpdateRefs(ctx context.Context, updates []RefUpdate) error
}

// Store is the storage every backend implements; the contract suite in
// gitstore/storetest checks it.
type Store interface {
	Objects
	Refs
}

// CheckUpdates validates updates before any is applied; backends call it
// so they reject the same inputs.
func CheckUpdates(updates []RefUpdate) error {
	seen := make(map[string]bool, len(updates))
	for _, u := range updates {
		if err := CheckRefName(u.Name); err != nil {
			return err
		}
		if u.New.IsZero() && u.Old.IsZero() {
			return fmt.Errorf("ref %s: deleting needs the old value: %w", u.Name, ErrInvalidRef)
		}
		if seen[u.Name] {
			return fmt.Errorf("ref %s: updated twice in one transaction: %w", u.Name, ErrInvalidRef)
		}
		seen[u.Name] = true
	}
	return nil
}

// CheckObject validates an object before it is written: a known type,
// and for trees and commits a strict parse. Backends call it so they
// accept the same objects.
func CheckObject(o Object) error {
	var err error
	switch o.Type {
	case TypeBlob, TypeTag:
	case TypeTree:
		_, err = ParseTree(o.Data)
	case TypeCommit:
		_, err = ParseCommit(o.Data)
	default:
		err = fmt.Errorf("object type %q: %w", o.Type, ErrInvalidObject)
	}
	return err
}
