package seal

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

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

// auditChunk is how many leaves Audit reads at a time, and auditReadAhead
// how many chunks it reads at once.
const (
	auditChunk     = 1 << 14
	auditReadAhead = 3
)

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
// It reads the next chunk while it verifies the current one, and hashes
// and parses a chunk's records and leaves on every CPU; the checks that
// follow the log's order (chain links, the Merkle tree) run in order, so
// the result, and which item a failure names, do not depend on the
// parallelism. A store that also implements [HashRangeReader] has its
// stored hashes read by range.
func Audit(ctx context.Context, store HashStore, records RecordReader, org string, known note.Verifiers) (AuditReport, error) {
	a := &auditor{ctx: ctx, store: store, records: records, org: org}
	if err := a.openCheckpoint(known); err != nil {
		return AuditReport{}, err
	}
	if err := a.run(); err != nil {
		return AuditReport{}, err
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

// A chunk is leaves [s, e) as read from the store, with what can be
// computed for each leaf on its own.
type chunk struct {
	s, e   int64
	err    error       // reading failed; the chunk holds nothing else
	leaves [][]byte    // [s, e+1) (one leaf of lookahead) within the log
	recs   [][]byte    // [s, e)
	stored []tlog.Hash // stored hashes from tlog.StoredHashCount(s) to tlog.StoredHashCount(e)

	parsed []Leaf      // per leaf of leaves
	perr   []error     // ParseLeaf's error per leaf
	hash   []tlog.Hash // tlog.RecordHash per leaf
	digest [][32]byte  // RecordDigest per record
}

// run audits leaves [0, a.n): one goroutine reads chunks, one prepares
// them (hashing and parsing on every CPU), and this one checks them in
// order.
func (a *auditor) run() error {
	if a.n == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(a.ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	// Chunks are read auditReadAhead at a time, each by its own goroutine,
	// and handed on in order.
	read := make(chan chan *chunk, auditReadAhead-1)
	ready := make(chan *chunk, 1)
	send := func(ch chan<- *chunk, c *chunk) bool {
		select {
		case ch <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		defer close(read)
		for s := int64(0); s < a.n; s += auditChunk {
			fut := make(chan *chunk, 1)
			select {
			case read <- fut:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				fut <- a.read(ctx, s, min(s+auditChunk, a.n))
			}()
		}
	}()
	go func() {
		defer wg.Done()
		defer close(ready)
		for fut := range read {
			c := <-fut
			if c.err == nil {
				c.prepare()
			}
			if !send(ready, c) || c.err != nil {
				return
			}
		}
	}()
	for c := range ready {
		if c.err != nil {
			return c.err
		}
		if err := a.check(c); err != nil {
			return err
		}
	}
	return a.ctx.Err()
}

// read reads leaves [s, e), their records and their stored hashes, the
// three at once (a database serves them on separate connections).
func (a *auditor) read(ctx context.Context, s, e int64) *chunk {
	c := &chunk{s: s, e: e}
	base, end := tlog.StoredHashCount(s), tlog.StoredHashCount(e)
	var errs [3]error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if c.leaves, errs[0] = a.store.ReadLeaves(ctx, a.org, s, min(e+1, a.n)); errs[0] != nil {
			errs[0] = fmt.Errorf("auditing %s: reading leaves %d-%d: %w", a.org, s, e-1, errs[0])
		}
	}()
	go func() {
		defer wg.Done()
		if c.recs, errs[1] = a.records.ReadRecords(ctx, a.org, s, e); errs[1] != nil {
			errs[1] = fmt.Errorf("auditing %s: reading records %d-%d: %w", a.org, s, e-1, errs[1])
		}
	}()
	if rr, ok := a.store.(HashRangeReader); ok {
		c.stored, errs[2] = rr.ReadHashRange(ctx, a.org, base, end)
	} else {
		idx := make([]int64, end-base)
		for i := range idx {
			idx[i] = base + int64(i)
		}
		c.stored, errs[2] = a.store.ReadHashes(ctx, a.org, idx)
	}
	if errs[2] != nil {
		errs[2] = fmt.Errorf("auditing %s: reading hashes of leaves %d-%d: %w", a.org, s, e-1, errs[2])
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return &chunk{s: s, e: e, err: err}
		}
	}
	if int64(len(c.leaves)) != min(e+1, a.n)-s || int64(len(c.recs)) != e-s || int64(len(c.stored)) != end-base {
		return &chunk{s: s, e: e, err: fmt.Errorf("auditing %s: store returned wrong counts for leaves %d-%d", a.org, s, e-1)}
	}
	return c
}

// prepare parses and hashes every leaf and hashes every record of c,
// spread over the CPUs.
func (c *chunk) prepare() {
	n := len(c.leaves)
	c.parsed, c.perr, c.hash = make([]Leaf, n), make([]error, n), make([]tlog.Hash, n)
	c.digest = make([][32]byte, len(c.recs))
	workers := min(runtime.GOMAXPROCS(0), max(1, n/256))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				c.parsed[i], c.perr[i] = ParseLeaf(c.leaves[i])
				c.hash[i] = tlog.RecordHash(c.leaves[i])
				if i < len(c.recs) && c.recs[i] != nil {
					c.digest[i] = RecordDigest(c.recs[i])
				}
			}
		}()
	}
	wg.Wait()
}

// check audits the leaves of c in order.
func (a *auditor) check(c *chunk) error {
	base := tlog.StoredHashCount(c.s)
	for i := c.s; i < c.e; i++ {
		if err := a.leaf(c, i, c.stored[tlog.StoredHashCount(i)-base:]); err != nil {
			return err
		}
	}
	return nil
}

// leaf audits leaf i of c, given the stored hashes from its first one on.
func (a *auditor) leaf(c *chunk, i int64, stored []tlog.Hash) error {
	k := i - c.s
	if err := c.perr[k]; err != nil {
		return tamper(TamperLeaf, i, "%v", err)
	}
	l, h, rec := &c.parsed[k], c.hash[k], c.recs[k]
	a.buf = a.f.append(h, a.buf[:0])
	if h != stored[0] && !a.storedHashWrong(c, k, h) {
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
	case c.digest[k] != l.Record:
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
	a.prev, a.prevH = *l, h
	return nil
}

// storedHashWrong reports whether leaf hash h of leaf k of c, which
// differs from its stored hash, is nonetheless vouched for: by the next
// leaf's prev or, for the last leaf, by the signed root. Then the stored
// hash is what changed.
func (a *auditor) storedHashWrong(c *chunk, k int64, h tlog.Hash) bool {
	if k+1 >= int64(len(c.leaves)) {
		return a.f.n == a.cp.Size && a.f.root() == a.cp.Root
	}
	return c.perr[k+1] == nil && c.parsed[k+1].Prev == h
}
