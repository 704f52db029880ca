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
	if stored(p, len(data)) {
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
	if stored(p, len(data)) {
		return h, nil
	}
	red := redact(data)
	if len(red) != len(data) || len(red) > 0 && &red[0] != &data[0] {
		return d.PutBlob(red) // redacted: another hash
	}
	return d.write(p, h, data)
}

// write stores data, whose hash is h, at p. The blob is created under its
// final name (a temporary file renamed into place cost a third more here,
// every Edit): a writer killed mid-write leaves a file shorter than its
// content, which stored() does not count and the next writer of the same
// content completes, and which Blob refuses (its hash differs) meanwhile.
// Two writers of one blob write the same bytes at the same offsets.
func (d Dir) write(p, h string, data []byte) (string, error) {
	fd, err := openFile(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return "", fmt.Errorf("creating blob directory: %w", err)
		}
		fd, err = openFile(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL, 0o600)
	}
	if errors.Is(err, fs.ErrExist) {
		if stored(p, len(data)) {
			return h, nil
		}
		fd, err = openFile(p, syscall.O_WRONLY, 0) // complete a torn blob
	}
	if err != nil {
		return "", fmt.Errorf("creating blob: %w", err)
	}
	werr := writeAll(fd, p, data)
	var cerr error
	if err := syscall.Close(fd); err != nil {
		cerr = &fs.PathError{Op: "close", Path: p, Err: err}
	}
	if werr != nil || cerr != nil {
		return "", fmt.Errorf("writing blob %s: %w", h, errors.Join(werr, cerr))
	}
	return h, nil
}

// stored reports whether the blob file at p is complete: as long as its
// content (see write).
func stored(p string, size int) bool {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(p, &st)
		if err != syscall.EINTR {
			return err == nil && st.Size == int64(size)
		}
	}
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
