package policy

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

// Real Claude Code transcripts from the shared fixtures.
const (
	// Opus 4.5: reads, two Edits of cmd/entire/cli/agent/claudecode/claude.go,
	// then "go build", "mise run test", "mise run lint", "git push".
	fxBuildAndTest = "claude-code/transcripts/entireio-cli/73/7e6e3ea2ad/0/full.jsonl"
	// Sonnet 4 (claude-sonnet-4-20250514): Edit/MultiEdit of
	// src/app/globals.css and src/game/HistoryLog.tsx; no Bash.
	fxSonnetEdits = "claude-code/transcripts/git-ai-project-git-ai/tests/fixtures/example-claude-code.jsonl"
	// Opus 4.6: one Write of SECRETS.md.
	fxOpusWrite = "claude-code/transcripts/entireio-cli/39/7737088f0a/0/full.jsonl"
)

// loadClaudeSession builds a capture.Session from a Claude Code transcript
// with a deliberately tiny reader: models, tool calls (paired with their
// results) and the files that Write/Edit/MultiEdit touched, repo-relative.
func loadClaudeSession(t testing.TB, rel string) *capture.Session {
	t.Helper()
	f, err := os.Open(testutil.Fixture(t, rel))
	if err != nil {
		t.Fatalf("opening fixture: %v", err)
	}
	defer f.Close()
	type block struct {
		Type      string          `json:"type"`
		ID        string          `json:"id"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
		ToolUseID string          `json:"tool_use_id"`
		IsError   bool            `json:"is_error"`
	}
	type line struct {
		Type      string    `json:"type"`
		SessionID string    `json:"sessionId"`
		Cwd       string    `json:"cwd"`
		Branch    string    `json:"gitBranch"`
		Time      time.Time `json:"timestamp"`
		Message   *struct {
			Model   string          `json:"model"`
			Content json.RawMessage `json:"content"`
		} `json:"message"`
	}
	s := &capture.Session{Version: capture.FormatVersion, Agent: capture.AgentClaudeCode, Evidence: "hooks"}
	index := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var l line
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Message == nil {
			continue
		}
		if s.ID == "" {
			s.ID, s.Cwd, s.Branch, s.StartedAt = l.SessionID, l.Cwd, l.Branch, l.Time
		}
		if m := l.Message.Model; m != "" && !strings.HasPrefix(m, "<") && !slices.Contains(s.Models, m) {
			s.Models = append(s.Models, m)
		}
		var blocks []block
		if json.Unmarshal(l.Message.Content, &blocks) != nil {
			continue
		}
		for _, b := range blocks {
			switch b.Type {
			case "tool_use":
				index[b.ID] = len(s.ToolCalls)
				s.ToolCalls = append(s.ToolCalls, capture.ToolCall{
					ID: b.ID, Name: b.Name, Input: b.Input, Status: capture.ToolPending,
					StartedAt: l.Time, Model: l.Message.Model,
				})
				var in struct {
					FilePath string `json:"file_path"`
				}
				if json.Unmarshal(b.Input, &in) == nil && in.FilePath != "" &&
					(b.Name == "Write" || b.Name == "Edit" || b.Name == "MultiEdit") {
					s.Edits = append(s.Edits, capture.FileEdit{
						ToolUseID: b.ID, Tool: b.Name, Time: l.Time, Op: capture.OpModify, Model: l.Message.Model,
						Path: strings.TrimPrefix(in.FilePath, l.Cwd+"/"),
					})
				}
			case "tool_result":
				if i, ok := index[b.ToolUseID]; ok {
					s.ToolCalls[i].Status = capture.ToolOK
					if b.IsError {
						s.ToolCalls[i].Status = capture.ToolFailed
					}
					s.ToolCalls[i].EndedAt = l.Time
				}
			}
		}
		s.EndedAt = l.Time
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("reading fixture %s: %v", rel, err)
	}
	if s.ID == "" || len(s.ToolCalls) == 0 {
		t.Fatalf("fixture %s: no session or tool calls read", rel)
	}
	return s
}

// commitFromSession makes a commit whose changed files are the session's
// edits, all AI-written by it.
func commitFromSession(sha string, s *capture.Session) CommitInput {
	c := CommitInput{SHA: sha, Branch: s.Branch, Sessions: []*capture.Session{s}, TraceStatus: TraceOK}
	seen := map[string]bool{}
	for _, e := range s.Edits {
		if seen[e.Path] {
			continue
		}
		seen[e.Path] = true
		c.ChangedFiles = append(c.ChangedFiles, ChangedFile{
			Path: e.Path, AddedLines: 10, AILines: 10,
			AIBy: []Origin{{Agent: s.Agent, Model: e.Model, SessionID: s.ID}},
		})
	}
	return c
}

// toolCallFrom turns a recorded tool call into the hook's input.
func toolCallFrom(t testing.TB, s *capture.Session, tc capture.ToolCall) ToolCallInput {
	t.Helper()
	in := ToolCallInput{Agent: s.Agent, Model: tc.Model, SessionID: s.ID, Tool: tc.Name, Branch: s.Branch}
	if cmd, ok := shellCommand(&tc); ok {
		in.Command, in.ToolKind = cmd, capture.ToolShell
	}
	for _, e := range s.Edits {
		if e.ToolUseID == tc.ID {
			in.Paths, in.ToolKind = append(in.Paths, e.Path), capture.ToolFileEdit
		}
	}
	return in
}

func TestFixtureReader(t *testing.T) {
	s := loadClaudeSession(t, fxBuildAndTest)
	if !slices.Contains(s.Models, "claude-opus-4-5-20251101") {
		t.Errorf("models = %v, want claude-opus-4-5-20251101", s.Models)
	}
	if len(s.Edits) != 2 || s.Edits[0].Path != "cmd/entire/cli/agent/claudecode/claude.go" {
		t.Errorf("edits = %+v, want two edits of claude.go", s.Edits)
	}
}

func toolCallOf(name, input string) capture.ToolCall {
	return capture.ToolCall{ID: "t", Name: name, Input: json.RawMessage(input), Status: capture.ToolOK}
}
