package history

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Store is the git access a Reader needs.
type Store interface {
	gitstore.Store
	gitstore.History
}

// Status is the verdict on a commit's trace.
type Status string

// Trace statuses.
const (
	// StatusVerified: the note's records are in verified chains and
	// render exactly the note.
	StatusVerified Status = "verified"
	// StatusNoTrace: the commit has no note (a gap, reported as such).
	StatusNoTrace Status = "no-trace"
	// StatusUnverified: the trace fails verification; see Problems.
	StatusUnverified Status = "unverified"
)

// Trace is what TraceVault knows about one commit.
type Trace struct {
	Commit   gitstore.Hash
	Status   Status
	Problems []string
	// Note is the parsed note, nil when there is none or it is malformed.
	Note *record.Note
	// Records are the commit records the note links, as read.
	Records []*record.Stored
	// Attribution is the body of the first readable linked commit
	// record, or one rebuilt from the note when none is readable.
	Attribution *record.CommitAttribution
	// Sessions are the session records the commit records name.
	Sessions []*Session
}

// Session is a session record as read from a chain.
type Session struct {
	Record  string // writer/seq
	Stored  *record.Stored
	Session *capture.Session
}

// Reader reads traces; create one per command run.
type Reader struct {
	Store   Store
	Allowed *sigkey.AllowedSigners
	// CacheDir holds verified-chain caches; "" disables the cache.
	CacheDir string
	// Verified counts records verified this run (not from the cache).
	Verified int

	chains  map[string]*Chain
	refs    map[string]gitstore.Hash // chain refs and the notes ref
	writers []string
	sigHash string
	// notesListed is set when refs holds the notes ref's value (or its
	// absence) from the same listing as the chain refs.
	notesListed bool
	// notesTree is the notes ref's root tree, once notesTreeRead.
	notesTree     gitstore.Hash
	notesTreeData []byte
	notesTreeRead bool
}

// NewReader returns a Reader.
func NewReader(s Store, allowed *sigkey.AllowedSigners, cacheDir string) *Reader {
	return &Reader{Store: s, Allowed: allowed, CacheDir: cacheDir, chains: map[string]*Chain{}}
}

// Traces returns the trace of each commit, in order.
func (r *Reader) Traces(ctx context.Context, commits []gitstore.Hash) ([]*Trace, error) {
	raw, err := r.Notes(ctx, commits)
	if err != nil {
		return nil, fmt.Errorf("reading notes: %w", err)
	}
	out := make([]*Trace, len(commits))
	var links []gitstore.Hash
	for i, c := range commits {
		t := &Trace{Commit: c, Status: StatusNoTrace}
		out[i] = t
		b, ok := raw[c]
		if !ok {
			continue
		}
		if t.Note, err = record.ParseNote(b); err != nil {
			t.fail("note: %v", err)
			continue
		}
		if len(t.Note.Records) == 0 {
			t.fail("note links no record")
		}
		for _, l := range t.Note.Records {
			if h, err := gitstore.ParseHash(l.Commit); err == nil {
				links = append(links, h)
			}
		}
	}
	recs, bad, err := ReadRecords(ctx, r.Store, links)
	if err != nil {
		return nil, err
	}
	for _, t := range out {
		if t.Note != nil {
			r.check(ctx, t, recs, bad)
		}
	}
	if err := r.attachSessions(ctx, out); err != nil {
		return nil, err
	}
	for _, t := range out {
		if t.Note != nil && t.Status != StatusUnverified {
			t.Status = StatusVerified
		}
	}
	return out, nil
}

func (t *Trace) fail(format string, args ...any) {
	t.Status = StatusUnverified
	t.Problems = append(t.Problems, fmt.Sprintf(format, args...))
}

// check verifies the records a note links and that they render the note.
func (r *Reader) check(ctx context.Context, t *Trace, recs map[gitstore.Hash]*record.Stored, bad map[gitstore.Hash]error) {
	var rendered []string
	for _, l := range t.Note.Records {
		st := r.checkLink(ctx, t, l, recs, bad)
		if st == nil {
			continue
		}
		t.Records = append(t.Records, st)
		c, err := st.Envelope.Commit()
		if err != nil {
			t.fail("record %s: %v", l.ID, err)
			continue
		}
		if c.Commit != t.Commit.String() {
			t.fail("record %s attributes commit %.12s, not this one", l.ID, c.Commit)
		}
		if t.Attribution == nil {
			t.Attribution = c
		}
		if note, err := record.RenderNote(st); err == nil {
			n, _ := record.ParseNote(note)
			rendered = append(rendered, n.Lines...)
		}
	}
	if t.Attribution == nil {
		t.Attribution = fromNote(t.Commit, t.Note)
	}
	if len(t.Records) == len(t.Note.Records) && len(t.Records) > 0 {
		slices.Sort(rendered)
		got := slices.Clone(t.Note.Lines)
		slices.Sort(got)
		if !slices.Equal(slices.Compact(rendered), slices.Compact(got)) {
			t.fail("note differs from the records it links")
		}
	}
}

