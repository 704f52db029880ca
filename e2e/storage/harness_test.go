// Package storage proves TraceVault's git-native storage end to end: the
// built tracevault and tracevault-hook binaries, driven with realistic Claude
// Code hook payloads, against the real git binary.
package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/attribute"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// binDir holds the binaries built once by TestMain.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tv-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", dir+"/", "github.com/tracevault/tracevault/cmd/tracevault", "github.com/tracevault/tracevault/cmd/tracevault-hook", "github.com/tracevault/tracevault/cmd/tracevault-hookd",
		"github.com/tracevault/tracevault/cmd/tracevault-githook")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building binaries:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one scripted repository with TraceVault installed.
type env struct {
	t       testing.TB
	dir     string
	home    string
	session string
	tool    int
	// commits are the commits made by commitAll and commitLater.
	commits []gitstore.Hash
	// skew is added to the commit dates (seconds), so a script can make
	// commits happen well after the edits they contain.
	skew int
	// extraEnv is added to (and overrides) every command's environment.
	extraEnv []string
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), home: t.TempDir(), session: "sess-" + strconv.Itoa(os.Getpid())}
	e.git("init", "-q", "-b", "main")
	e.git("config", "user.name", "Test Dev")
	e.git("config", "user.email", "dev@example.com")
	e.write("README.md", "readme\n")
	e.git("add", "README.md")
	e.git("commit", "-q", "-m", "initial")
	e.run(nil, filepath.Join(binDir, "tracevault"), "init", "--agent", "claude-code")
	e.git("add", ".tracevault", ".claude")
	e.git("commit", "-q", "-m", "tracevault init")
	return e
}

func (e *env) environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GIT_") || strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "TRACEVAULT_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "HOME="+e.home, "TRACEVAULT_HOME="+filepath.Join(e.home, "tv"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off",
		"GIT_CONFIG_GLOBAL="+filepath.Join(e.home, ".gitconfig"), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test Dev", "GIT_AUTHOR_EMAIL=dev@example.com",
		"GIT_COMMITTER_NAME=Test Dev", "GIT_COMMITTER_EMAIL=dev@example.com",
		"LC_ALL=C", "TRACEVAULT_QUIET=1", "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return append(out, e.extraEnv...)
}

