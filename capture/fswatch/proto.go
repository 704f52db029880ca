package fswatch

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

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
	d := reader{b: b}
	if string(d.bytes(len(magic))) != magic {
		return nil, errors.New("not a watch reply")
	}
	l := &worktree.Look{}
	switch d.byte() {
	case 0:
	case 1:
		l.First = true
	default:
		return nil, errors.New("watch reply: unknown status")
	}
	n := d.uvarint()
	if n > maxChanges || n > uint64(len(d.b)) {
		return nil, errors.New("watch reply: bad change count")
	}
	l.Changes = make([]worktree.Change, 0, n)
	for range n {
		c := worktree.Change{Kind: worktree.ChangeKind(d.byte())}
		if c.Kind < worktree.Added || c.Kind > worktree.Deleted {
			return nil, errors.New("watch reply: unknown change kind")
		}
		plen := d.uvarint()
		if plen == 0 || plen > 4096 {
			return nil, errors.New("watch reply: bad path length")
		}
		c.Path = string(d.bytes(int(plen)))
		if c.Kind != worktree.Added {
			c.Before = d.state()
		}
		if c.Kind != worktree.Deleted {
			c.After = d.state()
		}
		if d.err != nil {
			return nil, fmt.Errorf("watch reply: %w", d.err)
		}
		l.Changes = append(l.Changes, c)
	}
	if d.err != nil {
		return nil, fmt.Errorf("watch reply: %w", d.err)
	}
	if len(d.b) != 0 {
		return nil, errors.New("watch reply: trailing bytes")
	}
	return l, nil
}

// reader decodes; the first error sticks.
type reader struct {
	b   []byte
	err error
}

func (d *reader) fail() {
	if d.err == nil {
		d.err = errors.New("truncated or malformed")
	}
	d.b = nil
}

func (d *reader) bytes(n int) []byte {
	if n > len(d.b) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *reader) byte() byte {
	v := d.bytes(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (d *reader) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || n > 1 && d.b[n-1] == 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *reader) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *reader) state() worktree.FileState {
	mode := d.uvarint()
	st := worktree.FileState{Mode: fs.FileMode(mode)}
	size := d.uvarint()
	if size > 1<<62 || mode > 0xffffffff {
		d.fail()
	}
	st.Size = int64(size)
	st.MtimeNs, st.CtimeNs, st.Ino = d.varint(), d.varint(), d.uvarint()
	switch d.byte() {
	case 0:
	case 1:
		st.Hash = hex.EncodeToString(d.bytes(32))
	default:
		d.fail()
	}
	return st
}
