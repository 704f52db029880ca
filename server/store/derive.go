package store

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Event kinds of the session_events table.
const (
	EventPrompt   = "prompt"
	EventToolCall = "tool_call"
	EventDenial   = "denial"
)

var (
	sessionCols = []string{"org_id", "session_id", "writer", "seq", "record_created_at", "repo_id",
		"agent", "agent_version", "author_name", "author_email", "branch", "head_at_start",
		"started_at", "ended_at", "ended", "evidence", "models", "prompts", "tool_calls", "edits",
		"ai_lines_added", "human_lines_added", "input_tokens", "output_tokens", "cache_write_5m",
		"cache_write_1h", "cache_read", "cost_usd"}
	eventCols = []string{"org_id", "session_id", "ord", "kind", "at", "name", "tool_use_id",
		"status", "detail", "model", "agent_id", "duration_ms"}
	fileChangeCols = []string{"org_id", "session_id", "ord", "path", "old_path", "op", "tool",
		"tool_use_id", "at", "added", "removed", "human", "model", "agent_id", "before_hash", "after_hash"}
	usageCols = []string{"org_id", "session_id", "model", "input_tokens", "output_tokens",
		"cache_write_5m", "cache_write_1h", "cache_read", "requests", "cost_usd"}
	commitCols = []string{"org_id", "sha", "writer", "seq", "record_created_at", "repo_id",
		"parent", "evidence", "rewritten_from", "ai_lines", "human_lines"}
	commitSessionCols = []string{"org_id", "sha", "ord", "session_id", "agent", "models", "record"}
	commitFileCols    = []string{"org_id", "sha", "ord", "path", "old_path", "added", "ai", "human"}
	rangeCols         = []string{"org_id", "sha", "file_ord", "ord", "start_line", "end_line",
		"session_id", "agent", "model", "tool"}
)

// tables collects rows per table, to be written in order.
type tables struct {
	names []string
	cols  map[string][]string
	rows  map[string][][]any
}

func newTables() *tables {
	return &tables{cols: map[string][]string{}, rows: map[string][][]any{}}
}

func (t *tables) add(table string, cols []string, row ...any) {
	if _, ok := t.cols[table]; !ok {
		t.names = append(t.names, table)
		t.cols[table] = cols
	}
	t.rows[table] = append(t.rows[table], row)
}

func (t *tables) write(ctx context.Context, q querier) error {
	for _, name := range t.names {
		if err := q.copyRows(ctx, name, t.cols[name], t.rows[name]); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) writeSessions(ctx context.Context) error {
	latest := b.newest(func(d *decoded) (string, bool) {
		if d.session == nil {
			return "", false
		}
		return d.session.ID, true
	})
	if len(latest) == 0 {
		return nil
	}
	ds, err := b.replaceable(ctx, "sessions", "session_id", latest)
	if err != nil {
		return err
	}
	t := newTables()
	for _, d := range ds {
		b.sessionRows(t, d)
	}
	return t.write(ctx, b.q)
}

func jsonText(v any) string {
	if v == nil {
		return "[]"
	}
	out, _ := json.Marshal(v)
	if string(out) == "null" {
		return "[]"
	}
	return string(out)
}

func (b *batch) sessionRows(t *tables, d *decoded) {
	s := d.session
	var aiLines, humanLines int64
	for _, e := range s.Edits {
		if e.Human {
			humanLines += int64(e.Added)
		} else {
			aiLines += int64(e.Added)
		}
	}
	total := s.Total
	if total.Tokens.Total() == 0 {
		for _, u := range s.Usage {
			total.Tokens = total.Tokens.Add(u.Tokens)
		}
	}
	t.add("sessions", sessionCols, b.org, s.ID, d.env.Writer, d.env.Seq, d.env.CreatedAt.UTC(),
		nullInt(d.in.Repo), s.Agent, s.AgentVersion, s.Author.Name, s.Author.Email, s.Branch,
		s.HeadAtStart, timeArg(s.StartedAt), timeArg(s.EndedAt), s.Ended, s.Evidence,
		jsonText(s.Models), len(s.Prompts), len(s.ToolCalls), len(s.Edits), aiLines, humanLines,
		total.Input, total.Output, total.CacheWrite5m, total.CacheWrite1h, total.CacheRead, total.CostUSD)
	for i, e := range sessionEvents(s) {
		t.add("session_events", eventCols, b.org, s.ID, i, e.Kind, timeArg(e.Time), e.Name,
			e.ToolUseID, e.Status, e.Detail, e.Model, e.AgentID, e.DurationMS)
	}
	for i, e := range s.Edits {
		t.add("file_changes", fileChangeCols, b.org, s.ID, i, e.Path, e.OldPath, e.Op, e.Tool,
			e.ToolUseID, timeArg(e.Time), e.Added, e.Removed, e.Human, e.Model, e.AgentID, e.Before, e.After)
	}
	for _, u := range mergeUsage(s.Usage) {
		t.add("model_usage", usageCols, b.org, s.ID, u.Model, u.Input, u.Output, u.CacheWrite5m,
			u.CacheWrite1h, u.CacheRead, u.Requests, u.CostUSD)
	}
}

// mergeUsage sums usage rows of the same model, keeping first-seen order.
func mergeUsage(us []capture.ModelUsage) []capture.ModelUsage {
	var out []capture.ModelUsage
	at := map[string]int{}
	for _, u := range us {
		i, ok := at[u.Model]
		if !ok {
			at[u.Model] = len(out)
			out = append(out, u)
			continue
		}
		m := &out[i]
		m.Tokens = m.Tokens.Add(u.Tokens)
		m.Requests += u.Requests
		m.CostUSD = addCost(m.CostUSD, u.CostUSD)
	}
	return out
}

func addCost(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil // unpriced stays unpriced
	}
	c := *a + *b
	return &c
}