// run runs a program in the repository and returns its stdout.
func (e *env) run(stdin []byte, name string, args ...string) string {
	e.t.Helper()
	out, err := e.tryRun(stdin, nil, name, args...)
	if err != nil {
		e.t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

func (e *env) tryRun(stdin []byte, extraEnv []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = e.dir
	cmd.Env = append(e.environ(), extraEnv...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%w: %s", err, stderr.String())
	}
	if s := stderr.String(); strings.Contains(s, "tracevault:") {
		return stdout.String(), fmt.Errorf("tracevault warned: %s", s)
	}
	return stdout.String(), nil
}

func (e *env) git(args ...string) string {
	e.t.Helper()
	return strings.TrimSpace(e.run(nil, "git", args...))
}

// gitEnv runs git with extra environment (editors for interactive rebase).
func (e *env) gitEnv(extra []string, args ...string) string {
	e.t.Helper()
	out, err := e.tryRun(nil, extra, "git", args...)
	if err != nil {
		e.t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out)
}

// commitAll stages everything and commits.
func (e *env) commitAll(msg string) gitstore.Hash {
	e.t.Helper()
	e.git("add", "-A")
	return e.commitStaged(msg)
}

// commitLater commits what is staged, dated secs seconds after the edits
// (and so are all later commits).
func (e *env) commitLater(msg string, secs int) gitstore.Hash {
	e.t.Helper()
	e.skew += secs
	return e.commitStaged(msg)
}

func (e *env) commitStaged(msg string) gitstore.Hash {
	e.t.Helper()
	e.gitEnv(e.dates(), "commit", "-q", "-m", msg)
	h := e.head()
	e.commits = append(e.commits, h)
	return h
}

// dates returns the environment that applies the skew to commit dates.
func (e *env) dates() []string {
	if e.skew == 0 {
		return nil
	}
	d := fmt.Sprintf("@%d +0000", time.Now().Unix()+int64(e.skew))
	return []string{"GIT_COMMITTER_DATE=" + d, "GIT_AUTHOR_DATE=" + d}
}

func (e *env) path(rel string) string { return filepath.Join(e.dir, filepath.FromSlash(rel)) }

func (e *env) read(rel string) string {
	e.t.Helper()
	b, err := os.ReadFile(e.path(rel))
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

func (e *env) exists(rel string) bool {
	_, err := os.Stat(e.path(rel))
	return err == nil
}

func (e *env) write(rel, content string) {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Dir(e.path(rel)), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(e.path(rel), []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// hook pipes one Claude Code hook payload into tracevault-hook.
func (e *env) hook(payload map[string]any) {
	e.t.Helper()
	payload["session_id"] = e.session
	payload["transcript_path"] = filepath.Join(e.home, "transcript.jsonl")
	payload["cwd"] = e.dir
	payload["permission_mode"] = "acceptEdits"
	b, err := json.Marshal(payload)
	if err != nil {
		e.t.Fatal(err)
	}
	e.run(b, filepath.Join(binDir, "tracevault-hook"), "--agent", "claude-code")
}

func (e *env) nextTool() string {
	e.tool++
	return fmt.Sprintf("toolu_%02d", e.tool)
}

// agentWrite is a Write tool call: the file is written, then PreToolUse and
// PostToolUse payloads as Claude Code sends them.
func (e *env) agentWrite(rel, content string) string {
	e.t.Helper()
	id := e.nextTool()
	abs := e.path(rel)
	var orig any
	typ := "create"
	if e.exists(rel) {
		orig, typ = e.read(rel), "update"
	}
	input := map[string]any{"file_path": abs, "content": content}
	e.hook(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Write", "tool_input": input, "tool_use_id": id})
	e.write(rel, content)
	e.hook(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Write", "tool_input": input, "tool_use_id": id,
		"tool_response": map[string]any{"type": typ, "filePath": abs, "content": content, "structuredPatch": []any{}, "originalFile": orig, "userModified": false}})
	return id
}

// agentEdit is an Edit tool call replacing old with new once.
func (e *env) agentEdit(rel, old, new string) string {
	e.t.Helper()
	id := e.nextTool()
	abs := e.path(rel)
	before := e.read(rel)
	if !strings.Contains(before, old) {
		e.t.Fatalf("agentEdit %s: %q not found", rel, old)
	}
	after := strings.Replace(before, old, new, 1)
	input := map[string]any{"file_path": abs, "old_string": old, "new_string": new, "replace_all": false}
	e.hook(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Edit", "tool_input": input, "tool_use_id": id})
	e.write(rel, after)
	e.hook(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Edit", "tool_input": input, "tool_use_id": id,
		"tool_response": map[string]any{"filePath": abs, "oldString": old, "newString": new, "originalFile": before,
			"structuredPatch": structuredPatch(before, after), "userModified": false, "replaceAll": false}})
	return id
}

// structuredPatch renders the change as Claude Code's one-hunk patch.
func structuredPatch(before, after string) []any {
	a, b := lines(before), lines(after)
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	var ls []string
	for _, l := range a[p : len(a)-s] {
		ls = append(ls, "-"+l)
	}
	for _, l := range b[p : len(b)-s] {
		ls = append(ls, "+"+l)
	}
	return []any{map[string]any{"oldStart": p + 1, "oldLines": len(a) - p - s, "newStart": p + 1, "newLines": len(b) - p - s, "lines": ls}}
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// agentBash is a Bash tool call: PreToolUse, the command run for real in
// the work tree, PostToolUse.
func (e *env) agentBash(command string) string {
	e.t.Helper()
	id := e.nextTool()
	input := map[string]any{"command": command, "description": "scripted"}
	e.hook(map[string]any{"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": input, "tool_use_id": id})
	e.run(nil, "sh", "-c", command)
	e.hook(map[string]any{"hook_event_name": "PostToolUse", "tool_name": "Bash", "tool_input": input, "tool_use_id": id,
		"tool_response": map[string]any{"stdout": "", "stderr": "", "interrupted": false, "isImage": false, "noOutputExpected": false}})
	return id
}

// store opens the repository through gitstore.
func (e *env) store() *gitcli.Store {
	e.t.Helper()
	s, err := gitcli.Open(context.Background(), e.dir)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

func (e *env) head() gitstore.Hash { return e.rev("HEAD") }

func (e *env) rev(r string) gitstore.Hash {
	e.t.Helper()
	h, err := gitstore.ParseHash(e.git("rev-parse", r+"^{commit}"))
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// noteOf returns a commit's raw note (nil when there is none).
func (e *env) noteOf(c gitstore.Hash) []byte {
	e.t.Helper()
	ns, err := notes.Notes{Store: e.store(), Ref: record.NotesRef}.Read(context.Background(), []gitstore.Hash{c})
	if err != nil {
		e.t.Fatal(err)
	}
	return ns[c]
}

// fileLines is the attribution of one file in a commit, as line sets.
type fileLines struct {
	AI, Human string // attribute.FormatLines style: "1-3,7"
}

// attribution parses the note of c and checks that it is sound: one
// summary, one record line pointing at a verifying commit record about c
// whose re-rendering is the note. It returns per-file AI and human lines.
func (e *env) attribution(c gitstore.Hash) map[string]fileLines {
	e.t.Helper()
	raw := e.noteOf(c)
	if raw == nil {
		return nil
	}
	ctx := context.Background()
	s := e.store()
	if err := record.VerifyNote(ctx, s, c, raw, e.allowed()); err != nil {
		e.t.Fatalf("note of %s does not verify: %v\n%s", c, err, raw)
	}
	n, err := record.ParseNote(raw)
	if err != nil {
		e.t.Fatalf("ParseNote(note of %s) = %v\n%s", c, err, raw)
	}
	added := e.addedLines(c)
	out := map[string]fileLines{}
	for _, f := range n.Files {
		var ai []int
		for _, r := range n.Ranges {
			if r.Path == f.Path {
				for i := r.Start; i <= r.End; i++ {
					ai = append(ai, i)
				}
			}
		}
		isAI := map[int]bool{}
		for _, i := range ai {
			isAI[i] = true
		}
		var human []int
		for _, i := range added[f.Path] {
			if !isAI[i] {
				human = append(human, i)
			}
		}
		if len(ai) != f.AI || len(human) != f.Human || f.AI+f.Human != len(added[f.Path]) {
			e.t.Errorf("note of %s: file %s says %d AI + %d human, ranges give %d AI, diff has %d added lines\n%s", c, f.Path, f.AI, f.Human, len(ai), len(added[f.Path]), raw)
		}
		out[f.Path] = fileLines{AI: format(ai), Human: format(human)}
	}
	return out
}

func (e *env) allowed() *sigkey.AllowedSigners {
	e.t.Helper()
	a, err := sigkey.ParseAllowedSigners([]byte(e.read(".tracevault/allowed_signers")))
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

var (
	hunkHeader = regexp.MustCompile(`^@@ -\S+ \+(\d+)(?:,(\d+))? @@`)
	newFile    = regexp.MustCompile(`^\+\+\+ b/(.*)$`)
)

// addedLines lists the added line numbers of each file of c against its
// first parent, from git's own diff (with rename detection).
func (e *env) addedLines(c gitstore.Hash) map[string][]int {
	e.t.Helper()
	out := map[string][]int{}
	diff := e.git("show", "-U0", "-M", "--first-parent", "--format=", c.String())
	file := ""
	for _, l := range strings.Split(diff, "\n") {
		if m := newFile.FindStringSubmatch(l); m != nil {
			file = m[1]
			continue
		}
		m := hunkHeader.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		start, _ := strconv.Atoi(m[1])
		n := 1
		if m[2] != "" {
			n, _ = strconv.Atoi(m[2])
		}
		for i := 0; i < n; i++ {
			out[file] = append(out[file], start+i)
		}
	}
	return out
}

func format(ls []int) string {
	sort.Ints(ls)
	var rs []attribute.Range
	for _, n := range ls {
		if k := len(rs) - 1; k >= 0 && rs[k].End == n-1 {
			rs[k].End = n
			continue
		}
		rs = append(rs, attribute.Range{Start: n, End: n})
	}
	return attribute.FormatLines(rs)
}

// checkRepo runs git fsck --strict, verifies every chain and every note,
// then git gc --prune=now, and verifies everything again.
func (e *env) checkRepo() {
	e.t.Helper()
	e.fsck()
	e.verifyAll()
	e.git("gc", "-q", "--prune=now")
	e.fsck()
	e.verifyAll()
}

func (e *env) fsck() {
	e.t.Helper()
	out, err := e.tryRun(nil, nil, "git", "fsck", "--strict", "--no-progress", "--no-dangling")
	if err != nil || strings.TrimSpace(out) != "" {
		e.t.Fatalf("git fsck --strict: %v\n%s", err, out)
	}
}

// verifyAll reads and verifies every chain and every note.
func (e *env) verifyAll() {
	e.t.Helper()
	ctx := context.Background()
	s := e.store()
	refs, err := s.ListRefs(ctx, record.LogPrefix)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(refs) == 0 {
		e.t.Fatalf("no chain refs")
	}
	for _, r := range refs {
		chain, err := record.ReadChain(ctx, s, r.Name)
		if err != nil {
			e.t.Fatalf("ReadChain(%s) = %v", r.Name, err)
		}
		if err := record.Verify(r.Name, chain, e.allowed()); err != nil {
			e.t.Fatalf("Verify(%s) = %v", r.Name, err)
		}
	}
	all, err := notes.Notes{Store: s, Ref: record.NotesRef}.ReadAll(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for c, raw := range all {
		if err := record.VerifyNote(ctx, s, c, raw, e.allowed()); err != nil {
			e.t.Fatalf("note of %s: %v\n%s", c, err, raw)
		}
	}
}
