package seal

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// What a [TamperError] names.
const (
	TamperRecord     = "record"     // a record's stored bytes; Index is its leaf
	TamperLeaf       = "leaf"       // a stored leaf; Index is the leaf
	TamperHash       = "hash"       // a stored Merkle hash; Index is its stored-hash index
	TamperChain      = "chain"      // leaves that are each intact but do not link up; Index is the leaf that does not follow
	TamperCheckpoint = "checkpoint" // the latest checkpoint; Index is its size
)

// A TamperError reports the first item of an org's log that does not verify.
type TamperError struct {
	What   string // one of TamperRecord, TamperLeaf, TamperHash, TamperChain, TamperCheckpoint
	Index  int64  // which one; see the What constants
	Detail string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("seal: %s %d does not verify: %s", e.What, e.Index, e.Detail)
}

// AuditReport summarizes an audit that found nothing wrong.
type AuditReport struct {
	Leaves     int64      // leaves checked
	Checkpoint Checkpoint // the latest checkpoint, verified; covers every leaf
}

// auditChunk is how many leaves Audit reads at a time.
const auditChunk = 1 << 12

// Audit verifies all of org's log from stored data: that the latest
// checkpoint is signed by a known key and names its key's log, that every
// record's stored bytes hash to the SHA-256 its leaf seals, that every leaf
// is well formed and at its index, links to the previous leaf and is not
// sealed earlier than it, that every stored Merkle hash equals the hash
// recomputed from the leaves, and that the recomputed tree of the
// checkpoint's size has the signed root. It returns a [*TamperError] naming
// the first item that fails, other errors for failures to read, and an
// error if the log has leaves no checkpoint covers (a server signs a
// checkpoint after every append).
//
// Audit reads the log once, in chunks, and holds O(chunk + log n) hashes.
func Audit(ctx context.Context, store HashStore, records RecordReader, org string, known note.Verifiers) (AuditReport, error) {
	a := &auditor{ctx: ctx, store: store, records: records, org: org}
	if err := a.openCheckpoint(known); err != nil {
		return AuditReport{}, err
	}
	for s := int64(0); s < a.n; s += auditChunk {
		if err := a.chunk(s, min(s+auditChunk, a.n)); err != nil {
			return AuditReport{}, err
		}
	}
	if a.n < a.cp.Size {
		return AuditReport{}, tamper(TamperLeaf, a.n, "missing: the checkpoint covers %d leaves, the store has %d", a.cp.Size, a.n)
	}
	return AuditReport{Leaves: a.cp.Size, Checkpoint: a.cp}, nil
}

type auditor struct {
	ctx     context.Context
	store   HashStore
	records RecordReader
	org     string
	cp      Checkpoint
	n       int64 // leaves to audit: the store's, or the checkpoint's if fewer
	f       frontier
	prev    Leaf
	prevH   tlog.Hash
	buf     []tlog.Hash
}

func tamper(what string, i int64, format string, args ...any) error {
	return &TamperError{What: what, Index: i, Detail: fmt.Sprintf(format, args...)}
}

func (a *auditor) openCheckpoint(known note.Verifiers) error {
	size, msg, err := a.store.LatestCheckpoint(a.ctx, a.org)
	n, err2 := a.store.Size(a.ctx, a.org)
	if err2 != nil {
		return fmt.Errorf("auditing %s: reading log size: %w", a.org, err2)
	}
	if errors.Is(err, ErrNotFound) {
		if n == 0 {
			return nil
		}
		return tamper(TamperCheckpoint, n, "no checkpoint is stored for a log of %d leaves", n)
	}
	if err != nil {
		return fmt.Errorf("auditing %s: reading latest checkpoint: %w", a.org, err)
	}
	cp, nt, err := OpenCheckpoint(msg, known)
	switch {
	case err != nil:
		return tamper(TamperCheckpoint, size, "%v", err)
	case cp.Origin != nt.Sigs[0].Name:
		return tamper(TamperCheckpoint, size, "origin %q is not the signing key's name %q", cp.Origin, nt.Sigs[0].Name)
	case cp.Size != size:
		return tamper(TamperCheckpoint, size, "stored for size %d but signs size %d", size, cp.Size)
	case cp.Size < n:
		return tamper(TamperCheckpoint, size, "leaves %d-%d are not covered by any checkpoint", cp.Size, n-1)
	}
	a.cp, a.n = cp, min(n, cp.Size)
	return nil
}

