package worktree

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io/fs"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleSnapshot() *Snapshot {
	h := strings.Repeat("ab", 32)
	return &Snapshot{
		Started: 1_700_000_000_123_456_789,
		Entries: []Entry{
			{Path: ".gitignore", FileState: FileState{Size: 13, MtimeNs: 5, CtimeNs: 4, Ino: 1 << 40, Mode: 0o644}},
			{Path: "a/b/c.go", FileState: FileState{Size: 1 << 33, MtimeNs: -7, CtimeNs: 1 << 62, Ino: 3, Mode: 0o755, Hash: h}},
			{Path: "a/b/d.go", FileState: FileState{Mode: fs.ModeSymlink | 0o777}},
			{Path: "caf\xe9/\xff", FileState: FileState{Size: 1, MtimeNs: 1<<63 - 1, CtimeNs: -1 << 63, Ino: 1<<64 - 1, Mode: 0o600}},
		},
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		snap *Snapshot
	}{
		{"empty", &Snapshot{}},
		{"sample", sampleSnapshot()},
		{"truncated", func() *Snapshot { s := sampleSnapshot(); s.Truncated, s.TruncatedAt = true, "d/"; return s }()},
		{"truncated before anything", &Snapshot{Truncated: true, Started: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.snap.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			var got Snapshot
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if diff := cmp.Diff(tt.snap, &got, cmp.Comparer(func(a, b []Entry) bool {
				return len(a) == len(b) && (len(a) == 0 || cmp.Equal(a, b))
			})); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSnapshotMarshalRejects(t *testing.T) {
	e := func(p string) Entry { return Entry{Path: p, FileState: FileState{Mode: 0o644}} }
	tests := []struct {
		name string
		snap *Snapshot
	}{
		{"unsorted", &Snapshot{Entries: []Entry{e("b"), e("a")}}},
		{"duplicate", &Snapshot{Entries: []Entry{e("a"), e("a")}}},
		{"absolute path", &Snapshot{Entries: []Entry{e("/a")}}},
		{"dot-dot", &Snapshot{Entries: []Entry{e("a/../b")}}},
		{"empty path", &Snapshot{Entries: []Entry{e("")}}},
		{"directory mode", &Snapshot{Entries: []Entry{{Path: "d", FileState: FileState{Mode: fs.ModeDir | 0o755}}}}},
		{"upper-case hash", &Snapshot{Entries: []Entry{{Path: "a", FileState: FileState{Hash: strings.Repeat("AB", 32)}}}}},
		{"short hash", &Snapshot{Entries: []Entry{{Path: "a", FileState: FileState{Hash: "abcd"}}}}},
		{"TruncatedAt on complete", &Snapshot{TruncatedAt: "x"}},
		{"entry past TruncatedAt", &Snapshot{Truncated: true, TruncatedAt: "b", Entries: []Entry{e("c")}}},
		{"negative size", &Snapshot{Entries: []Entry{{Path: "a", FileState: FileState{Size: -1}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.snap.MarshalBinary(); err == nil {
				t.Errorf("MarshalBinary(%+v) succeeded, want error", tt.snap)
			}
		})
	}
}

// withCRC appends a valid checksum, so a test reaches the checks behind it.
func withCRC(b []byte) []byte {
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b))
}

func TestSnapshotUnmarshalRejects(t *testing.T) {
	good, err := sampleSnapshot().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	body := good[:len(good)-4]
	entry := func(prefix, suffix string) string {
		return string([]byte{byte(len(prefix))}) + string([]byte{byte(len(suffix))}) + suffix + "\xa4\x03\x00\x00\x00\x00\x00"
	}
	head := "tvsnap2\n\x00\x00"
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"bad magic", withCRC(append([]byte("tvsnap9\n"), body[8:]...))},
		{"version 1 (CRC-32C)", withCRC(append([]byte("tvsnap1\n"), body[8:]...))},
		{"bad checksum", append(bytes.Clone(body), 0, 0, 0, 0)},
		{"trailing data", withCRC(append(bytes.Clone(body), 0))},
		{"unknown flag", withCRC([]byte("tvsnap2\n\x02\x00\x00\x00"))},
		{"non-minimal varint", withCRC([]byte("tvsnap2\n\x00\x80\x00\x00\x00"))},
		{"count beyond data", withCRC([]byte(head + "\x05\x05"))},
		{"missing entries", withCRC([]byte(head + "\x02\x02" + entry("", "a")))},
		{"non-maximal prefix", withCRC([]byte(head + "\x02\x04" + entry("", "ab") + "\x00\x02ac\xa4\x03\x00\x00\x00\x00\x00"))},
		{"prefix too long", withCRC([]byte(head + "\x02\x03" + entry("", "a") + "\x05\x01b\xa4\x03\x00\x00\x00\x00\x00"))},
		{"empty suffix", withCRC([]byte(head + "\x02\x02" + entry("", "a") + "\x01\x00\xa4\x03\x00\x00\x00\x00\x00"))},
		{"out of order", withCRC([]byte(head + "\x02\x02" + entry("", "b") + entry("", "a")))},
		{"unclean path", withCRC([]byte(head + "\x01\x04" + entry("", "a//b")))},
		{"unknown hash kind", withCRC([]byte(head + "\x01\x01\x00\x01a\xa4\x03\x00\x00\x00\x00\x02"))},
		{"path bytes mismatch", withCRC([]byte(head + "\x01\x02" + entry("", "a")))},
		{"path bytes too large", withCRC([]byte(head + "\x01\x80\x80\x01" + entry("", "a")))},
		{"truncated hash", withCRC([]byte(head + "\x01\x01\x00\x01a\xa4\x03\x00\x00\x00\x00\x01abc"))},
		{"directory mode", withCRC([]byte(head + "\x01\x01\x00\x01a\x80\x80\x80\x80\x08\x00\x00\x00\x00\x00"))},
		{"mode overflows", withCRC([]byte(head + "\x01\x01\x00\x01a\x80\x80\x80\x80\x10\x00\x00\x00\x00\x00"))},
		{"entry past TruncatedAt", withCRC([]byte("tvsnap2\n\x01\x00\x01\x01\x01a" + entry("", "b")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSnapshot()
			if err := s.UnmarshalBinary(tt.data); err == nil {
				t.Errorf("UnmarshalBinary(%q) succeeded, want error", tt.data)
			}
			if diff := cmp.Diff(sampleSnapshot(), s); diff != "" {
				t.Errorf("UnmarshalBinary changed its receiver on error:\n%s", diff)
			}
		})
	}
	// Sanity: the hand-built entry layout is accepted when well formed.
	var s Snapshot
	if err := s.UnmarshalBinary(withCRC([]byte(head + "\x02\x04" + entry("", "a") + entry("a", "/b")))); err != nil {
		t.Errorf("UnmarshalBinary(well-formed hand-built) = %v", err)
	}
}

// TestSnapshotMangled flips every byte of an encoding; the checksum or a
// structural check must reject each one.
func TestSnapshotMangled(t *testing.T) {
	good, err := sampleSnapshot().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for i := range good {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			m := bytes.Clone(good)
			m[i] ^= x
			var s Snapshot
			if err := s.UnmarshalBinary(m); err == nil {
				t.Errorf("UnmarshalBinary accepted byte %d ^ %#x", i, x)
			}
		}
	}
	for n := range len(good) {
		var s Snapshot
		if err := s.UnmarshalBinary(good[:n]); err == nil {
			t.Errorf("UnmarshalBinary accepted a truncation to %d bytes", n)
		}
	}
}

func FuzzSnapshotUnmarshal(f *testing.F) {
	for _, s := range []*Snapshot{{}, sampleSnapshot(), {Truncated: true, TruncatedAt: "a/b"}} {
		b, err := s.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Fix up the checksum so the fuzzer explores the structure behind it.
		if len(data) >= 4 {
			data = withCRC(data[:len(data)-4])
		}
		var s Snapshot
		if err := s.UnmarshalBinary(data); err != nil {
			return
		}
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary of decoded snapshot: %v", err)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("non-canonical encoding accepted:\n in  %x\n out %x", data, b)
		}
	})
}
