package show

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/sessions"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/inspect/history"
)

// SessionSummary is a session's identity and usage.
type SessionSummary struct {
	ID             string           `json:"id"`
	Record         string           `json:"record"`
	Agent          string           `json:"agent"`
	Author         capture.Identity `json:"author"`
	Models         []string         `json:"models"`
	StartedAt      time.Time        `json:"started_at"`
	EndedAt        time.Time        `json:"ended_at"`
	Tokens         capture.Tokens   `json:"tokens"`
	CostUSD        *float64         `json:"cost_usd"`
	UnpricedModels []string         `json:"unpriced_models"`
}

func summarize(s *capture.Session, rec string) SessionSummary {
	sum := SessionSummary{ID: s.ID, Record: rec, Agent: s.Agent, Author: s.Author, Models: s.Models, StartedAt: s.StartedAt, EndedAt: s.EndedAt,
		Tokens: s.Total.Tokens, CostUSD: s.Total.CostUSD, UnpricedModels: s.Unpriced}
	if sum.Models == nil {
		sum.Models = []string{}
	}
	if sum.UnpricedModels == nil {
		sum.UnpricedModels = []string{}
	}
	return sum
}

// SessionOutput is the JSON output for a session.
type SessionOutput struct {
	Kind    string         `json:"kind"` // "session"
	Session SessionSummary `json:"session"`
	// Source is "recorded" (from a writer chain) or "spool" (captured,
	// not recorded yet).
	Source   string         `json:"source"`
	Trace    string         `json:"trace"` // verified, unverified, unrecorded
	Problems []string       `json:"problems"`
	Branch   string         `json:"branch"`
	Commits  []string       `json:"commits"`
	Usage    render.Summary `json:"usage"`
	Timeline []Event        `json:"timeline"`
}

// Event is one timeline entry.
type Event struct {
	Time    time.Time       `json:"time"`
	Kind    string          `json:"kind"` // prompt, tool_call, edit, denial
	Text    string          `json:"text,omitempty"`
	Tool    string          `json:"tool,omitempty"`
	ToolID  string          `json:"tool_use_id,omitempty"`
	Status  string          `json:"status,omitempty"`
	Input   json.RawMessage `json:"input,omitempty"`
	Path    string          `json:"path,omitempty"`
	Op      string          `json:"op,omitempty"`
	Added   int             `json:"added,omitempty"`
	Removed int             `json:"removed,omitempty"`
	Human   bool            `json:"human,omitempty"`
	Diff    string          `json:"diff,omitempty"`
}

func showSession(ctx context.Context, f *cmdutil.Factory, opts *Options, repo *repoctx.Repo, reader *history.Reader) error {
	out, err := findSession(ctx, f, repo, reader, opts.Target)
	if err != nil {
		return err
	}
	out.Timeline = timeline(out.sess, opts.Transcript)
	if opts.JSON {
		err = inspectview.WriteJSON(f.IOStreams.Out, out.SessionOutput)
	} else {
		err = printSession(f, &out.SessionOutput, opts.Transcript)
	}
	if err == nil && out.Trace == string(history.StatusUnverified) {
		return inspectview.Unverified(1, "session trace")
	}
	return err
}

type found struct {
	SessionOutput
	sess *capture.Session
}

// findSession looks for the session's latest record in every chain, then
// in the spool.
func findSession(ctx context.Context, f *cmdutil.Factory, repo *repoctx.Repo, reader *history.Reader, id string) (*found, error) {
	all, err := reader.AllRecords(ctx, nil)
	if err != nil {
		return nil, err
	}
	var best *record.Stored
	var chain *history.Chain
	for _, cr := range all {
		for _, st := range cr.Records {
			if st.Envelope.Type != record.TypeSession {
				continue
			}
			s, err := st.Envelope.Session()
			if err == nil && s.ID == id && (best == nil || st.Envelope.CreatedAt.After(best.Envelope.CreatedAt)) {
				best, chain = st, cr.Chain
			}
		}
	}
	out := &found{SessionOutput: SessionOutput{Kind: "session", Problems: []string{}, Commits: []string{}}}
	if best != nil {
		out.sess, _ = best.Envelope.Session()
		out.Source, out.Trace = "recorded", string(history.StatusVerified)
		out.Session = summarize(out.sess, best.Envelope.ID())
		if chain.Err != nil {
			out.Trace, out.Problems = string(history.StatusUnverified), []string{chain.Err.Error()}
		}
	} else {
		s, err := spoolSession(f, id)
		if err != nil {
			return nil, err
		}
		out.sess, out.Source, out.Trace = s, "spool", "unrecorded"
		out.Session = summarize(s, "")
	}
	out.Branch = out.sess.Branch
	out.Usage = render.Summarize([]*capture.Session{out.sess}, sessions.FilesTouched)
	out.Commits, err = commitsOf(ctx, repo, id)
	return out, err
}

func spoolSession(f *cmdutil.Factory, id string) (*capture.Session, error) {
	dir, err := f.Getwd()
	if err != nil {
		return nil, err
	}
	sr, err := sessions.Open(dir)
	if err != nil {
		return nil, err
	}
	all, err := sr.All()
	if err != nil {
		return nil, err
	}
	for _, l := range all {
		if l.Session.ID == id || l.Name == id {
			return l.Session, nil
		}
	}
	return nil, fmt.Errorf("%q is neither a commit nor a session recorded in this repository", id)
}

// commitsOf lists the commits whose notes name the session (one notes
// listing, one batched read).
func commitsOf(ctx context.Context, repo *repoctx.Repo, id string) ([]string, error) {
	all, err := notes.Notes{Store: repo.Store, Ref: record.NotesRef}.ReadAll(ctx)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for c, b := range all {
		n, err := record.ParseNote(b)
		if err != nil {
			continue
		}
		for _, s := range n.Sessions {
			if s.ID == id {
				out = append(out, c.String())
				break
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

func timeline(s *capture.Session, transcript bool) []Event {
	var ev []Event
	for _, p := range s.Prompts {
		ev = append(ev, Event{Time: p.Time, Kind: "prompt", Text: p.Text})
	}
	for _, c := range s.ToolCalls {
		t := c.StartedAt
		if t.IsZero() || t.Year() < 2 {
			t = c.EndedAt
		}
		e := Event{Time: t, Kind: "tool_call", Tool: c.Name, ToolID: c.ID, Status: c.Status, Text: c.Error}
		if transcript {
			e.Input = c.Input
		}
		ev = append(ev, e)
	}
	for _, e := range s.Edits {
		ev = append(ev, Event{Time: e.Time, Kind: "edit", Tool: e.Tool, ToolID: e.ToolUseID, Path: e.Path, Op: e.Op, Added: e.Added, Removed: e.Removed, Human: e.Human, Diff: e.Diff})
	}
	for _, d := range s.Denials {
		ev = append(ev, Event{Time: d.Time, Kind: "denial", Tool: d.Tool, ToolID: d.ToolUseID, Text: d.Rule + ": " + d.Reason})
	}
	order := map[string]int{"prompt": 0, "tool_call": 1, "denial": 2, "edit": 3}
	sort.SliceStable(ev, func(i, j int) bool {
		if !ev[i].Time.Equal(ev[j].Time) {
			return ev[i].Time.Before(ev[j].Time)
		}
		return order[ev[i].Kind] < order[ev[j].Kind]
	})
	if ev == nil {
		ev = []Event{}
	}
	return ev
}
