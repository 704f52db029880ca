package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/linker"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/internal/testutil"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// fixture is a repository with a writer that links commits in process,
// as the post-commit hook does.
type fixture struct {
	t     *testing.T
	dir   string
	store *gitcli.Store
	key   *sigkey.Key
	l     *linker.Linker
	seq   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := testutil.NewRepo(t)
	st, err := gitcli.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := sigkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	who := capture.Identity{Name: "Test Author", Email: "author@example.com"}
	w := &record.Writer{Store: st, Key: key, Identity: gitstore.Signature{Name: who.Name, Email: who.Email}, Now: time.Now}
	f := &fixture{t: t, dir: dir, store: st, key: key}
	f.l = &linker.Linker{Store: st, Spool: spool.ForGitDir(st.CommonDir()), Writer: w, Prices: prices, Author: who}
	return f
}

// allowed returns allowed_signers trusting the fixture's writer.
func (f *fixture) allowed() *sigkey.AllowedSigners {
	pub := f.key.Public()
	as, err := sigkey.ParseAllowedSigners([]byte(sigkey.Signer{WriterID: pub.WriterID(), Identity: "author@example.com", Key: pub}.Line() + "\n"))
	if err != nil {
		f.t.Fatal(err)
	}
	return as
}

// hook feeds one Claude Code payload to the agent hook in process.
func (f *fixture) hook(payload map[string]any) {
	f.t.Helper()
	b, _ := json.Marshal(payload)
	var out bytes.Buffer
	hookrun.Run(hookrun.Options{Agent: "claude-code", Stdin: bytes.NewReader(b), Stdout: &out,
		Getwd: func() (string, error) { return f.dir, nil }, Getenv: func(string) string { return "" }})
}

// aiWrite has session write path with content, as Claude Code's Write.
func (f *fixture) aiWrite(session, path, content string) {
	f.t.Helper()
	abs := filepath.Join(f.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		f.t.Fatal(err)
	}
	f.seq++
	id := "toolu_" + session + "_" + string(rune('a'+f.seq))
	input := map[string]any{"file_path": abs, "content": content}
	f.hook(map[string]any{"session_id": session, "cwd": f.dir, "hook_event_name": "PreToolUse", "tool_name": "Write", "tool_use_id": id, "tool_input": input})
	if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
	f.hook(map[string]any{"session_id": session, "cwd": f.dir, "hook_event_name": "PostToolUse", "tool_name": "Write", "tool_use_id": id,
		"tool_input": input, "tool_response": map[string]any{"type": "create", "filePath": abs, "content": content, "structuredPatch": []any{}, "originalFile": nil}})
}

// humanWrite writes a file as a person would.
func (f *fixture) humanWrite(path, content string) {
	f.t.Helper()
	abs := filepath.Join(f.dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(abs, []byte(content), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// commit commits everything and, when link is set, links it as the
// post-commit hook would. It returns the commit.
func (f *fixture) commit(msg string, link bool) gitstore.Hash {
	f.t.Helper()
	testutil.Git(f.t, f.dir, "add", "-A")
	testutil.Git(f.t, f.dir, "commit", "-q", "--allow-empty", "-m", msg)
	h, err := gitstore.ParseHash(testutil.Git(f.t, f.dir, "rev-parse", "HEAD"))
	if err != nil {
		f.t.Fatal(err)
	}
	if link {
		if _, err := f.l.PostCommit(context.Background(), h, nil); err != nil {
			f.t.Fatalf("linking %s: %v", h, err)
		}
	}
	return h
}
