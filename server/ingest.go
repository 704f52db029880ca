package server

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/seal/sigkey"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/store"
)

// MaxBatch is the most records one ingest call (one upload request, one
// step of a mirror fetch) stores in one transaction.
const MaxBatch = 2000

// batchIn is one ingest call: records from one source, all of one org.
type batchIn struct {
	org     string
	source  store.Source
	repo    int64
	trusted *sigkey.AllowedSigners // the repository's allowed_signers; may be nil
	policy  *policy.Policy         // the repository's policy; nil for none
	records []api.Record
}

// checked is a record whose envelope parsed and whose signature verified.
type checked struct {
	i   int
	in  store.Incoming
	env *record.Envelope
}

// ingest verifies, stores and seals a batch, all or nothing. Each record's
// signature is checked against its writer's registered key, or else the
// repository's allowed_signers; records that fail are quarantined with a
// reason, never dropped. Accepted records must extend their writer's chain
// (prev is the hash of the stored or batched record seq-1). New records are
// sealed in the same transaction, a checkpoint is signed, and policy
// verdicts on new commit records are stored.
func (s *Server) ingest(ctx context.Context, b batchIn) ([]api.Outcome, int64, error) {
	start := time.Now()
	out := make([]api.Outcome, len(b.records))
	var ok []checked
	var refused []refusal
	keys := map[string]*sigkey.PublicKey{}
	for i, r := range b.records {
		in := store.Incoming{Raw: r.Raw, Sig: r.Sig, Repo: b.repo, Source: b.source}
		h := in.Hash()
		out[i] = api.Outcome{Hash: "sha256:" + hex.EncodeToString(h[:])}
		env, code, reason := s.checkRecord(ctx, b, r, keys)
		if env != nil {
			out[i].Writer, out[i].Seq, out[i].Type = env.Writer, env.Seq, env.Type
		}
		if code != "" {
			refused = append(refused, refusal{i, in, code, reason})
			continue
		}
		ok = append(ok, checked{i, in, env})
	}
	var size int64
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		return s.st.Seal().WithAppendLock(ctx, b.org, func(ctx context.Context) error {
			var err error
			size, err = s.ingestLocked(ctx, b, ok, refused, out)
			return err
		})
	})
	if err != nil {
		s.metrics.ingestErrors.WithLabelValues(string(b.source)).Inc()
		return nil, 0, fmt.Errorf("ingesting %d records for %s: %w", len(b.records), b.org, err)
	}
	for _, o := range out {
		s.metrics.ingested.WithLabelValues(string(b.source), o.Status).Inc()
	}
	s.metrics.ingestSeconds.WithLabelValues(string(b.source)).Observe(time.Since(start).Seconds())
	s.metrics.logSize.WithLabelValues(b.org).Set(float64(size))
	return out, size, nil
}

type refusal struct {
	i      int
	in     store.Incoming
	code   store.Code
	reason string
}

// checkRecord parses a record strictly and verifies its signature. It
// returns the envelope (when it parsed) and, for a refused record, the
// quarantine code and reason.
func (s *Server) checkRecord(ctx context.Context, b batchIn, r api.Record, keys map[string]*sigkey.PublicKey) (*record.Envelope, store.Code, string) {
	env, err := record.ParseEnvelope(r.Raw)
	if err != nil {
		return nil, store.CodeMalformed, err.Error()
	}
	if len(r.Raw) > record.MaxRecord {
		return env, store.CodeMalformed, fmt.Sprintf("record is %d bytes, over the %d limit", len(r.Raw), record.MaxRecord)
	}
	pub, ok := keys[env.Writer]
	if !ok {
		pub = s.writerKey(ctx, b, env.Writer)
		keys[env.Writer] = pub
	}
	if pub == nil {
		return env, store.CodeUnknownKey, fmt.Sprintf("writer %s has no registered key and is not in the repository's .tracevault/allowed_signers", env.Writer)
	}
	if err := sigkey.Verify(*pub, r.Raw, string(r.Sig)); err != nil {
		code := store.CodeForged
		if errors.Is(err, sigkey.ErrMalformed) {
			code = store.CodeMalformed
		}
		return env, code, fmt.Sprintf("signature of %s: %v", env.ID(), err)
	}
	return env, "", ""
}

// writerKey returns the key records of writer must be signed with: the
// key registered with the org (unless revoked), else the one the
// repository's allowed_signers lists; nil if neither.
func (s *Server) writerKey(ctx context.Context, b batchIn, writer string) *sigkey.PublicKey {
	w, err := s.st.Writer(ctx, b.org, writer)
	if err == nil && w.RevokedAt.IsZero() {
		if k, err := sigkey.ParsePublicKey(w.PublicKey); err == nil && k.WriterID() == writer {
			return &k
		}
	}
	if err == nil && !w.RevokedAt.IsZero() {
		return nil // a revoked key is not resurrected by a repository file
	}
	if b.trusted != nil {
		if sg, ok := b.trusted.Lookup(writer); ok && sg.Key.WriterID() == writer {
			return &sg.Key
		}
	}
	return nil
}

