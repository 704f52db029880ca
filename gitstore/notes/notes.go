package notes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// maxAttempts bounds the compare-and-swap retries of one write.
const maxAttempts = 20

// Notes is a notes ref in a store.
type Notes struct {
	Store gitstore.Store
	// Ref is the full notes ref name; it must be under refs/notes/
	// (git refuses notes refs elsewhere).
	Ref string
}

func (n Notes) check() error {
	if !strings.HasPrefix(n.Ref, "refs/notes/") {
		return fmt.Errorf("notes ref %q: must be under refs/notes/: %w", n.Ref, gitstore.ErrInvalidRef)
	}
	return gitstore.CheckRefName(n.Ref)
}

// Read returns the notes attached to commits; commits without a note are
// absent from the map. Only the fanout subtrees on the commits' paths are
// read, in one batched read per tree level, plus one batch for the blobs.
func (n Notes) Read(ctx context.Context, commits []gitstore.Hash) (map[gitstore.Hash][]byte, error) {
	want := map[string]bool{}
	for _, c := range commits {
		s := c.String()
		for i := 2; i <= 40; i += 2 {
			want[s[:i]] = true
		}
	}
	return n.read(ctx, func(p string) bool { return want[p] })
}

// ReadAll returns every note.
func (n Notes) ReadAll(ctx context.Context) (map[gitstore.Hash][]byte, error) {
	return n.read(ctx, func(string) bool { return true })
}

func (n Notes) read(ctx context.Context, want func(string) bool) (map[gitstore.Hash][]byte, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	st, err := n.load(ctx, want)
	if err != nil || st == nil {
		return map[gitstore.Hash][]byte{}, err
	}
	return n.contents(ctx, st.notes)
}

// state is a loaded notes tree.
type state struct {
	tip, tree gitstore.Hash
	// notes maps each annotated commit to its blobs, in path order
	// (more than one when several fanout variants exist).
	notes map[gitstore.Hash][]gitstore.Hash
	// trees holds every tree id seen, so unchanged subtrees are not
	// written again.
	trees map[gitstore.Hash]bool
}

// load reads the notes tree at the ref's tip, descending only into
// subtrees whose hex path want accepts. It returns nil for a missing ref.
func (n Notes) load(ctx context.Context, want func(string) bool) (*state, error) {
	tip, err := n.tip(ctx)
	if err != nil {
		return nil, err
	}
	return n.loadAt(ctx, tip, want)
}

// tip resolves the ref; zero when it does not exist.
func (n Notes) tip(ctx context.Context) (gitstore.Hash, error) {
	tip, err := n.Store.ResolveRef(ctx, n.Ref)
	if errors.Is(err, gitstore.ErrNotFound) {
		return gitstore.ZeroHash, nil
	}
	return tip, err
}

// loadAt is load at the notes commit tip (zero: no notes, nil state).
func (n Notes) loadAt(ctx context.Context, tip gitstore.Hash, want func(string) bool) (*state, error) {
	if tip.IsZero() {
		return nil, nil
	}
	c, err := gitstore.ReadCommit(ctx, n.Store, tip)
	if err != nil {
		return nil, fmt.Errorf("reading notes commit of %s: %w", n.Ref, err)
	}
	st := &state{tip: tip, tree: c.Tree, notes: map[gitstore.Hash][]gitstore.Hash{}, trees: map[gitstore.Hash]bool{}}
	level := map[string]gitstore.Hash{"": c.Tree}
	for len(level) > 0 {
		next, err := st.loadLevel(ctx, n.Store, level, want)
		if err != nil {
			return nil, fmt.Errorf("reading notes tree of %s: %w", n.Ref, err)
		}
		level = next
	}
	return st, nil
}

func (st *state) loadLevel(ctx context.Context, s gitstore.Store, level map[string]gitstore.Hash, want func(string) bool) (map[string]gitstore.Hash, error) {
	hs := make([]gitstore.Hash, 0, len(level))
	for _, h := range level {
		hs = append(hs, h)
	}
	objs, err := s.ReadObjects(ctx, hs)
	if err != nil {
		return nil, err
	}
	prefixes := make([]string, 0, len(level))
	for p := range level {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	next := map[string]gitstore.Hash{}
	for _, prefix := range prefixes {
		h := level[prefix]
		st.trees[h] = true
		entries, err := gitstore.ParseTree(objs[h].Data)
		if err != nil || objs[h].Type != gitstore.TypeTree {
			return nil, fmt.Errorf("tree %s: not a valid tree: %w", h, err)
		}
		for _, e := range entries {
			path, kind := classify(prefix, e)
			switch {
			case kind == fanoutDir && want(path):
				next[path] = e.Hash
			case kind == noteBlob && want(path):
				c, _ := gitstore.ParseHash(path)
				st.notes[c] = append(st.notes[c], e.Hash)
			}
		}
	}
	return next, nil
}

type entryKind int

const (
	other entryKind = iota
	fanoutDir
	noteBlob
)

// classify says whether e, found under hex path prefix, is a fanout
// directory, a note, or something else, and returns its hex path.
func classify(prefix string, e gitstore.TreeEntry) (string, entryKind) {
	path := prefix + e.Name
	if !isHex(e.Name) {
		return path, other
	}
	switch {
	case e.Mode == gitstore.ModeTree && len(e.Name) == 2 && len(path) < 40:
		return path, fanoutDir
	case e.Mode == gitstore.ModeFile && len(path) == 40:
		return path, noteBlob
	}
	return path, other
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

// contents reads the blobs of notes in one batch and joins fanout
// variants.
func (n Notes) contents(ctx context.Context, notes map[gitstore.Hash][]gitstore.Hash) (map[gitstore.Hash][]byte, error) {
	var hs []gitstore.Hash
	for _, bs := range notes {
		hs = append(hs, bs...)
	}
	objs, err := n.Store.ReadObjects(ctx, hs)
	if err != nil {
		return nil, fmt.Errorf("reading notes of %s: %w", n.Ref, err)
	}
	out := make(map[gitstore.Hash][]byte, len(notes))
	for c, bs := range notes {
		var parts [][]byte
		for _, b := range bs {
			parts = append(parts, objs[b].Data)
		}
		out[c] = concat(parts)
	}
	return out, nil
}

// concat joins fanout variants as git's "concatenate" strategy does:
// separated by a blank line.
func concat(parts [][]byte) []byte {
	if len(parts) == 1 {
		return parts[0]
	}
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteString("\n")
		}
		b.Write(p)
		if len(p) > 0 && p[len(p)-1] != '\n' {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// CatSortUniq combines notes as git's cat_sort_uniq strategy does: every
// non-empty line of every note, sorted bytewise, duplicates removed, each
// followed by a newline. The result is empty when there are no lines.
func CatSortUniq(notes ...[]byte) []byte {
	var lines []string
	for _, n := range notes {
		for _, l := range strings.Split(string(n), "\n") {
			if l != "" {
				lines = append(lines, l)
			}
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// retry runs attempt until it does not lose a compare-and-swap.
func retry(ctx context.Context, attempt func() error) error {
	var err error
	for i := range maxAttempts {
		if err = attempt(); !errors.Is(err, gitstore.ErrRefConflict) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(rand.IntN(1<<min(i, 6))) * time.Millisecond):
		}
	}
	return fmt.Errorf("giving up after %d attempts: %w", maxAttempts, err)
}
