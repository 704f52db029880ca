// Package sealtest provides an in-memory [seal.HashStore] and the contract
// suite every HashStore must pass: [Run] it from the tests of each storage
// adapter (the server's Postgres and embedded stores, and [MemStore] here).
package sealtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
)

// Run runs the HashStore contract tests. newStore must return a new, empty
// store each time it is called; it may register cleanups with t.
func Run(t *testing.T, newStore func(t *testing.T) seal.HashStore) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, newStore(t)) })
	t.Run("AppendRead", func(t *testing.T) { testAppendRead(t, newStore(t)) })
	t.Run("AppendConflict", func(t *testing.T) { testAppendConflict(t, newStore(t)) })
	t.Run("OrgIsolation", func(t *testing.T) { testOrgIsolation(t, newStore(t)) })
	t.Run("HashRange", func(t *testing.T) { testHashRange(t, newStore(t)) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, newStore(t)) })
	t.Run("LockExcludes", func(t *testing.T) { testLockExcludes(t, newStore(t)) })
	t.Run("LockPerOrg", func(t *testing.T) { testLockPerOrg(t, newStore(t)) })
	t.Run("LockError", func(t *testing.T) { testLockError(t, newStore(t)) })
	t.Run("Log", func(t *testing.T) { testLog(t, newStore(t)) })
	t.Run("LogConcurrent", func(t *testing.T) { testLogConcurrent(t, newStore(t)) })
}

// leafBytes returns distinct leaf bytes; the store treats them as opaque.
func leafBytes(i int64) []byte { return fmt.Appendf(nil, "leaf %d\n", i) }

// hashesFor returns the stored hashes for leaves [start, end) of a log whose
// leaves are leafBytes(i).
func hashesFor(start, end int64) []tlog.Hash {
	var all []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = all[x]
		}
		return out, nil
	})
	for i := int64(0); i < end; i++ {
		hs, err := tlog.StoredHashes(i, leafBytes(i), r)
		if err != nil {
			panic(err)
		}
		all = append(all, hs...)
	}
	return all[tlog.StoredHashCount(start):]
}

func appendN(t *testing.T, s seal.HashStore, org string, start, end int64) {
	t.Helper()
	var leaves [][]byte
	for i := start; i < end; i++ {
		leaves = append(leaves, leafBytes(i))
	}
	if err := s.AppendLeaves(context.Background(), org, start, leaves, hashesFor(start, end)); err != nil {
		t.Fatalf("AppendLeaves(%s, %d, %d leaves) = %v", org, start, end-start, err)
	}
}

func wantSize(t *testing.T, s seal.HashStore, org string, want int64) {
	t.Helper()
	n, err := s.Size(context.Background(), org)
	if err != nil || n != want {
		t.Fatalf("Size(%s) = %d, %v, want %d", org, n, err, want)
	}
}

func testEmpty(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	wantSize(t, s, "acme", 0)
	if l, err := s.ReadLeaves(ctx, "acme", 0, 0); err != nil || len(l) != 0 {
		t.Errorf("ReadLeaves(0, 0) = %d leaves, %v, want none", len(l), err)
	}
	if _, err := s.ReadLeaves(ctx, "acme", 0, 1); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadLeaves(0, 1) = %v, want ErrNotFound", err)
	}
	if _, err := s.ReadHashes(ctx, "acme", []int64{0}); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadHashes([0]) = %v, want ErrNotFound", err)
	}
	if _, _, err := s.LatestCheckpoint(ctx, "acme"); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("LatestCheckpoint = %v, want ErrNotFound", err)
	}
	if _, err := s.ReadCheckpoint(ctx, "acme", 0); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadCheckpoint(0) = %v, want ErrNotFound", err)
	}
}

func testAppendRead(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	appendN(t, s, "acme", 0, 1)
	appendN(t, s, "acme", 1, 7)
	appendN(t, s, "acme", 7, 300)
	wantSize(t, s, "acme", 300)
	leaves, err := s.ReadLeaves(ctx, "acme", 5, 260)
	if err != nil || len(leaves) != 255 {
		t.Fatalf("ReadLeaves(5, 260) = %d leaves, %v, want 255", len(leaves), err)
	}
	for i, l := range leaves {
		if !bytes.Equal(l, leafBytes(int64(5+i))) {
			t.Fatalf("ReadLeaves(5, 260)[%d] = %q, want %q", i, l, leafBytes(int64(5+i)))
		}
	}
	all := hashesFor(0, 300)
	idx := []int64{int64(len(all) - 1), 0, 17, 17, 3}
	hs, err := s.ReadHashes(ctx, "acme", idx)
	if err != nil || len(hs) != len(idx) {
		t.Fatalf("ReadHashes(%v) = %d hashes, %v", idx, len(hs), err)
	}
	for i, x := range idx {
		if hs[i] != all[x] {
			t.Errorf("ReadHashes(%v)[%d] = %v, want %v", idx, i, hs[i], all[x])
		}
	}
	if _, err := s.ReadHashes(ctx, "acme", []int64{0, int64(len(all))}); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadHashes(past end) = %v, want ErrNotFound", err)
	}
	if _, err := s.ReadLeaves(ctx, "acme", 299, 301); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadLeaves(299, 301) = %v, want ErrNotFound", err)
	}
}

