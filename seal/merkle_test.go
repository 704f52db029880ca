package seal

import (
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// TestFrontier checks the frontier against tlog: the same stored hashes for
// every leaf and the same root for every size, also after reloading the
// frontier from stored hashes.
func TestFrontier(t *testing.T) {
	var stored []tlog.Hash
	r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	var f frontier
	for n := int64(0); n < 1100; n++ {
		want, _ := tlog.TreeHash(n, r)
		if got := f.root(); got != want {
			t.Fatalf("frontier root at size %d = %v, want %v", n, got, want)
		}
		idx := frontierIndexes(n)
		hs, _ := r.ReadHashes(idx)
		g := frontier{n: n}
		for i, k := range idx {
			level, _ := tlog.SplitStoredHashIndex(k)
			g.h[level] = hs[i]
		}
		if g.root() != want {
			t.Fatalf("reloaded frontier root at size %d = %v, want %v", n, g.root(), want)
		}
		data := fmt.Appendf(nil, "leaf %d", n)
		wantHashes, err := tlog.StoredHashes(n, data, r)
		if err != nil {
			t.Fatal(err)
		}
		got := f.append(tlog.RecordHash(data), nil)
		if fmt.Sprint(got) != fmt.Sprint(wantHashes) {
			t.Fatalf("frontier hashes for leaf %d = %v, want %v", n, got, wantHashes)
		}
		if g.append(tlog.RecordHash(data), nil)[len(got)-1] != got[len(got)-1] {
			t.Fatalf("reloaded frontier disagrees at leaf %d", n)
		}
		stored = append(stored, wantHashes...)
	}
}
