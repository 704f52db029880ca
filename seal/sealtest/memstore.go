package sealtest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
)

// MemStore is an in-memory [seal.HashStore] for tests and benchmarks. Its
// append lock is a per-org mutex, so it serializes appends only within one
// process; it has no transactions, which is sound because its only write
// under the lock, AppendLeaves, is atomic.
type MemStore struct {
	mu    sync.Mutex
	orgs  map[string]*MemOrg
	locks map[string]chan struct{}
}

// MemOrg is one org's data in a [MemStore]. Tests may change it through
// [MemStore.Org] to simulate tampering with the database.
type MemOrg struct {
	Leaves      [][]byte
	Hashes      []tlog.Hash
	Checkpoints map[int64][]byte
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore {
	return &MemStore{orgs: map[string]*MemOrg{}, locks: map[string]chan struct{}{}}
}

// Org returns org's data, creating it if needed. The caller must not use it
// concurrently with the store's methods.
func (m *MemStore) Org(org string) *MemOrg {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.org(org)
}

func (m *MemStore) org(org string) *MemOrg {
	o := m.orgs[org]
	if o == nil {
		o = &MemOrg{Checkpoints: map[int64][]byte{}}
		m.orgs[org] = o
	}
	return o
}

// Size implements [seal.LeafStore].
func (m *MemStore) Size(_ context.Context, org string) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return int64(len(m.org(org).Leaves)), nil
}

// ReadHashes implements [seal.HashReader].
func (m *MemStore) ReadHashes(_ context.Context, org string, indexes []int64) ([]tlog.Hash, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.org(org)
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(o.Hashes)) {
			return nil, fmt.Errorf("hash %d of %s: %w", x, org, seal.ErrNotFound)
		}
		out[i] = o.Hashes[x]
	}
	return out, nil
}

// ReadLeaves implements [seal.LeafStore].
func (m *MemStore) ReadLeaves(_ context.Context, org string, start, end int64) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.org(org)
	if start < 0 || start > end || end > int64(len(o.Leaves)) {
		return nil, fmt.Errorf("leaves %d-%d of %s: %w", start, end-1, org, seal.ErrNotFound)
	}
	return slices.Clone(o.Leaves[start:end]), nil
}

// AppendLeaves implements [seal.LeafStore].
func (m *MemStore) AppendLeaves(_ context.Context, org string, start int64, leaves [][]byte, hashes []tlog.Hash) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := m.org(org)
	if start != int64(len(o.Leaves)) {
		return fmt.Errorf("appending at %d to %s of size %d: %w", start, org, len(o.Leaves), seal.ErrConflict)
	}
	want := tlog.StoredHashCount(start+int64(len(leaves))) - tlog.StoredHashCount(start)
	if int64(len(hashes)) != want || int64(len(o.Hashes)) != tlog.StoredHashCount(start) {
		return fmt.Errorf("appending %d leaves to %s: %d hashes, want %d", len(leaves), org, len(hashes), want)
	}
	o.Leaves = append(o.Leaves, leaves...)
	o.Hashes = append(o.Hashes, hashes...)
	return nil
}

// PutCheckpoint implements [seal.CheckpointStore].
func (m *MemStore) PutCheckpoint(_ context.Context, org string, size int64, note []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.org(org).Checkpoints[size] = slices.Clone(note)
	return nil
}

// ReadCheckpoint implements [seal.CheckpointStore].
func (m *MemStore) ReadCheckpoint(_ context.Context, org string, size int64) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n, ok := m.org(org).Checkpoints[size]
	if !ok {
		return nil, fmt.Errorf("checkpoint %d of %s: %w", size, org, seal.ErrNotFound)
	}
	return slices.Clone(n), nil
}

// LatestCheckpoint implements [seal.CheckpointStore].
func (m *MemStore) LatestCheckpoint(_ context.Context, org string) (int64, []byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := int64(-1)
	for size := range m.org(org).Checkpoints {
		best = max(best, size)
	}
	if best < 0 {
		return 0, nil, fmt.Errorf("latest checkpoint of %s: %w", org, seal.ErrNotFound)
	}
	return best, slices.Clone(m.orgs[org].Checkpoints[best]), nil
}

// WithAppendLock implements [seal.HashStore].
func (m *MemStore) WithAppendLock(ctx context.Context, org string, fn func(ctx context.Context) error) error {
	m.mu.Lock()
	lock := m.locks[org]
	if lock == nil {
		lock = make(chan struct{}, 1)
		m.locks[org] = lock
	}
	m.mu.Unlock()
	select {
	case lock <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("waiting for append lock of %s: %w", org, ctx.Err())
	}
	defer func() { <-lock }()
	return fn(ctx)
}

var _ seal.HashStore = (*MemStore)(nil)
