package store

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
)

// SealHashStore is the store's seal tables as a [seal.HashStore] and a
// [seal.RecordReader]: [SealStore] with the store's errors translated to
// the seal's.
type SealHashStore struct{ ss *SealStore }

var (
	_ seal.HashStore       = (*SealHashStore)(nil)
	_ seal.HashRangeReader = (*SealHashStore)(nil)
	_ seal.RecordReader    = (*SealHashStore)(nil)
)

// HashStore returns the store's seal tables as a [seal.HashStore].
func (s *Store) HashStore() *SealHashStore { return &SealHashStore{s.Seal()} }

// sealErr makes err match seal.ErrNotFound or seal.ErrConflict where it
// matches the store's.
func sealErr(err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Errorf("%w: %w", seal.ErrNotFound, err)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w: %w", seal.ErrConflict, err)
	}
	return err
}

// ReadHashes implements [seal.HashReader].
func (h *SealHashStore) ReadHashes(ctx context.Context, org string, indexes []int64) ([]tlog.Hash, error) {
	hs, err := h.ss.ReadHashes(ctx, org, indexes)
	return hs, sealErr(err)
}

// ReadHashRange implements [seal.HashRangeReader].
func (h *SealHashStore) ReadHashRange(ctx context.Context, org string, start, end int64) ([]tlog.Hash, error) {
	hs, err := h.ss.ReadHashRange(ctx, org, start, end)
	return hs, sealErr(err)
}

// Size implements [seal.LeafStore].
func (h *SealHashStore) Size(ctx context.Context, org string) (int64, error) {
	n, err := h.ss.Size(ctx, org)
	return n, sealErr(err)
}

// ReadLeaves implements [seal.LeafStore].
func (h *SealHashStore) ReadLeaves(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	ls, err := h.ss.ReadLeaves(ctx, org, start, end)
	return ls, sealErr(err)
}

// AppendLeaves implements [seal.LeafStore].
func (h *SealHashStore) AppendLeaves(ctx context.Context, org string, start int64, leaves [][]byte, hashes []tlog.Hash) error {
	return sealErr(h.ss.AppendLeaves(ctx, org, start, leaves, hashes))
}

// PutCheckpoint implements [seal.CheckpointStore].
func (h *SealHashStore) PutCheckpoint(ctx context.Context, org string, size int64, note []byte) error {
	return sealErr(h.ss.PutCheckpoint(ctx, org, size, note))
}

// ReadCheckpoint implements [seal.CheckpointStore].
func (h *SealHashStore) ReadCheckpoint(ctx context.Context, org string, size int64) ([]byte, error) {
	n, err := h.ss.ReadCheckpoint(ctx, org, size)
	return n, sealErr(err)
}

// LatestCheckpoint implements [seal.CheckpointStore].
func (h *SealHashStore) LatestCheckpoint(ctx context.Context, org string) (int64, []byte, error) {
	size, n, err := h.ss.LatestCheckpoint(ctx, org)
	return size, n, sealErr(err)
}

// WithAppendLock implements [seal.HashStore]; fn's error is returned as is.
func (h *SealHashStore) WithAppendLock(ctx context.Context, org string, fn func(ctx context.Context) error) error {
	return h.ss.WithAppendLock(ctx, org, fn)
}

// ReadRecords implements [seal.RecordReader].
func (h *SealHashStore) ReadRecords(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	return h.ss.ReadRecords(ctx, org, start, end)
}
