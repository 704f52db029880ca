package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
)

// KeyRingHeader is the first line of an encoded key ring.
const KeyRingHeader = "tracevault-keyring/v1"

// A KeyState says what a key in a [KeyRing] is used for.
type KeyState string

// Key states. A ring has exactly one active key.
const (
	// KeyActive signs new checkpoints.
	KeyActive KeyState = "active"
	// KeyCosigning is the previous active key during a rotation: it still
	// signs new checkpoints beside the active key, so clients that know only
	// the old key keep verifying until they learn the new one.
	KeyCosigning KeyState = "cosigning"
	// KeyRetired only verifies old checkpoints.
	KeyRetired KeyState = "retired"
)

// KeyInfo describes one key of a [KeyRing]; none of it is secret.
type KeyInfo struct {
	ID          string    // the key's note key hash, 8 lowercase hex digits
	State       KeyState  // what the key is used for now
	Created     time.Time // when the key was generated, UTC, whole seconds
	VerifierKey string    // the note verifier key, "<name>+<id>+<base64>"
}

type ringKey struct {
	KeyInfo
	skey     string // note signer key; secret
	sealed   []byte // skey encrypted, as last read or written
	signer   note.Signer
	verifier note.Verifier
}

// A KeyRing is an org's checkpoint signing keys, current and past: every key
// has the same name (the log's origin), the newest is active, and retired
// keys are kept to verify old checkpoints. It is not safe for concurrent
// mutation.
type KeyRing struct {
	name string
	keys []*ringKey // oldest first
}

// NewKeyRing generates a ring named name (a note key name, such as
// "tracevault.example.com/acme") holding one active key created at now.
// rand supplies the key's randomness; nil means crypto/rand.
func NewKeyRing(rand io.Reader, name string, now time.Time) (*KeyRing, error) {
	r := &KeyRing{name: name}
	if _, err := r.generate(rand, now); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *KeyRing) generate(rand io.Reader, now time.Time) (*ringKey, error) {
	for range 4 { // retry the (1 in 2³²) collision of a key ID
		skey, vkey, err := note.GenerateKey(randOrDefault(rand), r.name)
		if err != nil {
			return nil, fmt.Errorf("generating key %q: %w", r.name, err)
		}
		k, err := newRingKey(skey, vkey)
		if err != nil {
			return nil, err
		}
		if r.byID(k.ID) != nil {
			continue
		}
		k.State, k.Created = KeyActive, now.UTC().Truncate(time.Second)
		r.keys = append(r.keys, k)
		return k, nil
	}
	return nil, errors.New("generating key: repeated key ID collisions")
}

func newRingKey(skey, vkey string) (*ringKey, error) {
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("bad signer key: %w", err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("bad verifier key: %w", err)
	}
	if s.Name() != v.Name() || s.KeyHash() != v.KeyHash() {
		return nil, errors.New("signer and verifier keys differ")
	}
	sig, err := s.Sign([]byte("tracevault key check\n"))
	if err != nil || !v.Verify([]byte("tracevault key check\n"), sig) {
		return nil, errors.New("signer key does not match verifier key")
	}
	return &ringKey{
		KeyInfo: KeyInfo{ID: fmt.Sprintf("%08x", v.KeyHash()), VerifierKey: vkey},
		skey:    skey, signer: s, verifier: v,
	}, nil
}

