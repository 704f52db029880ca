package notes_test

import (
	"fmt"
	"testing"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

func tenThousand(tb testing.TB, s gitstore.Store) ([]gitstore.Hash, map[gitstore.Hash][]byte) {
	var cs []gitstore.Hash
	add := map[gitstore.Hash][]byte{}
	for i := range 10000 {
		c := gitstore.HashObject(gitstore.TypeCommit, fmt.Appendf(nil, "fake %d", i))
		cs = append(cs, c)
		add[c] = fmt.Appendf(nil, `{"t":"%040d","w":"writer","k":"ai"}`+"\n", i)
	}
	return cs, add
}

// BenchmarkNotesAdd10k writes 10,000 notes as one notes commit.
func BenchmarkNotesAdd10k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, _ := gitBackendTB(b)
		_, add := tenThousand(b, s)
		n := notes.Notes{Store: s, Ref: notesRef}
		b.StartTimer()
		if err := n.Add(ctx, add, "bulk", who); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNotesRead10k reads all 10,000 notes by commit id.
func BenchmarkNotesRead10k(b *testing.B) {
	s, _ := gitBackendTB(b)
	cs, add := tenThousand(b, s)
	n := notes.Notes{Store: s, Ref: notesRef}
	if err := n.Add(ctx, add, "bulk", who); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		got, err := n.Read(ctx, cs)
		if err != nil || len(got) != len(cs) {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkNotesRead1of10k reads one note from a 10,000-note tree.
func BenchmarkNotesRead1of10k(b *testing.B) {
	s, _ := gitBackendTB(b)
	cs, add := tenThousand(b, s)
	n := notes.Notes{Store: s, Ref: notesRef}
	if err := n.Add(ctx, add, "bulk", who); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, err := n.Read(ctx, cs[5000:5001]); err != nil || len(got) != 1 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkNotesAdd1to10k adds one note to a 10,000-note tree.
func BenchmarkNotesAdd1to10k(b *testing.B) {
	s, _ := gitBackendTB(b)
	cs, add := tenThousand(b, s)
	n := notes.Notes{Store: s, Ref: notesRef}
	if err := n.Add(ctx, add, "bulk", who); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if err := n.Add(ctx, map[gitstore.Hash][]byte{cs[i%len(cs)]: fmt.Appendf(nil, "extra %d\n", i)}, "one", who); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNotesSet1of10k replaces one note among 10,000, as post-commit
// does on a repository with a long history.
func BenchmarkNotesSet1of10k(b *testing.B) {
	s, _ := gitBackendTB(b)
	cs, add := tenThousand(b, s)
	n := notes.Notes{Store: s, Ref: notesRef}
	if err := n.Add(ctx, add, "bulk", who); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		if err := n.Set(ctx, map[gitstore.Hash][]byte{cs[i%len(cs)]: []byte("x\n")}, "one", who); err != nil {
			b.Fatal(err)
		}
	}
}