// chunk audits leaves [s, e).
func (a *auditor) chunk(s, e int64) error {
	// One leaf of lookahead tells a changed leaf from a changed stored hash.
	leaves, err := a.store.ReadLeaves(a.ctx, a.org, s, min(e+1, a.n))
	if err != nil {
		return fmt.Errorf("auditing %s: reading leaves %d-%d: %w", a.org, s, e-1, err)
	}
	recs, err := a.records.ReadRecords(a.ctx, a.org, s, e)
	if err != nil {
		return fmt.Errorf("auditing %s: reading records %d-%d: %w", a.org, s, e-1, err)
	}
	base := tlog.StoredHashCount(s)
	idx := make([]int64, tlog.StoredHashCount(e)-base)
	for i := range idx {
		idx[i] = base + int64(i)
	}
	stored, err := a.store.ReadHashes(a.ctx, a.org, idx)
	if err != nil {
		return fmt.Errorf("auditing %s: reading hashes of leaves %d-%d: %w", a.org, s, e-1, err)
	}
	if int64(len(leaves)) != min(e+1, a.n)-s || int64(len(recs)) != e-s || len(stored) != len(idx) {
		return fmt.Errorf("auditing %s: store returned wrong counts for leaves %d-%d", a.org, s, e-1)
	}
	for i := s; i < e; i++ {
		var next []byte
		if i+1-s < int64(len(leaves)) {
			next = leaves[i+1-s]
		}
		if err := a.leaf(i, leaves[i-s], next, recs[i-s], stored[tlog.StoredHashCount(i)-base:]); err != nil {
			return err
		}
	}
	return nil
}

// leaf audits leaf i, given its bytes b, the next leaf's bytes (nil for the
// last), its record and the stored hashes from its first one on.
func (a *auditor) leaf(i int64, b, next, rec []byte, stored []tlog.Hash) error {
	l, err := ParseLeaf(b)
	if err != nil {
		return tamper(TamperLeaf, i, "%v", err)
	}
	h := tlog.RecordHash(b)
	a.buf = a.f.append(h, a.buf[:0])
	if h != stored[0] && !a.storedHashWrong(h, next) {
		return tamper(TamperLeaf, i, "leaf hash %s does not match the stored hash or the next leaf's prev", h)
	}
	switch {
	case l.Index != i:
		return tamper(TamperChain, i, "leaf at position %d says index %d", i, l.Index)
	case i > 0 && l.Prev != a.prevH:
		return tamper(TamperChain, i, "prev %s is not the hash %s of leaf %d", l.Prev, a.prevH, i-1)
	case i > 0 && l.SealedAt.Before(a.prev.SealedAt):
		return tamper(TamperChain, i, "sealed at %v, before leaf %d (%v)", l.SealedAt, i-1, a.prev.SealedAt)
	case rec == nil:
		return tamper(TamperRecord, i, "record is missing")
	case RecordDigest(rec) != l.Record:
		return tamper(TamperRecord, i, "record bytes do not hash to the sha256 sealed in leaf %d", i)
	}
	for j, want := range a.buf {
		if stored[j] != want {
			return tamper(TamperHash, tlog.StoredHashCount(i)+int64(j), "stored %s, recomputed %s", stored[j], want)
		}
	}
	if a.f.n == a.cp.Size && a.f.root() != a.cp.Root {
		return tamper(TamperCheckpoint, a.cp.Size, "signed root %s is not the root %s of the stored leaves: the log was rewritten", a.cp.Root, a.f.root())
	}
	a.prev, a.prevH = l, h
	return nil
}

// storedHashWrong reports whether leaf hash h, which differs from its stored
// hash, is nonetheless vouched for: by the next leaf's prev or, for the last
// leaf, by the signed root. Then the stored hash is what changed.
func (a *auditor) storedHashWrong(h tlog.Hash, next []byte) bool {
	if next == nil {
		return a.f.n == a.cp.Size && a.f.root() == a.cp.Root
	}
	nl, err := ParseLeaf(next)
	return err == nil && nl.Prev == h
}
