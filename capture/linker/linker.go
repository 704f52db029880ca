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

// write records the sessions used and the commit attribution, then sets the
// commit's note.
func (l *Linker) write(ctx context.Context, commit gitstore.Hash, attr *record.CommitAttribution, sp *spoolView, used map[string]bool, carried map[string]record.SessionRef) (*Result, error) {
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
	// The session refs need the records' ids, known once appended; the
	// session records come first, so their seq numbers are predictable
	// from the writer's tip.
	stored, err := l.appendWithRefs(ctx, items, attr, ids, carried)
	if err != nil {
		return nil, err
	}
	cst := &stored[len(stored)-1]
	note, err := record.RenderNote(cst)
	if err != nil {
		return nil, err
	}
	if err := l.notesOf().Set(ctx, map[gitstore.Hash][]byte{commit: note}, "tracevault: note for "+commit.String(), l.sig()); err != nil {
		return nil, fmt.Errorf("writing note for %s: %w", commit, err)
	}
	return &Result{Commit: commit, Attr: attr, Note: note, Sessions: len(ids)}, nil
}

// appendWithRefs fills the commit attribution's session references (which
// need the session records' ids) and appends everything in one chain update.
func (l *Linker) appendWithRefs(ctx context.Context, items []record.Item, attr *record.CommitAttribution, ids []string, carried map[string]record.SessionRef) ([]record.Stored, error) {
	var stored []record.Stored
	for attempt := 0; attempt < 5; attempt++ {
		next, err := l.nextSeq(ctx)
		if err != nil {
			return nil, err
		}
		attr.Sessions = attr.Sessions[:0]
		for i, id := range ids {
			s := items[i].Body.(*capture.Session)
			attr.Sessions = append(attr.Sessions, record.SessionRef{ID: s.ID, Agent: s.Agent, Models: nonNil(s.Models),
				Record: fmt.Sprintf("%s/%d", l.Writer.ID(), next+int64(i))})
			_ = id
		}
		fresh := map[string]bool{}
		for _, sr := range attr.Sessions {
			fresh[sr.ID] = true
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
		stored, err = l.Writer.Append(ctx, items)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 || stored[0].Envelope.Seq == next {
			return stored, nil
		}
		// Another process appended in between: our refs point at the
		// wrong records. Append a corrected commit record.
		items = items[len(items)-1:]
		ids = nil
	}
	return stored, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// nextSeq is the seq the next record on this writer's chain will get.
func (l *Linker) nextSeq(ctx context.Context) (int64, error) {
	tip, err := l.Store.ResolveRef(ctx, record.LogRef(l.Writer.ID()))
	if errors.Is(err, gitstore.ErrNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, err
	}
	objs, err := l.Store.ReadObjects(ctx, []gitstore.Hash{tip})
	if err != nil {
		return 0, err
	}
	c, err := gitstore.ParseCommit(objs[tip].Data)
	if err != nil {
		return 0, err
	}
	tree, err := gitstore.ReadTree(ctx, l.Store, c.Tree)
	if err != nil || len(tree) == 0 {
		return 0, fmt.Errorf("reading chain tip %s: %v", tip, err)
	}
	_, raw, err := l.Store.ReadObject(ctx, tree[0].Hash)
	if err != nil {
		return 0, err
	}
	env, err := record.ParseEnvelope(raw)
	if err != nil {
		return 0, fmt.Errorf("chain tip %s: %w", tip, err)
	}
	return env.Seq + 1, nil
}

// attributeFile computes one changed file's attribution; nil when the file
// has no added lines.
func (l *Linker) attributeFile(ctx context.Context, commit gitstore.Hash, d gitstore.FileDiff, sp *spoolView, anc *ancestry) (*record.FileAttr, map[string]bool, error) {
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
	base, final, err := l.contents(ctx, d)
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

// contents returns the redacted base and committed contents of a file.
func (l *Linker) contents(ctx context.Context, d gitstore.FileDiff) (*string, string, error) {
	var want []gitstore.Hash
	if !d.OldHash.IsZero() {
		want = append(want, d.OldHash)
	}
	want = append(want, d.NewHash)
	objs, err := l.Store.ReadObjects(ctx, want)
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", d.NewPath, err)
	}
	var base *string
	if !d.OldHash.IsZero() {
		b := redact.Default().String(string(objs[d.OldHash].Data))
		base = &b
	}
	return base, redact.Default().String(string(objs[d.NewHash].Data)), nil
}
