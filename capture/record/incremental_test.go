package record_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// A grown chain verifies from its verified prefix: only the new records
// are read, and they must continue the prefix (seq, prev, parent).
func TestVerifyFromPrefix(t *testing.T) {
	f := newChain(t)
	oldTip := f.chain[len(f.chain)-1]
	w := &record.Writer{Store: f.s, Key: f.key, Identity: gitstore.Signature{Name: "Dev", Email: "dev@example.com"}, Now: time.Now}
	var items []record.Item
	for i := range 100 { // over the parallel threshold
		items = append(items, record.Item{Type: record.TypeSession, Body: &capture.Session{ID: fmt.Sprintf("n%d", i), Agent: "claude-code"}})
	}
	added, err := w.Append(f.ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	tip := added[len(added)-1].Commit
	next, err := record.ReadChainFrom(f.ctx, f.s, f.ref, tip, oldTip.Commit)
	if err != nil || len(next) != len(added) {
		t.Fatalf("ReadChainFrom = %d records, %v; want %d", len(next), err, len(added))
	}
	seq := int64(len(f.chain)) + 1
	if err := record.VerifyFrom(f.ref, next, seq, record.Hash(oldTip.Raw), f.allowed); err != nil {
		t.Fatalf("VerifyFrom(grown chain) = %v", err)
	}
	whole, err := record.ReadChain(f.ctx, f.s, f.ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := record.Verify(f.ref, whole, f.allowed); err != nil {
		t.Fatalf("Verify(grown chain) = %v", err)
	}
	// A wrong prefix hash or sequence number is a broken chain.
	if err := record.VerifyFrom(f.ref, next, seq, record.Hash([]byte("other")), f.allowed); !errors.Is(err, record.ErrBrokenChain) {
		t.Errorf("VerifyFrom(wrong prev) = %v, want ErrBrokenChain", err)
	}
	if err := record.VerifyFrom(f.ref, next, seq+1, record.Hash(oldTip.Raw), f.allowed); !errors.Is(err, record.ErrBrokenChain) {
		t.Errorf("VerifyFrom(wrong seq) = %v, want ErrBrokenChain", err)
	}
	// A record altered in the middle of the new ones is caught, at its
	// commit, as with Verify.
	bad := append([]record.Stored(nil), next...)
	bad[50].Sig = next[49].Sig
	var ve *record.VerifyError
	if err := record.VerifyFrom(f.ref, bad, seq, record.Hash(oldTip.Raw), f.allowed); !errors.As(err, &ve) || ve.Commit != next[50].Commit {
		t.Errorf("VerifyFrom(altered signature) = %v, want a VerifyError at %s", err, next[50].Commit)
	}
	// A prefix the chain does not extend (history rewritten) is refused.
	if _, err := record.ReadChainFrom(f.ctx, f.s, f.ref, tip, f.chain[0].Commit); err != nil {
		t.Errorf("ReadChainFrom(older prefix) = %v", err)
	}
	if _, err := record.ReadChainFrom(f.ctx, f.s, f.ref, tip, f.commit); !errors.Is(err, record.ErrNotPrefix) {
		t.Errorf("ReadChainFrom(not a prefix) = %v, want ErrNotPrefix", err)
	}
	if got, err := record.ReadChainFrom(f.ctx, f.s, f.ref, tip, tip); err != nil || len(got) != 0 {
		t.Errorf("ReadChainFrom(at the tip) = %d, %v", len(got), err)
	}
}
