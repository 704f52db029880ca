package storetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/server/store"
)

// T0 is the time the fixtures start at.
var T0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// Envelope builds a record.json the way capture/record writes one.
func Envelope(typ, writer string, seq int64, createdAt time.Time, body any) []byte {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err)
	}
	env := struct {
		V         int             `json:"v"`
		Type      string          `json:"type"`
		Writer    string          `json:"writer"`
		Seq       int64           `json:"seq"`
		Prev      string          `json:"prev"`
		CreatedAt time.Time       `json:"created_at"`
		Body      json.RawMessage `json:"body"`
	}{1, typ, writer, seq, "sha256:" + fmt.Sprintf("%064x", seq-1), createdAt, b}
	out, err := json.Marshal(env)
	if err != nil {
		panic(err)
	}
	return out
}

// Sig is a record.sig line for writer (the store keeps it verbatim).
func Sig(writer string, raw []byte) []byte {
	return fmt.Appendf(nil, "ed25519 %s %s\n", writer, base64.StdEncoding.EncodeToString(raw[:min(len(raw), 64)]))
}

func cost(f float64) *float64 { return &f }

// Session returns a session fixture: id by author, started at start, with
// two prompts, three tool calls, a denial, two agent edits, one human edit
// and usage of two models (one unpriced).
func Session(id, author string, start time.Time) *capture.Session {
	at := func(m int) time.Time { return start.Add(time.Duration(m) * time.Minute) }
	return &capture.Session{
		Version: 1, ID: id, Agent: capture.AgentClaudeCode, AgentVersion: "2.1.0",
		Author: capture.Identity{Name: "Dev " + author, Email: author + "@example.com"},
		Branch: "main", HeadAtStart: "abc123", StartedAt: start, EndedAt: at(30), Ended: true,
		Evidence: "hooks", Models: []string{"claude-sonnet-4-5", "local-llm"},
		Prompts: []capture.Prompt{{Time: at(1), Text: "add a flag"}, {Time: at(10), Text: "now tests"}},
		ToolCalls: []capture.ToolCall{
			{ID: "t1", Name: "Edit", Status: capture.ToolOK, StartedAt: at(2), DurationMS: 40, Model: "claude-sonnet-4-5"},
			{ID: "t2", Name: "Bash", Status: capture.ToolFailed, Error: "exit 1", StartedAt: at(3)},
			{ID: "t3", Name: "Write", Status: capture.ToolOK, StartedAt: at(11)},
		},
		Edits: []capture.FileEdit{
			{ToolUseID: "t1", Tool: "Edit", Time: at(2), Path: "main.go", Op: capture.OpModify, Added: 10, Removed: 2,
				Before: "sha256:aa", After: "sha256:bb", Diff: "@@ -1 +1 @@", Model: "claude-sonnet-4-5"},
			{ToolUseID: "t3", Tool: "Write", Time: at(11), Path: "main_test.go", Op: capture.OpCreate, Added: 30},
			{Time: at(20), Path: "README.md", Op: capture.OpModify, Added: 3, Removed: 1, Human: true},
		},
		Denials: []capture.Denial{{Time: at(5), ToolUseID: "t9", Tool: "Bash", Rule: "no-rm", Reason: "rm -rf"}},
		Usage: []capture.ModelUsage{
			{Model: "claude-sonnet-4-5", Tokens: capture.Tokens{Input: 1000, Output: 200, CacheRead: 5000, CacheWrite5m: 100}, CostUSD: cost(0.25), Requests: 4},
			{Model: "local-llm", Tokens: capture.Tokens{Input: 50, Output: 10}, Requests: 1},
		},
		Total: capture.ModelUsage{Model: "", Tokens: capture.Tokens{Input: 1050, Output: 210, CacheRead: 5000, CacheWrite5m: 100}, Requests: 5},
	}
}

// SessionRecord returns an incoming session record.
func SessionRecord(writer string, seq int64, s *capture.Session, repo int64, src store.Source) store.Incoming {
	raw := Envelope(store.TypeSession, writer, seq, s.StartedAt.Add(time.Duration(seq)*time.Second), s)
	return store.Incoming{Raw: raw, Sig: Sig(writer, raw), Repo: repo, Source: src}
}

// CommitBody mirrors capture/record.CommitAttribution.
type CommitBody struct {
	Commit        string                `json:"commit"`
	Parent        string                `json:"parent,omitempty"`
	Evidence      string                `json:"evidence"`
	RewrittenFrom []string              `json:"rewritten_from,omitempty"`
	Sessions      []store.CommitSession `json:"sessions"`
	Files         []store.CommitFile    `json:"files"`
	AILines       int                   `json:"ai_lines"`
	HumanLines    int                   `json:"human_lines"`
}

// Commit returns a commit attribution fixture: sha, with ai and human
// added lines in two files, attributed to session.
func Commit(sha, session string, ai, human int) *CommitBody {
	return &CommitBody{
		Commit: sha, Parent: "p" + sha, Evidence: "hooks", RewrittenFrom: []string{"old" + sha},
		Sessions: []store.CommitSession{{ID: session, Agent: capture.AgentClaudeCode,
			Models: []string{"claude-sonnet-4-5"}, Record: "w1/1"}},
		Files: []store.CommitFile{
			{Path: "main.go", Added: ai, AI: ai, Ranges: []store.Range{
				{Start: 1, End: ai / 2, Session: session, Agent: capture.AgentClaudeCode, Model: "claude-sonnet-4-5", Tool: "Edit"},
				{Start: ai/2 + 1, End: ai, Session: session, Agent: capture.AgentClaudeCode, Tool: "Write"},
			}},
			{Path: "README.md", OldPath: "README", Added: human, Human: human},
		},
		AILines: ai, HumanLines: human,
	}
}

// CommitRecord returns an incoming commit record created at createdAt.
func CommitRecord(writer string, seq int64, c *CommitBody, createdAt time.Time, repo int64) store.Incoming {
	raw := Envelope(store.TypeCommit, writer, seq, createdAt, c)
	return store.Incoming{Raw: raw, Sig: Sig(writer, raw), Repo: repo, Source: store.SourceMirror}
}
