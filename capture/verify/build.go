package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Builder builds range inputs from one repository.
type Builder struct {
	Store record.Store
	// Allowed are the writers whose records are trusted
	// (.tracevault/allowed_signers).
	Allowed *sigkey.AllowedSigners
	// NotesRefs are the notes refs read and combined; nil means
	// refs/notes/tracevault plus every refs/notes/tracevault-remote/*.
	NotesRefs []string
}

// Range selects the commits reachable from Include and not from Exclude.
type Range struct {
	Include, Exclude []gitstore.Hash
	// Branch is the branch the range lands on ("" when unknown).
	Branch string
}

// Result is a built range.
type Result struct {
	Input policy.RangeInput
	// Traces has one entry per commit of Input.Commits, in the same order
	// (oldest first).
	Traces []Trace
}

// Trace is the trace status of one commit.
type Trace struct {
	Commit string             `json:"commit"`
	Status policy.TraceStatus `json:"status"`
	// Records are the ids ("<writer>/<seq>") of the commit records its note
	// links.
	Records []string `json:"records,omitempty"`
	// Error says why the trace is invalid.
	Error string `json:"error,omitempty"`
}

// Invalid returns the traces whose status is neither ok nor missing.
func (r *Result) Invalid() []Trace {
	var out []Trace
	for _, t := range r.Traces {
		if t.Status != policy.TraceOK && t.Status != policy.TraceMissing {
			out = append(out, t)
		}
	}
	return out
}

// Build reads the range's commits and traces. Problems with a trace make
// that commit's trace invalid; only failures to read the repository itself
// are returned as errors.
func (b *Builder) Build(ctx context.Context, r Range) (*Result, error) {
	hs, err := b.Store.RevList(ctx, gitstore.RevQuery{Include: r.Include, Exclude: r.Exclude})
	if err != nil {
		return nil, fmt.Errorf("listing the commits of the range: %w", err)
	}
	slices.Reverse(hs)
	res := &Result{Input: policy.RangeInput{Branch: r.Branch, Commits: []policy.CommitInput{}}}
	if len(hs) == 0 {
		return res, nil
	}
	noteOf, err := b.readNotes(ctx, hs)
	if err != nil {
		return nil, err
	}
	objs, err := b.Store.ReadObjects(ctx, hs)
	if err != nil {
		return nil, fmt.Errorf("reading the commits of the range: %w", err)
	}
	ch, err := newChains(ctx, b.Store, b.Allowed)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		c, err := gitstore.ParseCommit(objs[h].Data)
		if err != nil {
			return nil, fmt.Errorf("parsing commit %s: %w", h, err)
		}
		ci, tr, err := b.commit(ctx, ch, h, c, noteOf[h])
		if err != nil {
			return nil, err
		}
		res.Input.Commits = append(res.Input.Commits, ci)
		res.Traces = append(res.Traces, tr)
	}
	attributeUsage(res.Input.Commits, hs, objs)
	return res, nil
}

// readNotes reads the commits' notes from every notes ref and combines
// them per commit.
func (b *Builder) readNotes(ctx context.Context, hs []gitstore.Hash) (map[gitstore.Hash][]byte, error) {
	refs := b.NotesRefs
	if refs == nil {
		refs = []string{record.NotesRef}
		remote, err := b.Store.ListRefs(ctx, record.RemoteNotesPrefix)
		if err != nil {
			return nil, fmt.Errorf("listing fetched notes: %w", err)
		}
		for _, r := range remote {
			refs = append(refs, r.Name)
		}
	}
	all := map[gitstore.Hash][][]byte{}
	for _, ref := range refs {
		got, err := notes.Notes{Store: b.Store, Ref: ref}.Read(ctx, hs)
		if err != nil {
			return nil, fmt.Errorf("reading notes %s: %w", ref, err)
		}
		for h, n := range got {
			all[h] = append(all[h], n)
		}
	}
	out := map[gitstore.Hash][]byte{}
	for h, ns := range all {
		if len(ns) == 1 {
			out[h] = ns[0]
		} else {
			out[h] = notes.CatSortUniq(ns...)
		}
	}
	return out, nil
}

