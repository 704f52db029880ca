package worktree

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"strings"
)

// snapshotMagic opens every encoded snapshot; the final digit is the version.
const snapshotMagic = "tvsnap2\n"

// Snapshot checksums are CRC-32 IEEE: on amd64 and arm64 it runs on
// carry-less multiplication with an 8 KiB table made on first use, while
// CRC-32C's first use built SSE4.2 tables by checksumming 1.5 MB (0.1–0.2 ms,
// paid twice by every shell tool call: version 1 used it).

// flagTruncated marks an encoded snapshot that stopped at a limit.
const flagTruncated = 1 << 0

// minEntrySize is the fewest bytes an encoded entry can take.
const minEntrySize = 8

// maxPathLen bounds one path: PATH_MAX on Linux, including the work tree.
const maxPathLen = 4096

// MarshalBinary encodes the snapshot in the layout given in the package
// documentation. It fails if the snapshot breaks an invariant: entries not
// strictly sorted, an invalid path, mode or hash, or an entry at or after
// TruncatedAt.
func (s *Snapshot) MarshalBinary() ([]byte, error) {
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("encoding snapshot: %w", err)
	}
	b := make([]byte, 0, 64+len(s.Entries)*40)
	b = append(b, snapshotMagic...)
	flags := byte(0)
	if s.Truncated {
		flags |= flagTruncated
	}
	b = append(b, flags)
	b = binary.AppendVarint(b, s.Started)
	b = binary.AppendUvarint(b, uint64(len(s.Entries)))
	pathBytes := 0
	for _, e := range s.Entries {
		pathBytes += len(e.Path)
	}
	b = binary.AppendUvarint(b, uint64(pathBytes))
	if s.Truncated {
		b = binary.AppendUvarint(b, uint64(len(s.TruncatedAt)))
		b = append(b, s.TruncatedAt...)
	}
	var prev string
	var prevMtime int64
	var prevIno uint64
	for _, e := range s.Entries {
		shared := commonPrefix(prev, e.Path)
		b = binary.AppendUvarint(b, uint64(shared))
		b = binary.AppendUvarint(b, uint64(len(e.Path)-shared))
		b = append(b, e.Path[shared:]...)
		b = binary.AppendUvarint(b, uint64(e.Mode))
		b = binary.AppendUvarint(b, uint64(e.Size))
		b = binary.AppendVarint(b, e.MtimeNs-prevMtime)
		b = binary.AppendVarint(b, e.CtimeNs-e.MtimeNs)
		b = binary.AppendVarint(b, int64(e.Ino-prevIno))
		if e.Hash == "" {
			b = append(b, 0)
		} else {
			b = append(b, 1)
			b, _ = hex.AppendDecode(b, []byte(e.Hash)) // validated above
		}
		prev, prevMtime, prevIno = e.Path, e.MtimeNs, e.Ino
	}
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b)), nil
}

func (s *Snapshot) validate() error {
	if !s.Truncated && s.TruncatedAt != "" {
		return errors.New("TruncatedAt set on a complete snapshot")
	}
	if s.TruncatedAt != "" && !validPath(strings.TrimSuffix(s.TruncatedAt, "/")) {
		return fmt.Errorf("invalid TruncatedAt %q", s.TruncatedAt)
	}
	for i, e := range s.Entries {
		if !validPath(e.Path) || len(e.Path) > maxPathLen {
			return fmt.Errorf("invalid path %q", e.Path)
		}
		if i > 0 && s.Entries[i-1].Path >= e.Path {
			return fmt.Errorf("path %q out of order", e.Path)
		}
		if s.Truncated && e.Path >= s.TruncatedAt {
			return fmt.Errorf("path %q at or after TruncatedAt", e.Path)
		}
		if !validMode(e.Mode) || e.Size < 0 {
			return fmt.Errorf("path %q: invalid mode or size", e.Path)
		}
		if e.Hash != "" && !isLowerHex(e.Hash, 64) {
			return fmt.Errorf("path %q: invalid hash %q", e.Path, e.Hash)
		}
	}
	return nil
}

