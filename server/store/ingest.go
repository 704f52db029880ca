package store

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"
)

// inChunk bounds the parameters of one IN (…) list, well below both
// backends' limits.
const inChunk = 500

// Ingest stores a batch of records for org in one transaction, all or
// nothing, and returns one [Outcome] per record, in order.
//
// It is idempotent: a record whose bytes are already stored (by any source:
// mirror and upload deliver the same bytes) is a [Duplicate], and fills in
// the repository if the stored copy had none. A record whose (writer, seq)
// is stored with different bytes is never stored over: it is quarantined
// with [CodeConflict], as is the later of two such records within the
// batch. A record that does not decode is quarantined with
// [CodeMalformed]. Quarantining is part of the batch, not an error.
//
// New session and commit records are also decoded into rows for querying.
// A session or commit is described by its latest record (by created_at,
// then seq): an older record arriving later is stored but does not replace
// the rows. Ingests of one org are serialized.
func (s *Store) Ingest(ctx context.Context, org string, recs []Incoming) ([]Outcome, error) {
	return s.ingest(ctx, org, recs, -1)
}

// IngestSealed is [Store.Ingest] for records the caller seals in the same
// transaction, under org's seal append lock: the k-th record stored
// (counting only outcomes [Stored], in order) is noted as sealed by leaf
// firstLeaf+k, which the caller must then append. The note lets audits
// read sealed records by leaf range; [SealStore.ReadRecords] still matches
// each record to its leaf by hash.
func (s *Store) IngestSealed(ctx context.Context, org string, recs []Incoming, firstLeaf int64) ([]Outcome, error) {
	if firstLeaf < 0 {
		return nil, fmt.Errorf("ingesting for org %s: negative first leaf %d", org, firstLeaf)
	}
	return s.ingest(ctx, org, recs, firstLeaf)
}

func (s *Store) ingest(ctx context.Context, org string, recs []Incoming, firstLeaf int64) ([]Outcome, error) {
	out := make([]Outcome, len(recs))
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		if err := s.lockOrg(ctx, q, lockIngest, org); err != nil {
			return err
		}
		b := &batch{s: s, q: q, org: org, now: s.clock(), out: out, firstLeaf: firstLeaf}
		return b.run(ctx, recs)
	})
	if err != nil {
		return nil, fmt.Errorf("ingesting %d records for org %s: %w", len(recs), org, err)
	}
	return out, nil
}

// Quarantine stores a record the server refused (a forged signature, an
// unknown key, a broken chain) with its code and reason. The same record
// quarantined twice for the same code is stored once.
func (s *Store) Quarantine(ctx context.Context, org string, in Incoming, code Code, reason string) error {
	d, _ := decode(in) // whatever decodes names the record
	err := s.inTx(ctx, func(ctx context.Context, q querier) error {
		return s.quarantine(ctx, q, org, d, code, reason)
	})
	if err != nil {
		return fmt.Errorf("quarantining record for org %s: %w", org, err)
	}
	return nil
}

