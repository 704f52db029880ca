package seal_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/seal"
)

func randomSecret(t *testing.T) []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

func TestParseEncryptionKey(t *testing.T) {
	raw := randomSecret(t)
	for _, s := range []string{
		hex.EncodeToString(raw), strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw), base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw), " " + base64.StdEncoding.EncodeToString(raw) + "\n",
	} {
		if _, err := seal.ParseEncryptionKey(s); err != nil {
			t.Errorf("ParseEncryptionKey(%q) = %v", s, err)
		}
	}
	for _, tc := range []struct{ name, s string }{
		{"empty", ""},
		{"short hex", hex.EncodeToString(raw[:16])},
		{"long base64", base64.StdEncoding.EncodeToString(append(raw, 1))},
		{"password", "correct horse battery staple"},
		{"zeros", hex.EncodeToString(make([]byte, 32))},
		{"repeated pattern", hex.EncodeToString(bytes.Repeat([]byte{1, 2, 3, 4}, 8))},
		{"base64 of text", base64.StdEncoding.EncodeToString([]byte("my-secret-password-is-32-chars!!"))},
		{"bad padding bits", base64.StdEncoding.EncodeToString(raw)[:42] + "B="},
	} {
		if _, err := seal.ParseEncryptionKey(tc.s); !errors.Is(err, seal.ErrWeakEncryptionKey) {
			t.Errorf("ParseEncryptionKey(%s) = %v, want ErrWeakEncryptionKey", tc.name, err)
		}
	}
}

func newSealedRing(t *testing.T) (*seal.KeyRing, *seal.EncryptionKey, []byte) {
	t.Helper()
	ek, err := seal.ParseEncryptionKey(hex.EncodeToString(randomSecret(t)))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := seal.NewKeyRing(nil, "tracevault.test/acme", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Rotate(nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	blob, err := ring.Seal(nil, ek)
	if err != nil {
		t.Fatal(err)
	}
	return ring, ek, blob
}

func TestKeyRingSealOpen(t *testing.T) {
	ring, ek, blob := newSealedRing(t)
	got, err := seal.OpenKeyRing(blob, ek)
	if err != nil {
		t.Fatalf("OpenKeyRing = %v", err)
	}
	if got.Name() != ring.Name() || got.Active() != ring.Active() || len(got.Keys()) != 2 {
		t.Errorf("OpenKeyRing = %v %+v, want %v %+v", got.Name(), got.Keys(), ring.Name(), ring.Keys())
	}
	if bytes.Contains(blob, []byte("PRIVATE")) {
		t.Errorf("sealed ring contains a plaintext signer key:\n%s", blob)
	}
	// The opened ring signs checkpoints the original verifies.
	if len(got.Signers()) != 2 || got.Signers()[0].KeyHash() != ring.Signers()[0].KeyHash() {
		t.Errorf("opened ring's signers differ")
	}
	other, _ := seal.ParseEncryptionKey(hex.EncodeToString(randomSecret(t)))
	if _, err := seal.OpenKeyRing(blob, other); !errors.Is(err, seal.ErrDecrypt) {
		t.Errorf("OpenKeyRing(wrong key) = %v, want ErrDecrypt", err)
	}
}

// TestKeyRingTampered: no byte of a sealed ring can change, and no public
// field can be edited, without OpenKeyRing failing.
func TestKeyRingTampered(t *testing.T) {
	_, ek, blob := newSealedRing(t)
	for i := range blob {
		m := bytes.Clone(blob)
		m[i] ^= 0x01
		if _, err := seal.OpenKeyRing(m, ek); err == nil {
			t.Fatalf("OpenKeyRing(byte %d flipped) = nil error", i)
		}
	}
	s := string(blob)
	lines := strings.Split(s, "\n")
	k1, k2 := strings.Fields(lines[2]), strings.Fields(lines[3])
	for _, tc := range []struct{ name, bad string }{
		{"promote the retired key", strings.Replace(strings.Replace(s, " cosigning ", " active ", 1), " active 20", " retired 20", 1)},
		{"swap sealed keys", strings.Replace(strings.Replace(s, k1[5], "X", 1), k2[5], k1[5], 1)},
		{"rename", strings.Replace(s, "name tracevault.test/acme", "name tracevault.test/evil", 1)},
		{"drop all keys", strings.Join(lines[:2], "\n") + "\n"},
		{"duplicate key", s + lines[3] + "\n"},
	} {
		if _, err := seal.OpenKeyRing([]byte(tc.bad), ek); err == nil {
			t.Errorf("OpenKeyRing(%s) = nil error", tc.name)
		}
	}
}

func TestKeyRingBadName(t *testing.T) {
	for _, name := range []string{"", "has space", "has+plus"} {
		if _, err := seal.NewKeyRing(nil, name, time.Now()); err == nil {
			t.Errorf("NewKeyRing(%q) = nil error", name)
		}
	}
}
