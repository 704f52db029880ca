package hookrun

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"

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

func (h *hook) loadSnap() *worktree.Snapshot {
	b, err := spool.ReadFile(h.dir.Path("state", snapFile))
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

func (h *hook) scan() (prev, cur *worktree.Snapshot, unlock func(), ok bool) {
	unlock, err := h.dir.Lock("worktree")
	if err != nil {
		h.logf("%v", err)
		return nil, nil, nil, false
	}
	prev = h.loadSnap()
	cur, err = worktree.Scan(h.repo, worktree.ScanOptions{Baseline: prev})
	if err != nil {
		unlock()
		h.logf("scanning work tree: %v", err)
		return nil, nil, nil, false
	}
	return prev, cur, unlock, true
}

// scanBefore records changes nobody's tool made since the last look.
func (h *hook) scanBefore() {
	prev, cur, unlock, ok := h.scan()
	if !ok {
		return
	}
	defer unlock()
	var changed []string
	if prev == nil {
		changed = h.dirtyVsIndex(cur)
	} else {
		for _, c := range worktree.Diff(prev, cur) {
			changed = append(changed, c.Path)
		}
	}
	agentAfter := h.agentAfters()
	for i, p := range changed {
		if i >= maxObserved {
			break
		}
		e := capture.FileEdit{Path: p, Op: capture.OpModify, Human: true}
		if _, in := cur.Lookup(p); !in {
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
	h.saveSnap(cur)
}

// scanAfter records what the shell command changed.
func (h *hook) scanAfter() {
	prev, cur, unlock, ok := h.scan()
	if !ok {
		return
	}
	defer unlock()
	if prev == nil {
		h.logf("session=%q: no work-tree snapshot before %s %s; its edits are not attributed", h.ev.SessionID, h.ev.ToolName, h.ev.ToolUseID)
		h.saveSnap(cur)
		return
	}
	changes := worktree.Diff(prev, cur)
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
	h.saveSnap(cur)
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

// dirtyVsIndex lists files that differ from the index at the first look:
// modified tracked files and untracked ones.
func (h *hook) dirtyVsIndex(cur *worktree.Snapshot) []string {
	idx, err := worktree.ReadIndex(h.repo, false)
	if err != nil {
		h.logf("reading index: %v", err)
		return nil
	}
	var out []string
	for _, p := range worktree.Dirty(h.repo, idx, cur) {
		// Dirty is a stat check: a file written in the second the index
		// was (racily clean, as right after a commit) may be unchanged.
		if e, ok := idx.Lookup(p); !ok || !sameAsIndex(filepath.Join(h.repo.WorkTree, filepath.FromSlash(p)), e) {
			out = append(out, p)
		}
	}
	for _, e := range cur.Entries {
		if _, ok := idx.Lookup(e.Path); !ok {
			out = append(out, e.Path)
		}
	}
	sort.Strings(out)
	return out
}

// agentAfters returns the content hash each file had after the last agent
// file-tool edit.
func (h *hook) agentAfters() map[string]string {
	b, err := h.dir.ReadLocked("agent-after", h.dir.Path("state", agentAfterKey))
	return parseAgentAfters(b, err)
}

// agentAftersLocked is agentAfters for a caller holding the lock.
func (h *hook) agentAftersLocked() map[string]string {
	b, err := spool.ReadFile(h.dir.Path("state", agentAfterKey))
	return parseAgentAfters(b, err)
}

func parseAgentAfters(b []byte, err error) map[string]string {
	m := map[string]string{}
	if err == nil {
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
// "" to forget the path) to the agent-after map, in one locked update.
func (h *hook) noteAgentAfters(notes map[string]string) {
	if len(notes) == 0 {
		return
	}
	// The file is written in place under the exclusive lock and read under
	// the shared one, so a reader sees a whole one: when it already says
	// what this call would write, the call is a no-op (ordered before any
	// concurrent writer). That is the common case (a file edited to a
	// content it had, a command that changed nothing an agent wrote), and
	// it costs no exclusive lock and no write.
	if !applyNotes(h.agentAfters(), notes) {
		return
	}
	unlock, err := h.dir.Lock("agent-after")
	if err != nil {
		h.logf("%v", err)
		return
	}
	defer unlock()
	m := h.agentAftersLocked()
	if !applyNotes(m, notes) {
		return // a concurrent hook wrote the same
	}
	// In place, not replaced by rename: on ext4 a rename over a file makes
	// the kernel flush the new one first (0.1–0.3 ms here, every Edit).
	if err := spool.OverwriteFile(h.dir.Path("state", agentAfterKey), spool.MarshalStringMap(m)); err != nil {
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

// sameAsIndex reports whether the file at full has the content the index
// entry names (its git blob id).
func sameAsIndex(full string, e worktree.IndexEntry) bool {
	fi, err := os.Lstat(full)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > spool.MaxBlob || uint32(fi.Size()) != e.Size {
		return false
	}
	b, err := spool.ReadFile(full)
	if err != nil {
		return false
	}
	return gitBlobID(b, len(e.OID)) == e.OID
}

// gitBlobID returns the git object id of a blob holding b, SHA-1 for a
// 40-digit id length and SHA-256 for 64.
func gitBlobID(b []byte, hexLen int) string {
	var h hash.Hash
	switch hexLen {
	case 40:
		h = sha1.New() //nolint:gosec // git's object id, not a security use
	case 64:
		h = sha256.New()
	default:
		return ""
	}
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}
