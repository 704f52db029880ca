package linker

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/tracevault/tracevault/capture/attribute"
	"github.com/tracevault/tracevault/capture/linediff"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/redact"
	"github.com/tracevault/tracevault/gitstore"
)

// Rewrite is one new commit and the commits it replaces.
type Rewrite struct {
	New  gitstore.Hash
	Olds []gitstore.Hash
}

// ParseRewrites reads post-rewrite's stdin ("<old> <new> [extra]" lines)
// and groups the old commits by new commit, in first-seen order.
func ParseRewrites(stdin string) ([]Rewrite, error) {
	var out []Rewrite
	idx := map[gitstore.Hash]int{}
	for _, line := range strings.Split(stdin, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		o, err1 := gitstore.ParseHash(f[0])
		n, err2 := gitstore.ParseHash(f[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("post-rewrite: bad line %q", line)
		}
		i, ok := idx[n]
		if !ok {
			out = append(out, Rewrite{New: n})
			i = len(out) - 1
			idx[n] = i
		}
		out[i].Olds = append(out[i].Olds, o)
	}
	return out, nil
}

// oldAttribution is an old commit's attribution and file contents source.
type oldAttribution struct {
	commit gitstore.Hash
	attr   *record.CommitAttribution
}

// loadOld reads the commit record a commit's note links, if any.
func (l *Linker) loadOld(ctx context.Context, commits []gitstore.Hash) ([]oldAttribution, error) {
	if len(commits) == 0 {
		return nil, nil // no git process for the common post-commit case
	}
	ns, err := l.notesOf().Read(ctx, commits)
	if err != nil {
		return nil, err
	}
	var out []oldAttribution
	for _, c := range commits {
		raw, ok := ns[c]
		if !ok {
			continue
		}
		n, err := record.ParseNote(raw)
		if err != nil {
			return nil, fmt.Errorf("note of %s: %w", c, err)
		}
		for _, rl := range n.Records {
			h, err := gitstore.ParseHash(rl.Commit)
			if err != nil {
				return nil, fmt.Errorf("note of %s: bad record commit %q", c, rl.Commit)
			}
			st, err := record.ReadRecordCommit(ctx, l.Store, h)
			if err != nil {
				return nil, fmt.Errorf("record %s of %s: %w", rl.ID, c, err)
			}
			a, err := st.Envelope.Commit()
			if err != nil {
				return nil, err
			}
			if a.Commit == c.String() {
				out = append(out, oldAttribution{commit: c, attr: a})
			}
		}
	}
	return out, nil
}

// Rewritten gives each rewritten commit a correct record and note: lines
// attributed from the spool (as post-commit does) win; other added lines
// take the attribution their content had in the old commits.
func (l *Linker) Rewritten(ctx context.Context, rws []Rewrite) ([]*Result, error) {
	var out []*Result
	for _, rw := range rws {
		olds, err := l.loadOld(ctx, rw.Olds)
		if err != nil {
			return out, err
		}
		res, err := l.attributeWithCarry(ctx, rw.New, olds, true)
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// attributeWithCarry computes a commit's attribution from the spool and
// from olds, and writes it (RewrittenFrom set) when anything is known.
func (l *Linker) attributeWithCarry(ctx context.Context, commit gitstore.Hash, olds []oldAttribution, rewritten bool) (*Result, error) {
	c, err := gitstore.ReadCommit(ctx, l.Store, commit)
	if err != nil {
		return nil, err
	}
	var parent gitstore.Hash
	if len(c.Parents) > 0 {
		parent = c.Parents[0]
	}
	// git diffs the commit while the spool is read.
	type diffResult struct {
		diffs []gitstore.FileDiff
		err   error
	}
	diffed := make(chan diffResult, 1)
	go func() {
		diffs, err := l.Store.DiffTree(ctx, parent, commit, gitstore.DiffOptions{Renames: true})
		diffed <- diffResult{diffs, err}
	}()
	sp, err := l.loadSpool()
	d := <-diffed
	if err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	diffs := d.diffs
	attr := &record.CommitAttribution{Commit: commit.String(), Evidence: "hooks", Sessions: []record.SessionRef{}, Files: []record.FileAttr{}}
	if !parent.IsZero() {
		attr.Parent = parent.String()
	}
	for _, o := range olds {
		attr.RewrittenFrom = append(attr.RewrittenFrom, o.commit.String())
	}
	used := map[string]bool{}
	carried := map[string]record.SessionRef{}
	anc := newAncestry(ctx, l.Store, l.Store, commit, c.Parents)
	have, err := l.prefetch(ctx, diffs, sp)
	if err != nil {
		return nil, err
	}
	for _, d := range diffs {
		fa, sessions, err := l.attributeFile(ctx, commit, d, sp, anc, have)
		if err != nil {
			return nil, err
		}
		if fa == nil {
			continue
		}
		if err := l.carry(ctx, d, fa, olds, carried); err != nil {
			return nil, err
		}
		attr.Files = append(attr.Files, *fa)
		attr.AILines += fa.AI
		attr.HumanLines += fa.Human
		for s := range sessions {
			used[s] = true
		}
	}
	if err := recordCommitted(l.Spool, sp.commit); err != nil {
		return nil, err
	}
	attr.Assisted = Trailers(c.Message)
	for _, o := range olds {
		attr.Assisted = append(attr.Assisted, o.attr.Assisted...)
	}
	if len(used) == 0 && len(carried) == 0 {
		if len(attr.Assisted) == 0 {
			if !rewritten {
				return &Result{Commit: commit}, nil // no trace: a gap, shown as such
			}
			return &Result{Commit: commit}, l.clearNote(ctx, commit)
		}
		// A trailer says an agent helped, not which lines: the counts
		// are unknown (0/0), never "all human".
		attr.Evidence = "trailer"
		for i := range attr.Files {
			attr.Files[i].AI, attr.Files[i].Human = 0, 0
		}
		attr.AILines, attr.HumanLines = 0, 0
	}
	res, err := l.write(ctx, commit, attr, sp, used, carried)
	return res, err
}

// clearNote removes a note git copied onto a rewritten commit that, after
// recomputation, carries no trace.
func (l *Linker) clearNote(ctx context.Context, commit gitstore.Hash) error {
	ns, err := l.notesOf().Read(ctx, []gitstore.Hash{commit})
	if err != nil || len(ns) == 0 {
		return err
	}
	return l.notesOf().Set(ctx, map[gitstore.Hash][]byte{commit: nil}, "tracevault: drop stale note of "+commit.String(), l.sig())
}

// carry labels the added lines of fa that the spool did not attribute with
// the attribution their content had in the old commits.
func (l *Linker) carry(ctx context.Context, d gitstore.FileDiff, fa *record.FileAttr, olds []oldAttribution, carried map[string]record.SessionRef) error {
	if len(olds) == 0 || fa.Human == 0 {
		return nil
	}
	objs, err := l.Store.ReadObjects(ctx, []gitstore.Hash{d.NewHash})
	if err != nil {
		return err
	}
	newLines := linediff.Lines(redact.Default().String(string(objs[d.NewHash].Data)))
	labels := make([]attribute.Origin, len(newLines))
	for _, r := range fa.Ranges {
		for i := r.Start; i <= r.End && i <= len(labels); i++ {
			labels[i-1] = attribute.Origin{Kind: attribute.AI, SessionID: r.Session, Agent: r.Agent, Model: r.Model, ToolUseID: r.Tool}
		}
	}
	for _, o := range olds {
		for _, of := range o.attr.Files {
			if of.Path != d.NewPath && of.Path != d.OldPath {
				continue
			}
			if len(of.Ranges) == 0 {
				continue
			}
			content, err := l.fileAt(ctx, o.commit, of.Path)
			if err != nil {
				return err
			}
			oldLines := linediff.Lines(redact.Default().String(content))
			m := linediff.Match(oldLines, newLines)
			ai := map[int]record.Range{}
			for _, r := range of.Ranges {
				for i := r.Start; i <= r.End; i++ {
					ai[i-1] = r
				}
			}
			for j, i := range m {
				if r, ok := ai[i]; ok && i >= 0 && labels[j].Kind != attribute.AI {
					labels[j] = attribute.Origin{Kind: attribute.AI, SessionID: r.Session, Agent: r.Agent, Model: r.Model, ToolUseID: r.Tool}
					for _, s := range o.attr.Sessions {
						if s.ID == r.Session {
							carried[s.ID] = s
						}
					}
				}
			}
		}
	}
	var added []int
	for _, h := range d.Hunks {
		for i := 0; i < h.NewLines; i++ {
			added = append(added, h.NewStart+i)
		}
	}
	fa.AI, fa.Human, fa.Ranges = 0, 0, []record.Range{}
	for _, r := range attribute.Ranges(labels, added) {
		n := r.End - r.Start + 1
		if r.Origin.Kind != attribute.AI {
			fa.Human += n
			continue
		}
		fa.AI += n
		fa.Ranges = append(fa.Ranges, record.Range{Start: r.Start, End: r.End, Session: r.Origin.SessionID, Agent: r.Origin.Agent, Model: r.Origin.Model, Tool: r.Origin.ToolUseID})
	}
	return nil
}

// fileAt returns a file's content at a commit.
func (l *Linker) fileAt(ctx context.Context, commit gitstore.Hash, path string) (string, error) {
	c, err := gitstore.ReadCommit(ctx, l.Store, commit)
	if err != nil {
		return "", err
	}
	tree := c.Tree
	parts := strings.Split(path, "/")
	for i, p := range parts {
		entries, err := gitstore.ReadTree(ctx, l.Store, tree)
		if err != nil {
			return "", err
		}
		found := false
		for _, e := range entries {
			if e.Name == p {
				tree, found = e.Hash, true
				break
			}
		}
		if !found {
			return "", nil
		}
		if i == len(parts)-1 {
			_, data, err := l.Store.ReadObject(ctx, tree)
			return string(data), err
		}
	}
	return "", nil
}

var squashedCommit = regexp.MustCompile(`(?m)^commit ([0-9a-f]{40})$`)

// SourcesOf finds the commits a new commit was made from when git runs no
// post-rewrite hook: the commits "git merge --squash" lists in the message
// (or in squashMsg, .git/SQUASH_MSG as saved when the commit was made), and
// for a cherry-pick (reflog action "cherry-pick…") the commit with the same
// patch id among commits that have notes.
func (l *Linker) SourcesOf(ctx context.Context, commit gitstore.Hash, msg, squashMsg, action string, patchID func(gitstore.Hash) (string, error), candidates func() ([]gitstore.Hash, error)) ([]gitstore.Hash, error) {
	text := msg + "\n" + squashMsg
	var out []gitstore.Hash
	for _, m := range squashedCommit.FindAllStringSubmatch(text, -1) {
		if h, err := gitstore.ParseHash(m[1]); err == nil && h != commit {
			out = append(out, h)
		}
	}
	if len(out) > 0 || patchID == nil {
		return out, nil
	}
	if !strings.HasPrefix(action, "cherry-pick") {
		return nil, nil
	}
	want, err := patchID(commit)
	if err != nil || want == "" {
		return nil, err
	}
	cands, err := candidates()
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if c == commit {
			continue
		}
		if id, err := patchID(c); err == nil && id == want {
			return []gitstore.Hash{c}, nil
		}
	}
	return nil, nil
}
