package record

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// VerifyError says which object of which chain failed verification, and
// why. Nothing is silently skipped: every reader surfaces it.
type VerifyError struct {
	Ref    string
	Commit gitstore.Hash
	Object string // "commit", "tree", RecordFile, SigFile
	Err    error
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("%s: %s of record commit %s: %v", e.Ref, e.Object, e.Commit, e.Err)
}

func (e *VerifyError) Unwrap() error { return e.Err }

// Errors a VerifyError may wrap; match with errors.Is.
var (
	ErrBrokenChain = errors.New("broken chain")
	ErrCorrupt     = errors.New("corrupt record object")
)

// readOne reads the record stored in one chain commit, without verifying
// its signature or chain position.
func readOne(ctx context.Context, s gitstore.Objects, h gitstore.Hash) (*Stored, error) {
	objs, err := s.ReadObjects(ctx, []gitstore.Hash{h})
	if err != nil {
		return nil, err
	}
	recs, err := decode(ctx, s, []gitstore.Hash{h}, objs, "")
	if err != nil {
		return nil, err
	}
	return &recs[0], nil
}

// ReadChain reads every record of the chain ref points to, oldest first,
// in three batched object reads. It checks the shape of each record (not
// signatures; see Verify).
func ReadChain(ctx context.Context, s Store, ref string) ([]Stored, error) {
	tip, err := s.ResolveRef(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	return ReadChainFrom(ctx, s, ref, tip, gitstore.ZeroHash)
}

// ErrNotPrefix says that a chain does not continue the prefix it was read
// from (ReadChainFrom): its history was rewritten.
var ErrNotPrefix = errors.New("the chain does not extend the given prefix")

// ReadChainFrom is ReadChain at tip (the ref's value, already resolved),
// reading only the records after the chain commit after, which must be
// the tip of a prefix of the chain (zero: read the whole chain). The first
// record read must have after as its only parent, or the error is
// ErrNotPrefix; with VerifyFrom it extends a verified prefix.
func ReadChainFrom(ctx context.Context, s Store, ref string, tip, after gitstore.Hash) ([]Stored, error) {
	if tip == after {
		return nil, nil
	}
	q := gitstore.RevQuery{Include: []gitstore.Hash{tip}, FirstParent: true}
	if !after.IsZero() {
		q.Exclude = []gitstore.Hash{after}
	}
	hs, err := s.RevList(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", ref, err)
	}
	for i, j := 0, len(hs)-1; i < j; i, j = i+1, j-1 {
		hs[i], hs[j] = hs[j], hs[i]
	}
	commits, err := s.ReadObjects(ctx, hs)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	out, err := decode(ctx, s, hs, commits, ref)
	if err != nil {
		return nil, err
	}
	if !after.IsZero() && (len(out) == 0 || len(out[0].Meta.Parents) != 1 || out[0].Meta.Parents[0] != after) {
		return nil, fmt.Errorf("%s: %w", ref, ErrNotPrefix)
	}
	return out, nil
}

// decode reads trees and blobs of the given commits (already read). Every
// failure is a *VerifyError naming the chain commit and the object at
// fault; a missing object is named by the object that references it.
func decode(ctx context.Context, s gitstore.Objects, hs []gitstore.Hash, commits map[gitstore.Hash]gitstore.Object, ref string) ([]Stored, error) {
	out := make([]Stored, len(hs))
	parsed := make([]*gitstore.Commit, len(hs))
	var trees []gitstore.Hash
	for i, h := range hs {
		c, err := gitstore.ParseCommit(commits[h].Data)
		if err == nil && commits[h].Type != gitstore.TypeCommit {
			err = fmt.Errorf("object is a %s", commits[h].Type)
		}
		if err != nil {
			return nil, &VerifyError{Ref: ref, Commit: h, Object: "commit", Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		}
		parsed[i] = c
		trees = append(trees, c.Tree)
	}
	tobjs, err := readNamed(ctx, s, trees, func(i int) (gitstore.Hash, string) { return hs[i], "commit" }, ref)
	if err != nil {
		return nil, err
	}
	blobIDs := make([][2]gitstore.Hash, len(hs))
	var blobs []gitstore.Hash
	for i, h := range hs {
		t := tobjs[parsed[i].Tree]
		entries, err := gitstore.ParseTree(t.Data)
		if err != nil || t.Type != gitstore.TypeTree || len(entries) != 2 || entries[0].Name != RecordFile || entries[1].Name != SigFile ||
			entries[0].Mode != gitstore.ModeFile || entries[1].Mode != gitstore.ModeFile {
			return nil, &VerifyError{Ref: ref, Commit: h, Object: "tree", Err: fmt.Errorf("%w: want exactly the files %s and %s", ErrCorrupt, RecordFile, SigFile)}
		}
		blobIDs[i] = [2]gitstore.Hash{entries[0].Hash, entries[1].Hash}
		blobs = append(blobs, entries[0].Hash, entries[1].Hash)
	}
	bobjs, err := readNamed(ctx, s, blobs, func(i int) (gitstore.Hash, string) { return hs[i/2], "tree" }, ref)
	if err != nil {
		return nil, err
	}
	for i, h := range hs {
		raw, sig := bobjs[blobIDs[i][0]], bobjs[blobIDs[i][1]]
		if raw.Type != gitstore.TypeBlob || sig.Type != gitstore.TypeBlob {
			return nil, &VerifyError{Ref: ref, Commit: h, Object: "tree", Err: fmt.Errorf("%w: record files are not blobs", ErrCorrupt)}
		}
		env, err := ParseEnvelope(raw.Data)
		if err != nil {
			return nil, &VerifyError{Ref: ref, Commit: h, Object: RecordFile, Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		}
		out[i] = Stored{Commit: h, Raw: raw.Data, Sig: string(sig.Data), Envelope: env, Meta: parsed[i]}
	}
	for i := range out {
		if i > 0 && (len(parsed[i].Parents) != 1 || parsed[i].Parents[0] != hs[i-1]) {
			return nil, &VerifyError{Ref: ref, Commit: hs[i], Object: "commit", Err: fmt.Errorf("%w: parent is not the previous record", ErrBrokenChain)}
		}
	}
	return out, nil
}

// readNamed reads objects in one batch; when one is missing it finds which
// and returns a *VerifyError naming the chain commit and the object (of
// that commit) referencing it.
func readNamed(ctx context.Context, s gitstore.Objects, hs []gitstore.Hash, owner func(i int) (gitstore.Hash, string), ref string) (map[gitstore.Hash]gitstore.Object, error) {
	objs, err := s.ReadObjects(ctx, hs)
	if err == nil {
		return objs, nil
	}
	if !errors.Is(err, gitstore.ErrNotFound) {
		return nil, fmt.Errorf("reading record objects of %s: %w", ref, err)
	}
	for i, h := range hs {
		if _, _, err := s.ReadObject(ctx, h); errors.Is(err, gitstore.ErrNotFound) {
			c, obj := owner(i)
			return nil, &VerifyError{Ref: ref, Commit: c, Object: obj, Err: fmt.Errorf("%w: it references object %s, which is missing", ErrCorrupt, h)}
		}
	}
	return nil, fmt.Errorf("reading record objects of %s: %w", ref, err)
}

// Verify checks a chain read by ReadChain: each record is signed by the
// writer the ref names with a key in allowed, sequence numbers count up from
// 1, each record's prev is the hash of the one before, and each chain
// commit's message and dates are the ones derived from its record. It
// returns the first failure as a *VerifyError.
//
// A signature that does not verify means record.json or record.sig was
// altered. The next record's prev tells which: if it still matches
// record.json, record.sig is named, otherwise record.json. The tip has no
// next record, so there record.sig is named and the message says both.
func Verify(ref string, chain []Stored, allowed *sigkey.AllowedSigners) error {
	return VerifyFrom(ref, chain, 1, "", allowed)
}

// VerifyFrom is Verify for the records that follow a prefix of the chain
// already verified (by Verify or VerifyFrom, under the same signers):
// chain[0] must have sequence number seq and prev, the chain hash of the
// prefix's last record (see Hash); seq 1 and prev "" verify a whole chain.
// That chain[0]'s commit has the prefix's last commit as its parent is the
// caller's check (ReadChainFrom makes it).
//
// The per-record checks (signature, commit message and dates) run on all
// CPUs; the first failure in chain order is returned, as Verify would.
func VerifyFrom(ref string, chain []Stored, seq int64, prev string, allowed *sigkey.AllowedSigners) error {
	writer, ok := WriterOfRef(ref)
	if !ok {
		return fmt.Errorf("%s is not a chain ref", ref)
	}
	signer, known := allowed.Lookup(writer)
	if !known && len(chain) > 0 {
		return &VerifyError{Ref: ref, Commit: chain[0].Commit, Object: SigFile,
			Err: fmt.Errorf("%w: writer %s is not in .tracevault/allowed_signers", sigkey.ErrUnknownKey, writer)}
	}
	sigErrs, metaErrs := checkRecords(chain, signer.Key)
	for i := range chain {
		st := &chain[i]
		env := st.Envelope
		fail := func(obj string, err error) error {
			return &VerifyError{Ref: ref, Commit: st.Commit, Object: obj, Err: err}
		}
		if err := sigErrs[i]; err != nil {
			return fail(sigAtFault(chain, i, sigErrs, err), err)
		}
		if env.Writer != writer {
			return fail(RecordFile, fmt.Errorf("%w: record names writer %s on %s's chain", ErrBrokenChain, env.Writer, writer))
		}
		if env.Seq != seq+int64(i) {
			return fail(RecordFile, fmt.Errorf("%w: seq %d at position %d", ErrBrokenChain, env.Seq, seq+int64(i)))
		}
		if env.Prev != prev {
			return fail(RecordFile, fmt.Errorf("%w: prev %q, want %q", ErrBrokenChain, env.Prev, prev))
		}
		if err := metaErrs[i]; err != nil {
			return fail("commit", err)
		}
		prev = Hash(st.Raw)
	}
	return nil
}

// parallelMin is the chain length from which checkRecords uses all CPUs.
const parallelMin = 64

// checkRecords verifies each record's signature with key and checks its
// chain commit's metadata; the records are independent, so long chains
// are split over all CPUs.
func checkRecords(chain []Stored, key sigkey.PublicKey) (sigErrs, metaErrs []error) {
	sigErrs, metaErrs = make([]error, len(chain)), make([]error, len(chain))
	check := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			sigErrs[i] = sigkey.Verify(key, chain[i].Raw, chain[i].Sig)
			metaErrs[i] = checkMeta(&chain[i])
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(chain) < parallelMin || workers < 2 {
		check(0, len(chain))
		return sigErrs, metaErrs
	}
	var wg sync.WaitGroup
	step := (len(chain) + workers - 1) / workers
	for lo := 0; lo < len(chain); lo += step {
		wg.Go(func() { check(lo, min(lo+step, len(chain))) })
	}
	wg.Wait()
	return sigErrs, metaErrs
}

// sigAtFault names the file a failed signature check of chain[i] blames;
// sigErrs holds each record's signature check.
func sigAtFault(chain []Stored, i int, sigErrs []error, err error) string {
	if errors.Is(err, sigkey.ErrMalformed) || i+1 >= len(chain) {
		return SigFile
	}
	if sigErrs[i+1] == nil && chain[i+1].Envelope.Prev != Hash(chain[i].Raw) {
		return RecordFile
	}
	return SigFile
}

// checkMeta checks a chain commit's message and dates against its record.
func checkMeta(st *Stored) error {
	if st.Meta == nil {
		return nil
	}
	msg, err := CommitMessage(st.Envelope)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if st.Meta.Message != msg {
		return fmt.Errorf("%w: message %q, want %q", ErrCorrupt, st.Meta.Message, msg)
	}
	want := st.Envelope.CreatedAt.Unix()
	if st.Meta.Author.When.Unix() != want || st.Meta.Committer.When.Unix() != want {
		return fmt.Errorf("%w: dates differ from the record's created_at", ErrCorrupt)
	}
	if len(st.Meta.ExtraHeaders) != 0 {
		return fmt.Errorf("%w: unexpected header %q", ErrCorrupt, st.Meta.ExtraHeaders[0].Key)
	}
	return nil
}

// ReadRecordCommit reads the record stored in one chain commit (shape
// checked, signature not verified).
func ReadRecordCommit(ctx context.Context, s gitstore.Objects, h gitstore.Hash) (*Stored, error) {
	return readOne(ctx, s, h)
}
