package server

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/store"
)

// hashStore adapts the store's seal tables to [seal.HashStore], turning
// the store's sentinel errors into the seal's.
type hashStore struct{ ss *store.SealStore }

var _ seal.HashStore = hashStore{}

func sealErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("%w: %w", seal.ErrNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("%w: %w", seal.ErrConflict, err)
	}
	return err
}

func (h hashStore) ReadHashes(ctx context.Context, org string, indexes []int64) ([]tlog.Hash, error) {
	hs, err := h.ss.ReadHashes(ctx, org, indexes)
	return hs, sealErr(err)
}

func (h hashStore) Size(ctx context.Context, org string) (int64, error) {
	n, err := h.ss.Size(ctx, org)
	return n, sealErr(err)
}

func (h hashStore) ReadLeaves(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	ls, err := h.ss.ReadLeaves(ctx, org, start, end)
	return ls, sealErr(err)
}

func (h hashStore) AppendLeaves(ctx context.Context, org string, start int64, leaves [][]byte, hashes []tlog.Hash) error {
	return sealErr(h.ss.AppendLeaves(ctx, org, start, leaves, hashes))
}

func (h hashStore) PutCheckpoint(ctx context.Context, org string, size int64, note []byte) error {
	return sealErr(h.ss.PutCheckpoint(ctx, org, size, note))
}

func (h hashStore) ReadCheckpoint(ctx context.Context, org string, size int64) ([]byte, error) {
	n, err := h.ss.ReadCheckpoint(ctx, org, size)
	return n, sealErr(err)
}

func (h hashStore) LatestCheckpoint(ctx context.Context, org string) (int64, []byte, error) {
	size, n, err := h.ss.LatestCheckpoint(ctx, org)
	return size, n, sealErr(err)
}

func (h hashStore) WithAppendLock(ctx context.Context, org string, fn func(ctx context.Context) error) error {
	return h.ss.WithAppendLock(ctx, org, fn)
}

// ReadRecords implements [seal.RecordReader] for [seal.Audit].
func (h hashStore) ReadRecords(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	return h.ss.ReadRecords(ctx, org, start, end)
}
