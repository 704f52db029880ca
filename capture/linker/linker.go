// Package linker is the post-commit and post-rewrite work: it links a commit
// to the agent sessions that wrote its lines. From the spool's observed edits
// and the commit's diff it computes line attribution per file (via
// capture/attribute), writes the sessions and a commit attribution as signed
// records on this writer's chain (capture/record), and puts a note on the
// commit. For rewritten commits (amend, rebase, squash, cherry-pick) it
// carries attribution from the old commits' records through line matching.
package linker

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/attribute"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/redact"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

// Linker holds what post-commit needs.
type Linker struct {
	Store  record.Store
	Spool  spool.Dir
	Writer *record.Writer
	Prices *pricing.Table
	Author capture.Identity
}

// Result says what PostCommit did.
type Result struct {
	Commit   gitstore.Hash
	Attr     *record.CommitAttribution // nil when the commit has no trace
	Note     []byte
	Sessions int
}

// notesOf returns the notes accessor.
func (l *Linker) notesOf() notes.Notes { return notes.Notes{Store: l.Store, Ref: record.NotesRef} }

// PostCommit attributes commit (normally HEAD right after it was made).
// sources are commits it was made from without a post-rewrite hook
// (cherry-pick, merge --squash; see SourcesOf), whose attribution carries
// over to lines the spool does not explain.
func (l *Linker) PostCommit(ctx context.Context, commit gitstore.Hash, sources []gitstore.Hash) (*Result, error) {
	olds, err := l.loadOld(ctx, sources)
	if err != nil {
		return nil, err
	}
	return l.attributeWithCarry(ctx, commit, olds, false)
}

func (l *Linker) sig() gitstore.Signature {
	return gitstore.Signature{Name: l.Writer.Identity.Name, Email: l.Writer.Identity.Email, When: time.Now()}
}

// write records the sessions used and the commit attribution on the
// writer's chain and sets the commit's note, in one ref transaction.
func (l *Linker) write(ctx context.Context, commit gitstore.Hash, attr *record.CommitAttribution, sp *spoolView, used map[string]bool, carried map[string]record.SessionRef) (*Result, error) {
	// Where the refs stand is read while the sessions are assembled (a
	// git process against CPU work); a ref that moves in between only
	// makes the first attempt lose its compare-and-swap.
	first := make(chan refState, 1)
	go func() { first <- l.readRefs(ctx) }()
	var items []record.Item
	var ids []string
	for id := range used {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := sp.session(id, l.Author, l.Prices)
		items = append(items, record.Item{Type: record.TypeSession, Body: s})
	}
	items = append(items, record.Item{Type: record.TypeCommit, Body: attr})
	var note []byte
	attempt := 0
	err := retry(ctx, func() error {
		var st refState
		if attempt++; attempt == 1 {
			st = <-first
		} else {
			st = l.readRefs(ctx)
		}
		var err error
		note, err = l.writeOnce(ctx, commit, st, items, attr, carried)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Commit: commit, Attr: attr, Note: note, Sessions: len(ids)}, nil
}

// refState is where this writer's chain and the notes ref stand.
type refState struct {
	head  record.Head
	notes gitstore.Hash // zero: no notes yet
	err   error
}

// readRefs resolves the chain ref and the notes ref with one listing and
// reads the chain's tip record.
func (l *Linker) readRefs(ctx context.Context) refState {
	chain := record.LogRef(l.Writer.ID())
	tips, err := gitstore.ResolveRefs(ctx, l.Store, chain, record.NotesRef)
	if err != nil {
		return refState{err: fmt.Errorf("reading %s and %s: %w", chain, record.NotesRef, err)}
	}
	head, err := l.Writer.ReadHead(ctx, tips[chain])
	return refState{head: head, notes: tips[record.NotesRef], err: err}
}

// writeOnce appends items (session records, then the commit record attr)
// on the chain as st found it and sets the commit's note, moving the chain
// ref and the notes ref in one compare-and-swap transaction, so the note
// and the record it names appear together. It returns the note; a
// concurrent writer of either ref makes it fail with an error wrapping
// [gitstore.ErrRefConflict].
func (l *Linker) writeOnce(ctx context.Context, commit gitstore.Hash, st refState, items []record.Item, attr *record.CommitAttribution, carried map[string]record.SessionRef) ([]byte, error) {
	if st.err != nil {
		return nil, st.err
	}
	// The commit record names the session records, which come first on
	// the chain, by seq.
	fillSessions(attr, items[:len(items)-1], l.Writer.ID(), st.head.Seq+1, carried)
	b := gitstore.NewBatch(l.Store)
	stored, update, err := l.Writer.Prepare(b, st.head, items)
	if err != nil {
		return nil, err
	}
	note, err := record.RenderNote(&stored[len(stored)-1])
	if err != nil {
		return nil, err
	}
	nu, changed, err := l.notesOf().PrepareSet(ctx, b, st.notes, map[gitstore.Hash][]byte{commit: note},
		"tracevault: note for "+commit.String(), l.sig())
	if err != nil {
		return nil, fmt.Errorf("writing note for %s: %w", commit, err)
	}
	updates := []gitstore.RefUpdate{update}
	if changed {
		updates = append(updates, nu)
	}
	if err := b.Flush(ctx); err != nil {
		return nil, fmt.Errorf("writing records: %w", err)
	}
	if err := l.Store.UpdateRefs(ctx, updates); err != nil {
		return nil, fmt.Errorf("updating %s and %s: %w", update.Name, record.NotesRef, err)
	}
	return note, nil
}

// fillSessions sets the commit attribution's session references: the
// sessions recorded now (records writer/first, writer/first+1, ...), then
// carried ones not recorded again, by id.
func fillSessions(attr *record.CommitAttribution, sessions []record.Item, writer string, first int64, carried map[string]record.SessionRef) {
	attr.Sessions = attr.Sessions[:0]
	fresh := map[string]bool{}
	for i, it := range sessions {
		s := it.Body.(*capture.Session)
		attr.Sessions = append(attr.Sessions, record.SessionRef{ID: s.ID, Agent: s.Agent, Models: nonNil(s.Models),
			Record: fmt.Sprintf("%s/%d", writer, first+int64(i))})
		fresh[s.ID] = true
	}
	var cids []string
	for id := range carried {
		if !fresh[id] {
			cids = append(cids, id)
		}
	}
	sort.Strings(cids)
	for _, id := range cids {
		attr.Sessions = append(attr.Sessions, carried[id])
	}
}

// retry runs attempt until it does not lose a compare-and-swap, waiting a
// random few milliseconds between attempts.
func retry(ctx context.Context, attempt func() error) error {
	var err error
	for i := range 20 {
		if err = attempt(); !errors.Is(err, gitstore.ErrRefConflict) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(1+rand.IntN(5<<min(i, 4))) * time.Millisecond):
		}
	}
	return fmt.Errorf("giving up after 20 attempts: %w", err)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// attributeFile computes one changed file's attribution; nil when the file
