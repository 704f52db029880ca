package redact

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzRedact checks, for any input: no panic; findings sorted, in range,
// disjoint and on UTF-8 boundaries; Bytes idempotent and keeping valid
// UTF-8 valid; JSON keeping valid JSON valid, and idempotent.
func FuzzRedact(f *testing.F) {
	for _, s := range loadCorpus(f, "secrets.txt", 1) {
		f.Add([]byte(s.text))
		doc, _ := json.Marshal(map[string]string{"command": s.text})
		f.Add(doc)
	}
	for _, s := range loadCorpus(f, "nonsecrets.txt", 1) {
		f.Add([]byte(s.text))
	}
	f.Add([]byte(`{"password":"\ud83d\ude00x1\u0041KIA","a":[1,"\\"],"b":{"token":"` + fakeGitHub + `"}}`))
	f.Add([]byte("https://[REDACTED:github-token]@h password=[REDACTED:x] -----BEGIN RSA PRIVATE KEY-----\\nAAAA"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := Default()
		last := 0
		for _, fd := range r.Find(in) {
			if fd.Start < last || fd.End <= fd.Start || fd.End > len(in) {
				t.Fatalf("bad finding %+v after %d in %q", fd, last, in)
			}
			if utf8.Valid(in) && (!utf8.Valid(in[:fd.Start]) || !utf8.Valid(in[fd.Start:fd.End])) {
				t.Fatalf("finding %+v splits a UTF-8 sequence in %q", fd, in)
			}
			last = fd.End
		}
		out := r.Bytes(in)
		if again := r.Bytes(out); !bytes.Equal(again, out) {
			t.Fatalf("Bytes not idempotent:\n in %q\nout %q\nagain %q", in, out, again)
		}
		if utf8.Valid(in) && !utf8.Valid(out) {
			t.Fatalf("Bytes broke UTF-8: %q -> %q", in, out)
		}
		js := r.JSON(in)
		if json.Valid(in) && !json.Valid(js) {
			t.Fatalf("JSON broke JSON: %s -> %s", in, js)
		}
		if again := r.JSON(js); !bytes.Equal(again, js) {
			t.Fatalf("JSON not idempotent:\n in %s\nout %s\nagain %s", in, js, again)
		}
	})
}
