package seal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Config configures a [Log].
type Config struct {
	// Store holds every org's leaves, hashes and checkpoints.
	Store HashStore
	// Keys returns org's key ring, whose name is the origin of org's
	// checkpoints and whose signing keys sign them. The server loads it from
	// its database with [OpenKeyRing].
	Keys func(ctx context.Context, org string) (*KeyRing, error)
	// Now returns the sealing time; nil means time.Now.
	Now func() time.Time
}

// A Log appends to, checkpoints and proves the per-org logs kept in a
// [HashStore]. It is safe for concurrent use, by any number of processes
// sharing the store: appends to one org are serialized by the store's
// append lock.
type Log struct {
	store HashStore
	keys  func(ctx context.Context, org string) (*KeyRing, error)
	now   func() time.Time
}

// New returns a Log for cfg.
func New(cfg Config) (*Log, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("seal: Config needs Store and Keys")
	}
	l := &Log{store: cfg.Store, keys: cfg.Keys, now: cfg.Now}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// An Entry is a record to seal with [Log.AppendBatch].
type Entry struct {
	Record []byte // the record's stored bytes; only their SHA-256 is sealed
	Kind   Kind
	// Amends is the index of the leaf this entry corrects when Kind is
	// KindAmendment, and must be NoAmends otherwise.
	Amends int64
}

// Append seals one record into org's log and returns its leaf.
func (l *Log) Append(ctx context.Context, org string, record []byte, kind Kind, amends int64) (Leaf, error) {
	leaves, err := l.AppendBatch(ctx, org, []Entry{{Record: record, Kind: kind, Amends: amends}})
	if err != nil {
		return Leaf{}, err
	}
	return leaves[0], nil
}

// AppendBatch seals entries into org's log, in order, as one atomic append
// under org's append lock, and returns their leaves. All leaves of a batch
// share one sealed-at time, which is never earlier than the last leaf's.
func (l *Log) AppendBatch(ctx context.Context, org string, entries []Entry) ([]Leaf, error) {
	if org == "" || len(entries) == 0 {
		return nil, errors.New("seal: append needs an org and at least one entry")
	}
	var out []Leaf
	err := l.store.WithAppendLock(ctx, org, func(ctx context.Context) error {
		var err error
		out, err = l.appendLocked(ctx, org, entries)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("appending to seal log of %s: %w", org, err)
	}
	return out, nil
}

func (l *Log) appendLocked(ctx context.Context, org string, entries []Entry) ([]Leaf, error) {
	n, err := l.store.Size(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("reading log size: %w", err)
	}
	f, err := loadFrontier(ctx, l.store, org, n)
	if err != nil {
		return nil, err
	}
	now := l.now().UTC()
	var prev tlog.Hash
	if n > 0 {
		last, err := l.store.ReadLeaves(ctx, org, n-1, n)
		if err != nil {
			return nil, fmt.Errorf("reading leaf %d: %w", n-1, err)
		}
		if len(last) != 1 {
			return nil, fmt.Errorf("reading leaf %d: store returned %d leaves", n-1, len(last))
		}
		pl, err := ParseLeaf(last[0])
		if err != nil {
			return nil, fmt.Errorf("reading leaf %d: %w", n-1, err)
		}
		prev = tlog.RecordHash(last[0])
		if now.Before(pl.SealedAt) { // a replica's clock behind the last sealer's
			now = pl.SealedAt
		}
	}
	out := make([]Leaf, len(entries))
	enc := make([][]byte, len(entries))
	hashes := make([]tlog.Hash, 0, 2*len(entries)+64)
	for i, e := range entries {
		lf := Leaf{Index: n + int64(i), Record: RecordDigest(e.Record), Prev: prev, SealedAt: now, Kind: e.Kind, Amends: e.Amends}
		if err := lf.Check(); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		out[i], enc[i] = lf, lf.Encode()
		prev = tlog.RecordHash(enc[i])
		hashes = f.append(prev, hashes)
	}
	if err := l.store.AppendLeaves(ctx, org, n, enc, hashes); err != nil {
		return nil, fmt.Errorf("storing leaves %d-%d: %w", n, n+int64(len(enc))-1, err)
	}
	return out, nil
}

// Checkpoint signs a checkpoint of org's log at its current size with the
// signing keys of org's key ring, stores it and returns it with the signed
// note.
func (l *Log) Checkpoint(ctx context.Context, org string) (Checkpoint, []byte, error) {
	ring, err := l.keys(ctx, org)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("loading key ring of %s: %w", org, err)
	}
	n, err := l.store.Size(ctx, org)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("reading size of seal log of %s: %w", org, err)
	}
	f, err := loadFrontier(ctx, l.store, org, n)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("checkpointing %s: %w", org, err)
	}
	cp := Checkpoint{Origin: ring.Name(), Size: n, Root: f.root()}
	msg, err := note.Sign(&note.Note{Text: string(cp.Format())}, ring.Signers()...)
	if err != nil {
		return Checkpoint{}, nil, fmt.Errorf("signing checkpoint of %s: %w", org, err)
	}
	if err := l.store.PutCheckpoint(ctx, org, n, msg); err != nil {
		return Checkpoint{}, nil, fmt.Errorf("storing checkpoint of %s at %d: %w", org, n, err)
	}
	return cp, msg, nil
}

