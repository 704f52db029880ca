package spool

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/tracevault/tracevault/capture/internal/sysfile"
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

// The blob store keeps contents in 256 shards by the first byte of their
// hash: blobs/<aa>/pack holds the contents back to back, blobs/<aa>/idx one
// 48-byte record per content (its SHA-256, then its offset in pack and its
// length, both big-endian uint64). A hook storing a new file content appends
// to both: making a file per content, as before, cost about 0.5 ms of the
// hook's time on ext4 here, an append 0.02 ms. Contents stored that way
// (blobs/<aa>/<rest of the hash>) are still read.
//
// Writers append under the exclusive flock of idx: the content first, then
// its record, so a record always names complete bytes; a writer killed
// mid-way leaves unreferenced bytes in pack, or a short record that the next
// writer cuts off. Readers read idx under the shared flock. Every read checks
// the content against its hash.
const idxRecord = 32 + 8 + 8

// blobID splits a content hash into its hex digits and raw bytes.
func blobID(hash string) (string, [32]byte, error) {
	var sum [32]byte
	hexs, ok := strings.CutPrefix(hash, HashPrefix)
	if !ok || len(hexs) != 64 {
		return "", sum, fmt.Errorf("bad blob hash %q", hash)
	}
	if _, err := hex.Decode(sum[:], []byte(hexs)); err != nil {
		return "", sum, fmt.Errorf("bad blob hash %q", hash)
	}
	return hexs, sum, nil
}

// shard returns the directory of the shard holding hexs.
func (d Dir) shard(hexs string) string { return d.Path("blobs", hexs[:2]) }

// PrepareBlobs makes the blob store's 256 shards that do not exist yet.
// Blob writers make a missing one themselves, but that costs a hook as much
// again as the blob (new inodes), so the work-tree watcher makes them ahead.
func (d Dir) PrepareBlobs() error {
	const digits = "0123456789abcdef"
	for i := range 256 {
		dir := d.Path("blobs", string([]byte{digits[i>>4], digits[i&15]}))
		if err := d.prepareShard(dir, true); err != nil {
			return fmt.Errorf("preparing the blob store: %w", err)
		}
	}
	return nil // (a repository deleted meanwhile fails the next Mkdir)
}

