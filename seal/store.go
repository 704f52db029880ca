package seal

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Errors a [HashStore] returns; callers match them with errors.Is.
var (
	// ErrNotFound means the requested leaf, hash or checkpoint is not stored.
	ErrNotFound = errors.New("seal: not found")
	// ErrConflict means an append did not start at the log's current size:
	// another writer appended first, or the caller skipped the append lock.
	ErrConflict = errors.New("seal: append conflict")
)

// A HashReader reads an org's stored Merkle hashes.
type HashReader interface {
	// ReadHashes returns the hashes stored for org at the given stored-hash
	// indexes (see tlog.StoredHashIndex), in the order of indexes. It must
	// return a slice of the same length as indexes or else a non-nil error;
	// an index that is not stored is an error wrapping [ErrNotFound]. It must
	// not retain indexes or the returned slice.
	ReadHashes(ctx context.Context, org string, indexes []int64) ([]tlog.Hash, error)
}

// A HashRangeReader is a [HashReader] that can also read a range of stored
// hashes at once. [Audit] reads hashes this way when its store implements
// it, which for a database is one range scan instead of a lookup per hash.
type HashRangeReader interface {
	// ReadHashRange returns the hashes stored for org at stored-hash
	// indexes start ≤ i < end, in order. If any of them is not stored it
	// returns an error wrapping [ErrNotFound].
	ReadHashRange(ctx context.Context, org string, start, end int64) ([]tlog.Hash, error)
}

// A LeafStore stores an org's encoded leaves together with their hashes.
type LeafStore interface {
	// Size returns how many leaves org's log holds; 0 for an unknown org.
	Size(ctx context.Context, org string) (int64, error)

	// ReadLeaves returns the encoded leaves with indexes start ≤ i < end,
	// exactly as they were appended. If any of them is not stored it
	// returns an error wrapping [ErrNotFound]. Callers do not modify the
	// returned bytes, so a store may return its own copies.
	ReadLeaves(ctx context.Context, org string, start, end int64) ([][]byte, error)

	// AppendLeaves stores leaves at indexes start, start+1, … and hashes at
	// stored-hash indexes tlog.StoredHashCount(start), … up to
	// tlog.StoredHashCount(start+len(leaves)), all or nothing. If org's size
	// is not start it stores nothing and returns an error wrapping
	// [ErrConflict]. Stored leaves and hashes are never changed or deleted.
	// AppendLeaves must not retain the slices after it returns (the byte
	// slices of leaves may be retained).
	AppendLeaves(ctx context.Context, org string, start int64, leaves [][]byte, hashes []tlog.Hash) error
}

// A CheckpointStore stores an org's signed checkpoints.
type CheckpointStore interface {
	// PutCheckpoint stores note, a signed checkpoint of org's log at size,
	// replacing any note stored earlier for the same size (a re-signing
	// during key rotation).
	PutCheckpoint(ctx context.Context, org string, size int64, note []byte) error

	// ReadCheckpoint returns the note stored for size, or an error wrapping
	// [ErrNotFound].
	ReadCheckpoint(ctx context.Context, org string, size int64) ([]byte, error)

	// LatestCheckpoint returns the largest size for which a note is stored
	// for org, and that note, or an error wrapping [ErrNotFound] if there is
	// none.
	LatestCheckpoint(ctx context.Context, org string) (size int64, note []byte, err error)
}

// A HashStore is the storage of all orgs' logs. The server's database
// implements it; seal/sealtest has an in-memory one and the contract suite
// every implementation must pass.
type HashStore interface {
	HashReader
	LeafStore
	CheckpointStore

	// WithAppendLock calls fn while holding org's append lock, which
	// excludes every other WithAppendLock for org in any process sharing the
	// store (a database adapter uses, for example, a Postgres advisory
	// lock). Store calls that fn makes with the context it is given run under
	// the lock, and for a transactional store in the lock's transaction:
	// WithAppendLock commits what fn wrote if fn returns nil and discards it
	// otherwise. It returns fn's error, or an error taking or releasing the
	// lock. Calls for different orgs do not block each other.
	WithAppendLock(ctx context.Context, org string, fn func(ctx context.Context) error) error
}

// A RecordReader reads the stored bytes of sealed records, for [Audit]. The
// server keeps records (session envelopes, commit records, audit entries)
// in its own tables, keyed by the index of the leaf that sealed them.
// Audit calls it concurrently with its store's read methods.
type RecordReader interface {
	// ReadRecords returns the stored bytes of the records sealed by leaves
	// start ≤ i < end of org's log, in index order. A record that is missing
	// is returned as nil, which Audit reports as tampering.
	ReadRecords(ctx context.Context, org string, start, end int64) ([][]byte, error)
}

// RecordReaderFunc adapts a function to a [RecordReader].
type RecordReaderFunc func(ctx context.Context, org string, start, end int64) ([][]byte, error)

// ReadRecords returns f(ctx, org, start, end).
func (f RecordReaderFunc) ReadRecords(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	return f(ctx, org, start, end)
}

// tlogReader adapts r to a tlog.HashReader for org.
func tlogReader(ctx context.Context, r HashReader, org string) tlog.HashReader {
	return tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hs, err := r.ReadHashes(ctx, org, indexes)
		if err != nil {
			return nil, err
		}
		if len(hs) != len(indexes) {
			return nil, fmt.Errorf("hash store returned %d hashes for %d indexes", len(hs), len(indexes))
		}
		return hs, nil
	})
}
