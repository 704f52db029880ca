package claude_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/assemble"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/internal/testapi/anthropic"
	"github.com/tracevault/tracevault/internal/testapi/claudecli"
	"github.com/tracevault/tracevault/internal/testutil"
)

// binDir holds tracevault and tracevault-hook, built once by TestMain.
var binDir string

func TestMain(m *testing.M) { testutil.MainWithBinaries(m, &binDir, false) }

// tracevault runs the built CLI in dir with an isolated HOME and returns
// its stdout, failing the test on a non-zero exit.
func tracevault(t *testing.T, dir, home string, args ...string) string {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "tracevault"), args...)
	cmd.Dir = dir
	cmd.Env = append(testutil.GitEnv(home), "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("tracevault %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
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

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// loadSession assembles the one session in the repository's spool through
// the Go API, the way "tracevault status" does.
func loadSession(t *testing.T, repo string, extra []string) (*capture.Session, spool.Dir) {
	t.Helper()
	dir := spool.ForGitDir(filepath.Join(repo, ".git"))
	names, err := dir.Sessions()
	if err != nil || len(names) != 1 {
		t.Fatalf("spool sessions = %v, %v; want exactly one", names, err)
	}
	res, err := dir.Read(names[0])
	if err != nil {
		t.Fatal(err)
	}
	if res.Skipped != 0 {
		t.Errorf("spool of %s: %d lines skipped", names[0], res.Skipped)
	}
	prices, err := pricing.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := assemble.Session(res.Records, assemble.Options{Prices: prices,
		Author: capture.Identity{Name: "Test Author", Email: "author@example.com"}})
	return s, dir
}

// tokens converts the stand-in's usage to the capture model's.
func tokens(u anthropic.Usage) capture.Tokens {
	return capture.Tokens{Input: int64(u.InputTokens), Output: int64(u.OutputTokens),
		CacheWrite5m: int64(u.CacheCreation5m), CacheWrite1h: int64(u.CacheCreation1h), CacheRead: int64(u.CacheRead)}
}

// usageByModel turns model rows into a map of tokens.
func usageByModel(rows []capture.ModelUsage) map[string]capture.Tokens {
	out := map[string]capture.Tokens{}
	for _, r := range rows {
		out[r.Model] = r.Tokens
	}
	return out
}

func mustJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decoding %s: %v", s, err)
	}
}

// dump copies the transcripts and the spool under $TRACEVAULT_E2E_DUMP when
// that variable is set, for reading by hand.
func dump(t *testing.T, repo string, res claudecli.Result) {
	d := os.Getenv("TRACEVAULT_E2E_DUMP")
	if d == "" {
		return
	}
	cmd := exec.Command("sh", "-c", `mkdir -p "$1" && cp -r "$2/.git/tracevault" "$1/" && cp "$3" "$1/main.jsonl" && cp -r "$(dirname "$3")" "$1/projects"`, "sh", d, repo, res.Transcript)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("dump: %v: %s", err, out)
	}
}
