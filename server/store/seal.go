package store

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// SealStore is the store's side of the seal's Merkle log: per-org leaves,
// stored tlog hashes and checkpoints, an append lock, and the records the
// leaves seal. Its methods have the shape of seal.HashStore and
// seal.RecordReader; errors wrap the store's [ErrNotFound] and
// [ErrConflict] (the seal adapter translates them).
type SealStore struct{ s *Store }

// Seal returns the store's seal tables.
func (s *Store) Seal() *SealStore { return &SealStore{s} }

// Size returns how many leaves org's log holds; 0 for an unknown org.
func (ss *SealStore) Size(ctx context.Context, org string) (int64, error) {
	var n int64
	err := ss.s.q(ctx).queryRow(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM seal_leaves WHERE org_id = $1`, org).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("reading log size of %s: %w", org, err)
	}
	return n, nil
}

// ReadHashes returns the stored hashes at indexes, in order; an index not
// stored is an error wrapping [ErrNotFound].
func (ss *SealStore) ReadHashes(ctx context.Context, org string, indexes []int64) ([]tlog.Hash, error) {
	q := ss.s.q(ctx)
	found := make(map[int64]tlog.Hash, len(indexes))
	err := chunks(indexes, inChunk, func(ix []int64) error {
		args := []any{org}
		for _, i := range ix {
			args = append(args, i)
		}
		rows, err := q.query(ctx, `SELECT idx, hash FROM seal_hashes WHERE org_id = $1 AND idx IN (`+
			placeholders(2, len(ix))+`)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int64
			var h []byte
			if err := rows.Scan(&i, &h); err != nil {
				return err
			}
			if len(h) != tlog.HashSize {
				return fmt.Errorf("stored hash %d is %d bytes", i, len(h))
			}
			found[i] = tlog.Hash(h)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reading hashes of %s: %w", org, err)
	}
	out := make([]tlog.Hash, len(indexes))
	for k, i := range indexes {
		h, ok := found[i]
		if !ok {
			return nil, fmt.Errorf("reading hash %d of %s: %w", i, org, ErrNotFound)
		}
		out[k] = h
	}
	return out, nil
}

// ReadHashRange returns the stored hashes at indexes start ≤ i < end, in
// order, in one range scan; if any is not stored, an error wrapping
// [ErrNotFound].
func (ss *SealStore) ReadHashRange(ctx context.Context, org string, start, end int64) ([]tlog.Hash, error) {
	if end <= start {
		return nil, nil
	}
	rows, err := ss.s.q(ctx).query(ctx, `SELECT idx, hash FROM seal_hashes
		WHERE org_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, org, start, end)
	if err != nil {
		return nil, fmt.Errorf("reading hashes [%d, %d) of %s: %w", start, end, org, err)
	}
	defer rows.Close()
	out := make([]tlog.Hash, 0, end-start)
	var h []byte
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i, &h); err != nil {
			return nil, fmt.Errorf("reading hashes of %s: %w", org, err)
		}
		if i != start+int64(len(out)) {
			break
		}
		if len(h) != tlog.HashSize {
			return nil, fmt.Errorf("stored hash %d of %s is %d bytes", i, org, len(h))
		}
		out = append(out, tlog.Hash(h))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading hashes of %s: %w", org, err)
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("reading hash %d of %s: %w", start+int64(len(out)), org, ErrNotFound)
	}
	return out, nil
}

// LeafIndex returns the index of the first leaf of org's log that seals
// the record with SHA-256 recordHash, or -1 if none does. It reads the
// leaves' record_hash index, which the leaves' bytes determine: a leaf
// whose bytes were altered may be found or missed, and the audit names it.
func (ss *SealStore) LeafIndex(ctx context.Context, org string, recordHash [32]byte) (int64, error) {
	var i int64
	err := ss.s.q(ctx).queryRow(ctx, `SELECT COALESCE(MIN(idx), -1) FROM seal_leaves
		WHERE org_id = $1 AND record_hash = $2`, org, recordHash[:]).Scan(&i)
	if err != nil {
		return 0, fmt.Errorf("looking up the leaf of a record of %s: %w", org, err)
	}
	return i, nil
}

// ReadLeaves returns the leaves start ≤ i < end exactly as appended; if any
// is not stored, an error wrapping [ErrNotFound].
func (ss *SealStore) ReadLeaves(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	if end <= start {
		return nil, nil
	}
	rows, err := ss.s.q(ctx).query(ctx, `SELECT idx, leaf FROM seal_leaves
		WHERE org_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, org, start, end)
	if err != nil {
		return nil, fmt.Errorf("reading leaves [%d, %d) of %s: %w", start, end, org, err)
	}
	defer rows.Close()
	out := make([][]byte, 0, end-start)
	for rows.Next() {
		var i int64
		var leaf []byte
		if err := rows.Scan(&i, &leaf); err != nil {
			return nil, fmt.Errorf("reading leaves of %s: %w", org, err)
		}
		if i != start+int64(len(out)) {
			break
		}
		out = append(out, leaf)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading leaves of %s: %w", org, err)
	}
	if int64(len(out)) != end-start {
		return nil, fmt.Errorf("reading leaf %d of %s: %w", start+int64(len(out)), org, ErrNotFound)
	}
	return out, nil
}

