package hookrun_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testutil"
)

// hookBin is the tracevault-hook binary (the client agents run), built
// once by TestMain with tracevault-hookd (the hook it executes when no
// server answers, and the server) beside it.
var hookBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tv-hook-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	hookBin = filepath.Join(dir, "tracevault-hook")
	out, err := exec.Command("go", "build", "-o", dir+string(os.PathSeparator),
		"github.com/tracevault/tracevault/cmd/tracevault-hook", "github.com/tracevault/tracevault/cmd/tracevault-hookd").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building tracevault-hook: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	os.Setenv("TRACEVAULT_WATCH", "off") // see testutil.GitEnv; watch_test.go turns it on
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newRepo makes a repository with hello.go committed.
func newRepo(t *testing.T) string {
	t.Helper()
	repo := testutil.NewRepo(t)
	writeFile(t, filepath.Join(repo, "hello.go"), "package main\n\nfunc main() {}\n")
	testutil.Git(t, repo, "add", ".")
	testutil.Git(t, repo, "commit", "-q", "-m", "init")
	return repo
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs the hook in-process on stdin with the process directory repo and
// returns its exit code and stdout.
func run(t *testing.T, repo string, stdin []byte) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := hookrun.Run(hookrun.Options{
		Agent: "claude-code", Stdin: bytes.NewReader(stdin), Stdout: &out,
		Getwd: func() (string, error) { return repo, nil },
	})
	return code, out.String()
}

// runBin runs the built hook binary in dir on stdin.
func runBin(t *testing.T, dir string, stdin []byte) (int, string) {
	t.Helper()
	cmd := exec.Command(hookBin, "--agent", "claude-code")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stderr.String()
	}
	if err != nil {
		t.Fatalf("running %s: %v", hookBin, err)
	}
	return 0, stderr.String()
}

// ev builds a Claude Code hook payload.
func ev(repo, session, event string, fields map[string]any) []byte {
	p := map[string]any{"session_id": session, "cwd": repo, "hook_event_name": event,
		"transcript_path": filepath.Join(repo, "..", session+".jsonl")}
	for k, v := range fields {
		p[k] = v
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return b
}

func spoolDir(repo string) spool.Dir { return spool.ForGitDir(filepath.Join(repo, ".git")) }

// records reads a session's spool, failing on torn lines unless allowed.
func records(t *testing.T, repo, session string) spool.ReadResult {
	t.Helper()
	res, err := spoolDir(repo).Read(spool.SafeName(session))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func hookLog(t *testing.T, repo string) string {
	t.Helper()
	b, _ := os.ReadFile(spoolDir(repo).Path("hook.log"))
	return string(b)
}

// assembleSession assembles a session's spool.
func assembleSession(t *testing.T, repo, session string) *capture.Session {
	t.Helper()
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	res := records(t, repo, session)
	return assemble.Session(res.Records, assemble.Options{Prices: prices})
}

// payloadField decodes field of a record's payload.
func payloadField(r spool.Record, field string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Payload, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[field], &s)
	return s
}

// grepTree fails when any file under root contains needle.
func grepTree(t *testing.T, root, needle string) {
	t.Helper()
	n := 0
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(needle)) {
			t.Errorf("%s holds %q", strings.TrimPrefix(p, root), needle)
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking %s: %d files, %v", root, n, err)
	}
}

var _ = time.Now
