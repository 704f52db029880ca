package sealtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/seal"
)

// Records is an in-memory [seal.RecordReader]: the record bytes of each
// org's leaves, by leaf index.
type Records struct {
	mu   sync.Mutex
	orgs map[string][][]byte
}

// NewRecords returns an empty Records.
func NewRecords() *Records { return &Records{orgs: map[string][][]byte{}} }

// Put stores the record sealed by leaf index of org.
func (r *Records) Put(org string, index int64, record []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	recs := r.orgs[org]
	for int64(len(recs)) <= index {
		recs = append(recs, nil)
	}
	recs[index] = record
	r.orgs[org] = recs
}

// ReadRecords implements [seal.RecordReader]; missing records are nil.
func (r *Records) ReadRecords(_ context.Context, org string, start, end int64) ([][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	recs := r.orgs[org]
	out := make([][]byte, end-start)
	for i := start; i < end; i++ {
		if i < int64(len(recs)) {
			out[i-start] = recs[i]
		}
	}
	return out, nil
}

// NewLog returns a Log over store with one fresh key ring per org, named
// "tracevault.test/<org>", and a clock that advances a millisecond a call.
func NewLog(t testing.TB, store seal.HashStore) (*seal.Log, func(org string) *seal.KeyRing) {
	t.Helper()
	var mu sync.Mutex
	rings := map[string]*seal.KeyRing{}
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ring := func(org string) *seal.KeyRing {
		mu.Lock()
		defer mu.Unlock()
		if rings[org] == nil {
			r, err := seal.NewKeyRing(nil, "tracevault.test/"+org, clock)
			if err != nil {
				t.Fatal(err)
			}
			rings[org] = r
		}
		return rings[org]
	}
	l, err := seal.New(seal.Config{
		Store: store,
		Keys:  func(_ context.Context, org string) (*seal.KeyRing, error) { return ring(org), nil },
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Millisecond)
			return clock
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return l, ring
}

// testLog drives a store through seal.Log: appends, an amendment,
// checkpoints, proofs checked by the client functions, and a full audit.
func testLog(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	l, ring := NewLog(t, s)
	recs := NewRecords()
	var entries []seal.Entry
	for i := range 40 {
		entries = append(entries, seal.Entry{Record: fmt.Appendf(nil, "session %d", i), Kind: seal.KindSession, Amends: seal.NoAmends})
	}
	leaves, err := l.AppendBatch(ctx, "acme", entries)
	if err != nil {
		t.Fatalf("AppendBatch = %v", err)
	}
	for i, e := range entries {
		recs.Put("acme", leaves[i].Index, e.Record)
	}
	cp1, note1, err := l.Checkpoint(ctx, "acme")
	if err != nil || cp1.Size != 40 {
		t.Fatalf("Checkpoint = %+v, %v, want size 40", cp1, err)
	}
	am, err := l.Append(ctx, "acme", []byte("session 7, corrected"), seal.KindAmendment, 7)
	if err != nil || am.Index != 40 || am.Amends != 7 {
		t.Fatalf("Append(amendment) = %+v, %v", am, err)
	}
	recs.Put("acme", am.Index, []byte("session 7, corrected"))
	_, note2, err := l.Checkpoint(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	vkey := ring("acme").Active().VerifierKey
	cp2, err := seal.VerifyCheckpoint(vkey, note2)
	if err != nil || cp2.Size != 41 {
		t.Fatalf("VerifyCheckpoint(latest) = %+v, %v", cp2, err)
	}
	for _, idx := range []int64{0, 7, 39, 40} {
		proof, err := l.ProveInclusion(ctx, "acme", idx, 41)
		if err != nil {
			t.Fatalf("ProveInclusion(%d) = %v", idx, err)
		}
		lb, err := l.Leaf(ctx, "acme", idx)
		if err != nil {
			t.Fatal(err)
		}
		rec, _ := recs.ReadRecords(ctx, "acme", idx, idx+1)
		if err := seal.VerifyRecord(cp2, rec[0], lb, idx, proof); err != nil {
			t.Errorf("VerifyRecord(leaf %d) = %v", idx, err)
		}
	}
	proof, err := l.ProveConsistency(ctx, "acme", 40, 41)
	if err != nil {
		t.Fatal(err)
	}
	w, err := seal.NewWitness("tracevault.test/acme", ring("acme").Verifiers(), note1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Update(note2, proof); err != nil {
		t.Errorf("Witness.Update(40 → 41) = %v", err)
	}
	rep, err := seal.Audit(ctx, s, recs, "acme", ring("acme").Verifiers())
	if err != nil || rep.Leaves != 41 {
		t.Errorf("Audit = %+v, %v, want 41 leaves", rep, err)
	}
}

func testLogConcurrent(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	l, ring := NewLog(t, s)
	recs := NewRecords()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 25 {
				rec := fmt.Appendf(nil, "worker %d record %d", w, i)
				leaf, err := l.Append(ctx, "acme", rec, seal.KindAudit, seal.NoAmends)
				if err != nil {
					t.Errorf("Append = %v", err)
					return
				}
				recs.Put("acme", leaf.Index, rec)
			}
		})
	}
	wg.Wait()
	if _, _, err := l.Checkpoint(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	rep, err := seal.Audit(ctx, s, recs, "acme", ring("acme").Verifiers())
	if err != nil || rep.Leaves != 100 {
		t.Errorf("Audit after concurrent appends = %+v, %v, want 100 leaves", rep, err)
	}
}
