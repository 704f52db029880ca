package wire

import (
	"encoding/binary"
	"testing"
)

func TestReader(t *testing.T) {
	b := binary.AppendUvarint(nil, 300)
	b = binary.AppendVarint(b, -7)
	b = append(b, 9)
	b = binary.AppendUvarint(b, 3)
	b = append(b, "abc"...)
	r := Reader{B: b}
	if r.Uvarint() != 300 || r.Varint() != -7 || r.Byte() != 9 || string(r.Field(3)) != "abc" || r.Err != nil || len(r.B) != 0 {
		t.Fatalf("read back wrong, err %v", r.Err)
	}
	for _, bad := range [][]byte{{0x80, 0x00}, {0x80}, {5, 'a'}} { // non-minimal, truncated varint, short field
		r := Reader{B: bad}
		r.Field(10)
		if r.Err == nil {
			t.Errorf("% x read without error", bad)
		}
	}
	r = Reader{B: binary.AppendUvarint(nil, 11)}
	if r.Field(10); r.Err == nil {
		t.Error("a field over its maximum read without error")
	}
}