// SessionEvent is one prompt, tool call or denial of a session.
type SessionEvent struct {
	Kind       string // EventPrompt, EventToolCall or EventDenial
	Time       time.Time
	Name       string // the tool
	ToolUseID  string
	Status     string // a tool call's status; "denied" for a denial
	Detail     string // a prompt's text, a tool call's error, a denial's rule and reason
	Model      string
	AgentID    string
	DurationMS int64
}

// sessionEvents returns s's prompts, tool calls and denials in time order.
func sessionEvents(s *capture.Session) []SessionEvent {
	var es []SessionEvent
	for _, p := range s.Prompts {
		es = append(es, SessionEvent{Kind: EventPrompt, Time: p.Time, Detail: p.Text})
	}
	for _, c := range s.ToolCalls {
		es = append(es, SessionEvent{Kind: EventToolCall, Time: c.StartedAt, Name: c.Name,
			ToolUseID: c.ID, Status: c.Status, Detail: c.Error, Model: c.Model, AgentID: c.AgentID,
			DurationMS: c.DurationMS})
	}
	for _, d := range s.Denials {
		es = append(es, SessionEvent{Kind: EventDenial, Time: d.Time, Name: d.Tool,
			ToolUseID: d.ToolUseID, Status: capture.ToolDenied, Detail: d.Rule + ": " + d.Reason})
	}
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	return es
}

func (b *batch) writeCommits(ctx context.Context) error {
	latest := b.newest(func(d *decoded) (string, bool) {
		if d.commit == nil {
			return "", false
		}
		return d.commit.Commit, true
	})
	if len(latest) == 0 {
		return nil
	}
	ds, err := b.replaceable(ctx, "commits", "sha", latest)
	if err != nil {
		return err
	}
	t := newTables()
	for _, d := range ds {
		b.commitRows(t, d)
	}
	return t.write(ctx, b.q)
}

func (b *batch) commitRows(t *tables, d *decoded) {
	c := d.commit
	t.add("commits", commitCols, b.org, c.Commit, d.env.Writer, d.env.Seq, d.env.CreatedAt.UTC(),
		nullInt(d.in.Repo), c.Parent, c.Evidence, jsonText(c.RewrittenFrom), c.AILines, c.HumanLines)
	for i, s := range c.Sessions {
		t.add("commit_sessions", commitSessionCols, b.org, c.Commit, i, s.ID, s.Agent,
			jsonText(s.Models), s.Record)
	}
	for i, f := range c.Files {
		t.add("commit_files", commitFileCols, b.org, c.Commit, i, f.Path, f.OldPath, f.Added, f.AI, f.Human)
		for j, r := range f.Ranges {
			t.add("attribution_ranges", rangeCols, b.org, c.Commit, i, j, r.Start, r.End,
				r.Session, r.Agent, r.Model, r.Tool)
		}
	}
}
