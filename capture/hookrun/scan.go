package hookrun

import (
	"os"
	"path/filepath"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
)

// Work-tree observation around shell tool calls. A stat-only snapshot of
// the work tree is kept in state/worktree.snap. Before a shell command, files
// that changed since the last snapshot (and were not written by an agent's
// file tool) are recorded as human changes; after it, every file that changed
// is recorded as an edit of that tool call. Contents of changed files go to
// the blob store, so attribution can diff them later without git.

const (
	snapFile      = "worktree.snap"
	agentAfterKey = "agent-after.json"
	// maxObserved caps how many changed files one event records with content.
	maxObserved = 500
)

func readHead(repo worktree.Repo) (string, string, error) { return worktree.ReadHead(repo) }

// decodeSnap decodes the stored snapshot (nil if there is none or it is
// damaged).
func (h *hook) decodeSnap(b []byte, err error) *worktree.Snapshot {
	if err != nil {
		return nil
	}
	var s worktree.Snapshot
	if err := s.UnmarshalBinary(b); err != nil {
		h.logf("discarding damaged work-tree snapshot: %v", err)
		return nil
	}
	return &s
}

// saveSnap overwrites the snapshot in place (under the work-tree lock, like
// every read of it). Replacing it by rename, as before, made ext4 flush the
// new file's data at each shell tool call (auto_da_alloc; 0.1–0.5 ms here).
// A writer killed mid-write leaves a snapshot whose checksum fails: the next
// hook discards it and compares with the index instead, as on a first run.
func (h *hook) saveSnap(s *worktree.Snapshot) {
	b, err := s.MarshalBinary()
	if err == nil {
		err = spool.OverwriteFile(h.dir.Path("state", snapFile), b)
	}
	if err != nil {
		h.logf("saving work-tree snapshot: %v", err)
	}
}

// look returns what changed in the work tree since the last look, under
// the work-tree lock: from the watcher when one answers, else by a scan of
// the whole tree compared with the stored snapshot. Once the changes are
// recorded, commit makes this look the baseline of the next (the watcher
// keeps it, or the snapshot is saved) and releases the lock; release
// releases it without that (a no-op after commit), so that the next look
// reports the changes again.
func (h *hook) look() (l *worktree.Look, commit, release func(), ok bool) {
	unlock, err := h.dir.Lock("worktree")
	if err != nil {
		h.logf("%v", err)
		return nil, nil, nil, false
	}
	var once bool
	done := func(keep func()) {
		if !once {
			once = true
			if keep != nil {
				keep()
			}
			unlock()
		}
	}
	if l, conn := h.askWatcher(); l != nil {
		return l, func() { done(conn.Ack) }, func() { done(conn.Close) }, true
	}
	prev := h.decodeSnap(spool.ReadFile(h.dir.Path("state", snapFile)))
	cur, err := worktree.Scan(h.repo, worktree.ScanOptions{Baseline: prev})
	if err == nil {
		l, err = worktree.LookFrom(h.repo, prev, cur)
	}
	if err != nil {
		unlock()
		h.logf("scanning work tree: %v", err)
		return nil, nil, nil, false
	}
	return l, func() { done(func() { h.saveSnap(cur) }) }, func() { done(nil) }, true
}

// scanBefore records changes nobody's tool made since the last look.
func (h *hook) scanBefore() {
	l, commit, release, ok := h.look()
	if !ok {
		return
	}
	defer release()
	var agentAfter map[string]string
	for i, c := range l.Changes {
		if i >= maxObserved {
			break
		}
		if agentAfter == nil {
			agentAfter = h.agentAfters()
		}
		p := c.Path
		e := capture.FileEdit{Path: p, Op: capture.OpModify, Human: true}
		if c.Kind == worktree.Deleted {
			e.Op = capture.OpDelete
		} else {
			e.After = h.hashFile(p)
			if e.After != "" && agentAfter[p] == e.After {
				continue // written by an agent's file tool, already recorded
			}
		}
		e.Before = agentAfter[p]
		h.rec.Observed = append(h.rec.Observed, e)
	}
	h.noteAfters(h.rec.Observed)
	commit()
}

