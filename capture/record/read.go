package record

import (
	"context"
	"errors"
	"fmt"

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
	hs, err := s.RevList(ctx, gitstore.RevQuery{Include: []gitstore.Hash{tip}, FirstParent: true})
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
	return decode(ctx, s, hs, commits, ref)
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
	writer, ok := WriterOfRef(ref)
	if !ok {
		return fmt.Errorf("%s is not a chain ref", ref)
	}
	signer, known := allowed.Lookup(writer)
	prev := ""
	for i, st := range chain {
		env := st.Envelope
		fail := func(obj string, err error) error {
			return &VerifyError{Ref: ref, Commit: st.Commit, Object: obj, Err: err}
		}
		if !known {
			return fail(SigFile, fmt.Errorf("%w: writer %s is not in .tracevault/allowed_signers", sigkey.ErrUnknownKey, writer))
		}
		if err := sigkey.Verify(signer.Key, st.Raw, st.Sig); err != nil {
			return fail(sigAtFault(chain, i, signer.Key, err), err)
		}
		if env.Writer != writer {
			return fail(RecordFile, fmt.Errorf("%w: record names writer %s on %s's chain", ErrBrokenChain, env.Writer, writer))
		}
		if env.Seq != int64(i+1) {
			return fail(RecordFile, fmt.Errorf("%w: seq %d at position %d", ErrBrokenChain, env.Seq, i+1))
		}
		if env.Prev != prev {
			return fail(RecordFile, fmt.Errorf("%w: prev %q, want %q", ErrBrokenChain, env.Prev, prev))
		}
		if err := checkMeta(&st); err != nil {
			return fail("commit", err)
		}
		prev = Hash(st.Raw)
	}
	return nil
}

// sigAtFault names the file a failed signature check of chain[i] blames.
func sigAtFault(chain []Stored, i int, key sigkey.PublicKey, err error) string {
	if errors.Is(err, sigkey.ErrMalformed) || i+1 >= len(chain) {
		return SigFile
	}
	next := chain[i+1]
	if sigkey.Verify(key, next.Raw, next.Sig) == nil && next.Envelope.Prev != Hash(chain[i].Raw) {
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
