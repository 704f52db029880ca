package storetest

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/server/store"
)

// leafFor returns a leaf in the seal's encoding sealing record at index i.
func leafFor(i int64, record []byte) []byte {
	h := store.Incoming{Raw: record}.Hash()
	return fmt.Appendf(nil, "tracevault-leaf/v1\nindex %d\nrecord sha256:%s\nprev %064x\nsealed-at %s\nkind session\namends -\n",
		i, hex.EncodeToString(h[:]), i, T0.Add(time.Duration(i)*time.Second).Format(time.RFC3339Nano))
}

// tree computes stored hashes the way seal does, in memory.
type tree struct{ hashes []tlog.Hash }

func (tr *tree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		out[i] = tr.hashes[x]
	}
	return out, nil
}

// add returns the stored hashes leaves add at start.
func (tr *tree) add(t *testing.T, start int64, leaves [][]byte) []tlog.Hash {
	t.Helper()
	first := len(tr.hashes)
	for i, l := range leaves {
		hs, err := tlog.StoredHashes(start+int64(i), l, tr)
		if err != nil {
			t.Fatal(err)
		}
		tr.hashes = append(tr.hashes, hs...)
	}
	return tr.hashes[first:]
}

func testSealTables(t *testing.T, s *store.Store) {
	ctx := context.Background()
	ss := s.Seal()
	if n, err := ss.Size(ctx, "acme"); err != nil || n != 0 {
		t.Fatalf("Size(empty) = %d, %v", n, err)
	}
	var tr tree
	var leaves [][]byte
	for i := range int64(40) {
		leaves = append(leaves, leafFor(i, fmt.Appendf(nil, "record %d", i)))
	}
	for _, span := range [][2]int64{{0, 1}, {1, 7}, {7, 40}} {
		ls := leaves[span[0]:span[1]]
		if err := ss.AppendLeaves(ctx, "acme", span[0], ls, tr.add(t, span[0], ls)); err != nil {
			t.Fatalf("AppendLeaves(%d) = %v", span[0], err)
		}
	}
	n39 := tlog.StoredHashCount(40) - tlog.StoredHashCount(39)
	if err := ss.AppendLeaves(ctx, "acme", 39, leaves[:1], make([]tlog.Hash, n39)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("AppendLeaves(start 39, size 40) = %v, want ErrConflict", err)
	}
	if err := ss.AppendLeaves(ctx, "acme", 40, leaves[:1], nil); err == nil {
		t.Errorf("AppendLeaves(no hashes) = nil, want error")
	}
	if n, _ := ss.Size(ctx, "acme"); n != 40 {
		t.Errorf("Size = %d, want 40", n)
	}
	got, err := ss.ReadLeaves(ctx, "acme", 3, 40)
	if err != nil || len(got) != 37 || !bytes.Equal(got[0], leaves[3]) || !bytes.Equal(got[36], leaves[39]) {
		t.Errorf("ReadLeaves(3, 40) = %d leaves, %v", len(got), err)
	}
	if _, err := ss.ReadLeaves(ctx, "acme", 39, 41); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReadLeaves(39, 41) = %v, want ErrNotFound", err)
	}
	idx := []int64{int64(len(tr.hashes) - 1), 0, 5, 5}
	hs, err := ss.ReadHashes(ctx, "acme", idx)
	if err != nil {
		t.Fatal(err)
	}
	for i, x := range idx {
		if hs[i] != tr.hashes[x] {
			t.Errorf("ReadHashes(%v)[%d] differs", idx, i)
		}
	}
	if _, err := ss.ReadHashes(ctx, "acme", []int64{int64(len(tr.hashes))}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReadHashes(past end) = %v, want ErrNotFound", err)
	}
	// The tree's root is recomputable from stored hashes.
	th, err := tlog.TreeHash(40, tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) { return ss.ReadHashes(ctx, "acme", ix) }))
	want, _ := tlog.TreeHash(40, &tr)
	if err != nil || th != want {
		t.Errorf("TreeHash over stored hashes = %v, %v, want %v", th, err, want)
	}

	if _, _, err := ss.LatestCheckpoint(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestCheckpoint(none) = %v, want ErrNotFound", err)
	}
	for _, size := range []int64{7, 40, 1} {
		if err := ss.PutCheckpoint(ctx, "acme", size, fmt.Appendf(nil, "cp %d\n", size)); err != nil {
			t.Fatal(err)
		}
	}
	ss.PutCheckpoint(ctx, "acme", 7, []byte("cp 7 cosigned\n"))
	if size, note, err := ss.LatestCheckpoint(ctx, "acme"); err != nil || size != 40 || string(note) != "cp 40\n" {
		t.Errorf("LatestCheckpoint = %d, %q, %v", size, note, err)
	}
	if note, err := ss.ReadCheckpoint(ctx, "acme", 7); err != nil || string(note) != "cp 7 cosigned\n" {
		t.Errorf("ReadCheckpoint(7) = %q, %v, want the replacement", note, err)
	}
	if _, err := ss.ReadCheckpoint(ctx, "globex", 7); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ReadCheckpoint(globex, 7) = %v, want ErrNotFound", err)
	}
	if n, _ := ss.Size(ctx, "globex"); n != 0 {
		t.Errorf("Size(globex) = %d, want 0", n)
	}
}

