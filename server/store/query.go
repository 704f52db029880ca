package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Filter narrows a listing or a total. Zero fields do not filter.
type Filter struct {
	Repo   int64     // sessions or commits of this repository
	Author string    // sessions whose author email is this
	Agent  string    // sessions of this agent
	Since  time.Time // started (sessions) or recorded (commits) at or after
	Until  time.Time // … and before
	Limit  int       // at most this many rows; 0 means 100
}

func (f Filter) limit() int {
	if f.Limit <= 0 {
		return 100
	}
	return f.Limit
}

// where builds "org_id = $1 AND …" for a table aliased t, whose time column
// is timeCol, and returns it with its arguments.
func (f Filter) where(org, timeCol string, sessions bool) (string, []any) {
	conds := []string{"t.org_id = $1"}
	args := []any{org}
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Repo != 0 {
		add("t.repo_id = $%d", f.Repo)
	}
	if sessions && f.Author != "" {
		add("t.author_email = $%d", f.Author)
	}
	if sessions && f.Agent != "" {
		add("t.agent = $%d", f.Agent)
	}
	if !f.Since.IsZero() {
		add("t."+timeCol+" >= $%d", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("t."+timeCol+" < $%d", f.Until.UTC())
	}
	return strings.Join(conds, " AND "), args
}

// SessionSummary is a session's row: what a listing shows.
type SessionSummary struct {
	ID              string
	Record          RecordRef // the latest record, which the row describes
	Repo            int64
	Agent           string
	AgentVersion    string
	Author          capture.Identity
	Branch          string
	HeadAtStart     string
	StartedAt       time.Time
	EndedAt         time.Time
	Ended           bool
	Evidence        string
	Models          []string
	Prompts         int
	ToolCalls       int
	Edits           int
	AILinesAdded    int64
	HumanLinesAdded int64
	Tokens          capture.Tokens
	CostUSD         *float64 // nil when a model is unpriced
}

const sessionSelect = `SELECT t.session_id, t.writer, t.seq, t.repo_id, t.agent, t.agent_version,
	t.author_name, t.author_email, t.branch, t.head_at_start, t.started_at, t.ended_at, t.ended,
	t.evidence, t.models, t.prompts, t.tool_calls, t.edits, t.ai_lines_added, t.human_lines_added,
	t.input_tokens, t.output_tokens, t.cache_write_5m, t.cache_write_1h, t.cache_read, t.cost_usd
	FROM sessions t`

func scanSession(r rowScanner) (SessionSummary, error) {
	var s SessionSummary
	var models string
	err := r.Scan(&s.ID, &s.Record.Writer, &s.Record.Seq, scanNullInt(&s.Repo), &s.Agent,
		&s.AgentVersion, &s.Author.Name, &s.Author.Email, &s.Branch, &s.HeadAtStart,
		scanTime(&s.StartedAt), scanTime(&s.EndedAt), &s.Ended, &s.Evidence, &models, &s.Prompts,
		&s.ToolCalls, &s.Edits, &s.AILinesAdded, &s.HumanLinesAdded, &s.Tokens.Input,
		&s.Tokens.Output, &s.Tokens.CacheWrite5m, &s.Tokens.CacheWrite1h, &s.Tokens.CacheRead, &s.CostUSD)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(models), &s.Models); err != nil {
		return s, fmt.Errorf("decoding models of session %s: %w", s.ID, err)
	}
	return s, nil
}

