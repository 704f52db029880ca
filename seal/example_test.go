package seal_test

import (
	"context"

	"bytes"
	"fmt"
	"github.com/tracevault/tracevault/seal/sealtest"
	"time"

	"github.com/tracevault/tracevault/seal"
)

// The byte layout of a leaf, as documented in the package doc.
func ExampleLeaf_Encode() {
	first := seal.Leaf{
		Index:    0,
		Record:   seal.RecordDigest([]byte(`{"session":"s1"}`)),
		SealedAt: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC),
		Kind:     seal.KindSession,
		Amends:   seal.NoAmends,
	}
	fix := seal.Leaf{
		Index:    1,
		Record:   seal.RecordDigest([]byte(`{"session":"s1","fixed":true}`)),
		Prev:     first.Hash(),
		SealedAt: time.Date(2026, 3, 4, 5, 6, 7, 250_000_000, time.UTC),
		Kind:     seal.KindAmendment,
		Amends:   0,
	}
	fmt.Printf("%s", fix.Encode())
	fmt.Println("leaf hash:", fix.Hash())
	parsed, err := seal.ParseLeaf(fix.Encode())
	fmt.Println(parsed.Amends, err)
	_, err = seal.ParseLeaf(bytes.Replace(fix.Encode(), []byte(".25Z"), []byte(".250Z"), 1))
	fmt.Println(err)
	// Output:
	// tracevault-leaf/v1
	// index 1
	// record sha256:47304d984a8d9102497ec29016c06e5797d407c4736776ff4ebff893606ceca2
	// prev 50971260624c29cf4215d03b53226d198338ccc1be0d320e64881679767a6d1c
	// sealed-at 2026-03-04T05:06:07.25Z
	// kind amendment
	// amends 0
	// leaf hash: J+htiNa245MT6FXCXU14d6Mi+QBuH/YvIJcBXaFPP4s=
	// 0 <nil>
	// malformed leaf: not in canonical form
}

// seeded is a deterministic stand-in for crypto/rand, so examples print the
// same keys and signatures every run. Never use one outside tests.
func seeded(b byte) *bytes.Reader {
	stream := make([]byte, 1024)
	for i := range stream {
		stream[i] = b + byte(i)
	}
	return bytes.NewReader(stream)
}

// A server seals records and signs a checkpoint; an auditor holding only the
// org's verifier key checks the checkpoint and a record's inclusion.
func ExampleLog() {
	ctx := context.Background()
	ring, _ := seal.NewKeyRing(seeded(1), "tracevault.example/acme", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	log, _ := seal.New(seal.Config{
		Store: sealtest.NewMemStore(),
		Keys:  func(context.Context, string) (*seal.KeyRing, error) { return ring, nil },
		Now:   func() time.Time { return time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC) },
	})
	records := [][]byte{[]byte("record zero"), []byte("record one"), []byte("record two")}
	for _, r := range records {
		if _, err := log.Append(ctx, "acme", r, seal.KindSession, seal.NoAmends); err != nil {
			panic(err)
		}
	}
	_, msg, _ := log.Checkpoint(ctx, "acme")
	fmt.Printf("%s", msg)

	// The auditor's side.
	vkey := ring.Active().VerifierKey
	fmt.Println("vkey:", vkey)
	cp, err := seal.VerifyCheckpoint(vkey, msg)
	fmt.Println("checkpoint:", cp.Size, err)
	leaf, _ := log.Leaf(ctx, "acme", 1)
	proof, _ := log.ProveInclusion(ctx, "acme", 1, cp.Size)
	fmt.Println("record 1:", seal.VerifyRecord(cp, records[1], leaf, 1, proof))
	fmt.Println("forged record 1:", seal.VerifyRecord(cp, []byte("record 1"), leaf, 1, proof) != nil)
	// Output:
	// tracevault.example/acme
	// 3
	// LcoG4wHSUlmRnfkV5DZ3wc/tfi8Oxd2ygRgGaqoyuzo=
	//
	// — tracevault.example/acme 0B9V+0ghu5P7L8SOPbW7Wa2FR03GQ/LcyiPcubA4mr0Up9gJ6nW1AaCNcxUl6LbgMDTGvZgKaBYY5qYJya6L9geX8Aw=
	// vkey: tracevault.example/acme+d01f55fb+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk
	// checkpoint: 3 <nil>
	// record 1: <nil>
	// forged record 1: true
}

// The encoding of a key ring at rest: signer keys are encrypted, verifier
// keys and history are readable.
func ExampleKeyRing_Seal() {
	ek, _ := seal.ParseEncryptionKey("8RwGm1dKqF0b7yVn2pLx9cT4sZ6hJ3eA5uW0oMiQrYk=")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ring, _ := seal.NewKeyRing(seeded(1), "tracevault.example/acme", t0)
	ring.Rotate(seeded(2), t0.AddDate(0, 6, 0))
	blob, _ := ring.Seal(seeded(3), ek)
	fmt.Printf("%s", blob)
	opened, err := seal.OpenKeyRing(blob, ek)
	fmt.Println(len(opened.Keys()), opened.Active().ID, err)
	// Output:
	// tracevault-keyring/v1
	// name tracevault.example/acme
	// key d01f55fb cosigning 2026-01-01T00:00:00Z tracevault.example/acme+d01f55fb+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk AwQFBgcICQoLDA0OtunjB+XTYlFTFt0PJyKNNAMRKKwoXc4TuGYSIroyYuOB1++z7SxgEpLXP8C3/vWxkl9/k0b3XoquZ6DljVCYcilNWh8WX7WUILZtopm8WMRqkXKh1+Opt+Ogn7RwPV1A5J0hEw9gJ3Ul
	// key c57de313 active 2026-07-01T00:00:00Z tracevault.example/acme+c57de313+AUPNwCPSLV+eEH0aBpNFfTXR0Q630hxyEZL1b13kBmXT DxAREhMUFRYXGBkajlickVsL5fMPquT9fZGlhN4BEA+IK4KwD+SHKFxeIBu3HcYOxpc7QF3ffBuYoMeQj3njK1a/esJoWqH1rmIJ9g/lPBgr+A/WYDW2nJAEvSC6SK3qq4tH9Uyc/2sljivh/QY6ZW2w2Uyb
	// 2 c57de313 <nil>
}
