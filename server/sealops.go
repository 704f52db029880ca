package server

import (
	"context"
	"errors"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/api"
)

// verifiers returns every key that ever signed org's checkpoints.
func (s *Server) verifiers(ctx context.Context, org string) (note.Verifiers, []string, error) {
	keys, err := s.st.Seal().SigningKeys(ctx, org)
	if err != nil {
		return nil, nil, err
	}
	vkeys := make([]string, len(keys))
	for i, k := range keys {
		vkeys[i] = k.VerifierKey
	}
	v, err := seal.VerifiersFor(vkeys...)
	return v, vkeys, err
}

// Audit re-verifies all of org's seal log from stored data (every record
// hash recomputed from the stored bytes, every leaf, chain link, stored
// hash and the latest checkpoint's signature and root). A tampered log is
// reported as an [api.AuditResult] with OK false, logged at error level and
// counted; the error is for failures to read.
func (s *Server) Audit(ctx context.Context, org string) (api.AuditResult, error) {
	start := time.Now()
	known, _, err := s.verifiers(ctx, org)
	if err != nil {
		s.metrics.audits.WithLabelValues("error").Inc()
		return api.AuditResult{}, err
	}
	rep, err := seal.Audit(ctx, s.hs, s.hs, org, known)
	var te *seal.TamperError
	switch {
	case errors.As(err, &te):
		s.metrics.audits.WithLabelValues("tampered").Inc()
		s.metrics.auditLeaves.WithLabelValues(org).Set(-1)
		s.logger.Error("seal log does not verify", "org", org, "what", te.What, "index", te.Index, "detail", te.Detail)
		return api.AuditResult{OK: false, Error: te.Error(), What: te.What, Index: te.Index}, nil
	case err != nil:
		s.metrics.audits.WithLabelValues("error").Inc()
		s.logger.Error("seal audit failed", "org", org, "err", err)
		return api.AuditResult{OK: false, Error: err.Error()}, nil
	}
	s.metrics.audits.WithLabelValues("ok").Inc()
	s.metrics.auditLeaves.WithLabelValues(org).Set(float64(rep.Leaves))
	s.logger.Info("seal log verified", "org", org, "leaves", rep.Leaves, "took", time.Since(start).Round(time.Millisecond).String())
	return api.AuditResult{OK: true, Leaves: rep.Leaves}, nil
}

// inclusion builds the proof for leaf index in the log of size.
func (s *Server) inclusion(ctx context.Context, org string, index, size int64) (*api.Inclusion, error) {
	leaf, err := s.log.Leaf(ctx, org, index)
	if err != nil {
		return nil, err
	}
	proof, err := s.log.ProveInclusion(ctx, org, index, size)
	if err != nil {
		return nil, err
	}
	recs, err := s.hs.ReadRecords(ctx, org, index, index+1)
	if err != nil {
		return nil, err
	}
	inc := &api.Inclusion{Index: index, Size: size, Leaf: leaf, Proof: hashes(proof)}
	if len(recs) == 1 {
		inc.Record = recs[0]
	}
	return inc, nil
}

func hashes[H ~[32]byte](hs []H) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		h := hs[i]
		out[i] = h[:]
	}
	return out
}

// RotateKey starts (or with finish, ends) a rotation of org's checkpoint
// signing key and signs a checkpoint of the current size with the new key
// set, so clients see the new key at once.
func (s *Server) RotateKey(ctx context.Context, org string, finish bool) ([]seal.KeyInfo, error) {
	var keys []seal.KeyInfo
	err := s.st.InTx(ctx, func(ctx context.Context) error {
		return s.hs.WithAppendLock(ctx, org, func(ctx context.Context) error {
			var err error
			if keys, err = s.keys.rotate(ctx, org, finish); err != nil {
				return err
			}
			_, _, err = s.log.Checkpoint(ctx, org)
			return err
		})
	})
	return keys, err
}

// SealLog returns the server's seal log (for benchmarks and tools).
func (s *Server) SealLog() *seal.Log { return s.log }

// HashStore returns the server's seal storage adapter, which is also the
// [seal.RecordReader] audits use.
func (s *Server) HashStore() interface {
	seal.HashStore
	seal.RecordReader
} {
	return s.hs
}
