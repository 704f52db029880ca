package linker

import (
	"context"
	"testing"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/memstore"
)

// TestPrefetch reads what attributeFile will read and nothing else: a pure
// rename (no hunks, so no blob ids from diff-tree) is left out.
func TestPrefetch(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	blob, err := gitstore.WriteBlob(ctx, s, []byte("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	sp := &spoolView{obs: []observation{{Edit: capture.FileEdit{Path: "renamed.go"}}, {Edit: capture.FileEdit{Path: "edited.go"}}}}
	l := &Linker{Store: struct {
		gitstore.Store
		gitstore.History
	}{Store: s}}
	diffs := []gitstore.FileDiff{
		{Status: gitstore.StatusRenamed, OldPath: "old.go", NewPath: "renamed.go", Similarity: 100},
		{Status: gitstore.StatusAdded, NewPath: "edited.go", NewHash: blob, Hunks: []gitstore.Hunk{{NewStart: 1, NewLines: 1}}},
		{Status: gitstore.StatusAdded, NewPath: "unobserved.go", NewHash: gitstore.HashObject(gitstore.TypeBlob, []byte("missing"))},
	}
	have, err := l.prefetch(ctx, diffs, sp)
	if err != nil || len(have) != 1 || string(have[blob].Data) != "x\n" {
		t.Errorf("prefetch = %v, %v; want only edited.go's blob", have, err)
	}
}
