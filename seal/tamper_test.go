package seal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/seal/sealtest"
)

// auditFixture is an org's sealed log in a MemStore, its records and key.
type auditFixture struct {
	store *sealtest.MemStore
	recs  *sealtest.Records
	ring  *seal.KeyRing
	org   *sealtest.MemOrg
	log   *seal.Log
}

func newAuditFixture(t testing.TB, n int) *auditFixture {
	t.Helper()
	ctx := context.Background()
	store := sealtest.NewMemStore()
	log, ring := sealtest.NewLog(t, store)
	recs := sealtest.NewRecords()
	for i := 0; i < n; i += 7 { // batches of up to 7, one amendment each
		var es []seal.Entry
		for j := i; j < min(i+7, n); j++ {
			e := seal.Entry{Record: fmt.Appendf(nil, `{"record":%d}`, j), Kind: seal.KindSession, Amends: seal.NoAmends}
			if j%7 == 6 {
				e.Kind, e.Amends = seal.KindAmendment, int64(j-3)
			}
			es = append(es, e)
		}
		leaves, err := log.AppendBatch(ctx, "acme", es)
		if err != nil {
			t.Fatal(err)
		}
		for k, l := range leaves {
			recs.Put("acme", l.Index, es[k].Record)
		}
		if _, _, err := log.Checkpoint(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	return &auditFixture{store: store, recs: recs, ring: ring("acme"), org: store.Org("acme"), log: log}
}

func (f *auditFixture) audit() error {
	_, err := seal.Audit(context.Background(), f.store, f.recs, "acme", f.ring.Verifiers())
	return err
}

// wantTamper checks that the audit names what and index.
func (f *auditFixture) wantTamper(t *testing.T, change string, what string, index int64) {
	t.Helper()
	err := f.audit()
	var te *seal.TamperError
	if !errors.As(err, &te) || te.What != what || te.Index != index {
		t.Fatalf("after changing %s: Audit = %v, want TamperError{%s, %d}", change, err, what, index)
	}
}

// bytePositions returns every position of a b-byte item, or a sample of them
// when sample is set.
func bytePositions(n int, sample bool) []int {
	var out []int
	step := 1
	if sample {
		step = 11
	}
	for i := 0; i < n; i += step {
		out = append(out, i)
	}
	return append(out, n-1)
}

func TestAuditTamper(t *testing.T) {
	const n = 45
	f := newAuditFixture(t, n)
	if err := f.audit(); err != nil {
		t.Fatalf("Audit of an intact log = %v", err)
	}
	full := func(i int) bool { return i == 0 || i == 1 || i == n/2 || i == n-2 || i == n-1 }
	t.Run("record", func(t *testing.T) {
		for i := 0; i < n; i++ {
			rec, _ := f.recs.ReadRecords(context.Background(), "acme", int64(i), int64(i+1))
			for _, j := range bytePositions(len(rec[0]), !full(i)) {
				m := bytes.Clone(rec[0])
				m[j] ^= 0x01
				f.recs.Put("acme", int64(i), m)
				f.wantTamper(t, fmt.Sprintf("record %d byte %d", i, j), seal.TamperRecord, int64(i))
			}
			f.recs.Put("acme", int64(i), nil)
			f.wantTamper(t, fmt.Sprintf("record %d deleted", i), seal.TamperRecord, int64(i))
			f.recs.Put("acme", int64(i), rec[0])
		}
	})
	t.Run("leaf", func(t *testing.T) {
		for i := range f.org.Leaves {
			orig := f.org.Leaves[i]
			for _, j := range bytePositions(len(orig), !full(i)) {
				for _, x := range []byte{0x01, 0x10} {
					m := bytes.Clone(orig)
					m[j] ^= x
					f.org.Leaves[i] = m
					f.wantTamper(t, fmt.Sprintf("leaf %d byte %d", i, j), seal.TamperLeaf, int64(i))
				}
			}
			f.org.Leaves[i] = orig
		}
	})
	t.Run("hash", func(t *testing.T) {
		for k := range f.org.Hashes {
			orig := f.org.Hashes[k]
			for _, j := range []int{0, k % 32, 31} {
				f.org.Hashes[k][j] ^= 0x80
				f.wantTamper(t, fmt.Sprintf("stored hash %d byte %d", k, j), seal.TamperHash, int64(k))
				f.org.Hashes[k] = orig
			}
		}
	})
	t.Run("checkpoint", func(t *testing.T) {
		orig := f.org.Checkpoints[n]
		for j := range orig {
			m := bytes.Clone(orig)
			m[j] ^= 0x01
			f.org.Checkpoints[n] = m
			f.wantTamper(t, fmt.Sprintf("checkpoint byte %d", j), seal.TamperCheckpoint, n)
		}
		delete(f.org.Checkpoints, n) // the latest is now an older one
		f.wantTamper(t, "latest checkpoint deleted", seal.TamperCheckpoint, 42)
		f.org.Checkpoints[n] = orig
	})
	if err := f.audit(); err != nil {
		t.Fatalf("Audit after restoring everything = %v", err)
	}
}

// rebuildHashes recomputes the stored hashes from the stored leaves, as an
// attacker with database access would after rewriting leaves.
func rebuildHashes(o *sealtest.MemOrg) {
	o.Hashes = nil
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = o.Hashes[x]
		}
		return out, nil
	})
	for i, l := range o.Leaves {
		hs, _ := tlog.StoredHashes(int64(i), l, r)
		o.Hashes = append(o.Hashes, hs...)
	}
}