// commit builds one commit's input and trace.
func (b *Builder) commit(ctx context.Context, ch *chains, h gitstore.Hash, c *gitstore.Commit, note []byte) (policy.CommitInput, Trace, error) {
	ci := policy.CommitInput{SHA: h.String(), Author: c.Author.Email, Trailers: ParseTrailers(c.Message)}
	files, err := b.changedFiles(ctx, h, c)
	if err != nil {
		return ci, Trace{}, err
	}
	ci.ChangedFiles = files
	tr := Trace{Commit: h.String(), Status: policy.TraceMissing}
	if note == nil {
		ci.TraceStatus = tr.Status
		return ci, tr, nil
	}
	t, err := ch.trace(ctx, h, note)
	if t != nil {
		tr.Records = t.records
	}
	if err != nil {
		tr.Status, tr.Error = policy.TraceInvalid, err.Error()
		ci.TraceStatus = tr.Status
		return ci, tr, nil
	}
	tr.Status = policy.TraceOK
	ci.TraceStatus = tr.Status
	ci.Sessions = t.sessions
	applyAttribution(ci.ChangedFiles, t.files)
	return ci, tr, nil
}

// changedFiles lists the files commit h changes against its first parent,
// with added line counts. Merge commits have none (see the package doc).
func (b *Builder) changedFiles(ctx context.Context, h gitstore.Hash, c *gitstore.Commit) ([]policy.ChangedFile, error) {
	if len(c.Parents) > 1 {
		return nil, nil
	}
	var parent gitstore.Hash
	if len(c.Parents) == 1 {
		parent = c.Parents[0]
	}
	diffs, err := b.Store.DiffTree(ctx, parent, h, gitstore.DiffOptions{Renames: true})
	if err != nil {
		return nil, fmt.Errorf("diffing commit %s: %w", h, err)
	}
	out := []policy.ChangedFile{}
	for _, d := range diffs {
		f := policy.ChangedFile{Path: d.NewPath}
		if f.Path == "" {
			f.Path = d.OldPath
		}
		for _, hk := range d.Hunks {
			f.AddedLines += hk.NewLines
		}
		out = append(out, f)
	}
	return out, nil
}

// applyAttribution copies AI line counts and origins from the commit
// record's files onto the changed files.
func applyAttribution(files []policy.ChangedFile, attr map[string]record.FileAttr) {
	for i := range files {
		fa, ok := attr[files[i].Path]
		if !ok {
			continue
		}
		files[i].AILines = fa.AI
		seen := map[policy.Origin]bool{}
		for _, r := range fa.Ranges {
			o := policy.Origin{Agent: r.Agent, Model: r.Model, SessionID: r.Session}
			if !seen[o] {
				seen[o] = true
				files[i].AIBy = append(files[i].AIBy, o)
			}
		}
		slices.SortFunc(files[i].AIBy, func(a, b policy.Origin) int {
			return strings.Compare(a.Agent+"\x00"+a.Model+"\x00"+a.SessionID, b.Agent+"\x00"+b.Model+"\x00"+b.SessionID)
		})
	}
}

// attributeUsage sets each commit's cost and tokens from the sessions it is
// the first (oldest) commit of the range to reference, and the author-day
// running sums over the range in UTC.
func attributeUsage(cs []policy.CommitInput, hs []gitstore.Hash, objs map[gitstore.Hash]gitstore.Object) {
	counted := map[string]bool{}
	type day struct {
		cost   float64
		tokens int64
	}
	days := map[string]*day{}
	for i := range cs {
		c := &cs[i]
		for _, s := range c.Sessions {
			if s == nil || counted[s.ID] {
				continue
			}
			counted[s.ID] = true
			c.Tokens = c.Tokens.Add(s.Total.Tokens)
			if s.Total.CostUSD != nil {
				v := *s.Total.CostUSD
				if c.CostUSD != nil {
					v += *c.CostUSD
				}
				c.CostUSD = &v
			}
		}
		when := ""
		if gc, err := gitstore.ParseCommit(objs[hs[i]].Data); err == nil {
			when = gc.Author.When.UTC().Format("2006-01-02")
		}
		d := days[c.Author+" "+when]
		if d == nil {
			d = &day{}
			days[c.Author+" "+when] = d
		}
		if c.CostUSD != nil {
			d.cost += *c.CostUSD
		}
		d.tokens += c.Tokens.Total()
		c.AuthorDayCostUSD, c.AuthorDayTokens = d.cost, d.tokens
	}
}