// ingestLocked runs under the org's append lock, in one transaction.
func (s *Server) ingestLocked(ctx context.Context, b batchIn, ok []checked, refused []refusal, out []api.Outcome) (int64, error) {
	accepted, chainRefused, err := s.checkChains(ctx, b.org, ok)
	if err != nil {
		return 0, err
	}
	refused = append(refused, chainRefused...)
	for _, r := range refused {
		if err := s.st.Quarantine(ctx, b.org, r.in, r.code, r.reason); err != nil {
			return 0, err
		}
		out[r.i].Status, out[r.i].Code, out[r.i].Reason = api.StatusQuarantined, string(r.code), r.reason
	}
	ins := make([]store.Incoming, len(accepted))
	for k, c := range accepted {
		ins[k] = c.in
	}
	var outcomes []store.Outcome
	var firstLeaf int64
	if len(ins) > 0 {
		// The records stored now are sealed below, under the append lock
		// held since the transaction began, as leaves firstLeaf, …
		if firstLeaf, err = s.hs.Size(ctx, b.org); err != nil {
			return 0, err
		}
		outcomes, err = s.st.IngestSealed(ctx, b.org, ins, firstLeaf)
		if err != nil {
			return 0, err
		}
	}
	var entries []seal.Entry
	var newIdx []int
	var newCommits []checked
	for k, o := range outcomes {
		c := accepted[k]
		out[c.i].Status, out[c.i].Code, out[c.i].Reason = string(o.Status), string(o.Code), o.Reason
		if o.Status != store.Stored {
			continue
		}
		kind := seal.KindSession
		if c.env.Type == record.TypeCommit {
			kind = seal.KindCommit
			newCommits = append(newCommits, c)
		}
		entries = append(entries, seal.Entry{Record: c.in.Raw, Kind: kind, Amends: seal.NoAmends})
		newIdx = append(newIdx, c.i)
	}
	if len(entries) == 0 {
		return s.hs.Size(ctx, b.org)
	}
	leaves, err := s.log.AppendBatch(ctx, b.org, entries)
	if err != nil {
		return 0, err
	}
	if leaves[0].Index != firstLeaf {
		return 0, fmt.Errorf("sealing %d records of %s: the log grew from %d to %d under the append lock", len(leaves), b.org, firstLeaf, leaves[0].Index)
	}
	for k, lf := range leaves {
		idx := lf.Index
		out[newIdx[k]].Leaf = &idx
	}
	cp, _, err := s.log.Checkpoint(ctx, b.org)
	if err != nil {
		return 0, err
	}
	if b.policy != nil {
		if err := s.judgeCommits(ctx, b, newCommits); err != nil {
			return 0, err
		}
	}
	return cp.Size, nil
}

// checkChains keeps the records that extend their writer's chain: seq 1
// has an empty prev, and seq n's prev is the hash of record n-1, stored or
// earlier in the batch. The others are refused with [store.CodeBadChain].
func (s *Server) checkChains(ctx context.Context, org string, recs []checked) ([]checked, []refusal, error) {
	sorted := append([]checked(nil), recs...)
	sort.SliceStable(sorted, func(a, b int) bool {
		ea, eb := sorted[a].env, sorted[b].env
		if ea.Writer != eb.Writer {
			return ea.Writer < eb.Writer
		}
		return ea.Seq < eb.Seq
	})
	known := map[store.RecordRef]string{} // chain hashes of accepted records
	var acc []checked
	var ref []refusal
	for _, c := range sorted {
		e := c.env
		want, reason := "", ""
		if e.Seq > 1 {
			prevRef := store.RecordRef{Writer: e.Writer, Seq: e.Seq - 1}
			h, ok := known[prevRef]
			if !ok {
				r, err := s.st.Record(ctx, org, e.Writer, e.Seq-1)
				switch {
				case errors.Is(err, store.ErrNotFound):
					reason = fmt.Sprintf("record %s follows %s, which the server does not have", e.ID(), prevRef)
				case err != nil:
					return nil, nil, err
				default:
					h = record.Hash(r.Raw)
				}
			}
			want = h
		}
		if reason == "" && e.Prev != want {
			reason = fmt.Sprintf("record %s has prev %q, but the hash of record %d of the chain is %q", e.ID(), e.Prev, e.Seq-1, want)
		}
		if reason != "" {
			ref = append(ref, refusal{c.i, c.in, store.CodeBadChain, reason})
			continue
		}
		known[store.RecordRef{Writer: e.Writer, Seq: e.Seq}] = record.Hash(c.in.Raw)
		acc = append(acc, c)
	}
	sort.Slice(acc, func(a, b int) bool { return acc[a].i < acc[b].i })
	return acc, ref, nil
}
