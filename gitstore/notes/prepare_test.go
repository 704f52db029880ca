package notes_test

import (
	"errors"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

// TestPrepareSet moves the notes ref and another ref in one transaction,
// as the linker does with a chain and its note, and checks that a stale
// notes tip makes the whole transaction fail.
func TestPrepareSet(t *testing.T) {
	forEach(t, func(t *testing.T, s gitstore.Store, repo string) {
		n := notes.Notes{Store: s, Ref: notesRef}
		cs := commits(t, s, 3)
		const other = "refs/tracevault/log/w1"
		tips, err := gitstore.ResolveRefs(ctx, s, notesRef, other)
		if err != nil || len(tips) != 0 {
			t.Fatalf("ResolveRefs on an empty store = %v, %v; want none", tips, err)
		}
		b := gitstore.NewBatch(s)
		u, changed, err := n.PrepareSet(ctx, b, tips[notesRef], map[gitstore.Hash][]byte{cs[0]: []byte("one\n")}, "set", who)
		if err != nil || !changed || u.Name != notesRef || !u.Old.IsZero() {
			t.Fatalf("PrepareSet = %+v, %v, %v; want a creation of %s", u, changed, err, notesRef)
		}
		must(t, b.Flush(ctx))
		must(t, s.UpdateRefs(ctx, []gitstore.RefUpdate{u, {Name: other, New: cs[2]}}))
		tips, err = gitstore.ResolveRefs(ctx, s, notesRef, other, "refs/tracevault/log/missing")
		if err != nil || tips[notesRef] != u.New || tips[other] != cs[2] || len(tips) != 2 {
			t.Fatalf("ResolveRefs = %v, %v; want %s and %s", tips, err, u.New, cs[2])
		}
		if got, _ := n.Read(ctx, cs[:1]); string(got[cs[0]]) != "one\n" {
			t.Errorf("note after the transaction = %q, want %q", got[cs[0]], "one\n")
		}

		// The same note again changes nothing.
		if _, changed, err := n.PrepareSet(ctx, gitstore.NewBatch(s), tips[notesRef], map[gitstore.Hash][]byte{cs[0]: []byte("one\n")}, "set", who); err != nil || changed {
			t.Errorf("PrepareSet(same note) changed = %v, %v; want false", changed, err)
		}

		// Prepared on a tip that another writer has moved since: the
		// transaction fails as a whole.
		stale := tips[notesRef]
		must(t, n.Set(ctx, map[gitstore.Hash][]byte{cs[1]: []byte("two\n")}, "concurrent", who))
		b = gitstore.NewBatch(s)
		u, _, err = n.PrepareSet(ctx, b, stale, map[gitstore.Hash][]byte{cs[0]: []byte("three\n")}, "set", who)
		if err != nil {
			t.Fatal(err)
		}
		must(t, b.Flush(ctx))
		err = s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: other, New: cs[0], Old: cs[2]}, u})
		if !errors.Is(err, gitstore.ErrRefConflict) {
			t.Fatalf("UpdateRefs with a stale notes tip = %v, want ErrRefConflict", err)
		}
		if h, _ := s.ResolveRef(ctx, other); h != cs[2] {
			t.Errorf("%s moved to %s in a failed transaction", other, h)
		}
		all, _ := n.ReadAll(ctx)
		if len(all) != 2 || string(all[cs[0]]) != "one\n" || string(all[cs[1]]) != "two\n" {
			t.Errorf("notes after the failed transaction = %q", all)
		}
	})
}
