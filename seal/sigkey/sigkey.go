// Package sigkey creates, stores and loads the Ed25519 keys that sign
// TraceVault records, and signs and verifies with them through
// sigstore/sigstore's pkg/signature.
//
// # Why sigstore's pkg/signature
//
// Records are signed over their exact stored bytes (STYLE rule 9). Both
// candidates do Ed25519 correctly; pkg/signature gives signers and verifiers
// behind one interface that also covers KMS-held keys (sigstore/sigstore's
// kms packages), so a team can later move writer keys into a KMS without a
// format change, and its cryptoutils encode keys as standard PKCS#8 / PKIX
// PEM that other tools read. x/mod's note format is used where a signed note
// is the right shape: the server's checkpoints.
//
// # Encodings
//
// A private key is stored as a PKCS#8 PEM block ("PRIVATE KEY") in a file of
// mode 0600 outside the repository. A public key is written in allowed-signers
// files as "ed25519:" followed by the standard base64 of its 32 bytes. A
// writer's id is "w" followed by the first 16 hex digits of the SHA-256 of the
// public key's 32 bytes: it names the writer's ref, so it is derived, never
// chosen.
//
// A signature line, as stored beside a record, reads
//
//	ed25519 <writer-id> <base64 signature>
package sigkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// PublicKey is an Ed25519 public key.
type PublicKey [ed25519.PublicKeySize]byte

// String encodes k as "ed25519:<base64>".
func (k PublicKey) String() string { return "ed25519:" + base64.StdEncoding.EncodeToString(k[:]) }

// WriterID returns the writer id derived from k.
func (k PublicKey) WriterID() string {
	sum := sha256.Sum256(k[:])
	return "w" + hex.EncodeToString(sum[:8])
}

// ParsePublicKey parses "ed25519:<base64>" strictly.
func ParsePublicKey(s string) (PublicKey, error) {
	var k PublicKey
	b64, ok := strings.CutPrefix(s, "ed25519:")
	if !ok {
		return k, fmt.Errorf("public key %q: want ed25519:<base64>", s)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(b) != len(k) || base64.StdEncoding.EncodeToString(b) != b64 {
		return k, fmt.Errorf("public key %q: bad base64 Ed25519 key", s)
	}
	copy(k[:], b)
	return k, nil
}

// Key is a private signing key.
type Key struct {
	priv ed25519.PrivateKey
}

// Generate makes a new key.
func Generate() (*Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating Ed25519 key: %w", err)
	}
	return &Key{priv: priv}, nil
}

// Public returns the key's public half.
func (k *Key) Public() PublicKey {
	var p PublicKey
	copy(p[:], k.priv.Public().(ed25519.PublicKey))
	return p
}

// Sign signs msg and returns the signature line for it.
func (k *Key) Sign(msg []byte) (string, error) {
	s, err := signature.LoadED25519Signer(k.priv)
	if err != nil {
		return "", fmt.Errorf("loading signer: %w", err)
	}
	sig, err := s.SignMessage(bytes.NewReader(msg))
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return "ed25519 " + k.Public().WriterID() + " " + base64.StdEncoding.EncodeToString(sig), nil
}

// Errors of signature checks; match with errors.Is.
var (
	ErrBadSignature = errors.New("signature does not verify")
	ErrUnknownKey   = errors.New("unknown signing key")
	ErrMalformed    = errors.New("malformed signature line")
)

// ParseSigLine splits a signature line into writer id and signature bytes.
func ParseSigLine(line string) (writer string, sig []byte, err error) {
	f := strings.Split(strings.TrimSuffix(line, "\n"), " ")
	if len(f) != 3 || f[0] != "ed25519" || f[1] == "" {
		return "", nil, fmt.Errorf("%w: %q", ErrMalformed, line)
	}
	sig, err = base64.StdEncoding.DecodeString(f[2])
	if err != nil || len(sig) != ed25519.SignatureSize || base64.StdEncoding.EncodeToString(sig) != f[2] {
		return "", nil, fmt.Errorf("%w: bad signature encoding", ErrMalformed)
	}
	return f[1], sig, nil
}

// Verify checks a signature line over msg against pub.
func Verify(pub PublicKey, msg []byte, line string) error {
	writer, sig, err := ParseSigLine(line)
	if err != nil {
		return err
	}
	if writer != pub.WriterID() {
		return fmt.Errorf("%w: signed by %s, key is %s", ErrUnknownKey, writer, pub.WriterID())
	}
	v, err := signature.LoadED25519Verifier(ed25519.PublicKey(pub[:]))
	if err != nil {
		return fmt.Errorf("loading verifier: %w", err)
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("%w (writer %s)", ErrBadSignature, writer)
	}
	return nil
}

// Save writes the key as PKCS#8 PEM to path with mode 0600, creating parent
// directories (0700). It refuses to overwrite an existing file.
func (k *Key) Save(path string) error {
	pemBytes, err := cryptoutils.MarshalPrivateKeyToPEM(k.priv)
	if err != nil {
		return fmt.Errorf("encoding key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating key directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing key %s: %w", path, err)
	}
	if _, err := f.Write(pemBytes); err != nil {
		f.Close()
		return fmt.Errorf("writing key %s: %w", path, err)
	}
	return f.Close()
}

// Load reads a key saved by Save.
func Load(path string) (*Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	pk, err := cryptoutils.UnmarshalPEMToPrivateKey(b, cryptoutils.SkipPassword)
	if err != nil {
		return nil, fmt.Errorf("parsing key %s: %w", path, err)
	}
	priv, ok := pk.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key %s is not Ed25519", path)
	}
	return &Key{priv: priv}, nil
}

// LoadOrCreate loads the key at path, creating it on first use.
func LoadOrCreate(path string) (*Key, bool, error) {
	k, err := Load(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	k, err = Generate()
	if err != nil {
		return nil, false, err
	}
	if err := k.Save(path); err != nil {
		if errors.Is(err, os.ErrExist) { // another process won the race
			k, err = Load(path)
			return k, false, err
		}
		return nil, false, err
	}
	return k, true, nil
}