// scanAfter records what the shell command changed.
func (h *hook) scanAfter() {
	l, commit, release, ok := h.look()
	if !ok {
		return
	}
	defer release()
	if l.First {
		h.logf("session=%q: no work-tree snapshot before %s %s; its edits are not attributed", h.ev.SessionID, h.ev.ToolName, h.ev.ToolUseID)
		commit()
		return
	}
	if len(l.Changes) == 0 {
		commit()
		return
	}
	changes := l.Changes
	if len(changes) > maxObserved {
		h.logf("session=%q: %s %s changed %d files; recording the first %d", h.ev.SessionID, h.ev.ToolName, h.ev.ToolUseID, len(changes), maxObserved)
		changes = changes[:maxObserved]
	}
	known := h.agentAfters()
	renamed := map[string]string{} // new path -> old path
	for _, r := range worktree.Renames(changes) {
		renamed[r.To] = r.From
	}
	from := map[string]bool{}
	for _, old := range renamed {
		from[old] = true
	}
	var edits []capture.FileEdit
	for _, c := range changes {
		if c.Kind == worktree.Deleted && from[c.Path] {
			continue // recorded as the rename's source
		}
		e := capture.FileEdit{Path: c.Path, Tool: h.ev.ToolName, ToolUseID: h.ev.ToolUseID, AgentID: h.ev.AgentID,
			Before: known[c.Path]}
		switch c.Kind {
		case worktree.Added:
			e.Op, e.Before = capture.OpCreate, ""
			e.After = h.hashFile(c.Path)
			if old, ok := renamed[c.Path]; ok {
				e.Op, e.OldPath, e.Before = capture.OpRename, old, known[old]
				if e.Before == "" {
					e.Before = e.After // Renames matched the same inode and stat, or the same content
				}
			}
		case worktree.Deleted:
			e.Op = capture.OpDelete
		default:
			e.Op = capture.OpModify
			e.After = h.hashFile(c.Path)
		}
		h.diff(&e)
		edits = append(edits, e)
	}
	edits = pairRenames(edits)
	h.rec.Observed = append(h.rec.Observed, edits...)
	h.noteAfters(edits)
	commit()
}

// pairRenames turns a delete and a create of the same content into a rename.
func pairRenames(edits []capture.FileEdit) []capture.FileEdit {
	deleted := map[string]int{}
	for i, e := range edits {
		if e.Op == capture.OpDelete && e.Before != "" {
			deleted[e.Before] = i
		}
	}
	drop := map[int]bool{}
	for i := range edits {
		e := &edits[i]
		if e.Op != capture.OpCreate || e.After == "" {
			continue
		}
		if j, ok := deleted[e.After]; ok && !drop[j] {
			e.Op, e.OldPath, e.Before = capture.OpRename, edits[j].Path, edits[j].Before
			drop[j] = true
		}
	}
	out := edits[:0]
	for i, e := range edits {
		if !drop[i] {
			out = append(out, e)
		}
	}
	return out
}

// hashFile stores the (redacted) content of a work-tree file and returns
// its blob hash ("" for what is not a readable regular file).
func (h *hook) hashFile(p string) string {
	full := filepath.Join(h.repo.WorkTree, filepath.FromSlash(p))
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > spool.MaxBlob {
		return ""
	}
	b, err := spool.ReadFile(full)
	if err != nil {
		return ""
	}
	return h.putBlob(b)
}

// agentAfters returns the content hash each file had after the last agent
// file-tool edit (read under the file's lock held shared).
func (h *hook) agentAfters() map[string]string {
	m := map[string]string{}
	if b, err := spool.ReadShared(h.dir.Path("state", agentAfterKey)); err == nil {
		spool.UnmarshalStringMap(b, m)
	}
	return m
}

// noteAgentAfter remembers the content an agent left in path ("" forgets
// the path).
func (h *hook) noteAgentAfter(path, hash string) {
	h.noteAgentAfters(map[string]string{path: hash})
}

// noteAgentAfters applies notes (path to the content an agent left there,
// "" to forget the path) to the agent-after map, in one update under the
// file's own lock: one open, and no write when the map already says so (a
// file edited to a content it had, a command that changed nothing an agent
// wrote). The file is written in place, not replaced by rename: on ext4 a
// rename over a file makes the kernel flush the new one first.
func (h *hook) noteAgentAfters(notes map[string]string) {
	if len(notes) == 0 {
		return
	}
	err := spool.Update(h.dir.Path("state", agentAfterKey), func(b []byte) ([]byte, bool) {
		m := map[string]string{}
		spool.UnmarshalStringMap(b, m)
		if !applyNotes(m, notes) {
			return nil, false
		}
		return spool.MarshalStringMap(m), true
	})
	if err != nil {
		h.logf("saving agent edits: %v", err)
	}
}

// applyNotes applies notes to m and reports whether m changed.
func applyNotes(m, notes map[string]string) bool {
	changed := false
	for p, hash := range notes {
		cur, ok := m[p]
		switch {
		case hash == "" && ok:
			delete(m, p)
			changed = true
		case hash != "" && (!ok || cur != hash):
			m[p] = hash
			changed = true
		}
	}
	return changed
}

// noteAfters remembers the content each edit left (none for a delete, and
// a rename's source is gone), so the next change of the file has a before.
func (h *hook) noteAfters(edits []capture.FileEdit) {
	notes := make(map[string]string, len(edits))
	for _, e := range edits { // in order: a later edit of a path wins
		if e.OldPath != "" {
			notes[e.OldPath] = ""
		}
		notes[e.Path] = e.After
	}
	h.noteAgentAfters(notes)
}