func TestAuditRewrites(t *testing.T) {
	ctx := context.Background()
	t.Run("reordered", func(t *testing.T) {
		f := newAuditFixture(t, 20)
		o := f.org
		o.Leaves[8], o.Leaves[9] = o.Leaves[9], o.Leaves[8]
		r, _ := f.recs.ReadRecords(ctx, "acme", 8, 10)
		f.recs.Put("acme", 8, r[1])
		f.recs.Put("acme", 9, r[0])
		rebuildHashes(o)
		f.wantTamper(t, "leaves 8 and 9 swapped", seal.TamperChain, 8)
	})
	t.Run("dropped from the end", func(t *testing.T) {
		f := newAuditFixture(t, 20)
		f.org.Leaves = f.org.Leaves[:17]
		f.org.Hashes = f.org.Hashes[:tlog.StoredHashCount(17)]
		f.wantTamper(t, "leaves 17-19 dropped", seal.TamperLeaf, 17)
	})
	t.Run("dropped from the middle", func(t *testing.T) {
		f := newAuditFixture(t, 20)
		f.org.Leaves = append(f.org.Leaves[:5:5], f.org.Leaves[6:]...)
		rebuildHashes(f.org)
		f.wantTamper(t, "leaf 5 dropped", seal.TamperChain, 5)
	})
	t.Run("chain rewritten and re-hashed", func(t *testing.T) {
		// Leaf 3 edited, every later leaf re-linked and all hashes rebuilt:
		// only the signed checkpoint can tell.
		f := newAuditFixture(t, 10)
		o := f.org
		var prev tlog.Hash
		for i := range o.Leaves {
			l, err := seal.ParseLeaf(o.Leaves[i])
			if err != nil {
				t.Fatal(err)
			}
			if i == 3 {
				l.Record = seal.RecordDigest([]byte("forged"))
				f.recs.Put("acme", 3, []byte("forged"))
			}
			if i > 0 {
				l.Prev = prev
			}
			o.Leaves[i] = l.Encode()
			prev = l.Hash()
		}
		rebuildHashes(o)
		f.wantTamper(t, "log rewritten", seal.TamperCheckpoint, 10)
	})
	t.Run("unknown key", func(t *testing.T) {
		f := newAuditFixture(t, 5)
		other, _ := seal.NewKeyRing(nil, "tracevault.test/acme", f.ring.Active().Created)
		_, err := seal.Audit(ctx, f.store, f.recs, "acme", other.Verifiers())
		var te *seal.TamperError
		if !errors.As(err, &te) || te.What != seal.TamperCheckpoint {
			t.Errorf("Audit with another org's key = %v, want checkpoint TamperError", err)
		}
	})
	t.Run("unsealed tail", func(t *testing.T) {
		f := newAuditFixture(t, 5)
		if _, err := f.log.Append(ctx, "acme", []byte("late"), seal.KindAudit, seal.NoAmends); err != nil {
			t.Fatal(err)
		}
		f.wantTamper(t, "a leaf appended without checkpoint", seal.TamperCheckpoint, 5)
	})
}
