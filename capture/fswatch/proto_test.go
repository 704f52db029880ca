package fswatch

import (
	"reflect"
	"testing"

	"github.com/tracevault/tracevault/capture/worktree"
)

func TestLookRoundTrip(t *testing.T) {
	h := "6a17e0ec4df6b79a5e9c4a7e5bde7e8a3a9be7a6cc0ff6bd2ff1b35a1cc0a2f1"
	for _, l := range []*worktree.Look{
		{Changes: []worktree.Change{
			{Path: "a.go", Kind: worktree.Modified, Before: worktree.FileState{Size: 3, MtimeNs: -5, CtimeNs: 9, Ino: 7, Mode: 0o644},
				After: worktree.FileState{Size: 4, MtimeNs: 1 << 60, Ino: 7, Mode: 0o755, Hash: h}},
			{Path: "caf\xe9", Kind: worktree.Added, After: worktree.FileState{Mode: 0o644}},
			{Path: "gone/x", Kind: worktree.Deleted, Before: worktree.FileState{Size: 1, Hash: h}},
		}},
		{First: true, Changes: []worktree.Change{}},
	} {
		got, err := parseLook(appendLook(nil, l))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, l) {
			t.Errorf("round trip: %+v, want %+v", got, l)
		}
	}
}

func FuzzParseLook(f *testing.F) {
	f.Add(appendLook(nil, &worktree.Look{Changes: []worktree.Change{{Path: "a", Kind: worktree.Added, After: worktree.FileState{Size: 1}}}}))
	f.Add([]byte("TVW2\x01\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseLook(b)
		if err != nil {
			return
		}
		if again := appendLook(nil, l); string(again) != string(b) {
			t.Errorf("parse then append changed %q to %q", b, again)
		}
	})
}