// traceData is what a valid trace gives a commit.
type traceData struct {
	records  []string
	sessions []*capture.Session
	files    map[string]record.FileAttr
}

// trace verifies a commit's note against its records and returns what the
// records say.
func (ch *chains) trace(ctx context.Context, commit gitstore.Hash, raw []byte) (*traceData, error) {
	n, err := record.ParseNote(raw)
	if err != nil {
		return nil, fmt.Errorf("note: %w", err)
	}
	td := &traceData{files: map[string]record.FileAttr{}}
	for _, nr := range n.Records {
		td.records = append(td.records, nr.ID)
	}
	if len(n.Records) == 0 {
		return td, fmt.Errorf("note links no record")
	}
	var rendered []string
	seen := map[string]bool{}
	for _, nr := range n.Records {
		at, err := gitstore.ParseHash(nr.Commit)
		if err != nil {
			return td, fmt.Errorf("note: record %s: bad chain commit %q", nr.ID, nr.Commit)
		}
		st, err := ch.byID(ctx, nr.ID, at)
		if err != nil {
			return td, err
		}
		attr, err := st.Envelope.Commit()
		if err != nil {
			return td, err
		}
		if attr.Commit != commit.String() {
			return td, fmt.Errorf("record %s attributes commit %s, not this one", nr.ID, attr.Commit)
		}
		lines, err := renderedLines(st)
		if err != nil {
			return td, err
		}
		rendered = append(rendered, lines...)
		for _, fa := range attr.Files {
			if old, ok := td.files[fa.Path]; !ok || fa.AI > old.AI {
				td.files[fa.Path] = fa
			}
		}
		for _, sr := range attr.Sessions {
			if seen[sr.ID] {
				continue
			}
			seen[sr.ID] = true
			s, err := ch.session(ctx, sr)
			if err != nil {
				return td, err
			}
			td.sessions = append(td.sessions, s)
		}
	}
	if got, want := sortedSet(n.Lines), sortedSet(rendered); !slices.Equal(got, want) {
		return td, fmt.Errorf("note does not match its record: %s", firstDiff(got, want))
	}
	return td, nil
}

// session reads and checks the session record a commit record references.
func (ch *chains) session(ctx context.Context, sr record.SessionRef) (*capture.Session, error) {
	st, err := ch.byID(ctx, sr.Record, gitstore.ZeroHash)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", sr.ID, err)
	}
	s, err := st.Envelope.Session()
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", sr.ID, err)
	}
	if s.ID != sr.ID {
		return nil, fmt.Errorf("session %s: record %s holds session %s", sr.ID, sr.Record, s.ID)
	}
	return s, nil
}

func renderedLines(st *record.Stored) ([]string, error) {
	b, err := record.RenderNote(st)
	if err != nil {
		return nil, err
	}
	n, err := record.ParseNote(b)
	if err != nil {
		return nil, fmt.Errorf("re-rendering the note of %s: %w", st.Envelope.ID(), err)
	}
	return n.Lines, nil
}

// firstDiff names the first line in one list and not the other.
func firstDiff(got, want []string) string {
	for _, l := range got {
		if !slices.Contains(want, l) {
			return fmt.Sprintf("line %q is not derived from the record", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			return fmt.Sprintf("line %q is missing", l)
		}
	}
	return "lines differ"
}
