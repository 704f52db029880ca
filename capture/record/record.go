package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Version is the record envelope format version (docs/format.md).
const Version = 1

// Record types.
const (
	TypeSession = "session"
	TypeCommit  = "commit"
	// TypeOverride records an explicit override of a fail-closed check
	// (tracevault check --override-offline): who, when, why and what.
	TypeOverride = "override"
)

// Override is the body of an override record: a person let a push through a
// check that would otherwise have failed closed.
type Override struct {
	// Check is what was overridden, e.g. "server-unreachable".
	Check  string `json:"check"`
	Reason string `json:"reason"`
	// Server is the server that could not be reached, if any.
	Server string `json:"server,omitempty"`
	// Remote and Refs say where the push was going (remote ref names).
	Remote string   `json:"remote,omitempty"`
	Refs   []string `json:"refs,omitempty"`
	// Commits are the commits that were checked with the local engine.
	Commits []string `json:"commits"`
	// Verdict is the local verdict JSON the push went ahead with.
	Verdict json.RawMessage `json:"verdict,omitempty"`
}

// Envelope is one record of a writer's chain, exactly as stored in
// record.json.
type Envelope struct {
	V         int             `json:"v"`
	Type      string          `json:"type"`
	Writer    string          `json:"writer"`
	Seq       int64           `json:"seq"`
	Prev      string          `json:"prev"`
	CreatedAt time.Time       `json:"created_at"`
	Body      json.RawMessage `json:"body"`
}

// CommitAttribution is the body of a commit record: who wrote each added
// line of a commit.
type CommitAttribution struct {
	Commit string `json:"commit"`
	Parent string `json:"parent,omitempty"`
	// Evidence is "hooks" (line-exact, from captured sessions) or "trailer"
	// (a commit trailer says an agent assisted; lines unknown).
	Evidence string `json:"evidence"`
	// RewrittenFrom lists the commits this one replaces (amend, rebase,
	// squash, cherry-pick), whose attribution was carried over.
	RewrittenFrom []string     `json:"rewritten_from,omitempty"`
	Sessions      []SessionRef `json:"sessions"`
	Files         []FileAttr   `json:"files"`
	AILines       int          `json:"ai_lines"`
	HumanLines    int          `json:"human_lines"`
	// Assisted lists agents named by commit trailers (weaker evidence).
	Assisted []Assist `json:"assisted,omitempty"`
}

// SessionRef names a session that contributed to a commit.
type SessionRef struct {
	ID     string   `json:"id"`
	Agent  string   `json:"agent"`
	Models []string `json:"models"`
	// Record is "<writer>/<seq>" of the session's latest record.
	Record string `json:"record"`
}

// FileAttr is the attribution of one file's added lines.
type FileAttr struct {
	Path    string  `json:"path"`
	OldPath string  `json:"old_path,omitempty"`
	Added   int     `json:"added"`
	AI      int     `json:"ai"`
	Human   int     `json:"human"`
	Ranges  []Range `json:"ranges"`
}

// Range is a run of added lines (1-based, inclusive, in the commit's version
// of the file) written by one agent tool call.
type Range struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Session string `json:"session"`
	Agent   string `json:"agent"`
	Model   string `json:"model,omitempty"`
	Tool    string `json:"tool,omitempty"`
}

// Assist is an agent a commit trailer names.
type Assist struct {
	Agent   string `json:"agent"`
	Model   string `json:"model,omitempty"`
	Trailer string `json:"trailer"`
}

// AIPercent is the share of added lines written by agents.
func (c *CommitAttribution) AIPercent() float64 {
	if c.AILines+c.HumanLines == 0 {
		return 0
	}
	return 100 * float64(c.AILines) / float64(c.AILines+c.HumanLines)
}

// Marshal encodes v canonically: struct fields in declaration order, map
// keys sorted, no HTML escaping, no insignificant white space.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ErrNotCanonical is returned for record bytes that decode but are not in
// canonical form.
var ErrNotCanonical = errors.New("record is not canonical")

// ParseEnvelope decodes record.json bytes strictly: unknown fields, a newer
// version, trailing data or a non-canonical encoding are errors.
func ParseEnvelope(b []byte) (*Envelope, error) {
	var e Envelope
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("decoding record: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decoding record: trailing data")
	}
	if e.V != Version {
		return nil, fmt.Errorf("record version %d is not supported (want %d)", e.V, Version)
	}
	if e.Type != TypeSession && e.Type != TypeCommit && e.Type != TypeOverride {
		return nil, fmt.Errorf("unknown record type %q", e.Type)
	}
	if e.Seq < 1 {
		return nil, fmt.Errorf("record seq %d: must be at least 1", e.Seq)
	}
	again, err := Marshal(&e)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, ErrNotCanonical
	}
	return &e, nil
}

// Session decodes a session record's body.
func (e *Envelope) Session() (*capture.Session, error) {
	if e.Type != TypeSession {
		return nil, fmt.Errorf("record %s/%d is a %s record, not a session", e.Writer, e.Seq, e.Type)
	}
	var s capture.Session
	if err := json.Unmarshal(e.Body, &s); err != nil {
		return nil, fmt.Errorf("decoding session record %s/%d: %w", e.Writer, e.Seq, err)
	}
	return &s, nil
}

// Commit decodes a commit record's body.
func (e *Envelope) Commit() (*CommitAttribution, error) {
	if e.Type != TypeCommit {
		return nil, fmt.Errorf("record %s/%d is a %s record, not a commit", e.Writer, e.Seq, e.Type)
	}
	var c CommitAttribution
	if err := json.Unmarshal(e.Body, &c); err != nil {
		return nil, fmt.Errorf("decoding commit record %s/%d: %w", e.Writer, e.Seq, err)
	}
	return &c, nil
}

// ID is "<writer>/<seq>".
func (e *Envelope) ID() string { return fmt.Sprintf("%s/%d", e.Writer, e.Seq) }
