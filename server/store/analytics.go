package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// ModelTotal is the usage of one model summed over sessions.
type ModelTotal struct {
	Model string
	capture.Tokens
	Requests int64
	Sessions int64
	// CostUSD sums the priced usage; Unpriced counts the sessions whose
	// usage of the model had no price and is not in CostUSD.
	CostUSD  float64
	Unpriced int64
}

// ModelTotals sums token usage per model over org's sessions matching f
// (by session start), largest total first.
func (s *Store) ModelTotals(ctx context.Context, org string, f Filter) ([]ModelTotal, error) {
	where, args := f.where(org, "started_at", true)
	rows, err := s.q(ctx).query(ctx, `SELECT u.model,
		CAST(SUM(u.input_tokens) AS BIGINT), CAST(SUM(u.output_tokens) AS BIGINT),
		CAST(SUM(u.cache_write_5m) AS BIGINT), CAST(SUM(u.cache_write_1h) AS BIGINT),
		CAST(SUM(u.cache_read) AS BIGINT), CAST(SUM(u.requests) AS BIGINT), COUNT(*),
		COALESCE(SUM(u.cost_usd), 0), CAST(SUM(CASE WHEN u.cost_usd IS NULL THEN 1 ELSE 0 END) AS BIGINT)
		FROM model_usage u JOIN sessions t ON t.org_id = u.org_id AND t.session_id = u.session_id
		WHERE `+where+` GROUP BY u.model
		ORDER BY SUM(u.input_tokens + u.output_tokens + u.cache_write_5m + u.cache_write_1h + u.cache_read) DESC, u.model`,
		args...)
	if err != nil {
		return nil, fmt.Errorf("totalling models of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []ModelTotal
	for rows.Next() {
		var m ModelTotal
		if err := rows.Scan(&m.Model, &m.Input, &m.Output, &m.CacheWrite5m, &m.CacheWrite1h,
			&m.CacheRead, &m.Requests, &m.Sessions, &m.CostUSD, &m.Unpriced); err != nil {
			return nil, fmt.Errorf("totalling models of org %s: %w", org, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AuthorTotal sums one author's sessions.
type AuthorTotal struct {
	Author          capture.Identity // the name is one the author used
	Sessions        int64
	Prompts         int64
	ToolCalls       int64
	AILinesAdded    int64
	HumanLinesAdded int64
	capture.Tokens
	CostUSD  float64 // priced sessions only
	Unpriced int64   // sessions without a full price
}

// AuthorTotals sums org's sessions matching f per author email, most
// sessions first.
func (s *Store) AuthorTotals(ctx context.Context, org string, f Filter) ([]AuthorTotal, error) {
	where, args := f.where(org, "started_at", true)
	rows, err := s.q(ctx).query(ctx, `SELECT t.author_email, MAX(t.author_name), COUNT(*),
		CAST(SUM(t.prompts) AS BIGINT), CAST(SUM(t.tool_calls) AS BIGINT),
		CAST(SUM(t.ai_lines_added) AS BIGINT), CAST(SUM(t.human_lines_added) AS BIGINT),
		CAST(SUM(t.input_tokens) AS BIGINT), CAST(SUM(t.output_tokens) AS BIGINT),
		CAST(SUM(t.cache_write_5m) AS BIGINT), CAST(SUM(t.cache_write_1h) AS BIGINT),
		CAST(SUM(t.cache_read) AS BIGINT), COALESCE(SUM(t.cost_usd), 0),
		CAST(SUM(CASE WHEN t.cost_usd IS NULL THEN 1 ELSE 0 END) AS BIGINT)
		FROM sessions t WHERE `+where+` GROUP BY t.author_email
		ORDER BY COUNT(*) DESC, t.author_email`, args...)
	if err != nil {
		return nil, fmt.Errorf("totalling authors of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []AuthorTotal
	for rows.Next() {
		var a AuthorTotal
		if err := rows.Scan(&a.Author.Email, &a.Author.Name, &a.Sessions, &a.Prompts, &a.ToolCalls,
			&a.AILinesAdded, &a.HumanLinesAdded, &a.Input, &a.Output, &a.CacheWrite5m,
			&a.CacheWrite1h, &a.CacheRead, &a.CostUSD, &a.Unpriced); err != nil {
			return nil, fmt.Errorf("totalling authors of org %s: %w", org, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CommitSession names a session that contributed to a commit
// (capture/record.SessionRef).
type CommitSession struct {
	ID     string   `json:"id"`
	Agent  string   `json:"agent"`
	Models []string `json:"models"`
	Record string   `json:"record"` // "<writer>/<seq>" of the session's record
}

// CommitFile is the attribution of one file's added lines
// (capture/record.FileAttr).
type CommitFile struct {
	Path    string  `json:"path"`
	OldPath string  `json:"old_path,omitempty"`
	Added   int     `json:"added"`
	AI      int     `json:"ai"`
	Human   int     `json:"human"`
	Ranges  []Range `json:"ranges"`
}

// Range is a run of added lines written by one agent tool call
// (capture/record.Range).
type Range struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Session string `json:"session"`
	Agent   string `json:"agent"`
	Model   string `json:"model,omitempty"`
	Tool    string `json:"tool,omitempty"`
}

// CommitSummary is a commit's attribution totals.
type CommitSummary struct {
	SHA        string
	Record     RecordRef // the commit record the row describes
	RecordedAt time.Time // the record's created_at
	Repo       int64
	Parent     string
	Evidence   string
	AILines    int64
	HumanLines int64
}

// AIPercent is the share of added lines written by agents, 0 to 100.
func (c *CommitSummary) AIPercent() float64 {
	if c.AILines+c.HumanLines == 0 {
		return 0
	}
	return 100 * float64(c.AILines) / float64(c.AILines+c.HumanLines)
}

// Commit is a commit's full attribution.
type Commit struct {
	CommitSummary
	RewrittenFrom []string
	Sessions      []CommitSession
	Files         []CommitFile
}

const commitSelect = `SELECT t.sha, t.writer, t.seq, t.record_created_at, t.repo_id, t.parent,
	t.evidence, t.ai_lines, t.human_lines FROM commits t`

func scanCommit(r rowScanner) (CommitSummary, error) {
	var c CommitSummary
	err := r.Scan(&c.SHA, &c.Record.Writer, &c.Record.Seq, scanTime(&c.RecordedAt),
		scanNullInt(&c.Repo), &c.Parent, &c.Evidence, &c.AILines, &c.HumanLines)
	return c, err
}

// Commits lists org's attributed commits matching f (by record time),
// newest first.
func (s *Store) Commits(ctx context.Context, org string, f Filter) ([]CommitSummary, error) {
	where, args := f.where(org, "record_created_at", false)
	args = append(args, f.limit())
	rows, err := s.q(ctx).query(ctx, commitSelect+` WHERE `+where+
		fmt.Sprintf(` ORDER BY t.record_created_at DESC, t.sha LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("listing commits of org %s: %w", org, err)
	}
	defer rows.Close()
	var out []CommitSummary
	for rows.Next() {
		c, err := scanCommit(rows)
		if err != nil {
			return nil, fmt.Errorf("listing commits of org %s: %w", org, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Commit returns the attribution of org's commit sha, or an error wrapping
// [ErrNotFound].
func (s *Store) Commit(ctx context.Context, org, sha string) (*Commit, error) {
	q := s.q(ctx)
	sum, err := scanCommit(q.queryRow(ctx, commitSelect+` WHERE t.org_id = $1 AND t.sha = $2`, org, sha))
	if errors.Is(err, errNoRows) {
		return nil, fmt.Errorf("reading commit %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading commit %s: %w", sha, err)
	}
	c := &Commit{CommitSummary: sum}
	var rewritten string
	if err := q.queryRow(ctx, `SELECT rewritten_from FROM commits WHERE org_id = $1 AND sha = $2`,
		org, sha).Scan(&rewritten); err != nil {
		return nil, fmt.Errorf("reading commit %s: %w", sha, err)
	}
	if err := json.Unmarshal([]byte(rewritten), &c.RewrittenFrom); err != nil {
		return nil, fmt.Errorf("decoding commit %s: %w", sha, err)
	}
	if c.Sessions, err = commitSessions(ctx, q, org, sha); err != nil {
		return nil, err
	}
	if c.Files, err = commitFiles(ctx, q, org, sha); err != nil {
		return nil, err
	}
	return c, nil
}

func commitSessions(ctx context.Context, q querier, org, sha string) ([]CommitSession, error) {
	rows, err := q.query(ctx, `SELECT session_id, agent, models, record FROM commit_sessions
		WHERE org_id = $1 AND sha = $2 ORDER BY ord`, org, sha)
	if err != nil {
		return nil, fmt.Errorf("reading sessions of commit %s: %w", sha, err)
	}
	defer rows.Close()
	var out []CommitSession
	for rows.Next() {
		var cs CommitSession
		var models string
		if err := rows.Scan(&cs.ID, &cs.Agent, &models, &cs.Record); err != nil {
			return nil, fmt.Errorf("reading sessions of commit %s: %w", sha, err)
		}
		if err := json.Unmarshal([]byte(models), &cs.Models); err != nil {
			return nil, fmt.Errorf("decoding sessions of commit %s: %w", sha, err)
		}
		out = append(out, cs)
	}
	return out, rows.Err()
}

func commitFiles(ctx context.Context, q querier, org, sha string) ([]CommitFile, error) {
	rows, err := q.query(ctx, `SELECT f.ord, f.path, f.old_path, f.added, f.ai, f.human,
		r.start_line, r.end_line, r.session_id, r.agent, r.model, r.tool
		FROM commit_files f LEFT JOIN attribution_ranges r
		ON r.org_id = f.org_id AND r.sha = f.sha AND r.file_ord = f.ord
		WHERE f.org_id = $1 AND f.sha = $2 ORDER BY f.ord, r.ord`, org, sha)
	if err != nil {
		return nil, fmt.Errorf("reading files of commit %s: %w", sha, err)
	}
	defer rows.Close()
	var out []CommitFile
	last := -1
	for rows.Next() {
		var ord int
		var f CommitFile
		var start, end *int
		var sess, agent, model, tool *string
		if err := rows.Scan(&ord, &f.Path, &f.OldPath, &f.Added, &f.AI, &f.Human,
			&start, &end, &sess, &agent, &model, &tool); err != nil {
			return nil, fmt.Errorf("reading files of commit %s: %w", sha, err)
		}
		if ord != last {
			out, last = append(out, f), ord
		}
		if start != nil {
			cf := &out[len(out)-1]
			cf.Ranges = append(cf.Ranges, Range{Start: *start, End: *end, Session: *sess,
				Agent: *agent, Model: *model, Tool: *tool})
		}
	}
	return out, rows.Err()
}