// prepareShard makes a shard and its files. In the background (careful)
// it makes only the blob store's directories, never the spool itself: a
// background writer must not make again a repository being deleted.
func (d Dir) prepareShard(dir string, careful bool) error {
	if !careful {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
	}
	for _, p := range []string{filepath.Dir(dir), dir} {
		if err := os.Mkdir(p, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	for _, name := range []string{"idx", "pack"} {
		fd, err := openFile(filepath.Join(dir, name), syscall.O_WRONLY|syscall.O_CREAT, 0o600)
		if err != nil {
			return err
		}
		syscall.Close(fd)
	}
	return nil
}

// PutBlob stores data and returns its hash. Content over MaxBlob is not
// stored; its hash is still returned.
func (d Dir) PutBlob(data []byte) (string, error) {
	h := Hash(data)
	if len(data) > MaxBlob {
		return h, nil
	}
	return d.put(h, data)
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
	if d.Has(h) {
		return h, nil
	}
	red := redact(data)
	if len(red) != len(data) || len(red) > 0 && &red[0] != &data[0] {
		return d.PutBlob(red) // redacted: another hash
	}
	return d.put(h, data)
}

// Has reports whether the store holds the content named hash.
func (d Dir) Has(hash string) bool {
	hexs, sum, err := blobID(hash)
	if err != nil {
		return false
	}
	if _, _, ok := d.lookup(hexs, sum); ok {
		return true
	}
	_, err = os.Lstat(d.legacyPath(hexs))
	return err == nil
}

// legacyPath is where a content was stored before packs: a file of its own.
func (d Dir) legacyPath(hexs string) string { return d.Path("blobs", hexs[:2], hexs[2:]) }

// lookup finds sum in its shard's index (under the shared lock).
func (d Dir) lookup(hexs string, sum [32]byte) (off, n int64, ok bool) {
	path := filepath.Join(d.shard(hexs), "idx")
	fd, err := openFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return 0, 0, false
	}
	defer syscall.Close(fd)
	if flock(fd, syscall.LOCK_SH) != nil {
		return 0, 0, false
	}
	idx, err := sysfile.ReadFd(fd, path)
	if err != nil {
		return 0, 0, false
	}
	return findRecord(idx, sum)
}

// findRecord finds sum among whole index records.
func findRecord(idx []byte, sum [32]byte) (off, n int64, ok bool) {
	for i := 0; i+idxRecord <= len(idx); i += idxRecord {
		if [32]byte(idx[i:i+32]) == sum {
			return int64(binary.BigEndian.Uint64(idx[i+32:])), int64(binary.BigEndian.Uint64(idx[i+40:])), true
		}
	}
	return 0, 0, false
}

// put appends data, whose hash is h, to its shard, unless it is there.
func (d Dir) put(h string, data []byte) (string, error) {
	hexs, sum, err := blobID(h)
	if err != nil {
		return "", err
	}
	dir := d.shard(hexs)
	ifd, err := openFile(filepath.Join(dir, "idx"), syscall.O_RDWR|syscall.O_CREAT, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		if err := d.prepareShard(dir, false); err != nil {
			return "", fmt.Errorf("creating blob shard: %w", err)
		}
		ifd, err = openFile(filepath.Join(dir, "idx"), syscall.O_RDWR|syscall.O_CREAT, 0o600)
	}
	if err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	defer syscall.Close(ifd)
	if err := flock(ifd, syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("locking blob shard: %w", err)
	}
	idx, err := sysfile.ReadFd(ifd, filepath.Join(dir, "idx"))
	if err != nil {
		return "", fmt.Errorf("reading blob index: %w", err)
	}
	if _, _, ok := findRecord(idx, sum); ok {
		return h, nil // a concurrent writer stored it
	}
	end := int64(len(idx) - len(idx)%idxRecord) // cut a record left short
	pfd, err := openFile(filepath.Join(dir, "pack"), syscall.O_WRONLY|syscall.O_CREAT|syscall.O_APPEND, 0o600)
	if err != nil {
		return "", fmt.Errorf("storing blob: %w", err)
	}
	var st syscall.Stat_t
	err = fstat(pfd, &st)
	if err == nil {
		err = writeAll(pfd, filepath.Join(dir, "pack"), data)
	}
	if cerr := syscall.Close(pfd); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("writing blob %s: %w", h, err)
	}
	rec := make([]byte, 0, idxRecord)
	rec = append(rec, sum[:]...)
	rec = binary.BigEndian.AppendUint64(rec, uint64(st.Size))
	rec = binary.BigEndian.AppendUint64(rec, uint64(len(data)))
	if _, err := sysfile.Retry(func() (int, error) { return syscall.Pwrite(ifd, rec, end) }); err != nil {
		return "", fmt.Errorf("indexing blob %s: %w", h, err)
	}
	return h, nil
}

// ErrNoBlob is returned for a hash the store does not hold.
var ErrNoBlob = errors.New("spool: blob not stored")

// Blob returns the content stored under hash.
func (d Dir) Blob(hash string) ([]byte, error) {
	hexs, sum, err := blobID(hash)
	if err != nil {
		return nil, err
	}
	var b []byte
	if off, n, ok := d.lookup(hexs, sum); ok {
		b, err = readAt(filepath.Join(d.shard(hexs), "pack"), off, n)
	} else {
		b, err = ReadFile(d.legacyPath(hexs))
	}
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

// readAt reads n bytes at off of the file at path.
func readAt(path string, off, n int64) ([]byte, error) {
	if n < 0 || n > MaxBlob {
		return nil, fmt.Errorf("blob length %d out of range", n)
	}
	fd, err := openFile(path, syscall.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	b := make([]byte, n)
	for got := 0; got < len(b); {
		k, err := sysfile.Retry(func() (int, error) { return syscall.Pread(fd, b[got:], off+int64(got)) })
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if k == 0 {
			return nil, fmt.Errorf("%s: %d bytes at %d past its end", path, n, off)
		}
		got += k
	}
	return b, nil
}