// testSealRecords checks that the records sealed by leaves read back by
// leaf index, through the record hash the leaf commits to.
func testSealRecords(t *testing.T, s *store.Store) {
	ctx := context.Background()
	org := newOrg(t, s, "acme")
	ss := s.Seal()
	r0 := SessionRecord("w1", 1, Session("s1", "ann", T0), 0, store.SourceUpload)
	r1 := SessionRecord("w1", 2, Session("s2", "ann", T0), 0, store.SourceUpload)
	var tr tree
	leaves := [][]byte{leafFor(0, r0.Raw), leafFor(1, r1.Raw), leafFor(2, []byte("not stored"))}
	err := ss.WithAppendLock(ctx, org, func(ctx context.Context) error {
		if _, err := s.Ingest(ctx, org, []store.Incoming{r0, r1}); err != nil {
			return err
		}
		return ss.AppendLeaves(ctx, org, 0, leaves, tr.add(t, 0, leaves))
	})
	if err != nil {
		t.Fatalf("ingest and seal under the append lock = %v", err)
	}
	recs, err := ss.ReadRecords(ctx, org, 0, 3)
	if err != nil || len(recs) != 3 {
		t.Fatalf("ReadRecords(0, 3) = %d, %v", len(recs), err)
	}
	if !bytes.Equal(recs[0], r0.Raw) || !bytes.Equal(recs[1], r1.Raw) || recs[2] != nil {
		t.Errorf("ReadRecords(0, 3) = %q…, want r0, r1, nil", recs)
	}
	if recs, _ := ss.ReadRecords(ctx, "globex", 0, 2); recs[0] != nil || recs[1] != nil {
		t.Errorf("ReadRecords(globex) returned acme's records")
	}
}

func testSealKeyRing(t *testing.T, s *store.Store) {
	ctx := context.Background()
	ss := s.Seal()
	if _, _, err := ss.KeyRing(ctx, "acme"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("KeyRing(none) = %v, want ErrNotFound", err)
	}
	k1 := store.SigningKey{ID: "0badf00d", State: "active", VerifierKey: "tv+0badf00d+AAA", CreatedAt: T0}
	v, err := ss.PutKeyRing(ctx, "acme", 0, []byte("sealed ring 1"), []store.SigningKey{k1})
	if err != nil || v != 1 {
		t.Fatalf("PutKeyRing(first) = %d, %v", v, err)
	}
	k1.State, k1.RetiredAt = "retired", T0.Add(time.Hour)
	k2 := store.SigningKey{ID: "12345678", State: "active", VerifierKey: "tv+12345678+BBB", CreatedAt: T0.Add(time.Hour)}
	if _, err := ss.PutKeyRing(ctx, "acme", 0, []byte("stale"), nil); !errors.Is(err, store.ErrConflict) {
		t.Errorf("PutKeyRing(stale prev) = %v, want ErrConflict", err)
	}
	if v, err := ss.PutKeyRing(ctx, "acme", 1, []byte("sealed ring 2"), []store.SigningKey{k1, k2}); err != nil || v != 2 {
		t.Fatalf("PutKeyRing(rotation) = %d, %v", v, err)
	}
	v, blob, err := ss.KeyRing(ctx, "acme")
	if err != nil || v != 2 || string(blob) != "sealed ring 2" {
		t.Errorf("KeyRing = %d, %q, %v", v, blob, err)
	}
	keys, err := ss.SigningKeys(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != k1 || keys[1] != k2 {
		t.Errorf("SigningKeys = %+v, want %+v, %+v", keys, k1, k2)
	}
}

func testSealAppendLock(t *testing.T, s *store.Store) {
	ss := s.Seal()
	var mu sync.Mutex
	var tr tree
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				err := ss.WithAppendLock(context.Background(), "acme", func(ctx context.Context) error {
					n, err := ss.Size(ctx, "acme")
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond)
					l := [][]byte{leafFor(n, nil)}
					mu.Lock()
					hs := append([]tlog.Hash(nil), tr.add(t, n, l)...)
					mu.Unlock()
					return ss.AppendLeaves(ctx, "acme", n, l, hs)
				})
				if err != nil {
					t.Errorf("append under the lock = %v", err)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := ss.Size(context.Background(), "acme"); n != 20 {
		t.Errorf("Size after 20 locked appends = %d", n)
	}
	// fn's error rolls back what it wrote.
	boom := errors.New("boom")
	err := ss.WithAppendLock(context.Background(), "acme", func(ctx context.Context) error {
		l := [][]byte{leafFor(20, nil)}
		if err := ss.AppendLeaves(ctx, "acme", 20, l, tr.add(t, 20, l)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("WithAppendLock(failing fn) = %v, want boom", err)
	}
	if n, _ := ss.Size(context.Background(), "acme"); n != 20 {
		t.Errorf("Size after a rolled-back append = %d, want 20", n)
	}
}
