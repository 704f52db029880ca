package history

import (
	"context"
	"fmt"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// ReadRecords reads the records stored in the chain commits hs in three
// batched object reads (commits, then trees, then blobs), checking each
// record's shape but not its signature or chain position. A commit that
// holds no well-formed record maps to an error in the second result.
func ReadRecords(ctx context.Context, s gitstore.Objects, hs []gitstore.Hash) (map[gitstore.Hash]*record.Stored, map[gitstore.Hash]error, error) {
	hs = uniq(hs)
	out := make(map[gitstore.Hash]*record.Stored, len(hs))
	bad := map[gitstore.Hash]error{}
	if len(hs) == 0 {
		return out, bad, nil
	}
	commits, err := s.ReadObjects(ctx, hs)
	if err != nil {
		return nil, nil, fmt.Errorf("reading record commits: %w", err)
	}
	treeOf := make(map[gitstore.Hash]gitstore.Hash, len(hs))
	var trees []gitstore.Hash
	for _, h := range hs {
		c, err := gitstore.ParseCommit(commits[h].Data)
		if err != nil || commits[h].Type != gitstore.TypeCommit {
			bad[h] = fmt.Errorf("%s is not a record commit", h)
			continue
		}
		treeOf[h] = c.Tree
		trees = append(trees, c.Tree)
	}
	tobjs, err := s.ReadObjects(ctx, uniq(trees))
	if err != nil {
		return nil, nil, fmt.Errorf("reading record trees: %w", err)
	}
	blobsOf := map[gitstore.Hash][2]gitstore.Hash{}
	var blobs []gitstore.Hash
	for h, t := range treeOf {
		entries, err := gitstore.ParseTree(tobjs[t].Data)
		if err != nil || len(entries) != 2 || entries[0].Name != record.RecordFile || entries[1].Name != record.SigFile {
			bad[h] = fmt.Errorf("record commit %s: tree does not hold exactly %s and %s", h, record.RecordFile, record.SigFile)
			continue
		}
		blobsOf[h] = [2]gitstore.Hash{entries[0].Hash, entries[1].Hash}
		blobs = append(blobs, entries[0].Hash, entries[1].Hash)
	}
	bobjs, err := s.ReadObjects(ctx, uniq(blobs))
	if err != nil {
		return nil, nil, fmt.Errorf("reading record blobs: %w", err)
	}
	for h, b := range blobsOf {
		raw := bobjs[b[0]].Data
		env, err := record.ParseEnvelope(raw)
		if err != nil {
			bad[h] = fmt.Errorf("record commit %s: %w", h, err)
			continue
		}
		out[h] = &record.Stored{Commit: h, Raw: raw, Sig: string(bobjs[b[1]].Data), Envelope: env}
	}
	return out, bad, nil
}

func uniq(hs []gitstore.Hash) []gitstore.Hash {
	seen := make(map[gitstore.Hash]bool, len(hs))
	out := hs[:0:0]
	for _, h := range hs {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}