// AppendLeaves stores leaves at start, start+1, … and their stored hashes,
// all or nothing; if org's log does not have size start, nothing is stored
// and the error wraps [ErrConflict].
func (ss *SealStore) AppendLeaves(ctx context.Context, org string, start int64, leaves [][]byte, hashes []tlog.Hash) error {
	end := start + int64(len(leaves))
	first := tlog.StoredHashCount(start)
	if want := tlog.StoredHashCount(end) - first; int64(len(hashes)) != want {
		return fmt.Errorf("appending leaves [%d, %d) to %s: %d hashes, want %d", start, end, org, len(hashes), want)
	}
	err := ss.s.inTx(ctx, func(ctx context.Context, q querier) error {
		size, err := ss.Size(ctx, org)
		if err != nil {
			return err
		}
		if size != start {
			return fmt.Errorf("%w: log size is %d", ErrConflict, size)
		}
		lrows := make([][]any, len(leaves))
		for i, l := range leaves {
			lrows[i] = []any{org, start + int64(i), l, leafRecordHash(l)}
		}
		hrows := make([][]any, len(hashes))
		for i, h := range hashes {
			hrows[i] = []any{org, first + int64(i), h[:]}
		}
		err = q.copyRows(ctx, "seal_leaves", []string{"org_id", "idx", "leaf", "record_hash"}, lrows)
		if err == nil {
			err = q.copyRows(ctx, "seal_hashes", []string{"org_id", "idx", "hash"}, hrows)
		}
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("appending leaves [%d, %d) to %s: %w", start, end, org, err)
	}
	return nil
}

// leafRecordHash returns the record hash a seal leaf commits to (its
// "record sha256:<hex>" line), or nil for bytes without one.
func leafRecordHash(leaf []byte) any {
	const key = "\nrecord sha256:"
	i := bytes.Index(leaf, []byte(key))
	if i < 0 || len(leaf) < i+len(key)+64 {
		return nil
	}
	h, err := hex.DecodeString(string(leaf[i+len(key) : i+len(key)+64]))
	if err != nil {
		return nil
	}
	return h
}

// ReadRecords returns the raw bytes (record.json) of the records sealed by
// leaves start ≤ i < end of org's log, in index order, matched by record
// hash; a leaf whose record is not stored yields nil.
//
// It reads the leaves' record hashes and the records noted as sealed by
// leaves of the range (records.seal_idx), two range scans, and keeps a
// record only where its hash is its leaf's. If a leaf is left without one
// (a record stored without seal_idx, or a note that does not match), the
// range is read again by a join on record_hash, which returns the same
// records.
func (ss *SealStore) ReadRecords(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	if end <= start {
		return nil, nil
	}
	q := ss.s.q(ctx)
	want := make([][]byte, end-start) // each leaf's record hash
	err := func() error {
		rows, err := q.query(ctx, `SELECT idx, record_hash FROM seal_leaves
			WHERE org_id = $1 AND idx >= $2 AND idx < $3`, org, start, end)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int64
			var h []byte
			if err := rows.Scan(&i, &h); err != nil {
				return err
			}
			if i >= start && i < end {
				want[i-start] = h
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("reading sealed records of %s: %w", org, err)
	}
	out := make([][]byte, end-start)
	err = func() error {
		rows, err := q.query(ctx, `SELECT seal_idx, record_hash, raw FROM records
			WHERE org_id = $1 AND seal_idx >= $2 AND seal_idx < $3`, org, start, end)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var i int64
			var h, raw []byte
			if err := rows.Scan(&i, &h, &raw); err != nil {
				return err
			}
			if i >= start && i < end && want[i-start] != nil && bytes.Equal(h, want[i-start]) {
				out[i-start] = raw
			}
		}
		return rows.Err()
	}()
	if err != nil {
		return nil, fmt.Errorf("reading sealed records of %s: %w", org, err)
	}
	for k, h := range want {
		if h != nil && out[k] == nil {
			return ss.readRecordsByHash(ctx, org, start, end)
		}
	}
	return out, nil
}

// readRecordsByHash is ReadRecords by a join on record_hash alone: for
// ranges with leaves whose records were stored without seal_idx.
func (ss *SealStore) readRecordsByHash(ctx context.Context, org string, start, end int64) ([][]byte, error) {
	// A correlated subquery rather than a join: one unique-index probe per
	// leaf whatever the planner's statistics say.
	rows, err := ss.s.q(ctx).query(ctx, `SELECT l.idx, (SELECT r.raw FROM records r
		WHERE r.org_id = $1 AND r.record_hash = l.record_hash) FROM seal_leaves l
		WHERE l.org_id = $1 AND l.idx >= $2 AND l.idx < $3`, org, start, end)
	if err != nil {
		return nil, fmt.Errorf("reading sealed records of %s: %w", org, err)
	}
	defer rows.Close()
	out := make([][]byte, end-start)
	for rows.Next() {
		var i int64
		var raw []byte
		if err := rows.Scan(&i, &raw); err != nil {
			return nil, fmt.Errorf("reading sealed records of %s: %w", org, err)
		}
		out[i-start] = raw
	}
	return out, rows.Err()
}

// PutCheckpoint stores note as org's checkpoint at size, replacing an
// earlier note for the same size.
func (ss *SealStore) PutCheckpoint(ctx context.Context, org string, size int64, note []byte) error {
	err := ss.s.inTx(ctx, func(ctx context.Context, q querier) error {
		_, err := q.exec(ctx, `INSERT INTO seal_checkpoints (org_id, size, note, created_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id, size) DO UPDATE SET note = excluded.note, created_at = excluded.created_at`,
			org, size, note, ss.s.clock())
		return err
	})
	if err != nil {
		return fmt.Errorf("storing checkpoint %d of %s: %w", size, org, err)
	}
	return nil
}

// ReadCheckpoint returns org's checkpoint at size, or an error wrapping
// [ErrNotFound].
func (ss *SealStore) ReadCheckpoint(ctx context.Context, org string, size int64) ([]byte, error) {
	var note []byte
	err := ss.s.q(ctx).queryRow(ctx, `SELECT note FROM seal_checkpoints WHERE org_id = $1 AND size = $2`,
		org, size).Scan(&note)
	if errors.Is(err, errNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("reading checkpoint %d of %s: %w", size, org, err)
	}
	return note, nil
}

// LatestCheckpoint returns org's checkpoint of the largest size, or an
// error wrapping [ErrNotFound].
func (ss *SealStore) LatestCheckpoint(ctx context.Context, org string) (int64, []byte, error) {
	var size int64
	var note []byte
	err := ss.s.q(ctx).queryRow(ctx, `SELECT size, note FROM seal_checkpoints WHERE org_id = $1
		ORDER BY size DESC LIMIT 1`, org).Scan(&size, &note)
	if errors.Is(err, errNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("reading latest checkpoint of %s: %w", org, err)
	}
	return size, note, nil
}

// SigningKey is the public record of one checkpoint signing key.
type SigningKey struct {
	ID          string // note key hash, 8 hex digits
	State       string // "active", "cosigning" or "retired"
	VerifierKey string
	CreatedAt   time.Time
	RetiredAt   time.Time // zero unless retired
}

// PutKeyRing stores a new version of org's sealed (encrypted) key ring and
// the public state of its keys, and returns the version. prev is the
// version it replaces (0 for the first); if that is not the latest the
// error wraps [ErrConflict]. Old versions are kept.
func (ss *SealStore) PutKeyRing(ctx context.Context, org string, prev int64, blob []byte, keys []SigningKey) (int64, error) {
	err := ss.s.inTx(ctx, func(ctx context.Context, q querier) error {
		var latest int64
		if err := q.queryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM seal_keyrings WHERE org_id = $1`,
			org).Scan(&latest); err != nil {
			return err
		}
		if latest != prev {
			return fmt.Errorf("%w: latest version is %d, not %d", ErrConflict, latest, prev)
		}
		now := ss.s.clock()
		if _, err := q.exec(ctx, `INSERT INTO seal_keyrings (org_id, version, blob, created_at)
			VALUES ($1, $2, $3, $4)`, org, prev+1, blob, now); err != nil {
			return err
		}
		for _, k := range keys {
			_, err := q.exec(ctx, `INSERT INTO seal_signing_keys
				(org_id, key_id, state, verifier_key, created_at, retired_at) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (org_id, key_id) DO UPDATE SET state = excluded.state, retired_at = excluded.retired_at`,
				org, k.ID, k.State, k.VerifierKey, k.CreatedAt.UTC(), timeArg(k.RetiredAt))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("storing key ring of %s: %w", org, err)
	}
	return prev + 1, nil
}

// KeyRing returns the latest version of org's sealed key ring, or an error
// wrapping [ErrNotFound].
func (ss *SealStore) KeyRing(ctx context.Context, org string) (version int64, blob []byte, err error) {
	err = ss.s.q(ctx).queryRow(ctx, `SELECT version, blob FROM seal_keyrings WHERE org_id = $1
		ORDER BY version DESC LIMIT 1`, org).Scan(&version, &blob)
	if errors.Is(err, errNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("reading key ring of %s: %w", org, err)
	}
	return version, blob, nil
}

// SigningKeys returns the public history of org's signing keys, oldest
// first.
func (ss *SealStore) SigningKeys(ctx context.Context, org string) ([]SigningKey, error) {
	rows, err := ss.s.q(ctx).query(ctx, `SELECT key_id, state, verifier_key, created_at, retired_at
		FROM seal_signing_keys WHERE org_id = $1 ORDER BY created_at, key_id`, org)
	if err != nil {
		return nil, fmt.Errorf("reading signing keys of %s: %w", org, err)
	}
	defer rows.Close()
	var out []SigningKey
	for rows.Next() {
		var k SigningKey
		if err := rows.Scan(&k.ID, &k.State, &k.VerifierKey, scanTime(&k.CreatedAt), scanTime(&k.RetiredAt)); err != nil {
			return nil, fmt.Errorf("reading signing keys of %s: %w", org, err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}
