package agents_test

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommitTrailers: without any agent session, a commit whose message
// carries an AI trailer is recorded as AI-assisted with unknown lines,
// labelled as trailer evidence.
func TestCommitTrailers(t *testing.T) {
	cases := []struct {
		name, trailer, agent, model string
	}{
		{"claude", "Co-Authored-By: Claude <noreply@anthropic.com>", "claude-code", "-"},
		{"claude-model", "Co-Authored-By: Claude Opus 4.6 <noreply@anthropic.com>", "claude-code", "-"},
		{"aider", "Co-authored-by: aider (openrouter/anthropic/claude-sonnet-4.5) <noreply@aider.dev>", "aider", "openrouter/anthropic/claude-sonnet-4.5"},
		{"assisted-by", "Assisted-by: codex:gpt-5.5", "codex", "gpt-5.5"},
		{"assisted-by-no-model", "Assisted-by: gemini-cli", "gemini-cli", "-"},
	}
	e := newEnv(t)
	repo := e.newRepo(nil, "--agent", "claude-code")
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := &env{t: t, home: e.home}
			writeFile(t, filepath.Join(repo, c.name+".txt"), "line one\nline two\n")
			e.git(repo, "add", "-A")
			e.git(repo, "commit", "-q", "-m", "change "+c.name+"\n\nBody text.\n\n"+c.trailer)
			note, ai := e.note(repo, "HEAD")
			t.Logf("note %d:\n%s", i, note)
			if len(ai) != 0 {
				t.Errorf("tv1 ai lines %v; a trailer names no lines", ai)
			}
			summary := strings.SplitN(note, "\n", 2)[0]
			if !strings.Contains(summary, "AI-assisted per commit trailer") {
				t.Errorf("summary = %q, want trailer evidence", summary)
			}
			model := c.model
			if model != "-" {
				model = url.PathEscape(model)
			}
			want := "tv1 assisted " + url.PathEscape(c.agent) + " " + model + " "
			found := false
			for _, l := range strings.Split(note, "\n") {
				if strings.HasPrefix(l, want) {
					found = true
					if tr, err := url.PathUnescape(strings.TrimPrefix(l, want)); err != nil || tr != c.trailer {
						t.Errorf("trailer in %q = %q, %v; want %q", l, tr, err, c.trailer)
					}
				}
			}
			if !found {
				t.Errorf("note lacks a line starting %q", want)
			}
		})
	}
	// A commit without a trailer and without sessions is human.
	writeFile(t, filepath.Join(repo, "plain.txt"), "x\n")
	e.git(repo, "add", "-A")
	e.git(repo, "commit", "-q", "-m", "plain\n\nSigned-off-by: A <a@example.com>")
	out, err := gitMaybe(e, repo, "notes", "--ref=refs/notes/tracevault", "show", "HEAD")
	if err == nil && strings.Contains(out, "tv1 assisted") {
		t.Errorf("plain commit note claims assistance:\n%s", out)
	}
}
