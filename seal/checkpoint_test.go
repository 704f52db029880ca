package seal_test

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/tracevault/tracevault/seal"
)

func b64Hash(t testing.TB, s string) tlog.Hash {
	t.Helper()
	h, err := tlog.ParseHash(s)
	if err != nil {
		t.Fatalf("ParseHash(%q) = %v", s, err)
	}
	return h
}

func hexHash(t testing.TB, s string) tlog.Hash {
	t.Helper()
	var h tlog.Hash
	if b, err := hex.DecodeString(s); err != nil || len(b) != len(h) {
		t.Fatalf("bad hex hash %q", s)
	} else {
		copy(h[:], b)
	}
	return h
}

func hashes(t testing.TB, parse func(testing.TB, string) tlog.Hash, ss []string) []tlog.Hash {
	var out []tlog.Hash
	for _, s := range ss {
		out = append(out, parse(t, s))
	}
	return out
}

// mangledProofs returns proof with each hash changed in turn, shortened,
// and lengthened: none of them may verify.
func mangledProofs(proof []tlog.Hash) [][]tlog.Hash {
	var out [][]tlog.Hash
	for i := range proof {
		p := append([]tlog.Hash(nil), proof...)
		p[i][i%32] ^= 1
		out = append(out, p)
	}
	if len(proof) > 0 {
		out = append(out, proof[:len(proof)-1])
	}
	return append(out, append(append([]tlog.Hash(nil), proof...), tlog.Hash{}))
}

func TestRFC6962Vectors(t *testing.T) {
	root := func(size int64) seal.Checkpoint {
		return seal.Checkpoint{Origin: "rfc6962", Size: size, Root: hexHash(t, rfcRoots[size-1])}
	}
	for _, v := range rfcInclusion {
		leaf, _ := hex.DecodeString(rfcLeaves[v.index])
		proof := tlog.RecordProof(hashes(t, hexHash, v.proof))
		if err := seal.VerifyInclusion(root(v.size), leaf, v.index, proof); err != nil {
			t.Errorf("VerifyInclusion(leaf %d, size %d) = %v", v.index, v.size, err)
		}
		for _, p := range mangledProofs(proof) {
			if err := seal.VerifyInclusion(root(v.size), leaf, v.index, p); !errors.Is(err, seal.ErrProof) {
				t.Errorf("VerifyInclusion(leaf %d, size %d, mangled proof) = %v, want ErrProof", v.index, v.size, err)
			}
		}
		if v.size > 1 {
			if err := seal.VerifyInclusion(root(v.size), leaf, (v.index+1)%v.size, proof); err == nil {
				t.Errorf("VerifyInclusion(leaf %d at wrong index) = nil", v.index)
			}
		}
	}
	for _, v := range rfcConsistency {
		proof := tlog.TreeProof(hashes(t, hexHash, v.proof))
		if err := seal.VerifyConsistency(root(v.older), root(v.newer), proof); err != nil {
			t.Errorf("VerifyConsistency(%d, %d) = %v", v.older, v.newer, err)
		}
		for _, p := range mangledProofs(proof) {
			if err := seal.VerifyConsistency(root(v.older), root(v.newer), p); err == nil {
				t.Errorf("VerifyConsistency(%d, %d, mangled proof) = nil", v.older, v.newer)
			}
		}
	}
}

func TestCertificateTransparencyVectors(t *testing.T) {
	cp := seal.Checkpoint{Origin: "argon2020", Size: argonSize, Root: b64Hash(t, argonRoot)}
	leaf, err := base64.StdEncoding.DecodeString(argonLeafInput)
	if err != nil {
		t.Fatal(err)
	}
	incl := tlog.RecordProof(hashes(t, b64Hash, argonInclusion))
	if err := seal.VerifyInclusion(cp, leaf, argonIndex, incl); err != nil {
		t.Errorf("VerifyInclusion(argon2020 leaf 10000) = %v", err)
	}
	for _, p := range mangledProofs(incl) {
		if err := seal.VerifyInclusion(cp, leaf, argonIndex, p); err == nil {
			t.Errorf("VerifyInclusion(mangled argon2020 proof) = nil")
		}
	}
	leaf[len(leaf)/2] ^= 1
	if err := seal.VerifyInclusion(cp, leaf, argonIndex, incl); err == nil {
		t.Errorf("VerifyInclusion(changed argon2020 leaf) = nil")
	}
	old := seal.Checkpoint{Origin: "argon2020", Size: argonOldSize, Root: b64Hash(t, argonOldRoot)}
	cons := tlog.TreeProof(hashes(t, b64Hash, argonConsistency))
	if err := seal.VerifyConsistency(old, cp, cons); err != nil {
		t.Errorf("VerifyConsistency(argon2020) = %v", err)
	}
	for _, p := range mangledProofs(cons) {
		if err := seal.VerifyConsistency(old, cp, p); err == nil {
			t.Errorf("VerifyConsistency(mangled argon2020 proof) = nil")
		}
	}
}