// LatestCheckpoint returns the latest signed checkpoint note of org's log.
func (l *Log) LatestCheckpoint(ctx context.Context, org string) ([]byte, error) {
	_, msg, err := l.store.LatestCheckpoint(ctx, org)
	if err != nil {
		return nil, fmt.Errorf("reading latest checkpoint of %s: %w", org, err)
	}
	return msg, nil
}

// Leaf returns the encoded leaf at index of org's log.
func (l *Log) Leaf(ctx context.Context, org string, index int64) ([]byte, error) {
	b, err := l.store.ReadLeaves(ctx, org, index, index+1)
	if err != nil {
		return nil, fmt.Errorf("reading leaf %d of %s: %w", index, org, err)
	}
	if len(b) != 1 {
		return nil, fmt.Errorf("reading leaf %d of %s: store returned %d leaves", index, org, len(b))
	}
	return b[0], nil
}

// ProveInclusion returns the proof that leaf index is in org's log of size
// leaves, for [VerifyInclusion].
func (l *Log) ProveInclusion(ctx context.Context, org string, index, size int64) (tlog.RecordProof, error) {
	if err := l.checkSizes(ctx, org, index+1, size); err != nil {
		return nil, fmt.Errorf("proving leaf %d in size %d: %w", index, size, err)
	}
	if index < 0 {
		return nil, fmt.Errorf("proving leaf %d: negative index", index)
	}
	p, err := tlog.ProveRecord(size, index, tlogReader(ctx, l.store, org))
	if err != nil {
		return nil, fmt.Errorf("proving leaf %d in size %d of %s: %w", index, size, org, err)
	}
	return p, nil
}

// ProveConsistency returns the proof that org's log of size newer extends
// its log of size older, for [VerifyConsistency].
func (l *Log) ProveConsistency(ctx context.Context, org string, older, newer int64) (tlog.TreeProof, error) {
	if err := l.checkSizes(ctx, org, older, newer); err != nil {
		return nil, fmt.Errorf("proving size %d consistent with %d: %w", newer, older, err)
	}
	if older == 0 {
		return tlog.TreeProof{}, nil
	}
	p, err := tlog.ProveTree(newer, older, tlogReader(ctx, l.store, org))
	if err != nil {
		return nil, fmt.Errorf("proving size %d consistent with %d of %s: %w", newer, older, org, err)
	}
	return p, nil
}

// ErrBadSize is wrapped by errors for proof requests about sizes the log
// does not have.
var ErrBadSize = errors.New("seal: size out of range")

func (l *Log) checkSizes(ctx context.Context, org string, lo, hi int64) error {
	n, err := l.store.Size(ctx, org)
	if err != nil {
		return err
	}
	if lo < 0 || lo > hi || hi > n {
		return fmt.Errorf("%w: need 0 ≤ %d ≤ %d ≤ log size %d", ErrBadSize, lo, hi, n)
	}
	return nil
}
