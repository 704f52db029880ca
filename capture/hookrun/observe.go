package hookrun

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hookwire"
	"github.com/tracevault/tracevault/capture/linediff"
	"github.com/tracevault/tracevault/capture/redact"
	"github.com/tracevault/tracevault/capture/spool"
)

// observe does the event-specific work only a hook can do at that moment.
func (h *hook) observe() {
	ev := &h.ev
	h.sessionStart()
	if h.opts.Getenv(hookwire.NoServerEnv) != "" && !h.watchOff() {
		h.startWatcher() // the client found no server: start one for the next events
	}
	kind := h.agent.ToolKind(ev.ToolName)
	switch ev.Kind {
	case capture.EventToolStart:
		if kind == capture.ToolShell {
			h.scanBefore()
		}
		h.guard(kind)
	case capture.EventToolEnd:
		switch kind {
		case capture.ToolFileEdit:
			h.fileEdits()
		case capture.ToolShell:
			h.scanAfter()
		}
	case capture.EventToolFailed:
		if kind == capture.ToolShell {
			h.scanAfter() // a failing command may still have written files
		}
	case capture.EventStop, capture.EventSubagentStop, capture.EventSessionEnd, capture.EventCompact:
		h.tailUsage()
	}
}

// sessionStart records where HEAD stood at the session's first event.
func (h *hook) sessionStart() {
	if h.ev.SessionID == "" || h.dir.Started(h.ev.SessionID) {
		return // the common case, read without the lock
	}
	err := h.dir.WithState(h.ev.SessionID, func(st *spool.State) error {
		if st.Started {
			return nil
		}
		st.Started = true
		branch, commit, err := readHead(h.repo)
		if err != nil {
			h.logf("session=%q: reading HEAD: %v", h.ev.SessionID, err)
		}
		h.rec.Head = &spool.Head{Branch: branch, Commit: commit}
		return nil
	})
	if err != nil {
		h.logf("session=%q: %v", h.ev.SessionID, err)
		return
	}
	h.dir.MarkStarted(h.ev.SessionID)
	h.ensureWatcher() // ready before the session's first shell command
}

// fileEdits completes the edits a file tool's structured response describes
// with content hashes of the file before and after, storing both contents.
func (h *hook) fileEdits() {
	for _, e := range h.ev.Edits {
		rel, ok := h.rel(e.Path)
		if !ok {
			continue // outside the work tree
		}
		if hdr := "--- a/" + e.Path + "\n+++ b/" + e.Path + "\n"; strings.HasPrefix(e.Diff, hdr) {
			e.Diff = "--- a/" + rel + "\n+++ b/" + rel + "\n" + e.Diff[len(hdr):]
		}
		e.Path = rel
		e.ToolUseID = h.ev.ToolUseID
		e.AgentID = h.ev.AgentID
		e.Diff = capDiff(redact.Default().String(e.Diff))
		if e.Original != nil {
			// A read-only view: the blob store and the redactor only read
			// it (the redactor copies before it changes anything).
			e.Before = h.putBlob(unsafe.Slice(unsafe.StringData(*e.Original), len(*e.Original)))
		}
		after, err := spool.ReadFile(filepath.Join(h.repo.WorkTree, filepath.FromSlash(rel)))
		switch {
		case err == nil:
			e.After = h.putBlob(after)
		case os.IsNotExist(err):
			e.Op = capture.OpDelete
		default:
			h.logf("session=%q: reading %s after %s: %v", h.ev.SessionID, rel, h.ev.ToolName, err)
		}
		if e.Diff == "" {
			h.diff(&e) // a Write that creates a file has no structuredPatch
		}
		h.rec.Observed = append(h.rec.Observed, e)
		h.noteAgentAfter(rel, e.After)
	}
}