func (r *Reader) checkLink(ctx context.Context, t *Trace, l record.NoteRecord, recs map[gitstore.Hash]*record.Stored, bad map[gitstore.Hash]error) *record.Stored {
	writer, seqStr, _ := strings.Cut(l.ID, "/")
	seq, err := strconv.ParseInt(seqStr, 10, 64)
	h, herr := gitstore.ParseHash(l.Commit)
	if err != nil || herr != nil || writer == "" {
		t.fail("note record line %q %q is malformed", l.ID, l.Commit)
		return nil
	}
	ch, err := r.Chain(ctx, writer)
	if err != nil {
		t.fail("chain of %s: %v", writer, err)
		return nil
	}
	if ch.Err != nil {
		t.fail("%v", ch.Err)
	} else if at, ok := ch.At(seq); !ok || at != h {
		t.fail("record %s is not commit %.12s of chain %s", l.ID, l.Commit, ch.Ref)
	}
	if e := bad[h]; e != nil {
		t.fail("record %s: %v", l.ID, e)
		return nil
	}
	st := recs[h]
	if st == nil {
		t.fail("record %s: chain commit %.12s is missing", l.ID, l.Commit)
		return nil
	}
	if st.Envelope.ID() != l.ID {
		t.fail("chain commit %.12s holds record %s, not %s", l.Commit, st.Envelope.ID(), l.ID)
	}
	return st
}

// attachSessions reads the session records the commit records name, in one
// batched read.
func (r *Reader) attachSessions(ctx context.Context, traces []*Trace) error {
	want := map[string]gitstore.Hash{}
	var hs []gitstore.Hash
	for _, t := range traces {
		if t.Attribution == nil {
			continue
		}
		for _, s := range t.Attribution.Sessions {
			if _, ok := want[s.Record]; ok || s.Record == "" {
				continue
			}
			h, ok := r.locate(ctx, s.Record)
			if ok {
				want[s.Record] = h
				hs = append(hs, h)
			}
		}
	}
	recs, _, err := ReadRecords(ctx, r.Store, hs)
	if err != nil {
		return err
	}
	for _, t := range traces {
		if t.Attribution == nil {
			continue
		}
		for _, s := range t.Attribution.Sessions {
			st := recs[want[s.Record]]
			if st == nil {
				continue
			}
			if sess, err := st.Envelope.Session(); err == nil {
				t.Sessions = append(t.Sessions, &Session{Record: s.Record, Stored: st, Session: sess})
			}
		}
	}
	return nil
}

// locate maps "<writer>/<seq>" to its chain commit.
func (r *Reader) locate(ctx context.Context, id string) (gitstore.Hash, bool) {
	writer, seqStr, _ := strings.Cut(id, "/")
	seq, err := strconv.ParseInt(seqStr, 10, 64)
	if err != nil {
		return gitstore.ZeroHash, false
	}
	ch, err := r.Chain(ctx, writer)
	if err != nil {
		return gitstore.ZeroHash, false
	}
	return ch.At(seq)
}

// fromNote rebuilds an attribution from a note alone (its record being
// unreadable), so that output still shows what the note claims.
func fromNote(c gitstore.Hash, n *record.Note) *record.CommitAttribution {
	a := &record.CommitAttribution{Commit: c.String(), Evidence: "note"}
	for _, s := range n.Sessions {
		a.Sessions = append(a.Sessions, record.SessionRef{ID: s.ID, Agent: s.Agent, Models: s.Models})
	}
	idx := map[string]int{}
	for _, f := range n.Files {
		idx[f.Path] = len(a.Files)
		a.Files = append(a.Files, record.FileAttr{Path: f.Path, Added: f.AI + f.Human, AI: f.AI, Human: f.Human})
		a.AILines += f.AI
		a.HumanLines += f.Human
	}
	for _, g := range n.Ranges {
		i, ok := idx[g.Path]
		if !ok {
			continue
		}
		a.Files[i].Ranges = append(a.Files[i].Ranges, record.Range{Start: g.Start, End: g.End, Session: g.Session, Agent: g.Agent, Model: g.Model, Tool: g.Tool})
	}
	return a
}
