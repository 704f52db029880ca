package sigkey

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSignVerify(t *testing.T) {
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"v":1}`)
	line, err := k.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(k.Public(), msg, line); err != nil {
		t.Fatalf("Verify = %v", err)
	}
	if err := Verify(k.Public(), []byte(`{"v":2}`), line); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(changed msg) = %v, want ErrBadSignature", err)
	}
	other, _ := Generate()
	if err := Verify(other.Public(), msg, line); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Verify(other key) = %v, want ErrUnknownKey", err)
	}
	// Every single-byte change of the line is rejected.
	for i := range line {
		b := []byte(line)
		b[i] ^= 1
		if Verify(k.Public(), msg, string(b)) == nil {
			t.Fatalf("Verify accepted a line with byte %d flipped", i)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "w.pem")
	k, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate = %v, %v", created, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode = %v, want 0600", fi.Mode().Perm())
	}
	k2, created, err := LoadOrCreate(path)
	if err != nil || created || k2.Public() != k.Public() {
		t.Fatalf("second LoadOrCreate = %v, %v", created, err)
	}
}

func TestAllowedSigners(t *testing.T) {
	k, _ := Generate()
	s := Signer{WriterID: k.Public().WriterID(), Identity: "dev@example.com", Key: k.Public()}
	data := "# trusted\n" + s.Line() + "\n"
	a, err := ParseAllowedSigners([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := a.Lookup(s.WriterID); !ok || got.Key != k.Public() {
		t.Fatalf("Lookup = %v, %v", got, ok)
	}
	bad := []string{"w0 x ed25519:AAAA\n", s.WriterID + " x\n", "wdeadbeefdeadbeef x " + k.Public().String() + "\n"}
	for _, b := range bad {
		if _, err := ParseAllowedSigners([]byte(b)); err == nil {
			t.Errorf("ParseAllowedSigners(%q) succeeded", b)
		}
	}
}
