package worktree

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tracevault/tracevault/capture/gitrepo"
)

// ErrSplitIndex is returned (wrapped) for an index written with
// core.splitIndex, whose entries live partly in a shared index file.
var ErrSplitIndex = errors.New("worktree: split index not supported")

// Index is a parsed .git/index: the staged entries, sorted by path then stage.
type Index struct {
	// Version is the on-disk format version: 2, 3 or 4.
	Version uint32
	// Entries are sorted by path bytes, then by stage, as git writes them.
	Entries []IndexEntry
	// Timestamp is the index file's modification time in Unix nanoseconds,
	// or 0 when unknown. Entries modified in or after that second are
	// racily clean: their stat data cannot prove them unchanged.
	Timestamp int64
}

// IndexEntry is one staged path. Stat fields are the 32-bit values git stores.
type IndexEntry struct {
	Path                string // repo-relative, slash-separated, raw bytes
	Mode                uint32 // 0o100644, 0o100755, 0o120000 or 0o160000
	OID                 string // hex object id
	Size                uint32 // file size truncated to 32 bits
	CtimeSec, CtimeNsec uint32
	MtimeSec, MtimeNsec uint32
	Dev, Ino            uint32
	UID, GID            uint32
	Stage               int  // 0, or 1–3 during a merge conflict
	AssumeValid         bool // set by update-index --assume-unchanged
	SkipWorktree        bool // sparse checkout: not expected in the work tree
	IntentToAdd         bool // git add -N: placeholder with the empty blob
}

// IndexOptions controls [ParseIndex].
type IndexOptions struct {
	// SHA256 selects 32-byte object ids (extensions.objectFormat=sha256).
	SHA256 bool
	// VerifyChecksum checks the trailing hash of the file. An all-zero
	// trailer (index.skipHash) is accepted unchecked.
	VerifyChecksum bool
}

const (
	flagAssumeValid  = 0x8000
	flagExtended     = 0x4000
	flagStageMask    = 0x3000
	flagNameMask     = 0x0fff
	xflagSkipWT      = 0x4000
	xflagIntentToAdd = 0x2000
	xflagKnown       = xflagSkipWT | xflagIntentToAdd
)

// ReadIndex reads and parses GitDir/index. A missing index (a fresh
// repository) gives an empty index. The object format comes from
// extensions.objectFormat in CommonDir/config.
func ReadIndex(repo Repo, verify bool) (*Index, error) {
	path := filepath.Join(repo.GitDir, "index")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &Index{Version: 2}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("reading index %s: %w", path, err)
	}
	format, _ := gitrepo.ConfigValue(filepath.Join(repo.CommonDir, "config"), "extensions", "objectformat")
	idx, err := ParseIndex(data, IndexOptions{SHA256: strings.EqualFold(format, "sha256"), VerifyChecksum: verify})
	if err != nil {
		return nil, fmt.Errorf("parsing index %s: %w", path, err)
	}
	idx.Timestamp = fi.ModTime().UnixNano()
	return idx, nil
}

