package spool

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxBlob is the largest content the blob store keeps; larger files are
// recorded by hash only.
const MaxBlob = 32 << 20

// HashPrefix starts every content hash.
const HashPrefix = "sha256:"

// Hash returns the content hash of data, "sha256:<hex>".
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return HashPrefix + hex.EncodeToString(sum[:])
}

func (d Dir) blobPath(hash string) (string, error) {
	hexs, ok := strings.CutPrefix(hash, HashPrefix)
	if !ok || len(hexs) != 64 {
		return "", fmt.Errorf("bad blob hash %q", hash)
	}
	if _, err := hex.DecodeString(hexs); err != nil {
		return "", fmt.Errorf("bad blob hash %q", hash)
	}
	return d.Path("blobs", hexs[:2], hexs[2:]), nil
}

// PutBlob stores data and returns its hash. Content over MaxBlob is not
// stored; its hash is still returned.
func (d Dir) PutBlob(data []byte) (string, error) {
	h := Hash(data)
	if len(data) > MaxBlob {
		return h, nil
	}
	p, err := d.blobPath(h)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err == nil {
		return h, nil
	}
	return d.write(p, h, data)
}

// PutRedacted stores redact(data) and returns its hash, as
// PutBlob(redact(data)) does, skipping the redaction when it cannot change
// anything: every blob's name is the hash of what a redaction returned, so
// data whose hash names a stored blob is that blob's content, which redact
// (idempotent) returns unchanged. Then nothing is written, as nothing is
// when PutBlob finds its blob stored. redact must return its argument
// itself when it finds nothing (as the redact package does).
func (d Dir) PutRedacted(data []byte, redact func([]byte) []byte) (string, error) {
	if len(data) > MaxBlob {
		return d.PutBlob(redact(data))
	}
	h := Hash(data)
	p, err := d.blobPath(h)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err == nil {
		return h, nil
	}
	red := redact(data)
	if len(red) != len(data) || len(red) > 0 && &red[0] != &data[0] {
		return d.PutBlob(red) // redacted: another hash
	}
	return d.write(p, h, data)
}

// write stores data, whose hash is h, at p.
func (d Dir) write(p, h string, data []byte) (string, error) {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("creating blob directory: %w", err)
	}
	fd, tmp, err := createTemp(filepath.Dir(p), ".tmp-")
	if err != nil {
		return "", fmt.Errorf("creating blob: %w", err)
	}
	werr := writeAll(fd, tmp, data)
	var cerr error
	if err := syscall.Close(fd); err != nil {
		cerr = &fs.PathError{Op: "close", Path: tmp, Err: err}
	}
	if werr != nil || cerr != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("writing blob %s: %w", h, errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("storing blob %s: %w", h, err)
	}
	return h, nil
}

// ErrNoBlob is returned for a hash the store does not hold.
var ErrNoBlob = errors.New("spool: blob not stored")

// Blob returns the content stored under hash.
func (d Dir) Blob(hash string) ([]byte, error) {
	p, err := d.blobPath(hash)
	if err != nil {
		return nil, err
	}
	b, err := ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoBlob, hash)
	}
	if err != nil {
		return nil, fmt.Errorf("reading blob %s: %w", hash, err)
	}
	if Hash(b) != hash {
		return nil, fmt.Errorf("blob %s is corrupt (content hash differs)", hash)
	}
	return b, nil
}
