package seal_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/tracevault/tracevault/seal"
)

func FuzzParseLeaf(f *testing.F) {
	l := sampleLeaf()
	f.Add(l.Encode())
	l0 := seal.Leaf{SealedAt: time.Unix(1, 0).UTC(), Kind: seal.KindSession, Amends: seal.NoAmends}
	f.Add(l0.Encode())
	f.Add([]byte("tracevault-leaf/v1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := seal.ParseLeaf(b)
		if err != nil {
			return
		}
		if !bytes.Equal(l.Encode(), b) {
			t.Fatalf("ParseLeaf(%q) accepted non-canonical bytes", b)
		}
		if err := l.Check(); err != nil {
			t.Fatalf("ParseLeaf(%q) returned a leaf failing Check: %v", b, err)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte("go.sum database tree\n72097574\nTN5X3MLGTDFnVRn7RF0+aSqn9MdPDdly11pPObF1Ti8=\n"))
	f.Add([]byte("o\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := seal.ParseCheckpoint(b)
		if err != nil {
			return
		}
		if !bytes.Equal(cp.Format(), b) {
			t.Fatalf("ParseCheckpoint(%q) accepted non-canonical text", b)
		}
	})
}

// FuzzOpenCheckpoint feeds signed notes, starting from real ones, to
// VerifyCheckpoint: anything accepted must be byte-identical to a note the
// key really signed.
func FuzzOpenCheckpoint(f *testing.F) {
	f.Add([]byte(sumdbNote1))
	f.Add([]byte(sumdbNote2))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := seal.VerifyCheckpoint(sumdbVKey, b); err != nil {
			return
		}
		if string(b) != sumdbNote1 && string(b) != sumdbNote2 {
			t.Fatalf("VerifyCheckpoint accepted %q", b)
		}
	})
}