// ParseIndex parses the bytes of an index file, versions 2 to 4.
// Extensions are skipped, except that a split index ("link") is rejected
// with [ErrSplitIndex]. Entries must be in git's order.
func ParseIndex(data []byte, opts IndexOptions) (*Index, error) {
	hashLen := 20
	if opts.SHA256 {
		hashLen = 32
	}
	if len(data) < 12+hashLen || string(data[:4]) != "DIRC" {
		return nil, errors.New("not an index file")
	}
	body, trailer := data[:len(data)-hashLen], data[len(data)-hashLen:]
	if opts.VerifyChecksum && !allZero(trailer) && !bytes.Equal(checksum(body, opts.SHA256), trailer) {
		return nil, errors.New("index checksum mismatch")
	}
	idx := &Index{Version: binary.BigEndian.Uint32(data[4:8])}
	if idx.Version < 2 || idx.Version > 4 {
		return nil, fmt.Errorf("unsupported index version %d", idx.Version)
	}
	n := binary.BigEndian.Uint32(data[8:12])
	if uint64(n) > uint64(len(body))/uint64(40+hashLen) {
		return nil, fmt.Errorf("entry count %d exceeds file size", n)
	}
	// Paths (versions 2 and 3) are sliced from one copy of the data, and
	// object ids from one hex string, instead of two allocations an entry.
	p := &indexParser{buf: body, str: string(body), off: 12, version: idx.Version, hashLen: hashLen}
	p.hex = make([]byte, 0, int(n)*2*hashLen)
	idx.Entries = make([]IndexEntry, 0, n)
	for i := uint32(0); i < n; i++ {
		e, err := p.entry()
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if i > 0 && !entryLess(&idx.Entries[i-1], &e) {
			return nil, fmt.Errorf("entry %d: %q out of order", i, e.Path)
		}
		idx.Entries = append(idx.Entries, e)
	}
	if err := skipExtensions(body[p.off:]); err != nil {
		return nil, err
	}
	ids, w := string(p.hex), 2*hashLen
	for i := range idx.Entries {
		idx.Entries[i].OID = ids[i*w : (i+1)*w]
	}
	return idx, nil
}

// Lookup returns the entry for path at the lowest stage present.
func (idx *Index) Lookup(path string) (IndexEntry, bool) {
	i := sort.Search(len(idx.Entries), func(i int) bool { return idx.Entries[i].Path >= path })
	if i < len(idx.Entries) && idx.Entries[i].Path == path {
		return idx.Entries[i], true
	}
	return IndexEntry{}, false
}

// under returns the entries whose path lies below directory dir.
func (idx *Index) under(dir string) []IndexEntry {
	prefix := dir + "/"
	lo := sort.Search(len(idx.Entries), func(i int) bool { return idx.Entries[i].Path >= prefix })
	hi := lo
	for hi < len(idx.Entries) && strings.HasPrefix(idx.Entries[hi].Path, prefix) {
		hi++
	}
	return idx.Entries[lo:hi]
}

func entryLess(a, b *IndexEntry) bool {
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	return a.Stage < b.Stage
}

type indexParser struct {
	buf     []byte
	str     string // buf as a string, for slicing paths out of
	hex     []byte // hex object ids of the entries so far
	off     int
	version uint32
	hashLen int
	prev    string // previous path, for version 4 prefix compression
}

// entry decodes one entry starting at p.off and advances past it.
func (p *indexParser) entry() (IndexEntry, error) {
	start := p.off
	fixed := 40 + p.hashLen + 2
	if len(p.buf)-start < fixed {
		return IndexEntry{}, errors.New("truncated")
	}
	b := p.buf[start:]
	u32 := func(i int) uint32 { return binary.BigEndian.Uint32(b[i:]) }
	e := IndexEntry{
		CtimeSec: u32(0), CtimeNsec: u32(4), MtimeSec: u32(8), MtimeNsec: u32(12),
		Dev: u32(16), Ino: u32(20), Mode: u32(24), UID: u32(28), GID: u32(32), Size: u32(36),
	}
	p.hex = hex.AppendEncode(p.hex, b[40:40+p.hashLen])
	if !validIndexMode(e.Mode) {
		return IndexEntry{}, fmt.Errorf("invalid mode %o", e.Mode)
	}
	flags := binary.BigEndian.Uint16(b[40+p.hashLen:])
	e.AssumeValid = flags&flagAssumeValid != 0
	e.Stage = int(flags&flagStageMask) >> 12
	nameOff := fixed
	if flags&flagExtended != 0 {
		if p.version < 3 {
			return IndexEntry{}, errors.New("extended flags in version 2")
		}
		if len(b) < fixed+2 {
			return IndexEntry{}, errors.New("truncated")
		}
		x := binary.BigEndian.Uint16(b[fixed:])
		if x&^xflagKnown != 0 {
			return IndexEntry{}, fmt.Errorf("unknown extended flags %#x", x)
		}
		e.SkipWorktree, e.IntentToAdd = x&xflagSkipWT != 0, x&xflagIntentToAdd != 0
		nameOff += 2
	}
	nameLen := int(flags & flagNameMask)
	var err error
	if p.version == 4 {
		err = p.nameV4(&e, b, nameOff, nameLen)
	} else {
		err = p.nameV2(&e, b, nameOff, nameLen)
	}
	if err != nil {
		return IndexEntry{}, err
	}
	if !validPath(e.Path) {
		return IndexEntry{}, fmt.Errorf("invalid path %q", e.Path)
	}
	p.prev = e.Path
	return e, nil
}

