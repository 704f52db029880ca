package verify

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// chains reads and verifies writer chains on demand, once per writer.
type chains struct {
	store   record.Store
	allowed *sigkey.AllowedSigners
	remote  map[string][]string // writer -> fetched chain refs
	writers map[string]*writerChain
}

// writerChain is every verified record of one writer, from all its refs.
type writerChain struct {
	byCommit map[gitstore.Hash]*record.Stored
	bySeq    map[int64]*record.Stored
	// err is the first verification failure of one of the writer's refs.
	err error
}

func newChains(ctx context.Context, s record.Store, allowed *sigkey.AllowedSigners) (*chains, error) {
	c := &chains{store: s, allowed: allowed, remote: map[string][]string{}, writers: map[string]*writerChain{}}
	refs, err := s.ListRefs(ctx, record.RemoteLogPrefix)
	if err != nil {
		return nil, fmt.Errorf("listing fetched chains: %w", err)
	}
	for _, r := range refs {
		if w, ok := record.WriterOfRef(r.Name); ok {
			c.remote[w] = append(c.remote[w], r.Name)
		}
	}
	return c, nil
}

// writer loads and verifies every chain ref of writer. A ref that fails
// verification contributes nothing; its error is kept.
func (c *chains) writer(ctx context.Context, writer string) (*writerChain, error) {
	if wc, ok := c.writers[writer]; ok {
		return wc, nil
	}
	wc := &writerChain{byCommit: map[gitstore.Hash]*record.Stored{}, bySeq: map[int64]*record.Stored{}}
	refs := append([]string{record.LogRef(writer)}, c.remote[writer]...)
	found := false
	for _, ref := range refs {
		chain, err := record.ReadChain(ctx, c.store, ref)
		if errors.Is(err, gitstore.ErrNotFound) && ref == record.LogRef(writer) {
			continue
		}
		found = true
		if err == nil {
			err = record.Verify(ref, chain, c.allowed)
		}
		var ve *record.VerifyError
		if errors.As(err, &ve) {
			if wc.err == nil {
				wc.err = ve
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		for i := range chain {
			st := &chain[i]
			if old, ok := wc.bySeq[st.Envelope.Seq]; ok && old.Commit != st.Commit {
				if wc.err == nil {
					wc.err = fmt.Errorf("writer %s has two different records %s/%d (%s, %s): forked chain", writer, writer, st.Envelope.Seq, old.Commit, st.Commit)
				}
				continue
			}
			wc.bySeq[st.Envelope.Seq] = st
			wc.byCommit[st.Commit] = st
		}
	}
	if !found && wc.err == nil {
		wc.err = fmt.Errorf("no chain of writer %s here (fetch refs/tracevault/* from the remote that has it)", writer)
	}
	c.writers[writer] = wc
	return wc, nil
}

// byID returns the verified record "<writer>/<seq>", optionally required to
// be stored in chain commit at (non-zero).
func (c *chains) byID(ctx context.Context, id string, at gitstore.Hash) (*record.Stored, error) {
	writer, seq, err := splitID(id)
	if err != nil {
		return nil, err
	}
	wc, err := c.writer(ctx, writer)
	if err != nil {
		return nil, err
	}
	st, ok := wc.bySeq[seq]
	if !ok {
		if wc.err != nil {
			return nil, fmt.Errorf("record %s: %w", id, wc.err)
		}
		return nil, fmt.Errorf("record %s is not on any verified chain of writer %s", id, writer)
	}
	if !at.IsZero() && st.Commit != at {
		return nil, fmt.Errorf("record %s is stored in chain commit %s, not %s as the note says", id, st.Commit, at)
	}
	return st, nil
}

func splitID(id string) (string, int64, error) {
	var writer string
	var seq int64
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '/' {
			writer = id[:i]
			if _, err := fmt.Sscan(id[i+1:], &seq); err != nil || fmt.Sprint(seq) != id[i+1:] || seq < 1 {
				return "", 0, fmt.Errorf("bad record id %q", id)
			}
			break
		}
	}
	if writer == "" {
		return "", 0, fmt.Errorf("bad record id %q", id)
	}
	return writer, seq, nil
}

// sortedSet returns the distinct strings of s, sorted.
func sortedSet(s []string) []string {
	m := map[string]bool{}
	var out []string
	for _, x := range s {
		if !m[x] {
			m[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}
