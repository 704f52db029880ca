package sigkey_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/seal/sigkey"
)

const seedKey = "ed25519:" + "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

// FuzzParseSigLine requires accepted lines to be canonical.
func FuzzParseSigLine(f *testing.F) {
	f.Add("ed25519 w0123456789abcdef " + base64.StdEncoding.EncodeToString(make([]byte, 64)) + "\n")
	f.Add("ed25519 w0 AAAA\n")
	f.Add("rsa w0 x")
	f.Fuzz(func(t *testing.T, line string) {
		w, sig, err := sigkey.ParseSigLine(line)
		if err != nil {
			return
		}
		if len(sig) != 64 || w == "" {
			t.Fatalf("ParseSigLine(%q) = %q, %d bytes", line, w, len(sig))
		}
		if again := "ed25519 " + w + " " + base64.StdEncoding.EncodeToString(sig); again != strings.TrimSuffix(line, "\n") {
			t.Fatalf("ParseSigLine(%q) accepted a non-canonical line (%q)", line, again)
		}
	})
}

// FuzzParsePublicKey requires accepted keys to round-trip.
func FuzzParsePublicKey(f *testing.F) {
	f.Add(seedKey)
	f.Add("ed25519:")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := sigkey.ParsePublicKey(s)
		if err == nil && k.String() != s {
			t.Fatalf("ParsePublicKey(%q) round-trips to %q", s, k.String())
		}
	})
}

// FuzzParseAllowedSigners requires every accepted entry to carry the writer
// id derived from its key, and the rendered lines to parse to the same set.
func FuzzParseAllowedSigners(f *testing.F) {
	k, _ := sigkey.ParsePublicKey(seedKey)
	f.Add([]byte("# trusted\n" + sigkey.Signer{WriterID: k.WriterID(), Identity: "dev@example.com", Key: k}.Line() + "\n\n"))
	f.Add([]byte("w0 x ed25519:AAAA\n"))
	f.Add([]byte("a b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := sigkey.ParseAllowedSigners(b)
		if err != nil {
			return
		}
		var lines []string
		for _, s := range a.Signers() {
			if s.Key.WriterID() != s.WriterID {
				t.Fatalf("accepted %s for key %s", s.WriterID, s.Key)
			}
			lines = append(lines, s.Line())
		}
		again, err := sigkey.ParseAllowedSigners([]byte(strings.Join(lines, "\n")))
		if err != nil || len(again.Signers()) != len(a.Signers()) {
			t.Fatalf("re-rendered signers do not parse: %v", err)
		}
	})
}
