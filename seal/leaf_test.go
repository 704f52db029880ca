package seal_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/seal"
)

func sampleLeaf() seal.Leaf {
	l := seal.Leaf{
		Index:    5,
		Record:   seal.RecordDigest([]byte("record")),
		SealedAt: time.Date(2026, 2, 3, 4, 5, 6, 789, time.UTC),
		Kind:     seal.KindAmendment,
		Amends:   2,
	}
	l.Prev[0] = 0xab
	return l
}

func TestParseLeafRoundTrip(t *testing.T) {
	l := sampleLeaf()
	got, err := seal.ParseLeaf(l.Encode())
	if err != nil {
		t.Fatalf("ParseLeaf(%q) = %v", l.Encode(), err)
	}
	if !bytes.Equal(got.Encode(), l.Encode()) || !got.SealedAt.Equal(l.SealedAt) || got.Amends != 2 {
		t.Errorf("ParseLeaf(Encode(%+v)) = %+v", l, got)
	}
}

func TestParseLeafRejects(t *testing.T) {
	good := string(func() []byte { l := sampleLeaf(); return l.Encode() }())
	for _, tc := range []struct{ name, old, new string }{
		{"header", "tracevault-leaf/v1", "tracevault-leaf/v2"},
		{"leading zero", "index 5", "index 05"},
		{"plus sign", "index 5", "index +5"},
		{"negative", "index 5", "index -5"},
		{"uppercase hex", "record sha256:", "record sha256:" + strings.ToUpper(good[strings.Index(good, "sha256:")+7:][:64])},
		{"sha512", "record sha256:", "record sha512:"},
		{"short prev", "prev ab", "prev a"},
		{"offset time", "2026-02-03T04:05:06.000000789Z", "2026-02-03T05:05:06.000000789+01:00"},
		{"trailing zero", "06.000000789Z", "06.0000007890Z"},
		{"bad kind", "kind amendment", "kind Amendment"},
		{"kind with space", "kind amendment", "kind amend ment"},
		{"amends later", "amends 2", "amends 5"},
		{"amends missing", "amends 2", "amends -"},
		{"crlf", "\nkind", "\r\nkind"},
		{"extra line", "amends 2\n", "amends 2\nextra\n"},
		{"no final newline", "amends 2\n", "amends 2"},
		{"swapped lines", "kind amendment\namends 2", "amends 2\nkind amendment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.old, tc.new, 1)
			if bad == good {
				t.Fatalf("replacement %q did not apply", tc.old)
			}
			if l, err := seal.ParseLeaf([]byte(bad)); !errors.Is(err, seal.ErrMalformedLeaf) {
				t.Errorf("ParseLeaf(%q) = %+v, %v, want ErrMalformedLeaf", bad, l, err)
			}
		})
	}
	first := seal.Leaf{Index: 0, SealedAt: time.Unix(0, 0).UTC(), Kind: seal.KindSession, Amends: seal.NoAmends}
	first.Prev[3] = 1
	if _, err := seal.ParseLeaf(first.Encode()); err == nil {
		t.Errorf("ParseLeaf(leaf 0 with non-zero prev) = nil error")
	}
}

// TestParseLeafMangled: changing any byte gives an error or another leaf,
// never the same leaf from different bytes.
func TestParseLeafMangled(t *testing.T) {
	l := sampleLeaf()
	b := l.Encode()
	for i := range b {
		for c := 0; c < 256; c++ {
			if byte(c) == b[i] {
				continue
			}
			m := bytes.Clone(b)
			m[i] = byte(c)
			if got, err := seal.ParseLeaf(m); err == nil && bytes.Equal(got.Encode(), b) {
				t.Fatalf("ParseLeaf(byte %d = %#x) parsed as the original leaf", i, c)
			}
		}
	}
}
