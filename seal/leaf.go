package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafHeader is the first line of every encoded leaf, without its newline.
const LeafHeader = "tracevault-leaf/v1"

// NoAmends is the Amends value of a leaf that amends nothing.
const NoAmends int64 = -1

// Kind says what a sealed record is. A kind is 1 to 32 bytes of lowercase
// ASCII letters, digits and '-', starting with a letter.
type Kind string

// The kinds the server seals. Other well-formed kinds are accepted, so a newer
// server's log still verifies with an older auditor.
const (
	KindSession   Kind = "session"
	KindCommit    Kind = "commit"
	KindAmendment Kind = "amendment"
	KindAudit     Kind = "audit"
)

func (k Kind) valid() bool {
	if len(k) == 0 || len(k) > 32 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// A Leaf is one entry of an org's log. Its encoding (see the package doc) is
// what the Merkle tree commits to: the tree's leaf hash is
// tlog.RecordHash of [Leaf.Encode].
type Leaf struct {
	Index    int64     // position in the log, from 0
	Record   [32]byte  // SHA-256 of the record's stored bytes
	Prev     tlog.Hash // leaf hash of leaf Index-1; all zeros for leaf 0
	SealedAt time.Time // when the server sealed it, UTC
	Kind     Kind
	Amends   int64 // index of the leaf this one corrects, or NoAmends
}

// RecordDigest returns the SHA-256 of record, the value a leaf's Record holds.
func RecordDigest(record []byte) [32]byte { return sha256.Sum256(record) }

// Hash returns the leaf's Merkle leaf hash, tlog.RecordHash(l.Encode()).
func (l *Leaf) Hash() tlog.Hash { return tlog.RecordHash(l.Encode()) }

// Encode returns the canonical encoding of l. It does not check l; use
// [ParseLeaf] on the result, or [Leaf.Check], to do that.
func (l *Leaf) Encode() []byte {
	b := make([]byte, 0, 256)
	b = append(b, LeafHeader+"\nindex "...)
	b = strconv.AppendInt(b, l.Index, 10)
	b = append(b, "\nrecord sha256:"...)
	b = hex.AppendEncode(b, l.Record[:])
	b = append(b, "\nprev "...)
	b = hex.AppendEncode(b, l.Prev[:])
	b = append(b, "\nsealed-at "...)
	b = l.SealedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, "\nkind "...)
	b = append(b, l.Kind...)
	b = append(b, "\namends "...)
	if l.Amends == NoAmends {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, l.Amends, 10)
	}
	b = append(b, '\n')
	return b
}

// Check reports whether l's fields are well formed on their own: a
// non-negative index, a zero Prev exactly for leaf 0, a UTC time within
// years 1..9999, a valid kind, and Amends set (to an earlier index) exactly
// when the kind is [KindAmendment].
func (l *Leaf) Check() error {
	switch {
	case l.Index < 0:
		return errors.New("negative index")
	case (l.Index == 0) != (l.Prev == tlog.Hash{}):
		return errors.New("prev must be zero exactly for leaf 0")
	case l.SealedAt.Location() != time.UTC || l.SealedAt.Year() < 1 || l.SealedAt.Year() > 9999:
		return errors.New("sealed-at must be a UTC time in years 1-9999")
	case !l.Kind.valid():
		return fmt.Errorf("invalid kind %q", l.Kind)
	case (l.Kind == KindAmendment) != (l.Amends != NoAmends):
		return errors.New("amends must be set exactly for kind amendment")
	case l.Amends != NoAmends && (l.Amends < 0 || l.Amends >= l.Index):
		return fmt.Errorf("amends %d is not an earlier leaf", l.Amends)
	}
	return nil
}

// ErrMalformedLeaf is wrapped by every [ParseLeaf] error.
var ErrMalformedLeaf = errors.New("malformed leaf")

var leafKeys = [...]string{"index ", "record sha256:", "prev ", "sealed-at ", "kind ", "amends "}

// ParseLeaf parses an encoded leaf strictly: b must be exactly the encoding
// [Leaf.Encode] produces for the parsed leaf, and the leaf must pass
// [Leaf.Check].
func ParseLeaf(b []byte) (Leaf, error) {
	var l Leaf
	if len(b) > 512 {
		return l, fmt.Errorf("%w: %d bytes, longer than any leaf", ErrMalformedLeaf, len(b))
	}
	rest, ok := bytes.CutPrefix(b, []byte(LeafHeader+"\n"))
	if !ok {
		return l, fmt.Errorf("%w: missing %q header", ErrMalformedLeaf, LeafHeader)
	}
	var vals [len(leafKeys)]string
	for i, key := range leafKeys {
		line, after, found := bytes.Cut(rest, []byte{'\n'})
		v, ok := bytes.CutPrefix(line, []byte(key))
		if !found || !ok {
			return l, fmt.Errorf("%w: line %d: want %q", ErrMalformedLeaf, i+2, key+"…")
		}
		vals[i], rest = string(v), after
	}
	if len(rest) != 0 {
		return l, fmt.Errorf("%w: trailing data", ErrMalformedLeaf)
	}
	if err := l.setFields(vals); err != nil {
		return Leaf{}, fmt.Errorf("%w: %w", ErrMalformedLeaf, err)
	}
	if err := l.Check(); err != nil {
		return Leaf{}, fmt.Errorf("%w: %w", ErrMalformedLeaf, err)
	}
	if !bytes.Equal(l.Encode(), b) {
		return Leaf{}, fmt.Errorf("%w: not in canonical form", ErrMalformedLeaf)
	}
	return l, nil
}

func (l *Leaf) setFields(v [len(leafKeys)]string) error {
	var err error
	if l.Index, err = strconv.ParseInt(v[0], 10, 64); err != nil {
		return fmt.Errorf("bad index %q", v[0])
	}
	if err := decodeHex32(l.Record[:], v[1]); err != nil {
		return fmt.Errorf("bad record hash: %w", err)
	}
	if err := decodeHex32(l.Prev[:], v[2]); err != nil {
		return fmt.Errorf("bad prev hash: %w", err)
	}
	if l.SealedAt, err = time.Parse(time.RFC3339Nano, v[3]); err != nil {
		return fmt.Errorf("bad sealed-at %q", v[3])
	}
	l.SealedAt = l.SealedAt.UTC()
	l.Kind = Kind(v[4])
	if v[5] == "-" {
		l.Amends = NoAmends
	} else if l.Amends, err = strconv.ParseInt(v[5], 10, 64); err != nil || l.Amends < 0 {
		return fmt.Errorf("bad amends %q", v[5])
	}
	return nil
}

func decodeHex32(dst []byte, s string) error {
	if len(s) != 64 {
		return fmt.Errorf("%d hex digits, want 64", len(s))
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}
