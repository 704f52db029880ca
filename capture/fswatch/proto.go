package fswatch

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/tracevault/tracevault/capture/internal/wire"
	"github.com/tracevault/tracevault/capture/worktree"
)

const (
	magic = "TVW2"
	ack   = 'K'
	// SocketName is the watcher's socket in the spool's state directory.
	SocketName = "watch.sock"
	maxReply   = 64 << 20
	maxChanges = 1 << 20
)

// appendLook encodes a reply (see the package documentation).
func appendLook(b []byte, l *worktree.Look) []byte {
	b = append(b, magic...)
	if l.First {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(l.Changes)))
	for _, c := range l.Changes {
		b = append(b, byte(c.Kind))
		b = binary.AppendUvarint(b, uint64(len(c.Path)))
		b = append(b, c.Path...)
		if c.Kind != worktree.Added {
			b = appendState(b, c.Before)
		}
		if c.Kind != worktree.Deleted {
			b = appendState(b, c.After)
		}
	}
	return b
}

func appendState(b []byte, st worktree.FileState) []byte {
	b = binary.AppendUvarint(b, uint64(st.Mode))
	b = binary.AppendUvarint(b, uint64(st.Size))
	b = binary.AppendVarint(b, st.MtimeNs)
	b = binary.AppendVarint(b, st.CtimeNs)
	b = binary.AppendUvarint(b, st.Ino)
	if st.Hash == "" {
		return append(b, 0)
	}
	b = append(b, 1)
	b, _ = hex.AppendDecode(b, []byte(st.Hash))
	return b
}

// parseLook decodes a reply; it accepts only what appendLook writes.
func parseLook(b []byte) (*worktree.Look, error) {
	d := &wire.Reader{B: b}
	if string(d.Take(len(magic))) != magic {
		return nil, errors.New("not a watch reply")
	}
	l := &worktree.Look{}
	switch d.Byte() {
	case 0:
	case 1:
		l.First = true
	default:
		return nil, errors.New("watch reply: unknown status")
	}
	n := d.Uvarint()
	if n > maxChanges || n > uint64(len(d.B)) {
		return nil, errors.New("watch reply: bad change count")
	}
	l.Changes = make([]worktree.Change, 0, n)
	for range n {
		c := worktree.Change{Kind: worktree.ChangeKind(d.Byte())}
		if c.Kind < worktree.Added || c.Kind > worktree.Deleted {
			return nil, errors.New("watch reply: unknown change kind")
		}
		plen := d.Uvarint()
		if plen == 0 || plen > 4096 {
			return nil, errors.New("watch reply: bad path length")
		}
		c.Path = string(d.Take(int(plen)))
		if c.Kind != worktree.Added {
			c.Before = state(d)
		}
		if c.Kind != worktree.Deleted {
			c.After = state(d)
		}
		if d.Err != nil {
			return nil, fmt.Errorf("watch reply: %w", d.Err)
		}
		l.Changes = append(l.Changes, c)
	}
	if d.Err != nil {
		return nil, fmt.Errorf("watch reply: %w", d.Err)
	}
	if len(d.B) != 0 {
		return nil, errors.New("watch reply: trailing bytes")
	}
	return l, nil
}

// state reads a FileState as appendState writes it.
func state(d *wire.Reader) worktree.FileState {
	mode := d.Uvarint()
	st := worktree.FileState{Mode: fs.FileMode(mode)}
	size := d.Uvarint()
	if size > 1<<62 || mode > 0xffffffff {
		d.Fail("size or mode out of range")
	}
	st.Size = int64(size)
	st.MtimeNs, st.CtimeNs, st.Ino = d.Varint(), d.Varint(), d.Uvarint()
	switch d.Byte() {
	case 0:
	case 1:
		st.Hash = hex.EncodeToString(d.Take(32))
	default:
		d.Fail("unknown hash kind")
	}
	return st
}
