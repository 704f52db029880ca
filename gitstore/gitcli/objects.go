package gitcli

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1" //nolint:gosec // the pack trailer is SHA-1 by definition
	"encoding/binary"
	"fmt"

	"github.com/tracevault/tracevault/gitstore"
)

// ReadObject implements [gitstore.Objects].
func (s *Store) ReadObject(ctx context.Context, h gitstore.Hash) (gitstore.ObjectType, []byte, error) {
	objs, err := s.ReadObjects(ctx, []gitstore.Hash{h})
	if err != nil {
		return "", nil, err
	}
	o := objs[h]
	return o.Type, o.Data, nil
}

// ReadObjects implements [gitstore.Objects] with one cat-file exchange.
func (s *Store) ReadObjects(ctx context.Context, hs []gitstore.Hash) (map[gitstore.Hash]gitstore.Object, error) {
	out := make(map[gitstore.Hash]gitstore.Object, len(hs))
	var missing *gitstore.Hash
	err := s.readBatch(ctx, hs, func(h gitstore.Hash, o gitstore.Object, ok bool) {
		if !ok && missing == nil {
			missing = &h
		}
		out[h] = o
	})
	if err != nil {
		return nil, err
	}
	if missing != nil {
		return nil, fmt.Errorf("reading object %s: %w", *missing, gitstore.ErrNotFound)
	}
	return out, nil
}

// unpackLimit is the batch size from which objects go into a pack
// instead of loose files; git's own transfer.unpackLimit default.
const unpackLimit = 100

// WriteObjects implements [gitstore.Objects]. Below [unpackLimit] objects
// it writes loose objects, in process as git does (see loose.go) or, when
// git settings call for it, through `git unpack-objects`; from there on it
// hands an undeltified pack to `git index-pack --stdin` (one pack), as
// git's receive-pack does.
func (s *Store) WriteObjects(ctx context.Context, objs []gitstore.Object) ([]gitstore.Hash, error) {
	hs := make([]gitstore.Hash, len(objs))
	uniq := make([]gitstore.Object, 0, len(objs))
	uhs := make([]gitstore.Hash, 0, len(objs))
	seen := make(map[gitstore.Hash]bool, len(objs))
	for i, o := range objs {
		if err := gitstore.CheckObject(o); err != nil {
			return nil, fmt.Errorf("writing object %d: %w", i, err)
		}
		hs[i] = o.Hash()
		if !seen[hs[i]] {
			seen[hs[i]] = true
			uniq = append(uniq, o)
			uhs = append(uhs, hs[i])
		}
	}
	if len(uniq) == 0 {
		return hs, nil
	}
	if len(uniq) < unpackLimit {
		native, err := s.writeNative(ctx)
		if err != nil {
			return nil, err
		}
		if native {
			if err := s.writeLoose(ctx, uniq, uhs); err != nil {
				return nil, fmt.Errorf("writing %d objects: %w", len(uniq), err)
			}
			return hs, nil
		}
	}
	pack, err := buildPack(uniq)
	if err != nil {
		return nil, err
	}
	args := []string{"unpack-objects", "-q"}
	if len(uniq) >= unpackLimit {
		args = []string{"index-pack", "--stdin"}
	}
	if _, err := s.run(ctx, bytes.NewReader(pack), args...); err != nil {
		return nil, fmt.Errorf("writing %d objects: %w", len(uniq), err)
	}
	return hs, nil
}

var packType = map[gitstore.ObjectType]byte{
	gitstore.TypeCommit: 1, gitstore.TypeTree: 2, gitstore.TypeBlob: 3, gitstore.TypeTag: 4,
}

// buildPack returns a version 2 pack holding objs, none deltified.
func buildPack(objs []gitstore.Object) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("PACK")
	binary.Write(&b, binary.BigEndian, uint32(2))
	binary.Write(&b, binary.BigEndian, uint32(len(objs)))
	zw := zlib.NewWriter(nil)
	for _, o := range objs {
		size := uint64(len(o.Data))
		c := packType[o.Type]<<4 | byte(size&0x0f)
		for size >>= 4; size > 0; size >>= 7 {
			b.WriteByte(c | 0x80)
			c = byte(size & 0x7f)
		}
		b.WriteByte(c)
		zw.Reset(&b)
		if _, err := zw.Write(o.Data); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
	}
	sum := sha1.Sum(b.Bytes()) //nolint:gosec // pack trailer
	b.Write(sum[:])
	return b.Bytes(), nil
}