// has no added lines.
func (l *Linker) attributeFile(ctx context.Context, commit gitstore.Hash, d gitstore.FileDiff, sp *spoolView, anc *ancestry, have map[gitstore.Hash]gitstore.Object) (*record.FileAttr, map[string]bool, error) {
	if d.NewPath == "" || d.Binary || d.NewMode == gitstore.ModeGitlink {
		return nil, nil, nil
	}
	var added []int
	for _, h := range d.Hunks {
		for i := 0; i < h.NewLines; i++ {
			added = append(added, h.NewStart+i)
		}
	}
	if len(added) == 0 {
		return nil, nil, nil
	}
	fa := &record.FileAttr{Path: d.NewPath, Added: len(added), Ranges: []record.Range{}}
	if d.Status == gitstore.StatusRenamed {
		fa.OldPath = d.OldPath
	}
	obs := sp.forPath(d.NewPath, d.OldPath)
	if len(obs) == 0 {
		fa.Human = len(added)
		return fa, nil, nil
	}
	base, final, err := l.contents(ctx, d, have)
	if err != nil {
		return nil, nil, err
	}
	baseHash := ""
	if base != nil {
		baseHash = spool.Hash([]byte(*base))
	}
	obs = sp.relevant(obs, baseHash, anc.has)
	sp.commit = append(sp.commit, committedEntry{committedKey{d.NewPath, spool.Hash([]byte(final))}, commit})
	if len(obs) == 0 {
		fa.Human = len(added)
		return fa, nil, nil
	}
	steps, sessions := sp.steps(obs)
	labels := attribute.Replay(base, steps, final)
	used := map[string]bool{}
	for _, r := range attribute.Ranges(labels, added) {
		n := r.End - r.Start + 1
		if r.Origin.Kind != attribute.AI {
			fa.Human += n
			continue
		}
		fa.AI += n
		used[sessions[r.Origin.SessionID]] = true
		fa.Ranges = append(fa.Ranges, record.Range{Start: r.Start, End: r.End, Session: r.Origin.SessionID,
			Agent: r.Origin.Agent, Model: r.Origin.Model, Tool: r.Origin.ToolUseID})
	}
	return fa, used, nil
}

// contents returns the redacted base and committed contents of a file,
// from have (see prefetch) or read now.
func (l *Linker) contents(ctx context.Context, d gitstore.FileDiff, have map[gitstore.Hash]gitstore.Object) (*string, string, error) {
	var want []gitstore.Hash
	if !d.OldHash.IsZero() {
		want = append(want, d.OldHash)
	}
	want = append(want, d.NewHash)
	objs := have
	for _, h := range want {
		if _, ok := have[h]; !ok {
			var err error
			if objs, err = l.Store.ReadObjects(ctx, want); err != nil {
				return nil, "", fmt.Errorf("reading %s: %w", d.NewPath, err)
			}
			break
		}
	}
	var base *string
	if !d.OldHash.IsZero() {
		b := redact.Default().String(string(objs[d.OldHash].Data))
		base = &b
	}
	return base, redact.Default().String(string(objs[d.NewHash].Data)), nil
}

// addsLines reports whether a file diff adds any line.
func addsLines(d gitstore.FileDiff) bool {
	for _, h := range d.Hunks {
		if h.NewLines > 0 {
			return true
		}
	}
	return false
}

// prefetch reads, in one exchange, both sides of every changed file the
// spool observed, which attributeFile would otherwise read file by file.
func (l *Linker) prefetch(ctx context.Context, diffs []gitstore.FileDiff, sp *spoolView) (map[gitstore.Hash]gitstore.Object, error) {
	var want []gitstore.Hash
	for _, d := range diffs {
		if d.NewPath == "" || d.Binary || d.NewMode == gitstore.ModeGitlink || !addsLines(d) || len(sp.forPath(d.NewPath, d.OldPath)) == 0 {
			continue // attributeFile reads nothing for it (a pure rename has no blob ids)
		}
		if !d.OldHash.IsZero() {
			want = append(want, d.OldHash)
		}
		want = append(want, d.NewHash)
	}
	if len(want) == 0 {
		return nil, nil
	}
	objs, err := l.Store.ReadObjects(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("reading the changed files: %w", err)
	}
	return objs, nil
}