// validMode accepts the modes a snapshot records: regular files and links.
func validMode(m fs.FileMode) bool {
	t := m & fs.ModeType
	return t == 0 || t == fs.ModeSymlink
}

// UnmarshalBinary decodes data produced by [Snapshot.MarshalBinary]. It is
// strict: anything MarshalBinary would not have produced byte for byte is
// rejected, and s is left untouched on error.
func (s *Snapshot) UnmarshalBinary(data []byte) error {
	var t Snapshot
	if err := t.decode(data); err != nil {
		return fmt.Errorf("decoding snapshot: %w", err)
	}
	*s = t
	return nil
}

func (s *Snapshot) decode(data []byte) error {
	if len(data) < len(snapshotMagic)+4 || string(data[:len(snapshotMagic)]) != snapshotMagic {
		if len(data) >= len(snapshotMagic) && string(data[:6]) == snapshotMagic[:6] && data[7] == '\n' {
			return fmt.Errorf("snapshot format version %c, this build reads %c", data[6], snapshotMagic[6])
		}
		return errors.New("bad magic")
	}
	body, sum := data[:len(data)-4], binary.BigEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return errors.New("checksum mismatch")
	}
	d := decoder{b: body[len(snapshotMagic):]}
	flags := d.byte()
	if flags&^flagTruncated != 0 {
		return fmt.Errorf("unknown flags %#x", flags)
	}
	s.Truncated = flags&flagTruncated != 0
	s.Started = d.varint()
	n, pathBytes := d.uvarint(), d.uvarint()
	if s.Truncated {
		s.TruncatedAt = string(d.bytes(d.uvarint()))
	}
	if d.err != nil {
		return d.err
	}
	if n > uint64(len(d.b))/minEntrySize || pathBytes > n*maxPathLen {
		return errors.New("entry count or path bytes exceed data")
	}
	if err := s.decodeEntries(&d, int(n), int(pathBytes)); err != nil {
		return err
	}
	if len(d.b) != 0 {
		return errors.New("trailing data")
	}
	return s.validate()
}

// decodeEntries decodes n entries whose paths total pathBytes bytes. All
// paths share one string: they are sliced from a builder grown once.
func (s *Snapshot) decodeEntries(d *decoder, n, pathBytes int) error {
	s.Entries = make([]Entry, n)
	var sb strings.Builder
	sb.Grow(min(pathBytes, 64*len(d.b)))
	prev := ""
	var prevMtime int64
	var prevIno uint64
	for i := range n {
		shared := d.uvarint()
		suffix := d.bytes(d.uvarint())
		if d.err != nil {
			return d.err
		}
		if shared > uint64(len(prev)) || len(suffix) == 0 ||
			(shared < uint64(len(prev)) && suffix[0] == prev[shared]) {
			return fmt.Errorf("entry %d: non-canonical path prefix", i)
		}
		start := sb.Len()
		sb.WriteString(prev[:shared])
		sb.Write(suffix)
		e := &s.Entries[i]
		e.Path = sb.String()[start:]
		mode, size := d.uvarint(), d.uvarint()
		e.Mode = fs.FileMode(mode)
		e.Size = int64(size)
		e.MtimeNs = prevMtime + d.varint()
		e.CtimeNs = e.MtimeNs + d.varint()
		e.Ino = prevIno + uint64(d.varint())
		switch d.byte() {
		case 0:
		case 1:
			e.Hash = hex.EncodeToString(d.bytes(32))
		default:
			return fmt.Errorf("entry %d: unknown hash kind", i)
		}
		if d.err != nil {
			return d.err
		}
		if size > 1<<63-1 || mode > 0xffffffff {
			return fmt.Errorf("entry %d: size or mode overflows", i)
		}
		prev, prevMtime, prevIno = e.Path, e.MtimeNs, e.Ino
	}
	if sb.Len() != pathBytes {
		return errors.New("path byte count mismatch")
	}
	return nil
}

// decoder reads canonical varints; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	if n > 1 && d.b[n-1] == 0 {
		d.fail("non-minimal varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.fail("truncated")
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