// putBlob redacts content and stores it, returning its hash ("" on failure).
// Content already stored as it is (a file's content before an edit, which
// the previous edit stored as its content after) is not redacted again.
func (h *hook) putBlob(content []byte) string {
	hash, err := h.dir.PutRedacted(content, redact.Default().Bytes)
	if err != nil {
		h.logf("session=%q: %v", h.ev.SessionID, err)
		return ""
	}
	return hash
}

// MaxDiff caps a stored diff.
const MaxDiff = 1 << 20

func capDiff(d string) string {
	if len(d) <= MaxDiff {
		return d
	}
	return d[:MaxDiff] + "\n[diff truncated by tracevault]\n"
}

// tailUsage reads new token usage from the transcript (and, at
// SubagentStop, the subagent's own transcript).
func (h *hook) tailUsage() {
	if h.agent.Tail == nil || h.ev.SessionID == "" {
		return
	}
	paths := []string{h.ev.TranscriptPath}
	if h.ev.AgentTranscriptPath != "" {
		paths = append(paths, h.ev.AgentTranscriptPath)
	}
	err := h.dir.WithState(h.ev.SessionID, func(st *spool.State) error {
		if st.AgentState == nil {
			st.AgentState = map[string]json.RawMessage{}
		}
		// A subagent's last line may still be unwritten at SubagentStop:
		// every transcript read before is read again from its offset.
		for _, p := range slices.Sorted(maps.Keys(st.AgentState)) {
			if !strings.HasPrefix(p, toolsStateKey) && !slices.Contains(paths, p) {
				paths = append(paths, p)
			}
		}
		for _, p := range paths {
			if p == "" {
				continue
			}
			h.tail(st, p)
		}
		return nil
	})
	if err != nil {
		h.logf("session=%q: %v", h.ev.SessionID, err)
	}
}

// toolsStateKey prefixes the AgentState key of a transcript's tool-call
// reader offset.
const toolsStateKey = "tools:"

// tail records the token usage and the tool uses and results the
// transcript at p gained since the last look, and saves the readers' new
// states in st.
func (h *hook) tail(st *spool.State, p string) {
	var entries []capture.UsageEntry
	var next json.RawMessage
	var err error
	if h.agent.TailTools != nil {
		var toolsOff int64
		_ = json.Unmarshal(st.AgentState[toolsStateKey+p], &toolsOff)
		var r TailResult
		r, err = h.agent.TailTools(p, st.AgentState[p], toolsOff)
		entries, next = r.Usage, r.State
		st.AgentState[toolsStateKey+p] = offsetState(r.ToolsNext)
		h.rec.Tools = append(h.rec.Tools, r.Tools...)
	} else {
		entries, next, err = h.agent.Tail(p, st.AgentState[p])
	}
	if err != nil {
		h.logf("session=%q: reading transcript %s: %v", h.ev.SessionID, p, err)
	}
	if next != nil {
		st.AgentState[p] = next
	}
	h.rec.Usage = append(h.rec.Usage, entries...)
	h.addUsage(st, entries)
}

// diff fills an edit's unified diff and line counts from the stored
// contents before and after (an empty before for a new file). It leaves
// them empty when a content it needs is not stored.
func (h *hook) diff(e *capture.FileEdit) {
	if e.Op == capture.OpDelete || e.After == "" || e.Before == e.After {
		return
	}
	var before []byte
	if e.Before != "" {
		b, err := h.dir.Blob(e.Before)
		if err != nil {
			return
		}
		before = b
	}
	after, err := h.dir.Blob(e.After)
	if err != nil || !utf8.Valid(before) || !utf8.Valid(after) {
		return
	}
	a, b := linediff.Lines(string(before)), linediff.Lines(string(after))
	e.Diff = capDiff(linediff.Unified(e.Path, a, b, 3))
	e.Added, e.Removed = 0, 0
	lines := strings.Split(e.Diff, "\n")
	for _, l := range lines[min(2, len(lines)):] { // after the ---/+++ header
		switch {
		case strings.HasPrefix(l, "+"):
			e.Added++
		case strings.HasPrefix(l, "-"):
			e.Removed++
		}
	}
}
