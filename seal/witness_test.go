package seal_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/seal/sealtest"
)

// twinLogs returns two logs of org acme signed by the same key ring: a
// server that keeps one history for some clients and another for others.
func twinLogs(t *testing.T) (a, b *seal.Log, ring *seal.KeyRing) {
	t.Helper()
	ring, err := seal.NewKeyRing(nil, "tracevault.test/acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	mk := func() *seal.Log {
		l, err := seal.New(seal.Config{Store: sealtest.NewMemStore(),
			Keys: func(context.Context, string) (*seal.KeyRing, error) { return ring, nil }})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	return mk(), mk(), ring
}

func appendRecords(t *testing.T, l *seal.Log, prefix string, n int) []byte {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := l.Append(ctx, "acme", fmt.Appendf(nil, "%s %d", prefix, i), seal.KindSession, seal.NoAmends); err != nil {
			t.Fatal(err)
		}
	}
	_, msg, err := l.Checkpoint(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

func TestWitness(t *testing.T) {
	ctx := context.Background()
	a, b, ring := twinLogs(t)
	a10 := appendRecords(t, a, "common", 10)
	b10 := appendRecords(t, b, "common", 10)
	a15 := appendRecords(t, a, "a", 5)
	b15 := appendRecords(t, b, "b", 5)
	b20 := appendRecords(t, b, "b", 5)

	w, err := seal.NewWitness("tracevault.test/acme", ring.Verifiers(), a10)
	if err != nil {
		t.Fatal(err)
	}
	proof, _ := a.ProveConsistency(ctx, "acme", 10, 15)
	if _, err := w.Update(a15, proof); err != nil {
		t.Fatalf("Update(a15) = %v", err)
	}
	if _, err := w.Update(b10, nil); !errors.Is(err, seal.ErrRollback) {
		t.Errorf("Update(size 10 after 15) = %v, want ErrRollback", err)
	}
	err = func() error { _, err := w.Update(b15, nil); return err }()
	if !errors.Is(err, seal.ErrRollback) || !errors.Is(err, seal.ErrFork) {
		t.Errorf("Update(other root at size 15) = %v, want ErrRollback and ErrFork", err)
	}
	proof, _ = b.ProveConsistency(ctx, "acme", 15, 20)
	if _, err := w.Update(b20, proof); !errors.Is(err, seal.ErrFork) {
		t.Errorf("Update(b20 with b's proof from 15) = %v, want ErrFork", err)
	}
	if _, err := w.Update(b20, nil); !errors.Is(err, seal.ErrFork) {
		t.Errorf("Update(b20 without proof) = %v, want ErrFork", err)
	}
	if cp, _ := w.Latest(); cp.Size != 15 {
		t.Errorf("after rejected updates, Latest size = %d, want 15", cp.Size)
	}
	// The same checkpoint again is fine; b's log, seen fresh, is fine.
	if _, err := w.Update(a15, nil); err != nil {
		t.Errorf("Update(a15 again) = %v", err)
	}
	wb, _ := seal.NewWitness("tracevault.test/acme", ring.Verifiers(), b10)
	proof, _ = b.ProveConsistency(ctx, "acme", 10, 20)
	if _, err := wb.Update(b20, proof); err != nil {
		t.Errorf("Update(b10 → b20) = %v", err)
	}
	other, _ := seal.NewWitness("tracevault.test/globex", ring.Verifiers(), nil)
	if _, err := other.Update(a15, nil); !errors.Is(err, seal.ErrWrongLog) {
		t.Errorf("Update(acme checkpoint on globex witness) = %v, want ErrWrongLog", err)
	}
}

// TestRotation: during a rotation checkpoints carry both signatures, so a
// client that knows only the old key keeps verifying; afterwards it needs the
// new key, and the ring verifies old and new checkpoints.
func TestRotation(t *testing.T) {
	a, _, ring := twinLogs(t)
	oldKey := ring.Active().VerifierKey
	before := appendRecords(t, a, "x", 3)
	if _, err := ring.Rotate(nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	during := appendRecords(t, a, "y", 1)
	if got := len(ring.Signers()); got != 2 {
		t.Fatalf("Signers during rotation = %d keys, want 2", got)
	}
	ring.FinishRotation()
	after := appendRecords(t, a, "z", 1)
	for _, tc := range []struct {
		name string
		msg  []byte
		old  bool // verifies with the old key alone
	}{{"before", before, true}, {"during", during, true}, {"after", after, false}} {
		if _, err := seal.VerifyCheckpoint(oldKey, tc.msg); (err == nil) != tc.old {
			t.Errorf("VerifyCheckpoint(old key, %s) = %v, want ok=%v", tc.name, err, tc.old)
		}
		if _, err := seal.VerifyCheckpoint(ring.Active().VerifierKey, tc.msg); (err == nil) == (tc.name == "before") {
			t.Errorf("VerifyCheckpoint(new key, %s) = %v", tc.name, err)
		}
		if _, _, err := seal.OpenCheckpoint(tc.msg, ring.Verifiers()); err != nil {
			t.Errorf("OpenCheckpoint(ring, %s) = %v", tc.name, err)
		}
	}
	var unverified *note.UnverifiedNoteError
	if _, err := seal.VerifyCheckpoint(oldKey, after); !errors.As(err, &unverified) {
		t.Errorf("VerifyCheckpoint(old key, after) = %v, want UnverifiedNoteError", err)
	}
	states := ""
	for _, k := range ring.Keys() {
		states += string(k.State) + " "
	}
	if states != "retired active " {
		t.Errorf("key states = %q, want retired active", states)
	}
}
