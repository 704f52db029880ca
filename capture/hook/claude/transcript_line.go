package claude

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// envelope holds the fields of a transcript line that usage accounting and
// [TranscriptInfo] need. Content blocks are never decoded into it.
type envelope struct {
	Type        string        `json:"type"`
	SessionID   *string       `json:"sessionId"`
	CWD         string        `json:"cwd"`
	GitBranch   string        `json:"gitBranch"`
	Version     *string       `json:"version"`
	Timestamp   string        `json:"timestamp"`
	IsSidechain bool          `json:"isSidechain"`
	AgentID     string        `json:"agentId"`
	RequestID   *string       `json:"requestId"`
	Message     *apiMessage   `json:"message"`
	Data        *progressData `json:"data"`
}

type apiMessage struct {
	ID    *string   `json:"id"`
	Model *string   `json:"model"`
	Usage *apiUsage `json:"usage"`
}

type apiUsage struct {
	Input         int64       `json:"input_tokens"`
	Output        int64       `json:"output_tokens"`
	CacheCreation *int64      `json:"cache_creation_input_tokens"`
	CacheRead     int64       `json:"cache_read_input_tokens"`
	Split         *cacheSplit `json:"cache_creation"`
	Speed         string      `json:"speed"`
}

// cacheSplit is usage.cache_creation: the cache writes by lifetime.
type cacheSplit struct {
	W5m int64 `json:"ephemeral_5m_input_tokens"`
	W1h int64 `json:"ephemeral_1h_input_tokens"`
}

// progressData is the data object of a "progress" line.
type progressData struct {
	Type    string    `json:"type"`
	AgentID string    `json:"agentId"`
	Message *envelope `json:"message"`
}

type parser struct {
	opts    ParseOptions
	entries []capture.UsageEntry
	info    TranscriptInfo
}

func newParser(opts ParseOptions) *parser { return &parser{opts: opts} }

// line handles one line, with or without its trailing newline.
func (p *parser) line(b []byte) {
	b = bytes.TrimRight(b, "\r\n")
	if len(bytes.TrimSpace(b)) == 0 {
		return
	}
	p.info.Lines++
	hasUsage := bytes.Contains(b, usageMarker)
	if !hasUsage && p.opts.SkipInfo {
		return
	}
	var env envelope
	// A field of an unexpected type (a string "message", say) leaves that
	// field zero and the rest decoded; such a line yields no entry.
	err := decodeEnvelope(b, &env)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		p.info.Malformed++
		return
	}
	p.noteInfo(&env)
	if !hasUsage {
		return
	}
	if err != nil {
		p.info.Skipped++
		return
	}
	if env.Type == "progress" {
		p.progress(&env)
		return
	}
	e, ok, valid := usageEntry(&env)
	if !valid {
		p.info.Skipped++
	}
	if ok {
		p.add(e)
	}
}

// progress handles a progress line: an agent_progress line embeds one line
// of a subagent, counted as that agent's request unless the agent's own
// file is read too.
func (p *parser) progress(env *envelope) {
	d := env.Data
	if p.opts.IgnoreProgress || d == nil || d.Type != "agent_progress" || d.Message == nil {
		return
	}
	if p.opts.HasAgentFile != nil && p.opts.HasAgentFile(d.AgentID) {
		return
	}
	inner := d.Message
	if inner.SessionID == nil {
		inner.SessionID = env.SessionID
	}
	e, ok, valid := usageEntry(inner)
	if !valid {
		p.info.Skipped++
	}
	if ok {
		e.Sidechain = true
		e.AgentID = d.AgentID
		p.add(e)
	}
}

func (p *parser) add(e capture.UsageEntry) {
	if e.Model != SyntheticModel && !containsString(p.info.Models, e.Model) {
		p.info.Models = append(p.info.Models, e.Model)
	}
	p.entries = append(p.entries, e)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) noteInfo(env *envelope) {
	in := &p.info
	if in.SessionID == "" && env.SessionID != nil {
		in.SessionID = *env.SessionID
	}
	if env.CWD != "" {
		in.CWD = env.CWD
	}
	if env.GitBranch != "" {
		in.GitBranch = env.GitBranch
	}
	if env.Version != nil && *env.Version != "" {
		in.Version = *env.Version
	}
	if env.Timestamp == "" {
		return
	}
	t, err := time.Parse(time.RFC3339Nano, env.Timestamp)
	if err != nil {
		return
	}
	if in.First.IsZero() || t.Before(in.First) {
		in.First = t
	}
	if t.After(in.Last) {
		in.Last = t
	}
}

// usageEntry turns a line with message.usage into an entry. ok is false
// when the line carries no usage or is rejected; valid is false only when
// it carried usage but was rejected by the same checks ccusage applies
// (unparsable timestamp, a "version" that is not x.y.z, an empty session,
// request or message id or model, a negative count).
func usageEntry(env *envelope) (e capture.UsageEntry, ok, valid bool) {
	m := env.Message
	if m == nil || m.Usage == nil {
		return e, false, true
	}
	t, err := time.Parse(time.RFC3339Nano, env.Timestamp)
	if err != nil || !validIDs(env, m) || !m.Usage.valid() {
		return e, false, false
	}
	u := m.Usage
	e = capture.UsageEntry{
		Time:      t,
		Tokens:    capture.Tokens{Input: u.Input, Output: u.Output, CacheRead: u.CacheRead},
		Speed:     u.Speed,
		Sidechain: env.IsSidechain,
		AgentID:   env.AgentID,
	}
	e.CacheWrite5m, e.CacheWrite1h = u.cacheWrites()
	if m.Model != nil {
		e.Model = *m.Model
	}
	if m.ID != nil && env.RequestID != nil {
		e.Key = *m.ID + ":" + *env.RequestID
	}
	return e, true, true
}

func validIDs(env *envelope, m *apiMessage) bool {
	for _, s := range []*string{env.SessionID, env.RequestID, m.ID, m.Model} {
		if s != nil && *s == "" {
			return false
		}
	}
	// Claude Code always writes a model; a line without one is not a request.
	return m.Model != nil && (env.Version == nil || isVersion(*env.Version))
}

func (u *apiUsage) valid() bool {
	if u.Input < 0 || u.Output < 0 || u.CacheRead < 0 {
		return false
	}
	if u.CacheCreation != nil && *u.CacheCreation < 0 {
		return false
	}
	return u.Split == nil || (u.Split.W5m >= 0 && u.Split.W1h >= 0)
}

// cacheWrites splits cache_creation_input_tokens into 5-minute and 1-hour
// writes. The total is authoritative: the split is clamped to it, and any
// remainder (or a total with no split, as old versions wrote) is 5-minute.
func (u *apiUsage) cacheWrites() (w5m, w1h int64) {
	if u.CacheCreation == nil {
		if u.Split == nil {
			return 0, 0
		}
		return u.Split.W5m, u.Split.W1h
	}
	total := *u.CacheCreation
	if u.Split == nil {
		return total, 0
	}
	w5m = min(u.Split.W5m, total)
	w1h = min(u.Split.W1h, total-w5m)
	return total - w1h, w1h
}

// isVersion reports whether s starts with digits.digits.digit, as a Claude
// Code version does.
func isVersion(s string) bool {
	i := 0
	for part := 0; part < 2; part++ {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start || i >= len(s) || s[i] != '.' {
			return false
		}
		i++
	}
	return i < len(s) && s[i] >= '0' && s[i] <= '9'
}
