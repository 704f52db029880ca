package gitstore

import (
	"crypto/sha1" //nolint:gosec // git object ids are SHA-1 by definition
	"encoding/hex"
	"fmt"
	"strconv"
)

// Hash is a SHA-1 git object id.
type Hash [20]byte

// ZeroHash is the all-zero id. In a [RefUpdate] it means "the ref does not
// exist".
var ZeroHash Hash

// EmptyTree is the id of the tree with no entries.
var EmptyTree = HashObject(TypeTree, nil)

// String returns the 40-character lowercase hexadecimal form of h.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is [ZeroHash].
func (h Hash) IsZero() bool { return h == ZeroHash }

// MarshalText implements [encoding.TextMarshaler].
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements [encoding.TextUnmarshaler] with [ParseHash]'s rules.
func (h *Hash) UnmarshalText(b []byte) error {
	p, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = p
	return nil
}

// ParseHash parses exactly 40 lowercase hexadecimal characters.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 40 {
		return h, fmt.Errorf("gitstore: parsing hash %q: want 40 hex characters, have %d", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("gitstore: parsing hash %q: not lowercase hex", s)
		}
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return Hash{}, fmt.Errorf("gitstore: parsing hash %q: %w", s, err)
	}
	return h, nil
}

// ObjectType is the type of a git object.
type ObjectType string

// The four git object types.
const (
	TypeBlob   ObjectType = "blob"
	TypeTree   ObjectType = "tree"
	TypeCommit ObjectType = "commit"
	TypeTag    ObjectType = "tag"
)

// Valid reports whether t is one of the four git object types.
func (t ObjectType) Valid() bool {
	switch t {
	case TypeBlob, TypeTree, TypeCommit, TypeTag:
		return true
	}
	return false
}

// Object is a git object: its type and its exact stored bytes (without the
// "type size\x00" header).
type Object struct {
	Type ObjectType
	Data []byte
}

// Hash returns the object's id.
func (o Object) Hash() Hash { return HashObject(o.Type, o.Data) }

// HashObject returns the git object id of data stored as type t: the SHA-1
// of "<type> <size>\x00" followed by data. It is what `git hash-object -t
// <type>` prints.
func HashObject(t ObjectType, data []byte) Hash {
	d := sha1.New() //nolint:gosec // git object ids
	d.Write([]byte(t))
	d.Write([]byte{' '})
	d.Write(strconv.AppendInt(nil, int64(len(data)), 10))
	d.Write([]byte{0})
	d.Write(data)
	var h Hash
	d.Sum(h[:0])
	return h
}
