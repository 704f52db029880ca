package history

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"sync"

	"github.com/tracevault/tracevault/gitstore"
)

// treeCache keeps the notes' fanout subtrees (not the root, which changes
// with every note) uncompressed in one file of the cache directory, so
// that reading the notes of a few commits does not make git inflate them
// again. An entry is keyed by the tree's object id and carries a CRC-32C
// of its data, checked when read (a damaged entry is read from git
// again). Like the chain cache it is trusted as the rest of the git
// directory is; whatever it yields, a trace is verified against its signed
// records:
//
//	"tracevault tree cache v2\n"
//	uint32 count, then count times:
//	    [20]byte id, uint32 offset, uint32 length, uint32 CRC-32C
//	the tree objects' data
type treeCache struct {
	path  string
	index map[gitstore.Hash][3]uint32
	file  *os.File
	added map[gitstore.Hash][]byte
}

const treeCacheMagic = "tracevault tree cache v2\n"

// treeCacheEntry is the size of an index entry.
const treeCacheEntry = 32

// castagnoli is made on first use: building it costs every process start
// ≈0.1–1 ms, and most never read the cache.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// openTreeCache opens the cache in dir ("" or unreadable: an empty one).
func openTreeCache(dir string) *treeCache {
	tc := &treeCache{index: map[gitstore.Hash][3]uint32{}, added: map[gitstore.Hash][]byte{}}
	if dir == "" {
		return tc
	}
	// A ref component cannot start with '.', so no writer's cache file
	// has this name.
	tc.path = filepath.Join(dir, ".notes-trees")
	f, err := os.Open(tc.path)
	if err != nil {
		return tc
	}
	head := make([]byte, len(treeCacheMagic)+4)
	if _, err := f.ReadAt(head, 0); err != nil || string(head[:len(treeCacheMagic)]) != treeCacheMagic {
		f.Close()
		return tc
	}
	n := binary.LittleEndian.Uint32(head[len(treeCacheMagic):])
	idx := make([]byte, int(n)*treeCacheEntry)
	if n > 1<<20 {
		f.Close()
		return tc
	}
	if _, err := f.ReadAt(idx, int64(len(head))); err != nil {
		f.Close()
		return tc
	}
	for i := 0; i < int(n); i++ {
		e := idx[i*treeCacheEntry:]
		var h gitstore.Hash
		copy(h[:], e[:20])
		tc.index[h] = [3]uint32{binary.LittleEndian.Uint32(e[20:]), binary.LittleEndian.Uint32(e[24:]), binary.LittleEndian.Uint32(e[28:])}
	}
	tc.file = f
	return tc
}

// get returns the cached data of tree h, if it is there and intact.
func (tc *treeCache) get(h gitstore.Hash) ([]byte, bool) {
	if d, ok := tc.added[h]; ok {
		return d, true
	}
	at, ok := tc.index[h]
	if !ok || tc.file == nil {
		return nil, false
	}
	data := make([]byte, at[1])
	if _, err := tc.file.ReadAt(data, int64(at[0])); err != nil || crc32.Checksum(data, castagnoli()) != at[2] {
		return nil, false
	}
	return data, true
}

// put adds tree h, read from git, for save.
func (tc *treeCache) put(h gitstore.Hash, data []byte) { tc.added[h] = data }

// save rewrites the cache when trees were added, keeping those of keep
// (the subtrees the current notes tree references) and the added ones.
func (tc *treeCache) save(keep map[gitstore.Hash]bool) {
	defer func() {
		if tc.file != nil {
			tc.file.Close()
			tc.file = nil
		}
	}()
	if tc.path == "" || len(tc.added) == 0 {
		return
	}
	trees := map[gitstore.Hash][]byte{}
	for h := range tc.index {
		if keep[h] {
			if d, ok := tc.get(h); ok {
				trees[h] = d
			}
		}
	}
	for h, d := range tc.added {
		trees[h] = d
	}
	var idx, body bytes.Buffer
	off := uint32(len(treeCacheMagic) + 4 + treeCacheEntry*len(trees))
	for h, d := range trees {
		idx.Write(h[:])
		idx.Write(binary.LittleEndian.AppendUint32(nil, off+uint32(body.Len())))
		idx.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(d))))
		idx.Write(binary.LittleEndian.AppendUint32(nil, crc32.Checksum(d, castagnoli())))
		body.Write(d)
	}
	var b bytes.Buffer
	b.WriteString(treeCacheMagic)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(trees))))
	b.Write(idx.Bytes())
	b.Write(body.Bytes())
	if os.MkdirAll(filepath.Dir(tc.path), 0o755) != nil {
		return
	}
	tmp := tc.path + "..tmp"
	if os.WriteFile(tmp, b.Bytes(), 0o644) == nil {
		_ = os.Rename(tmp, tc.path)
	}
}