// Sessions lists org's sessions matching f, newest start first.
func (s *Store) Sessions(ctx context.Context, org string, f Filter) ([]SessionSummary, error) {
	where, args := f.where(org, "started_at", true)
	args = append(args, f.limit())
	rows, err := s.q(ctx).query(ctx, sessionSelect+` WHERE `+where+
		fmt.Sprintf(` ORDER BY t.started_at DESC, t.session_id LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("listing sessions of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []SessionSummary
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, fmt.Errorf("listing sessions of org %s: %w", org, err)
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// SessionDetail is a session with its decoded rows and its latest record.
type SessionDetail struct {
	SessionSummary
	Events      []SessionEvent
	FileChanges []capture.FileEdit // without diffs; Session has them
	Usage       []capture.ModelUsage
	// Session is the record's body, decoded from Record.Raw.
	Session *capture.Session
	Record  *Record
}

// Session returns org's session id, or an error wrapping [ErrNotFound].
func (s *Store) Session(ctx context.Context, org, id string) (*SessionDetail, error) {
	q := s.q(ctx)
	sum, err := scanSession(q.queryRow(ctx, sessionSelect+` WHERE t.org_id = $1 AND t.session_id = $2`, org, id))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("reading session %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading session %s: %w", id, err)
	}
	d := &SessionDetail{SessionSummary: sum}
	if d.Events, err = s.sessionEvents(ctx, q, org, id); err != nil {
		return nil, err
	}
	if d.FileChanges, err = s.fileChanges(ctx, q, org, id); err != nil {
		return nil, err
	}
	if d.Usage, err = s.sessionUsage(ctx, q, org, id); err != nil {
		return nil, err
	}
	if d.Record, err = s.Record(ctx, org, sum.Record.Writer, sum.Record.Seq); err != nil {
		return nil, err
	}
	var env envelope
	d.Session = new(capture.Session)
	if err := json.Unmarshal(d.Record.Raw, &env); err != nil {
		return nil, fmt.Errorf("decoding record %s: %w", sum.Record, err)
	}
	if err := json.Unmarshal(env.Body, d.Session); err != nil {
		return nil, fmt.Errorf("decoding record %s: %w", sum.Record, err)
	}
	return d, nil
}

func (s *Store) sessionEvents(ctx context.Context, q querier, org, id string) ([]SessionEvent, error) {
	rows, err := q.query(ctx, `SELECT kind, at, name, tool_use_id, status, detail, model, agent_id,
		duration_ms FROM session_events WHERE org_id = $1 AND session_id = $2 ORDER BY ord`, org, id)
	if err != nil {
		return nil, fmt.Errorf("reading events of session %s: %w", id, err)
	}
	defer rows.Close()
	var out []SessionEvent
	for rows.Next() {
		var e SessionEvent
		if err := rows.Scan(&e.Kind, scanTime(&e.Time), &e.Name, &e.ToolUseID, &e.Status,
			&e.Detail, &e.Model, &e.AgentID, &e.DurationMS); err != nil {
			return nil, fmt.Errorf("reading events of session %s: %w", id, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) fileChanges(ctx context.Context, q querier, org, id string) ([]capture.FileEdit, error) {
	rows, err := q.query(ctx, `SELECT path, old_path, op, tool, tool_use_id, at, added, removed,
		human, model, agent_id, before_hash, after_hash FROM file_changes
		WHERE org_id = $1 AND session_id = $2 ORDER BY ord`, org, id)
	if err != nil {
		return nil, fmt.Errorf("reading file changes of session %s: %w", id, err)
	}
	defer rows.Close()
	var out []capture.FileEdit
	for rows.Next() {
		var e capture.FileEdit
		if err := rows.Scan(&e.Path, &e.OldPath, &e.Op, &e.Tool, &e.ToolUseID, scanTime(&e.Time),
			&e.Added, &e.Removed, &e.Human, &e.Model, &e.AgentID, &e.Before, &e.After); err != nil {
			return nil, fmt.Errorf("reading file changes of session %s: %w", id, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Store) sessionUsage(ctx context.Context, q querier, org, id string) ([]capture.ModelUsage, error) {
	rows, err := q.query(ctx, `SELECT model, input_tokens, output_tokens, cache_write_5m,
		cache_write_1h, cache_read, requests, cost_usd FROM model_usage
		WHERE org_id = $1 AND session_id = $2 ORDER BY model`, org, id)
	if err != nil {
		return nil, fmt.Errorf("reading usage of session %s: %w", id, err)
	}
	defer rows.Close()
	var out []capture.ModelUsage
	for rows.Next() {
		var u capture.ModelUsage
		if err := rows.Scan(&u.Model, &u.Input, &u.Output, &u.CacheWrite5m, &u.CacheWrite1h,
			&u.CacheRead, &u.Requests, &u.CostUSD); err != nil {
			return nil, fmt.Errorf("reading usage of session %s: %w", id, err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Record returns org's record writer/seq, or an error wrapping
// [ErrNotFound].
func (s *Store) Record(ctx context.Context, org, writer string, seq int64) (*Record, error) {
	r := &Record{RecordRef: RecordRef{writer, seq}}
	var hash []byte
	var source string
	err := s.q(ctx).queryRow(ctx, `SELECT type, record_hash, prev, created_at, received_at, source,
		repo_id, raw, sig FROM records WHERE org_id = $1 AND writer = $2 AND seq = $3`, org, writer, seq).
		Scan(&r.Type, &hash, &r.Prev, scanTime(&r.CreatedAt), scanTime(&r.ReceivedAt), &source,
			scanNullInt(&r.Repo), &r.Raw, &r.Sig)
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("reading record %s: %w", r.RecordRef, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading record %s: %w", r.RecordRef, err)
	}
	r.Hash, r.Source = [32]byte(hash), Source(source)
	return r, nil
}

// Quarantined lists org's quarantined records, newest first.
func (s *Store) Quarantined(ctx context.Context, org string, limit int) ([]QuarantineEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.q(ctx).query(ctx, `SELECT id, writer, seq, record_hash, code, reason, source,
		repo_id, received_at, raw, sig FROM quarantine WHERE org_id = $1
		ORDER BY received_at DESC, id DESC LIMIT $2`, org, limit)
	if err != nil {
		return nil, fmt.Errorf("listing quarantine of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []QuarantineEntry
	for rows.Next() {
		var e QuarantineEntry
		var hash []byte
		var code, source string
		if err := rows.Scan(&e.ID, &e.Writer, &e.Seq, &hash, &code, &e.Reason, &source,
			scanNullInt(&e.Repo), scanTime(&e.ReceivedAt), &e.Raw, &e.Sig); err != nil {
			return nil, fmt.Errorf("listing quarantine of org %s: %w", org, err)
		}
		e.Hash, e.Code, e.Source = [32]byte(hash), Code(code), Source(source)
		out = append(out, e)
	}
	return out, rows.Err()
}
