package record_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/internal/testutil"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// chainFixture is a real repository with one writer's chain of three
// records (session, commit, session) and a note on the annotated commit.
type chainFixture struct {
	ctx     context.Context
	dir     string
	s       *gitcli.Store
	key     *sigkey.Key
	allowed *sigkey.AllowedSigners
	ref     string
	chain   []record.Stored
	commit  gitstore.Hash // the annotated work commit
	note    []byte
}

func newChain(t *testing.T) *chainFixture {
	t.Helper()
	ctx := context.Background()
	dir := testutil.NewRepo(t)
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, dir, "add", "a.go")
	testutil.Git(t, dir, "commit", "-q", "-m", "work")
	s, err := gitcli.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	key, err := sigkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := sigkey.ParseAllowedSigners([]byte(sigkey.Signer{WriterID: key.Public().WriterID(), Identity: "dev@example.com", Key: key.Public()}.Line() + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	work, err := gitstore.ParseHash(testutil.Git(t, dir, "rev-parse", "HEAD"))
	if err != nil {
		t.Fatal(err)
	}
	w := &record.Writer{Store: s, Key: key, Identity: gitstore.Signature{Name: "Dev", Email: "dev@example.com"}, Now: time.Now}
	attr := &record.CommitAttribution{Commit: work.String(), Evidence: "hooks", Sessions: []record.SessionRef{{ID: "s1", Agent: "claude-code", Models: []string{"m"}, Record: w.ID() + "/1"}},
		Files: []record.FileAttr{{Path: "a.go", Added: 1, AI: 1, Ranges: []record.Range{{Start: 1, End: 1, Session: "s1", Agent: "claude-code", Model: "m", Tool: "toolu_1"}}}}, AILines: 1}
	stored, err := w.Append(ctx, []record.Item{
		{Type: record.TypeSession, Body: &capture.Session{ID: "s1", Agent: "claude-code", Models: []string{"m"}}},
		{Type: record.TypeCommit, Body: attr},
		{Type: record.TypeSession, Body: &capture.Session{ID: "s2", Agent: "claude-code"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	note, err := record.RenderNote(&stored[1])
	if err != nil {
		t.Fatal(err)
	}
	if err := (notes.Notes{Store: s, Ref: record.NotesRef}).Set(ctx, map[gitstore.Hash][]byte{work: note}, "note", gitstore.Signature{Name: "Dev", Email: "dev@example.com", When: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f := &chainFixture{ctx: ctx, dir: dir, s: s, key: key, allowed: allowed, ref: record.LogRef(w.ID()), commit: work, note: note}
	f.chain, err = record.ReadChain(ctx, s, f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Verify(f.ref, f.chain, allowed); err != nil {
		t.Fatalf("Verify(untouched chain) = %v", err)
	}
	if err := record.VerifyNote(ctx, s, work, note, allowed); err != nil {
		t.Fatalf("VerifyNote(untouched note) = %v", err)
	}
	return f
}

func (f *chainFixture) write(t *testing.T, typ gitstore.ObjectType, data []byte) gitstore.Hash {
	t.Helper()
	hs, err := f.s.WriteObjects(f.ctx, []gitstore.Object{{Type: typ, Data: data}})
	if err != nil {
		t.Fatalf("writing %s: %v", typ, err)
	}
	return hs[0]
}

func (f *chainFixture) raw(t *testing.T, h gitstore.Hash) []byte {
	t.Helper()
	_, b, err := f.s.ReadObject(f.ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replace swaps chain commit k for newK, rewrites the commits after it onto
// it and points the ref at the new tip. It returns the new id of commit k.
func (f *chainFixture) replace(t *testing.T, k int, newK gitstore.Hash) gitstore.Hash {
	t.Helper()
	parent := newK
	for _, st := range f.chain[k+1:] {
		c, err := gitstore.ParseCommit(f.raw(t, st.Commit))
		if err != nil {
			t.Fatal(err)
		}
		c.Parents = []gitstore.Hash{parent}
		data, err := gitstore.EncodeCommit(c)
		if err != nil {
			t.Fatal(err)
		}
		parent = f.write(t, gitstore.TypeCommit, data)
	}
	tip := f.chain[len(f.chain)-1].Commit
	if err := f.s.UpdateRefs(f.ctx, []gitstore.RefUpdate{{Name: f.ref, New: parent, Old: tip}}); err != nil {
		t.Fatal(err)
	}
	return newK
}

// withTree makes a copy of chain commit k with another tree.
func (f *chainFixture) withTree(t *testing.T, k int, tree gitstore.Hash) gitstore.Hash {
	t.Helper()
	c := *f.chain[k].Meta
	c.Tree = tree
	data, err := gitstore.EncodeCommit(&c)
	if err != nil {
		t.Fatal(err)
	}
	return f.write(t, gitstore.TypeCommit, data)
}

// withFile makes a copy of chain commit k whose tree holds data as name.
func (f *chainFixture) withFile(t *testing.T, k int, name string, data []byte) gitstore.Hash {
	t.Helper()
	entries, err := gitstore.ParseTree(f.raw(t, f.chain[k].Meta.Tree))
	if err != nil {
		t.Fatal(err)
	}
	for i := range entries {
		if entries[i].Name == name {
			entries[i].Hash = f.write(t, gitstore.TypeBlob, data)
		}
	}
	tree, err := gitstore.EncodeTree(entries)
	if err != nil {
		t.Fatal(err)
	}
	return f.withTree(t, k, f.write(t, gitstore.TypeTree, tree))
}

// hexFlip changes the hex digit at i to another hex digit.
func hexFlip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	if out[i] == '0' {
		out[i] = '1'
	} else {
		out[i] = '0'
	}
	return out
}

func flip(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 0x01
	return out
}

// verifyChain reads and verifies the chain, returning the first error.
func (f *chainFixture) verifyChain() error {
	chain, err := record.ReadChain(f.ctx, f.s, f.ref)
	if err != nil {
		return err
	}
	return record.Verify(f.ref, chain, f.allowed)
}

func wantVerifyError(t *testing.T, err error, commit gitstore.Hash, objects ...string) {
	t.Helper()
	var ve *record.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *VerifyError naming %s of %s", err, err, objects, commit)
	}
	if ve.Commit != commit {
		t.Errorf("error names commit %s, want %s (%v)", ve.Commit, commit, err)
	}
	for _, o := range objects {
		if ve.Object == o {
			return
		}
	}
	t.Errorf("error names object %q, want one of %q (%v)", ve.Object, objects, err)
}

// TestTamperChain flips bytes in every object of every chain link, points
// the ref at the result and requires verification to fail naming that
// link and object.
func TestTamperChain(t *testing.T) {
	base := newChain(t)
	for k := range base.chain {
		st := base.chain[k]
		commitRaw := base.raw(t, st.Commit)
		treeRaw := base.raw(t, st.Meta.Tree)
		msgAt := bytes.Index(commitRaw, []byte("\n\n")) + 2
		cases := []struct {
			name    string
			mutate  func(f *chainFixture) gitstore.Hash // returns the new commit k
			objects []string
		}{
			{"commit message", func(f *chainFixture) gitstore.Hash {
				return f.write(t, gitstore.TypeCommit, flip(commitRaw, msgAt+len("tracevault: ")+2))
			}, []string{"commit"}},
			{"commit date", func(f *chainFixture) gitstore.Hash {
				i := bytes.Index(commitRaw, []byte("> ")) + 2
				return f.write(t, gitstore.TypeCommit, flip(commitRaw, i+9))
			}, []string{"commit"}},
			{"commit tree id", func(f *chainFixture) gitstore.Hash {
				return f.write(t, gitstore.TypeCommit, hexFlip(commitRaw, len("tree ")+5))
			}, []string{"commit"}},
			{"tree entry name", func(f *chainFixture) gitstore.Hash {
				i := bytes.Index(treeRaw, []byte(record.SigFile))
				return f.withTree(t, k, f.write(t, gitstore.TypeTree, flip(treeRaw, i+len(record.SigFile)-1)))
			}, []string{"tree"}},
			{"tree entry id", func(f *chainFixture) gitstore.Hash {
				return f.withTree(t, k, f.write(t, gitstore.TypeTree, flip(treeRaw, len(treeRaw)-3)))
			}, []string{"tree"}},
			{"tree mode", func(f *chainFixture) gitstore.Hash {
				return f.withTree(t, k, f.write(t, gitstore.TypeTree, bytes.Replace(treeRaw, []byte("100644 "+record.RecordFile), []byte("100755 "+record.RecordFile), 1)))
			}, []string{"tree"}},
			{"record.json structure", func(f *chainFixture) gitstore.Hash {
				return f.withFile(t, k, record.RecordFile, flip(st.Raw, 0))
			}, []string{record.RecordFile}},
			{"record.json value", func(f *chainFixture) gitstore.Hash {
				i := bytes.Index(st.Raw, []byte(`"writer":"w`)) + len(`"writer":"w`) + 3
				return f.withFile(t, k, record.RecordFile, flip(st.Raw, i))
			}, tipOr(k, len(base.chain), record.RecordFile)},
			{"record.json body", func(f *chainFixture) gitstore.Hash {
				i := bytes.Index(st.Raw, []byte(`"agent":"claude-code"`)) + len(`"agent":"c`)
				return f.withFile(t, k, record.RecordFile, flip(st.Raw, i))
			}, tipOr(k, len(base.chain), record.RecordFile)},
			{"record.sig encoding", func(f *chainFixture) gitstore.Hash {
				return f.withFile(t, k, record.SigFile, flip([]byte(st.Sig), len(st.Sig)-2))
			}, []string{record.SigFile}},
			{"record.sig signature", func(f *chainFixture) gitstore.Hash {
				return f.withFile(t, k, record.SigFile, flip([]byte(st.Sig), len("ed25519 w0123456789abcdef ")+4))
			}, []string{record.SigFile}},
			{"record.sig writer", func(f *chainFixture) gitstore.Hash {
				return f.withFile(t, k, record.SigFile, flip([]byte(st.Sig), len("ed25519 w")+1))
			}, []string{record.SigFile}},
		}
		for _, tc := range cases {
			t.Run(st.Envelope.Type+"-"+st.Envelope.ID()[len(st.Envelope.ID())-1:]+"/"+tc.name, func(t *testing.T) {
				f := newChain(t)
				// Same structure; use this fixture's objects.
				st = f.chain[k]
				commitRaw = f.raw(t, st.Commit)
				treeRaw = f.raw(t, st.Meta.Tree)
				msgAt = bytes.Index(commitRaw, []byte("\n\n")) + 2
				newK := f.replace(t, k, tc.mutate(f))
				wantVerifyError(t, f.verifyChain(), newK, tc.objects...)
			})
		}
	}
}

// tipOr: a record.json whose signature no longer verifies is told apart
// from a bad record.sig by the next record's prev; the tip has none.
func tipOr(k, n int, obj string) []string {
	if k == n-1 {
		return []string{obj, record.SigFile}
	}
	return []string{obj}
}

func TestTamperOther(t *testing.T) {
	t.Run("unknown writer", func(t *testing.T) {
		f := newChain(t)
		other, _ := sigkey.Generate()
		f.allowed, _ = sigkey.ParseAllowedSigners([]byte(sigkey.Signer{WriterID: other.Public().WriterID(), Identity: "x", Key: other.Public()}.Line()))
		err := f.verifyChain()
		wantVerifyError(t, err, f.chain[0].Commit, record.SigFile)
		if !errors.Is(err, sigkey.ErrUnknownKey) {
			t.Errorf("error = %v, want ErrUnknownKey", err)
		}
		wantVerifyError(t, record.VerifyNote(f.ctx, f.s, f.commit, f.note, f.allowed), f.chain[1].Commit, record.SigFile)
	})
	t.Run("signature by another key", func(t *testing.T) {
		f := newChain(t)
		other, _ := sigkey.Generate()
		sig, _ := other.Sign(f.chain[2].Raw)
		sig = strings.Replace(sig, other.Public().WriterID(), f.key.Public().WriterID(), 1) + "\n"
		newK := f.replace(t, 2, f.withFile(t, 2, record.SigFile, []byte(sig)))
		err := f.verifyChain()
		wantVerifyError(t, err, newK, record.SigFile)
		if !errors.Is(err, sigkey.ErrBadSignature) {
			t.Errorf("error = %v, want ErrBadSignature", err)
		}
	})
	t.Run("corrupt record.json", func(t *testing.T) {
		f := newChain(t)
		newK := f.replace(t, 1, f.withFile(t, 1, record.RecordFile, []byte("not json")))
		err := f.verifyChain()
		wantVerifyError(t, err, newK, record.RecordFile)
		if !errors.Is(err, record.ErrCorrupt) {
			t.Errorf("error = %v, want ErrCorrupt", err)
		}
	})
	t.Run("missing blob", func(t *testing.T) {
		f := newChain(t)
		entries, _ := gitstore.ParseTree(f.raw(t, f.chain[0].Meta.Tree))
		obj := filepath.Join(f.dir, ".git", "objects", entries[0].Hash.String()[:2], entries[0].Hash.String()[2:])
		if err := os.Remove(obj); err != nil {
			testutil.Git(t, f.dir, "repack", "-a", "-d", "-q")
			t.Skipf("record objects are packed: %v", err)
		}
		err := f.verifyChain()
		wantVerifyError(t, err, f.chain[0].Commit, "tree")
		if !strings.Contains(err.Error(), entries[0].Hash.String()) {
			t.Errorf("error %v does not name the missing object %s", err, entries[0].Hash)
		}
	})
	t.Run("truncated note", func(t *testing.T) {
		f := newChain(t)
		for _, n := range [][]byte{f.note[:len(f.note)-1], f.note[:bytes.LastIndexByte(f.note[:len(f.note)-1], '\n')+1], f.note[:0]} {
			wantVerifyError(t, record.VerifyNote(f.ctx, f.s, f.commit, n, f.allowed), f.commit, record.NoteObject)
		}
	})
	t.Run("note on another commit", func(t *testing.T) {
		f := newChain(t)
		other := f.chain[0].Commit
		wantVerifyError(t, record.VerifyNote(f.ctx, f.s, other, f.note, f.allowed), other, record.NoteObject)
	})
	t.Run("note pointing off the chain", func(t *testing.T) {
		f := newChain(t)
		// Cut the chain back to its first record: the commit record the
		// note links is no longer on the writer's chain.
		if err := f.s.UpdateRefs(f.ctx, []gitstore.RefUpdate{{Name: f.ref, New: f.chain[0].Commit, Old: f.chain[2].Commit}}); err != nil {
			t.Fatal(err)
		}
		err := record.VerifyNote(f.ctx, f.s, f.commit, f.note, f.allowed)
		wantVerifyError(t, err, f.chain[1].Commit, "commit")
		if !errors.Is(err, record.ErrBrokenChain) {
			t.Errorf("error = %v, want ErrBrokenChain", err)
		}
	})
}

// TestTamperNote flips every byte of a stored note, stores the result as
// the note (new blob, tree and notes commit) and requires VerifyNote to
// fail naming the note (or the record it now points to).
func TestTamperNote(t *testing.T) {
	f := newChain(t)
	n := notes.Notes{Store: f.s, Ref: record.NotesRef}
	for i := range f.note {
		bad := flip(f.note, i)
		if err := n.Set(f.ctx, map[gitstore.Hash][]byte{f.commit: bad}, "tamper", gitstore.Signature{Name: "x", Email: "x@x", When: time.Now()}); err != nil {
			t.Fatal(err)
		}
		got, err := n.Read(f.ctx, []gitstore.Hash{f.commit})
		if err != nil {
			t.Fatal(err)
		}
		err = record.VerifyNote(f.ctx, f.s, f.commit, got[f.commit], f.allowed)
		if err == nil {
			t.Fatalf("byte %d flipped (%q): VerifyNote = nil", i, got[f.commit])
		}
		var ve *record.VerifyError
		if !errors.As(err, &ve) || ve.Object != record.NoteObject || ve.Commit != f.commit {
			t.Fatalf("byte %d flipped: error = %v, want a note error naming %s", i, err, f.commit)
		}
	}
}
