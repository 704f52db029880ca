package gitcli_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/internal/testutil"
)

func blobs(n int) []gitstore.Object {
	objs := make([]gitstore.Object, n)
	for i := range objs {
		objs[i] = gitstore.Object{Type: gitstore.TypeBlob, Data: fmt.Appendf(nil, `{"t":"%040d","w":"writer","k":"ai"}`+"\n", i)}
	}
	return objs
}

// BenchmarkWriteObjects10k writes 10,000 small blobs in one call (one
// index-pack process, one pack).
func BenchmarkWriteObjects10k(b *testing.B) {
	objs := blobs(10000)
	for b.Loop() {
		b.StopTimer()
		s := open(b, testutil.NewRepo(b))
		b.StartTimer()
		if _, err := s.WriteObjects(ctx, objs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadObjects10k reads 10,000 small blobs in one cat-file
// exchange.
func BenchmarkReadObjects10k(b *testing.B) {
	s := open(b, testutil.NewRepo(b))
	hs, err := s.WriteObjects(ctx, blobs(10000))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.ReadObjects(ctx, hs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAppendCAS is one commit appended to a ref with
// compare-and-swap: resolve, write, update-ref.
func BenchmarkAppendCAS(b *testing.B) {
	s := open(b, testutil.NewRepo(b))
	tree, _ := gitstore.WriteTree(ctx, s, nil)
	sig := gitstore.Signature{Name: "b", Email: "b@example.com", When: time.Unix(1700000000, 0)}
	i := 0
	for b.Loop() {
		old, _ := s.ResolveRef(ctx, casRef)
		c := &gitstore.Commit{Tree: tree, Author: sig, Committer: sig, Message: fmt.Sprint(i)}
		if !old.IsZero() {
			c.Parents = []gitstore.Hash{old}
		}
		h, err := gitstore.WriteCommit(ctx, s, c)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: casRef, New: h, Old: old}}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
