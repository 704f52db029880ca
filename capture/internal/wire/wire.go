// Package wire reads the small binary messages of the hook's local
// protocols (the work-tree watcher's looks, the hook server's requests and
// replies): canonical LEB128 varints and length-prefixed fields, the first
// error sticking. It links nothing but encoding/binary and errors: the lean
// hook client uses it.
package wire

import (
	"encoding/binary"
	"errors"
)

// Reader consumes B; after a failure Err is set and every read returns
// zero values.
type Reader struct {
	B   []byte
	Err error
}

// Fail records the first error and stops reading.
func (r *Reader) Fail(msg string) {
	if r.Err == nil {
		r.Err = errors.New(msg)
	}
	r.B = nil
}

// Take returns the next n bytes (capacity capped at n).
func (r *Reader) Take(n int) []byte {
	if n < 0 || n > len(r.B) {
		r.Fail("truncated")
		return nil
	}
	v := r.B[:n:n]
	r.B = r.B[n:]
	return v
}

// Byte returns the next byte.
func (r *Reader) Byte() byte {
	if v := r.Take(1); v != nil {
		return v[0]
	}
	return 0
}

// Uvarint returns the next unsigned varint, which must be minimal.
func (r *Reader) Uvarint() uint64 {
	v, n := binary.Uvarint(r.B)
	if n <= 0 || n > 1 && r.B[n-1] == 0 {
		r.Fail("bad varint")
		return 0
	}
	r.B = r.B[n:]
	return v
}

// Varint returns the next zigzag-signed varint.
func (r *Reader) Varint() int64 {
	u := r.Uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// Field returns a uvarint length (at most max, and at most what is left)
// and that many bytes.
func (r *Reader) Field(max uint64) []byte {
	n := r.Uvarint()
	if n > max || n > uint64(len(r.B)) {
		r.Fail("field exceeds the data")
		return nil
	}
	return r.Take(int(n))
}
