package history

import (
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
	// Err is why the chain failed verification (a *record.VerifyError
	// most of the time), or nil when it verified.
	Err error
	// Missing is set when no ref holds the writer's chain.
	Missing bool
	// Cached is set when the verification result came from the cache
	// (for the whole chain, or for a prefix the records verified this
	// run extend).
	Cached bool

	// The chain's record commits in sequence order are the first
	// cached.n ones, lines of the cache file (read and parsed on use),
	// then commits.
	cached  cacheLines
	commits []gitstore.Hash
	// records are the records read for verification this run: those of
	// the last len(records) sequence numbers.
	records []record.Stored
}

// hashLine is the length of a commit line of the cache file.
const hashLine = 41

// cacheLines are the n commit lines of a cache file, from offset off of
// f, read on use: a log of a few commits reads a few lines of each chain.
// f stays open for the Reader's life (os.File closes it when collected),
// so a cache file renamed over it meanwhile does not matter.
type cacheLines struct {
	f   *os.File
	off int64
	n   int
}

// line returns the commit of line seq (1-based), false when it is
// malformed or unreadable.
func (cl cacheLines) line(seq int) (gitstore.Hash, bool) {
	var b [hashLine]byte
	if _, err := cl.f.ReadAt(b[:], cl.off+int64(seq-1)*hashLine); err != nil || b[hashLine-1] != '\n' {
		return gitstore.ZeroHash, false
	}
	h, err := gitstore.ParseHash(string(b[:hashLine-1]))
	return h, err == nil
}

// bytes returns all the lines.
func (cl cacheLines) bytes() ([]byte, error) {
	if cl.n == 0 {
		return nil, nil
	}
	b := make([]byte, cl.n*hashLine)
	_, err := cl.f.ReadAt(b, cl.off)
	return b, err
}

// Len is the number of records in the chain (as far as it was read).
func (c *Chain) Len() int { return c.cached.n + len(c.commits) }

// At returns the chain commit holding the record with seq, if any. A
// malformed line of the cache file is no commit: the trace naming it is
// then unverified, never the other way round.
func (c *Chain) At(seq int64) (gitstore.Hash, bool) {
	if seq < 1 || seq > int64(c.Len()) {
		return gitstore.ZeroHash, false
	}
	if n := int64(c.cached.n); seq > n {
		return c.commits[seq-n-1], true
	}
	return c.cached.line(int(seq))
}

// Commits returns the chain's record commits in sequence order:
// Commits()[i] holds the record with seq i+1.
func (c *Chain) Commits() []gitstore.Hash {
	out := make([]gitstore.Hash, 0, c.Len())
	b, err := c.cached.bytes()
	for i := 0; i < c.cached.n; i++ {
		var h gitstore.Hash
		if err == nil {
			h, _ = gitstore.ParseHash(string(b[i*hashLine : (i+1)*hashLine-1]))
		}
		out = append(out, h)
	}
	return append(out, c.commits...)
}

// Chain returns writer's chain, verified once per Reader. Verification is
// cached on disk by tip and allowed signers: at an unchanged tip nothing
// of the chain is read; when the chain grew, only the new records are
// read and verified, as the continuation of the verified prefix.
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
	if p, ok := r.readCache(writer); ok {
		if p.tip == c.Tip {
			c.cached, c.Cached = p.lines, true
			return c, nil
		}
		err := r.verify(ctx, c, p)
		if err == nil && c.Err == nil || err != nil && !errors.Is(err, record.ErrNotPrefix) {
			return c, err
		}
		// The chain was rewritten, or its new records do not continue
		// the cached prefix: verify it whole, so that the verdict never
		// depends on the cache.
		*c = Chain{Ref: ref, Tip: c.Tip}
	}
	return c, r.verify(ctx, c, nil)
}

