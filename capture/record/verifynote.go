package record

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// NoteObject is the VerifyError.Object of a failure in a commit's note.
const NoteObject = "note"

// ErrNoteMismatch is wrapped by VerifyNote's errors when a note is not
// exactly the rendering of the commit record it links.
var ErrNoteMismatch = errors.New("note does not match its record")

// VerifyNote checks the note attached to commit: it parses strictly, holds
// exactly one summary and one record line; the record it links is a commit
// record about commit, signed by a writer in allowed, on that writer's chain
// (local or fetched); and the note is byte for byte the rendering of that
// record (RenderNote). Failures in the note are a *VerifyError with Ref
// NotesRef, the annotated commit and Object NoteObject; failures of the
// record are a *VerifyError naming the record commit and its object.
func VerifyNote(ctx context.Context, s Store, commit gitstore.Hash, note []byte, allowed *sigkey.AllowedSigners) error {
	fail := func(err error) error {
		return &VerifyError{Ref: NotesRef, Commit: commit, Object: NoteObject, Err: err}
	}
	n, err := ParseNote(note)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrCorrupt, err))
	}
	if len(n.Summaries) != 1 || len(n.Records) != 1 {
		return fail(fmt.Errorf("%w: %d summary and %d record lines, want 1 and 1", ErrNoteMismatch, len(n.Summaries), len(n.Records)))
	}
	rh, err := gitstore.ParseHash(n.Records[0].Commit)
	if err != nil {
		return fail(fmt.Errorf("%w: bad record commit %q", ErrCorrupt, n.Records[0].Commit))
	}
	st, err := ReadRecordCommit(ctx, s, rh)
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) {
			return err
		}
		return fail(fmt.Errorf("reading record commit %s: %w", rh, err))
	}
	if err := verifyRecordSig(st, allowed); err != nil {
		return err
	}
	if err := checkMeta(st); err != nil {
		return &VerifyError{Ref: LogRef(st.Envelope.Writer), Commit: st.Commit, Object: "commit", Err: err}
	}
	if err := onChain(ctx, s, st); err != nil {
		return err
	}
	attr, err := st.Envelope.Commit()
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrNoteMismatch, err))
	}
	if attr.Commit != commit.String() {
		return fail(fmt.Errorf("%w: record %s is about commit %s", ErrNoteMismatch, st.Envelope.ID(), attr.Commit))
	}
	if n.Records[0].ID != st.Envelope.ID() {
		return fail(fmt.Errorf("%w: note names record %s, commit %s holds %s", ErrNoteMismatch, n.Records[0].ID, rh, st.Envelope.ID()))
	}
	want, err := RenderNote(st)
	if err != nil {
		return fail(err)
	}
	if !bytes.Equal(want, note) {
		return fail(fmt.Errorf("%w: note differs from the rendering of record %s", ErrNoteMismatch, st.Envelope.ID()))
	}
	return nil
}

// verifyRecordSig checks one stored record's signature against allowed.
func verifyRecordSig(st *Stored, allowed *sigkey.AllowedSigners) error {
	ref := LogRef(st.Envelope.Writer)
	signer, ok := allowed.Lookup(st.Envelope.Writer)
	if !ok {
		return &VerifyError{Ref: ref, Commit: st.Commit, Object: SigFile, Err: fmt.Errorf("%w: writer %s is not in .tracevault/allowed_signers", sigkey.ErrUnknownKey, st.Envelope.Writer)}
	}
	if err := sigkey.Verify(signer.Key, st.Raw, st.Sig); err != nil {
		return &VerifyError{Ref: ref, Commit: st.Commit, Object: SigFile, Err: err}
	}
	return nil
}

// onChain checks that a record commit is on its writer's chain: reachable
// from the local chain ref or from a fetched copy of it.
func onChain(ctx context.Context, s Store, st *Stored) error {
	w := st.Envelope.Writer
	var tips []gitstore.Hash
	if h, err := s.ResolveRef(ctx, LogRef(w)); err == nil {
		tips = append(tips, h)
	}
	remotes, err := s.ListRefs(ctx, RemoteLogPrefix)
	if err != nil {
		return fmt.Errorf("listing %s: %w", RemoteLogPrefix, err)
	}
	for _, r := range remotes {
		if rw, ok := WriterOfRef(r.Name); ok && rw == w {
			tips = append(tips, r.Hash)
		}
	}
	for _, tip := range tips {
		ok, err := s.IsAncestor(ctx, st.Commit, tip)
		if err != nil {
			return fmt.Errorf("checking record %s is on %s's chain: %w", st.Commit, w, err)
		}
		if ok {
			return nil
		}
	}
	return &VerifyError{Ref: LogRef(w), Commit: st.Commit, Object: "commit", Err: fmt.Errorf("%w: record %s is not on writer %s's chain", ErrBrokenChain, st.Envelope.ID(), w)}
}
