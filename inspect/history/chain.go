package history

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// Chain is one writer's chain as this run knows it.
type Chain struct {
	Ref string
	Tip gitstore.Hash
	// Commits holds the chain's record commits in sequence order:
	// Commits[i] holds the record with seq i+1.
	Commits []gitstore.Hash
	// Err is why the chain failed verification (a *record.VerifyError
	// most of the time), or nil when it verified.
	Err error
	// Missing is set when no ref holds the writer's chain.
	Missing bool
	// Cached is set when the verification result came from the cache.
	Cached bool

	records []record.Stored // kept when read for verification
}

// At returns the chain commit holding the record with seq, if any.
func (c *Chain) At(seq int64) (gitstore.Hash, bool) {
	if seq < 1 || seq > int64(len(c.Commits)) {
		return gitstore.ZeroHash, false
	}
	return c.Commits[seq-1], true
}

// Chain returns writer's chain, verified once per Reader and cached on
// disk by tip and allowed signers.
func (r *Reader) Chain(ctx context.Context, writer string) (*Chain, error) {
	if c, ok := r.chains[writer]; ok {
		return c, nil
	}
	if err := r.loadRefs(ctx); err != nil {
		return nil, err
	}
	ref := record.LogRef(writer)
	c := &Chain{Ref: ref, Tip: r.refs[ref]}
	r.chains[writer] = c
	if c.Tip.IsZero() {
		c.Missing = true
		c.Err = fmt.Errorf("chain %s is not in this repository (fetch traces with tracevault sync)", ref)
		return c, nil
	}
	if commits, ok := r.readCache(writer, c.Tip); ok {
		c.Commits, c.Cached = commits, true
		return c, nil
	}
	chain, err := record.ReadChain(ctx, r.Store, ref)
	var ve *record.VerifyError
	if errors.As(err, &ve) {
		c.Err = err
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	for _, st := range chain {
		c.Commits = append(c.Commits, st.Commit)
	}
	c.records = chain
	if c.Err = record.Verify(ref, chain, r.Allowed); c.Err == nil {
		r.writeCache(writer, c)
	}
	r.Verified += len(chain)
	return c, nil
}

// Chains returns every writer chain in the repository, verified.
func (r *Reader) Chains(ctx context.Context) ([]*Chain, error) {
	if err := r.loadRefs(ctx); err != nil {
		return nil, err
	}
	var out []*Chain
	for _, w := range r.writers {
		c, err := r.Chain(ctx, w)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func (r *Reader) loadRefs(ctx context.Context) error {
	if r.refs != nil {
		return nil
	}
	refs, err := r.Store.ListRefs(ctx, record.LogPrefix)
	if err != nil {
		return fmt.Errorf("listing writer chains: %w", err)
	}
	r.refs = map[string]gitstore.Hash{}
	for _, ref := range refs {
		if w, ok := record.WriterOfRef(ref.Name); ok {
			r.refs[ref.Name] = ref.Hash
			r.writers = append(r.writers, w)
		}
	}
	return nil
}

// The cache file of a verified chain is
//
//	tracevault chain cache v1
//	signers <sha256 of the allowed signers, one line each, sorted>
//	tip <chain tip>
//	<commit of seq 1>
//	...
//
// It is only written after record.Verify accepted the chain at that tip
// under those signers; any other content is ignored.
const cacheMagic = "tracevault chain cache v1"

func (r *Reader) signersHash() string {
	if r.sigHash == "" {
		h := sha256.New()
		if r.Allowed != nil {
			for _, s := range r.Allowed.Signers() {
				h.Write([]byte(s.Line() + "\n"))
			}
		}
		r.sigHash = hex.EncodeToString(h.Sum(nil))
	}
	return r.sigHash
}

func (r *Reader) readCache(writer string, tip gitstore.Hash) ([]gitstore.Hash, bool) {
	if r.CacheDir == "" {
		return nil, false
	}
	data, err := os.ReadFile(filepath.Join(r.CacheDir, writer))
	if err != nil {
		return nil, false
	}
	head := cacheMagic + "\nsigners " + r.signersHash() + "\ntip " + tip.String() + "\n"
	if !bytes.HasPrefix(data, []byte(head)) {
		return nil, false
	}
	var out []gitstore.Hash
	sc := bufio.NewScanner(bytes.NewReader(data[len(head):]))
	for sc.Scan() {
		h, err := gitstore.ParseHash(sc.Text())
		if err != nil {
			return nil, false
		}
		out = append(out, h)
	}
	if len(out) == 0 || out[len(out)-1] != tip {
		return nil, false
	}
	return out, true
}

func (r *Reader) writeCache(writer string, c *Chain) {
	if r.CacheDir == "" || os.MkdirAll(r.CacheDir, 0o755) != nil {
		return
	}
	var b strings.Builder
	b.WriteString(cacheMagic + "\nsigners " + r.signersHash() + "\ntip " + c.Tip.String() + "\n")
	for _, h := range c.Commits {
		b.WriteString(h.String() + "\n")
	}
	tmp := filepath.Join(r.CacheDir, "."+writer+".tmp")
	if os.WriteFile(tmp, []byte(b.String()), 0o644) == nil {
		_ = os.Rename(tmp, filepath.Join(r.CacheDir, writer))
	}
}