// nameV2 reads a NUL-terminated name padded with 1–8 NULs to a multiple of 8.
func (p *indexParser) nameV2(e *IndexEntry, b []byte, off, n int) error {
	end := bytes.IndexByte(b[off:], 0)
	if end < 0 || (n < flagNameMask && end != n) || (n == flagNameMask && end < n) {
		return errors.New("bad name length")
	}
	e.Path = p.str[p.off+off : p.off+off+end]
	size := (off + end + 8) &^ 7
	if size > len(b) || !allZero(b[off+end:size]) {
		return errors.New("bad padding")
	}
	p.off += size
	return nil
}

// nameV4 reads a varint count of bytes to strip from the previous path,
// then a NUL-terminated suffix; there is no padding.
func (p *indexParser) nameV4(e *IndexEntry, b []byte, off, n int) error {
	strip, k := gitVarint(b[off:])
	if k <= 0 || strip > uint64(len(p.prev)) {
		return errors.New("bad path prefix")
	}
	off += k
	end := bytes.IndexByte(b[off:], 0)
	if end < 0 {
		return errors.New("unterminated name")
	}
	e.Path = p.prev[:len(p.prev)-int(strip)] + string(b[off:off+end])
	if (n < flagNameMask && len(e.Path) != n) || (n == flagNameMask && len(e.Path) < n) {
		return errors.New("bad name length")
	}
	p.off += off + end + 1
	return nil
}

// skipExtensions walks the extension records between the entries and the
// trailing hash, requiring them to fill that space exactly.
func skipExtensions(b []byte) error {
	for len(b) > 0 {
		if len(b) < 8 {
			return errors.New("truncated extension header")
		}
		sig, size := string(b[:4]), binary.BigEndian.Uint32(b[4:8])
		if uint64(size) > uint64(len(b)-8) {
			return fmt.Errorf("extension %q overruns the file", sig)
		}
		if sig == "link" {
			return ErrSplitIndex
		}
		if sig[0] < 'A' || sig[0] > 'Z' {
			return fmt.Errorf("unknown required extension %q", sig)
		}
		b = b[8+size:]
	}
	return nil
}

func validIndexMode(m uint32) bool {
	switch m {
	case 0o100644, 0o100755, 0o120000, 0o160000, 0o040000: // 040000: sparse-index directory
		return true
	}
	return false
}

// validPath accepts a clean relative slash path: no empty, "." or ".."
// component, no leading or trailing slash, no NUL.
func validPath(p string) bool {
	if p == "" || p[0] == '/' || p[len(p)-1] == '/' || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for len(p) > 0 {
		c, rest, _ := strings.Cut(p, "/")
		if c == "" || c == "." || c == ".." {
			return false
		}
		p = rest
	}
	return true
}

func checksum(b []byte, sha256Format bool) []byte {
	if sha256Format {
		s := sha256.Sum256(b)
		return s[:]
	}
	s := sha1.Sum(b)
	return s[:]
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// gitVarint decodes git's offset varint (varint.c): big-endian 7-bit
// groups, each continuation adding one, so every value has one encoding.
// It returns the value and the bytes used, or 0, 0 on truncation or overflow.
func gitVarint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	c := b[0]
	v := uint64(c & 0x7f)
	n := 1
	for c&0x80 != 0 {
		if n >= len(b) || v+1 > (1<<57)-1 {
			return 0, 0
		}
		c = b[n]
		n++
		v = (v+1)<<7 | uint64(c&0x7f)
	}
	return v, n
}
