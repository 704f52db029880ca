package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EncryptionKeyEnv names the environment variable holding the secret from
// which the key that encrypts org signing keys at rest is derived.
const EncryptionKeyEnv = "TRACEVAULT_ENCRYPTION_KEY"

// hkdfInfo separates this use of the secret from any other.
const hkdfInfo = "tracevault seal keyring v1 aes-256-gcm"

// An EncryptionKey is the AES-256-GCM key that encrypts org signing keys at
// rest. Make one with [ParseEncryptionKey].
type EncryptionKey struct {
	key [32]byte
}

// ErrWeakEncryptionKey is wrapped by [ParseEncryptionKey] errors for a value
// that is not 32 random-looking bytes.
var ErrWeakEncryptionKey = errors.New("weak or malformed " + EncryptionKeyEnv)

// ParseEncryptionKey derives an EncryptionKey from s, the value of
// TRACEVAULT_ENCRYPTION_KEY: 32 random bytes written as 64 hex digits or in
// base64 (standard or URL alphabet, padded or not); surrounding white space
// is ignored. It rejects values of another length and values that do not
// look random: fewer than 16 distinct bytes, or only printable ASCII (a
// password encoded as base64, say). Generate one with
// `openssl rand -base64 32`. The AES key is HKDF-SHA256 of the 32 bytes.
func ParseEncryptionKey(s string) (*EncryptionKey, error) {
	raw, err := decodeSecret(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	distinct := map[byte]bool{}
	text := true
	for _, c := range raw {
		distinct[c] = true
		text = text && c >= 0x20 && c < 0x7f
	}
	if len(distinct) < 16 {
		return nil, fmt.Errorf("%w: only %d distinct byte values; use 32 random bytes (openssl rand -base64 32)", ErrWeakEncryptionKey, len(distinct))
	}
	if text {
		return nil, fmt.Errorf("%w: the 32 bytes are all printable text, not random; use openssl rand -base64 32", ErrWeakEncryptionKey)
	}
	k, err := hkdf.Key(sha256.New, raw, nil, hkdfInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("deriving encryption key: %w", err)
	}
	ek := new(EncryptionKey)
	copy(ek.key[:], k)
	return ek, nil
}

func decodeSecret(s string) ([]byte, error) {
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%w: want 32 bytes as 64 hex digits or base64, got %d characters", ErrWeakEncryptionKey, len(s))
}

func (k *EncryptionKey) aead() cipher.AEAD {
	block, err := aes.NewCipher(k.key[:])
	if err != nil {
		panic("seal: AES with a 32-byte key: " + err.Error())
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic("seal: GCM: " + err.Error())
	}
	return g
}

// seal encrypts plain with additional data ad and returns
// nonce ‖ ciphertext ‖ tag.
func (k *EncryptionKey) seal(rnd io.Reader, plain, ad []byte) ([]byte, error) {
	g := k.aead()
	nonce := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	if _, err := io.ReadFull(rnd, nonce); err != nil {
		return nil, fmt.Errorf("reading nonce: %w", err)
	}
	return g.Seal(nonce, nonce, plain, ad), nil
}

// ErrDecrypt means a sealed key does not decrypt: the encryption key is
// wrong or the stored bytes were changed.
var ErrDecrypt = errors.New("cannot decrypt (wrong " + EncryptionKeyEnv + ", or tampered data)")

func (k *EncryptionKey) open(sealed, ad []byte) ([]byte, error) {
	g := k.aead()
	if len(sealed) < g.NonceSize()+g.Overhead() {
		return nil, ErrDecrypt
	}
	plain, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], ad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}

func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}