func (r *KeyRing) byID(id string) *ringKey {
	for _, k := range r.keys {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// Name returns the ring's key name, which is the origin of its log's
// checkpoints.
func (r *KeyRing) Name() string { return r.name }

// Active returns the active key.
func (r *KeyRing) Active() KeyInfo {
	for _, k := range r.keys {
		if k.State == KeyActive {
			return k.KeyInfo
		}
	}
	panic("seal: key ring without an active key")
}

// Keys returns every key of the ring, oldest first: its history.
func (r *KeyRing) Keys() []KeyInfo {
	out := make([]KeyInfo, len(r.keys))
	for i, k := range r.keys {
		out[i] = k.KeyInfo
	}
	return out
}

// Signers returns the keys that sign new checkpoints: the active key, then
// any cosigning key.
func (r *KeyRing) Signers() []note.Signer {
	var out []note.Signer
	for _, st := range []KeyState{KeyActive, KeyCosigning} {
		for _, k := range r.keys {
			if k.State == st {
				out = append(out, k.signer)
			}
		}
	}
	return out
}

// Verifiers returns verifiers for every key of the ring, retired ones
// included, for opening checkpoints old and new.
func (r *KeyRing) Verifiers() note.Verifiers {
	list := make([]note.Verifier, len(r.keys))
	for i, k := range r.keys {
		list[i] = k.verifier
	}
	return note.VerifierList(list...)
}

// Rotate generates a new active key created at now. The old active key
// becomes cosigning, so checkpoints carry both signatures until
// [KeyRing.FinishRotation]; a key that was still cosigning is retired.
func (r *KeyRing) Rotate(rand io.Reader, now time.Time) (KeyInfo, error) {
	old := r.keys
	k, err := r.generate(rand, now)
	if err != nil {
		return KeyInfo{}, err
	}
	for _, o := range old {
		switch o.State {
		case KeyActive:
			o.State = KeyCosigning
		case KeyCosigning:
			o.State = KeyRetired
		}
	}
	return k.KeyInfo, nil
}

// FinishRotation retires the cosigning key, if any: new checkpoints carry
// only the active key's signature.
func (r *KeyRing) FinishRotation() {
	for _, k := range r.keys {
		if k.State == KeyCosigning {
			k.State = KeyRetired
		}
	}
}

// Seal encodes the ring with each signer key encrypted under ek (see the
// package doc for the format). rand supplies nonces; nil means crypto/rand.
func (r *KeyRing) Seal(rand io.Reader, ek *EncryptionKey) ([]byte, error) {
	for _, k := range r.keys {
		sealed, err := ek.seal(randOrDefault(rand), []byte(k.skey), []byte(r.keyAD(k)))
		if err != nil {
			return nil, fmt.Errorf("encrypting key %s: %w", k.ID, err)
		}
		k.sealed = sealed
	}
	return r.encode(), nil
}

// keyAD is the public part of k's line, which its encryption authenticates:
// changing a key's name, ID, state, time or verifier key makes it fail to
// decrypt.
func (r *KeyRing) keyAD(k *ringKey) string {
	return fmt.Sprintf("%s\nname %s\nkey %s %s %s %s", KeyRingHeader, r.name,
		k.ID, k.State, k.Created.Format(time.RFC3339), k.VerifierKey)
}

func (r *KeyRing) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nname %s\n", KeyRingHeader, r.name)
	for _, k := range r.keys {
		fmt.Fprintf(&b, "key %s %s %s %s %s\n", k.ID, k.State, k.Created.Format(time.RFC3339),
			k.VerifierKey, base64.StdEncoding.EncodeToString(k.sealed))
	}
	return b.Bytes()
}

// ErrMalformedKeyRing is wrapped by [OpenKeyRing] errors about the encoding.
var ErrMalformedKeyRing = errors.New("malformed key ring")

// OpenKeyRing decodes and decrypts a ring written by [KeyRing.Seal]. The
// encoding must be canonical, have exactly one active key, and every key
// must decrypt under ek (errors wrap [ErrDecrypt] otherwise) to the signer
// of its verifier key.
func OpenKeyRing(blob []byte, ek *EncryptionKey) (*KeyRing, error) {
	if len(blob) > 1<<20 || !bytes.HasSuffix(blob, []byte{'\n'}) {
		return nil, fmt.Errorf("%w: too long or no final newline", ErrMalformedKeyRing)
	}
	lines := strings.Split(string(blob[:len(blob)-1]), "\n")
	if len(lines) < 3 || lines[0] != KeyRingHeader || !strings.HasPrefix(lines[1], "name ") {
		return nil, fmt.Errorf("%w: want %q, a name line and key lines", ErrMalformedKeyRing, KeyRingHeader)
	}
	r := &KeyRing{name: strings.TrimPrefix(lines[1], "name ")}
	active := 0
	for i, line := range lines[2:] {
		k, err := r.parseKeyLine(line, ek)
		if err != nil {
			return nil, fmt.Errorf("key ring line %d: %w", i+3, err)
		}
		if r.byID(k.ID) != nil {
			return nil, fmt.Errorf("%w: line %d: duplicate key %s", ErrMalformedKeyRing, i+3, k.ID)
		}
		if k.State == KeyActive {
			active++
		}
		r.keys = append(r.keys, k)
	}
	if active != 1 {
		return nil, fmt.Errorf("%w: %d active keys, want 1", ErrMalformedKeyRing, active)
	}
	if !bytes.Equal(r.encode(), blob) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformedKeyRing)
	}
	return r, nil
}

func (r *KeyRing) parseKeyLine(line string, ek *EncryptionKey) (*ringKey, error) {
	f := strings.Split(line, " ")
	if len(f) != 6 || f[0] != "key" {
		return nil, fmt.Errorf("%w: want key <id> <state> <created> <vkey> <sealed>", ErrMalformedKeyRing)
	}
	st := KeyState(f[2])
	created, err := time.Parse(time.RFC3339, f[3])
	sealed, err2 := base64.StdEncoding.DecodeString(f[5])
	if (st != KeyActive && st != KeyCosigning && st != KeyRetired) || err != nil || err2 != nil {
		return nil, fmt.Errorf("%w: bad state, time or base64", ErrMalformedKeyRing)
	}
	v, err := note.NewVerifier(f[4])
	if err != nil || v.Name() != r.name || fmt.Sprintf("%08x", v.KeyHash()) != f[1] {
		return nil, fmt.Errorf("%w: verifier key %q is not key %s of %q", ErrMalformedKeyRing, f[4], f[1], r.name)
	}
	k := &ringKey{KeyInfo: KeyInfo{ID: f[1], State: st, Created: created.UTC(), VerifierKey: f[4]}, sealed: sealed}
	skey, err := ek.open(sealed, []byte(r.keyAD(k)))
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	dk, err := newRingKey(string(skey), f[4])
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", k.ID, err)
	}
	dk.KeyInfo, dk.sealed = k.KeyInfo, sealed
	return dk, nil
}

// VerifiersFor returns verifiers for the given note verifier keys, for a
// client that holds an org's public keys (its ring's [KeyInfo.VerifierKey]s).
func VerifiersFor(vkeys ...string) (note.Verifiers, error) {
	list := make([]note.Verifier, len(vkeys))
	for i, vk := range vkeys {
		v, err := note.NewVerifier(vk)
		if err != nil {
			return nil, fmt.Errorf("verifier key %q: %w", vk, err)
		}
		list[i] = v
	}
	return note.VerifierList(list...), nil
}