// verify reads and verifies c's records after the verified prefix p (nil:
// all of them), records the result in c and caches it when it verified.
func (r *Reader) verify(ctx context.Context, c *Chain, p *prefix) error {
	seq, prev, after := int64(1), "", gitstore.ZeroHash
	if p != nil {
		seq, prev, after = int64(p.lines.n)+1, p.last, p.tip
	}
	chain, err := record.ReadChainFrom(ctx, r.Store, c.Ref, c.Tip, after)
	if errors.Is(err, record.ErrNotPrefix) {
		return err
	}
	var ve *record.VerifyError
	if errors.As(err, &ve) {
		c.Err = err
		return nil
	}
	if err != nil {
		return err
	}
	if p != nil {
		c.cached, c.Cached = p.lines, true
	}
	for _, st := range chain {
		c.commits = append(c.commits, st.Commit)
	}
	c.records = chain
	r.Verified += len(chain)
	if c.Err = record.VerifyFrom(c.Ref, chain, seq, prev, r.Allowed); c.Err == nil && len(chain) > 0 {
		r.writeCache(c, record.Hash(chain[len(chain)-1].Raw))
	}
	return nil
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

// loadRefs lists the chain refs and the notes ref with one for-each-ref
// when the store can (gitcli's can).
func (r *Reader) loadRefs(ctx context.Context) error {
	if r.refs != nil {
		return nil
	}
	var refs []gitstore.Ref
	var err error
	if m, ok := r.Store.(interface {
		ListRefsMany(ctx context.Context, prefixes ...string) ([]gitstore.Ref, error)
	}); ok {
		refs, err = m.ListRefsMany(ctx, record.LogPrefix, record.NotesRef)
		r.notesListed = err == nil
	} else {
		refs, err = r.Store.ListRefs(ctx, record.LogPrefix)
	}
	if err != nil {
		return fmt.Errorf("listing writer chains: %w", err)
	}
	r.refs = map[string]gitstore.Hash{}
	for _, ref := range refs {
		if ref.Name == record.NotesRef {
			r.refs[ref.Name] = ref.Hash
		} else if w, ok := record.WriterOfRef(ref.Name); ok {
			r.refs[ref.Name] = ref.Hash
			r.writers = append(r.writers, w)
		}
	}
	return nil
}

// The cache file of a verified chain is
//
//	tracevault chain cache v2
//	signers <sha256 of the allowed signers, one line each, sorted>
//	tip <chain tip>
//	last <chain hash (record.Hash) of the tip's record>
//	<commit of seq 1>
//	...
//
// It is only written after the chain was verified up to that tip under
// those signers (record.Verify, or record.VerifyFrom extending a cached
// prefix); any other content is ignored.
const cacheMagic = "tracevault chain cache v2"

// prefix is a verified prefix of a chain, from the cache.
type prefix struct {
	tip   gitstore.Hash
	last  string // record.Hash of tip's record
	lines cacheLines
}

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

// readCache returns the verified prefix cached for writer's chain under
// the current signers. Only the header and the tip's line are read here;
// the other lines are read when used (Chain.At).
func (r *Reader) readCache(writer string) (*prefix, bool) {
	if r.CacheDir == "" {
		return nil, false
	}
	f, err := os.Open(filepath.Join(r.CacheDir, writer))
	if err != nil {
		return nil, false
	}
	p, ok := r.readCacheHead(f)
	if !ok {
		f.Close()
	}
	return p, ok
}

func (r *Reader) readCacheHead(f *os.File) (*prefix, bool) {
	fi, err := f.Stat()
	if err != nil {
		return nil, false
	}
	buf := make([]byte, 512)
	n, err := f.ReadAt(buf, 0)
	if err != nil && n < len(buf) && int64(n) != fi.Size() {
		return nil, false
	}
	data := buf[:n]
	head := cacheMagic + "\nsigners " + r.signersHash() + "\n"
	if !bytes.HasPrefix(data, []byte(head)) {
		return nil, false
	}
	rest := data[len(head):]
	tipLine, rest, _ := bytes.Cut(rest, []byte("\n"))
	lastLine, rest, ok := bytes.Cut(rest, []byte("\n"))
	tipHex, ok1 := bytes.CutPrefix(tipLine, []byte("tip "))
	last, ok2 := bytes.CutPrefix(lastLine, []byte("last "))
	tip, err := gitstore.ParseHash(string(tipHex))
	if !ok || !ok1 || !ok2 || err != nil || !strings.HasPrefix(string(last), "sha256:") {
		return nil, false
	}
	off := int64(len(data) - len(rest))
	body := fi.Size() - off
	if body <= 0 || body%hashLine != 0 {
		return nil, false
	}
	lines := cacheLines{f: f, off: off, n: int(body / hashLine)}
	if h, ok := lines.line(lines.n); !ok || h != tip {
		return nil, false
	}
	return &prefix{tip: tip, last: string(last), lines: lines}, true
}

func (r *Reader) writeCache(c *Chain, last string) {
	writer, ok := record.WriterOfRef(c.Ref)
	if !ok || r.CacheDir == "" || os.MkdirAll(r.CacheDir, 0o755) != nil {
		return
	}
	prefix, err := c.cached.bytes()
	if err != nil {
		return
	}
	var b bytes.Buffer
	b.Grow(200 + len(prefix) + len(c.commits)*hashLine)
	b.WriteString(cacheMagic + "\nsigners " + r.signersHash() + "\ntip " + c.Tip.String() + "\nlast " + last + "\n")
	b.Write(prefix)
	for _, h := range c.commits {
		b.WriteString(h.String() + "\n")
	}
	tmp := filepath.Join(r.CacheDir, "."+writer+".tmp")
	if os.WriteFile(tmp, b.Bytes(), 0o644) == nil {
		_ = os.Rename(tmp, filepath.Join(r.CacheDir, writer))
	}
}