func (s *Store) quarantine(ctx context.Context, q querier, org string, d *decoded, code Code, reason string) error {
	_, err := q.exec(ctx, `INSERT INTO quarantine
		(org_id, record_hash, writer, seq, code, reason, source, repo_id, received_at, raw, sig)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`,
		org, d.hash[:], d.env.Writer, d.env.Seq, string(code), reason, string(d.in.Source),
		nullInt(d.in.Repo), s.clock(), d.in.Raw, nonNil(d.in.Sig))
	return err
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// batch is one Ingest call in progress.
type batch struct {
	s   *Store
	q   querier
	org string
	now time.Time
	out []Outcome
	new []*decoded // records to store
	// firstLeaf is the seal leaf of new[0], the next ones following; -1
	// when the records are not sealed with the batch.
	firstLeaf int64
}

func (b *batch) run(ctx context.Context, recs []Incoming) error {
	cands := make([]*decoded, len(recs))
	for i, in := range recs {
		d, err := decode(in)
		cands[i] = d
		b.out[i] = Outcome{Writer: d.env.Writer, Seq: d.env.Seq, Type: d.env.Type, Hash: d.hash, Status: Stored}
		if err != nil {
			if err := b.refuse(ctx, i, d, CodeMalformed, err.Error()); err != nil {
				return err
			}
			cands[i] = nil
		}
	}
	stored, err := b.storedHashes(ctx, cands)
	if err != nil {
		return err
	}
	if err := b.classify(ctx, cands, stored); err != nil {
		return err
	}
	if err := b.insertRecords(ctx); err != nil {
		return err
	}
	if err := b.writeSessions(ctx); err != nil {
		return err
	}
	return b.writeCommits(ctx)
}

func (b *batch) refuse(ctx context.Context, i int, d *decoded, code Code, reason string) error {
	b.out[i].Status, b.out[i].Code, b.out[i].Reason = Quarantined, code, reason
	return b.s.quarantine(ctx, b.q, b.org, d, code, reason)
}

// storedHashes returns the hashes stored for the (writer, seq) pairs of
// cands, reading each writer's range of seqs at once.
func (b *batch) storedHashes(ctx context.Context, cands []*decoded) (map[RecordRef][32]byte, error) {
	type span struct{ lo, hi int64 }
	spans := map[string]span{}
	for _, d := range cands {
		if d == nil {
			continue
		}
		sp, ok := spans[d.env.Writer]
		if !ok {
			sp = span{d.env.Seq, d.env.Seq}
		}
		sp.lo, sp.hi = min(sp.lo, d.env.Seq), max(sp.hi, d.env.Seq)
		spans[d.env.Writer] = sp
	}
	stored := map[RecordRef][32]byte{}
	for w, sp := range spans {
		rows, err := b.q.query(ctx, `SELECT seq, record_hash FROM records
			WHERE org_id = $1 AND writer = $2 AND seq >= $3 AND seq <= $4`, b.org, w, sp.lo, sp.hi)
		if err != nil {
			return nil, fmt.Errorf("reading stored records of writer %s: %w", w, err)
		}
		for rows.Next() {
			var seq int64
			var h []byte
			if err := rows.Scan(&seq, &h); err != nil {
				rows.Close()
				return nil, err
			}
			stored[RecordRef{w, seq}] = [32]byte(h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// classify sorts candidates into new records, duplicates and conflicts.
func (b *batch) classify(ctx context.Context, cands []*decoded, stored map[RecordRef][32]byte) error {
	for i, d := range cands {
		if d == nil {
			continue
		}
		h, ok := stored[d.ref()]
		switch {
		case !ok:
			stored[d.ref()] = d.hash
			b.new = append(b.new, d)
		case h == d.hash:
			b.out[i].Status = Duplicate
			if err := b.fillRepo(ctx, d); err != nil {
				return err
			}
		default:
			reason := fmt.Sprintf("record %s is stored with hash sha256:%s; this one has sha256:%s",
				d.ref(), hex.EncodeToString(h[:]), hex.EncodeToString(d.hash[:]))
			if err := b.refuse(ctx, i, d, CodeConflict, reason); err != nil {
				return err
			}
		}
	}
	return nil
}

// fillRepo records the repository of a duplicate whose stored copy came
// without one (uploaded before its repository was registered).
func (b *batch) fillRepo(ctx context.Context, d *decoded) error {
	if d.in.Repo == 0 {
		return nil
	}
	for _, table := range []string{"records", "sessions", "commits"} {
		_, err := b.q.exec(ctx, `UPDATE `+table+` SET repo_id = $1
			WHERE org_id = $2 AND writer = $3 AND seq = $4 AND repo_id IS NULL`,
			d.in.Repo, b.org, d.env.Writer, d.env.Seq)
		if err != nil {
			return fmt.Errorf("setting repository of %s rows of %s: %w", table, d.ref(), err)
		}
	}
	return nil
}

var recordCols = []string{"org_id", "writer", "seq", "type", "record_hash", "prev", "created_at",
	"received_at", "source", "repo_id", "raw", "sig", "seal_idx"}

func (b *batch) insertRecords(ctx context.Context) error {
	rows := make([][]any, len(b.new))
	for i, d := range b.new {
		var leaf any
		if b.firstLeaf >= 0 {
			leaf = b.firstLeaf + int64(i)
		}
		rows[i] = []any{b.org, d.env.Writer, d.env.Seq, d.env.Type, d.hash[:], d.env.Prev,
			d.env.CreatedAt.UTC(), b.now, string(d.in.Source), nullInt(d.in.Repo), d.in.Raw, nonNil(d.in.Sig), leaf}
	}
	return b.q.copyRows(ctx, "records", recordCols, rows)
}

// later reports whether record a describes its object more recently than
// record b: a later created_at, then a higher seq, then a greater writer.
func later(a RecordRef, at time.Time, b RecordRef, bt time.Time) bool {
	if !at.Equal(bt) {
		return at.After(bt)
	}
	if a.Seq != b.Seq {
		return a.Seq > b.Seq
	}
	return a.Writer > b.Writer
}

// current names the record that describes a session or commit now.
type current struct {
	ref RecordRef
	at  time.Time
}

// derivedTables lists, per parent table, the tables whose rows an object's
// newer record replaces, children first.
var derivedTables = map[string][]string{
	"sessions": {"session_events", "file_changes", "model_usage", "sessions"},
	"commits":  {"commit_sessions", "commit_files", "attribution_ranges", "commits"},
}

// replaceable returns, of the newest record per key in latest, those newer
// than what table (keyed by keyCol) holds, and deletes the rows they
// replace, children included.
func (b *batch) replaceable(ctx context.Context, table, keyCol string, latest map[string]*decoded) ([]*decoded, error) {
	keys := make([]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	have := map[string]current{}
	err := chunks(keys, inChunk, func(ks []string) error {
		args := []any{b.org}
		for _, k := range ks {
			args = append(args, k)
		}
		rows, err := b.q.query(ctx, `SELECT `+keyCol+`, writer, seq, record_created_at FROM `+table+`
			WHERE org_id = $1 AND `+keyCol+` IN (`+placeholders(2, len(ks))+`)`, args...)
		if err != nil {
			return fmt.Errorf("reading current %s: %w", table, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var c current
			if err := rows.Scan(&k, &c.ref.Writer, &c.ref.Seq, scanTime(&c.at)); err != nil {
				return err
			}
			have[k] = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	var out []*decoded
	var stale []string
	for k, d := range latest {
		c, ok := have[k]
		if ok && !later(d.ref(), d.env.CreatedAt, c.ref, c.at) {
			continue
		}
		if ok {
			stale = append(stale, k)
		}
		out = append(out, d)
	}
	err = chunks(stale, inChunk, func(ks []string) error {
		args := []any{b.org}
		for _, k := range ks {
			args = append(args, k)
		}
		for _, t := range derivedTables[table] {
			_, err := b.q.exec(ctx, `DELETE FROM `+t+` WHERE org_id = $1 AND `+keyCol+
				` IN (`+placeholders(2, len(ks))+`)`, args...)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replacing %s: %w", table, err)
	}
	return out, nil
}

// newest returns, per key, the newest of the new records key accepts.
func (b *batch) newest(key func(*decoded) (string, bool)) map[string]*decoded {
	m := map[string]*decoded{}
	for _, d := range b.new {
		k, ok := key(d)
		if !ok {
			continue
		}
		if cur, ok := m[k]; !ok || later(d.ref(), d.env.CreatedAt, cur.ref(), cur.env.CreatedAt) {
			m[k] = d
		}
	}
	return m
}