func testAppendConflict(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	appendN(t, s, "acme", 0, 3)
	for _, start := range []int64{0, 2, 4} {
		err := s.AppendLeaves(ctx, "acme", start, [][]byte{leafBytes(start)}, hashesFor(start, start+1))
		if !errors.Is(err, seal.ErrConflict) {
			t.Errorf("AppendLeaves(start %d) on size 3 = %v, want ErrConflict", start, err)
		}
	}
	short := hashesFor(3, 5)[1:]
	if err := s.AppendLeaves(ctx, "acme", 3, [][]byte{leafBytes(3), leafBytes(4)}, short); err == nil {
		t.Errorf("AppendLeaves with too few hashes = nil, want error")
	}
	wantSize(t, s, "acme", 3)
	appendN(t, s, "acme", 3, 5)
}

func testOrgIsolation(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	appendN(t, s, "acme", 0, 4)
	wantSize(t, s, "globex", 0)
	if err := s.PutCheckpoint(ctx, "acme", 4, []byte("acme 4\n")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.LatestCheckpoint(ctx, "globex"); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("LatestCheckpoint(globex) = %v, want ErrNotFound", err)
	}
	appendN(t, s, "globex", 0, 2)
	wantSize(t, s, "acme", 4)
	wantSize(t, s, "globex", 2)
}

// testHashRange checks seal.HashRangeReader, for stores that implement it.
func testHashRange(t *testing.T, s seal.HashStore) {
	rr, ok := s.(seal.HashRangeReader)
	if !ok {
		t.Skip("the store does not implement seal.HashRangeReader")
	}
	ctx := context.Background()
	appendN(t, s, "acme", 0, 300)
	appendN(t, s, "globex", 0, 5)
	all := hashesFor(0, 300)
	n := int64(len(all))
	for _, r := range [][2]int64{{0, 0}, {0, 1}, {17, 18}, {5, 260}, {0, n}, {n - 3, n}} {
		hs, err := rr.ReadHashRange(ctx, "acme", r[0], r[1])
		if err != nil || int64(len(hs)) != r[1]-r[0] {
			t.Fatalf("ReadHashRange(%d, %d) = %d hashes, %v", r[0], r[1], len(hs), err)
		}
		for i, h := range hs {
			if h != all[r[0]+int64(i)] {
				t.Fatalf("ReadHashRange(%d, %d)[%d] = %v, want %v", r[0], r[1], i, h, all[r[0]+int64(i)])
			}
		}
	}
	if _, err := rr.ReadHashRange(ctx, "acme", n-1, n+1); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadHashRange(past end) = %v, want ErrNotFound", err)
	}
	if _, err := rr.ReadHashRange(ctx, "globex", 0, 20); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadHashRange(globex, 0, 20) = %v, want ErrNotFound: another org's hashes leaked", err)
	}
	if _, err := rr.ReadHashRange(ctx, "initech", 0, 1); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadHashRange(initech) = %v, want ErrNotFound", err)
	}
}

func testCheckpoints(t *testing.T, s seal.HashStore) {
	ctx := context.Background()
	for _, size := range []int64{1, 3, 2} {
		if err := s.PutCheckpoint(ctx, "acme", size, fmt.Appendf(nil, "cp %d\n", size)); err != nil {
			t.Fatalf("PutCheckpoint(%d) = %v", size, err)
		}
	}
	size, n, err := s.LatestCheckpoint(ctx, "acme")
	if err != nil || size != 3 || string(n) != "cp 3\n" {
		t.Errorf("LatestCheckpoint = %d, %q, %v, want 3, %q", size, n, err, "cp 3\n")
	}
	if err := s.PutCheckpoint(ctx, "acme", 2, []byte("cp 2 cosigned\n")); err != nil {
		t.Fatal(err)
	}
	if n, err := s.ReadCheckpoint(ctx, "acme", 2); err != nil || string(n) != "cp 2 cosigned\n" {
		t.Errorf("ReadCheckpoint(2) = %q, %v, want the replacement", n, err)
	}
	if _, err := s.ReadCheckpoint(ctx, "acme", 4); !errors.Is(err, seal.ErrNotFound) {
		t.Errorf("ReadCheckpoint(4) = %v, want ErrNotFound", err)
	}
}

// testLockExcludes checks that read-size-then-append under the lock never
// conflicts, however the goroutines interleave.
func testLockExcludes(t *testing.T, s seal.HashStore) {
	const workers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Go(func() {
			for range each {
				errs <- s.WithAppendLock(context.Background(), "acme", func(ctx context.Context) error {
					n, err := s.Size(ctx, "acme")
					if err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // widen the race window
					return s.AppendLeaves(ctx, "acme", n, [][]byte{leafBytes(n)}, hashesFor(n, n+1))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("append under lock = %v", err)
		}
	}
	wantSize(t, s, "acme", workers*each)
}

func testLockPerOrg(t *testing.T, s seal.HashStore) {
	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.WithAppendLock(context.Background(), "acme", func(context.Context) error {
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WithAppendLock(ctx, "globex", func(context.Context) error { return nil }); err != nil {
		t.Errorf("WithAppendLock(globex) while acme is locked = %v", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("WithAppendLock(acme) = %v", err)
	}
}

func testLockError(t *testing.T, s seal.HashStore) {
	boom := errors.New("boom")
	if err := s.WithAppendLock(context.Background(), "acme", func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("WithAppendLock(fn failing) = %v, want fn's error", err)
	}
	// The lock is released after an error.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.WithAppendLock(ctx, "acme", func(context.Context) error { return nil }); err != nil {
		t.Errorf("WithAppendLock after an error = %v", err)
	}
}
