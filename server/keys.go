package server

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/store"
)

// EncryptionKeyFile is the file in the data directory that holds a
// generated TRACEVAULT_ENCRYPTION_KEY when the embedded store runs without
// one.
const EncryptionKeyFile = "encryption.key"

// loadEncryptionKey returns the key that encrypts org signing keys at rest:
// TRACEVAULT_ENCRYPTION_KEY if set; otherwise, for the embedded store only,
// the key kept in dataDir/encryption.key (created with mode 0600 and a
// warning on first start). Postgres without the variable is an error: a
// production database must not hold the key that opens its own secrets.
func loadEncryptionKey(env string, embedded bool, dataDir string, log *slog.Logger) (*seal.EncryptionKey, error) {
	if env != "" {
		return seal.ParseEncryptionKey(env)
	}
	if !embedded {
		return nil, fmt.Errorf("%s is required with DATABASE_URL (generate one with: openssl rand -base64 32)", seal.EncryptionKeyEnv)
	}
	path := filepath.Join(dataDir, EncryptionKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		var raw [32]byte
		if _, err := rand.Read(raw[:]); err != nil {
			return nil, err
		}
		b = []byte(base64.StdEncoding.EncodeToString(raw[:]) + "\n")
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating %s: %w", path, err)
		}
		_, werr := f.Write(b)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return nil, fmt.Errorf("writing %s: %w", path, werr)
		}
		log.Warn("no "+seal.EncryptionKeyEnv+" set: generated a local key file; set the variable in production and keep the key outside the data directory",
			"path", path)
	} else if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	} else if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	return seal.ParseEncryptionKey(string(b))
}

// keyRings loads, creates and rotates orgs' checkpoint key rings, kept in
// the store sealed under the encryption key. Opened rings are cached by
// version, so a rotation by another replica is picked up at the next read.
type keyRings struct {
	st     *store.Store
	ek     *seal.EncryptionKey
	origin func(org string) string
	now    func() time.Time

	mu    sync.Mutex
	cache map[string]cachedRing
}

type cachedRing struct {
	version int64
	ring    *seal.KeyRing
}

// ring returns org's current key ring.
func (k *keyRings) ring(ctx context.Context, org string) (*seal.KeyRing, error) {
	v, blob, err := k.st.Seal().KeyRing(ctx, org)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	c, ok := k.cache[org]
	k.mu.Unlock()
	if ok && c.version == v {
		return c.ring, nil
	}
	r, err := seal.OpenKeyRing(blob, k.ek)
	if err != nil {
		return nil, fmt.Errorf("opening key ring of %s (version %d): %w", org, v, err)
	}
	k.mu.Lock()
	if k.cache == nil {
		k.cache = map[string]cachedRing{}
	}
	k.cache[org] = cachedRing{v, r}
	k.mu.Unlock()
	return r, nil
}

// ensure creates org's key ring if it has none. Two replicas racing both
// generate one; the store keeps the first and the other reads it back.
func (k *keyRings) ensure(ctx context.Context, org string) error {
	_, _, err := k.st.Seal().KeyRing(ctx, org)
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return err
	}
	r, err := seal.NewKeyRing(rand.Reader, k.origin(org), k.now())
	if err != nil {
		return fmt.Errorf("generating key ring of %s: %w", org, err)
	}
	if _, err := k.put(ctx, org, 0, r); err != nil {
		// Another replica may have stored its ring first; keep that one.
		if _, _, rerr := k.st.Seal().KeyRing(ctx, org); rerr == nil {
			return nil
		}
		return err
	}
	return nil
}

func (k *keyRings) put(ctx context.Context, org string, prev int64, r *seal.KeyRing) (int64, error) {
	blob, err := r.Seal(rand.Reader, k.ek)
	if err != nil {
		return 0, fmt.Errorf("sealing key ring of %s: %w", org, err)
	}
	var keys []store.SigningKey
	for _, ki := range r.Keys() {
		sk := store.SigningKey{ID: ki.ID, State: string(ki.State), VerifierKey: ki.VerifierKey, CreatedAt: ki.Created}
		if ki.State == seal.KeyRetired {
			sk.RetiredAt = k.now()
		}
		keys = append(keys, sk)
	}
	return k.st.Seal().PutKeyRing(ctx, org, prev, blob, keys)
}

// rotate starts a key rotation (a new active key; the old one cosigns) or,
// with finish, ends one (the cosigning key retires). It returns the ring's
// keys after the change.
func (k *keyRings) rotate(ctx context.Context, org string, finish bool) ([]seal.KeyInfo, error) {
	v, blob, err := k.st.Seal().KeyRing(ctx, org)
	if err != nil {
		return nil, err
	}
	r, err := seal.OpenKeyRing(blob, k.ek)
	if err != nil {
		return nil, fmt.Errorf("opening key ring of %s: %w", org, err)
	}
	if finish {
		r.FinishRotation()
	} else if _, err := r.Rotate(rand.Reader, k.now()); err != nil {
		return nil, fmt.Errorf("rotating key of %s: %w", org, err)
	}
	if _, err := k.put(ctx, org, v, r); err != nil {
		return nil, err
	}
	return r.Keys(), nil
}