func TestSumDBVectors(t *testing.T) {
	cp1, err := seal.VerifyCheckpoint(sumdbVKey, []byte(sumdbNote1))
	if err != nil || cp1.Origin != "go.sum database tree" || cp1.Size != 72097574 {
		t.Fatalf("VerifyCheckpoint(sumdb note 1) = %+v, %v", cp1, err)
	}
	cp2, err := seal.VerifyCheckpoint(sumdbVKey, []byte(sumdbNote2))
	if err != nil || cp2.Size != 72201322 {
		t.Fatalf("VerifyCheckpoint(sumdb note 2) = %+v, %v", cp2, err)
	}
	incl := tlog.RecordProof(hashes(t, b64Hash, sumdbInclusion))
	if err := seal.VerifyInclusion(cp1, []byte(sumdbText), sumdbID, incl); err != nil {
		t.Errorf("VerifyInclusion(x/mod v0.43.0 record) = %v", err)
	}
	for _, p := range mangledProofs(incl) {
		if err := seal.VerifyInclusion(cp1, []byte(sumdbText), sumdbID, p); err == nil {
			t.Errorf("VerifyInclusion(mangled sumdb proof) = nil")
		}
	}
	cons := tlog.TreeProof(hashes(t, b64Hash, sumdbConsistency))
	if err := seal.VerifyConsistency(cp1, cp2, cons); err != nil {
		t.Errorf("VerifyConsistency(sumdb) = %v", err)
	}
	for _, p := range mangledProofs(cons) {
		if err := seal.VerifyConsistency(cp1, cp2, p); err == nil {
			t.Errorf("VerifyConsistency(mangled sumdb proof) = nil")
		}
	}
	known, err := seal.VerifiersFor(sumdbVKey)
	if err != nil {
		t.Fatal(err)
	}
	w, err := seal.NewWitness("go.sum database tree", known, []byte(sumdbNote1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Update([]byte(sumdbNote2), cons); err != nil {
		t.Errorf("Witness.Update(sumdb note 2) = %v", err)
	}
	if _, err := w.Update([]byte(sumdbNote1), nil); !errors.Is(err, seal.ErrRollback) {
		t.Errorf("Witness.Update(older sumdb note) = %v, want ErrRollback", err)
	}
}

// TestCheckpointMangled changes, deletes or truncates every byte of real
// signed notes; VerifyCheckpoint must reject each result.
func TestCheckpointMangled(t *testing.T) {
	for _, msg := range []string{sumdbNote1, sumdbNote2} {
		b := []byte(msg)
		reject := func(what string, m []byte) {
			t.Helper()
			if cp, err := seal.VerifyCheckpoint(sumdbVKey, m); err == nil {
				t.Errorf("VerifyCheckpoint(%s) = %+v, nil; want error", what, cp)
			}
		}
		for i := range b {
			for _, x := range []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80} {
				m := append([]byte(nil), b...)
				m[i] ^= x
				reject("byte flipped", m)
			}
			for c := byte(0x20); c < 0x7f && i >= len(b)-8; c++ { // ignored base64 padding bits
				if c != b[i] {
					m := append([]byte(nil), b...)
					m[i] = c
					reject("byte replaced", m)
				}
			}
			reject("byte deleted", append(append([]byte(nil), b[:i]...), b[i+1:]...))
			reject("truncated", b[:i])
		}
	}
}

func TestParseCheckpoint(t *testing.T) {
	good := "example.com/log\n12\n" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + "\n"
	cp, err := seal.ParseCheckpoint([]byte(good))
	if err != nil || cp.Size != 12 || cp.Origin != "example.com/log" {
		t.Fatalf("ParseCheckpoint(%q) = %+v, %v", good, cp, err)
	}
	ext := good + "extension line\n"
	if cp, err := seal.ParseCheckpoint([]byte(ext)); err != nil || len(cp.Extensions) != 1 || string(cp.Format()) != ext {
		t.Errorf("ParseCheckpoint(with extension) = %+v, %v", cp, err)
	}
	root := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	for _, bad := range []string{
		"", "o\n1\n" + root, "o\n1\n", "\n1\n" + root + "\n", "o\n01\n" + root + "\n",
		"o\n-1\n" + root + "\n", "o\n+1\n" + root + "\n", "o\n1\nAAAA\n", "o\n1\n" + root[:43] + "B\n",
		"o\n1\n" + root + "\n\n", "o\tx\n1\n" + root + "\n", "o\n1\n" + root + "\r\n",
		"o\n99999999999999999999\n" + root + "\n", "o\xff\n1\n" + root + "\n",
	} {
		if cp, err := seal.ParseCheckpoint([]byte(bad)); !errors.Is(err, seal.ErrMalformedCheckpoint) {
			t.Errorf("ParseCheckpoint(%q) = %+v, %v, want ErrMalformedCheckpoint", bad, cp, err)
		}
	}
}
