package server_test

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/server/client"
	"github.com/tracevault/tracevault/server/store"
)

const policyYAML = `rules:
  - name: ai-share
    action: warn
    condition:
      type: ai_percent
      max_percent: 50
`

// TestMirrorSealVerify is the end-to-end proof: a repository with traces
// captured by tracevault-hook from a real recorded Claude Code session is
// pushed to a bare remote; the server mirrors and seals it; `tracevault
// seal verify` passes offline; `tracevault push` is idempotent with the
// mirror; the commit has a policy verdict; then tampering with the database
// or rolling the log back makes verification fail.
func TestMirrorSealVerify(t *testing.T) {
	ctx := ctxT(t)
	e := env(t)
	root := t.TempDir()
	run(t, e, root, 0, "tracevault", "demo", "--dir", filepath.Join(root, "demo"))
	repo := filepath.Join(root, "demo", "greeter")
	demoCommit := strings.TrimSpace(run(t, e, repo, 0, "git-like", "rev-parse", "HEAD"))
	if err := os.WriteFile(filepath.Join(repo, ".tracevault", "policy.yaml"), []byte(policyYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, e, repo, "add", ".tracevault/policy.yaml")
	git(t, e, repo, "commit", "-q", "-m", "Add a policy")
	bare := filepath.Join(root, "remote.git")
	git(t, e, root, "init", "-q", "--bare", bare)
	git(t, e, repo, "remote", "add", "origin", bare)
	git(t, e, repo, "push", "-q", "--no-verify", "origin", "main", "refs/tracevault/*:refs/tracevault/*", "refs/notes/tracevault:refs/notes/tracevault")
	git(t, e, bare, "symbolic-ref", "HEAD", "refs/heads/main")

	data := t.TempDir()
	se := serverEnv(t, data, "")
	token := strings.TrimSpace(run(t, se, root, 0, "tracevault-server", "apikey", "create", "--role", "admin"))
	run(t, se, root, 0, "tracevault-server", "repo", "add", bare)
	srv := startServer(t, se)
	c, err := client.New(srv.URL, "default", token, nil)
	if err != nil {
		t.Fatal(err)
	}
	ce := append(e, "TRACEVAULT_TOKEN="+token, "TRACEVAULT_SERVER="+srv.URL)
	local := countRecords(t, e, repo)

	// The first fetch runs from the queue as the server starts.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cp, err := c.Checkpoint(ctx, -1)
		if err == nil && checkpointSize(cp) >= int64(local) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mirror was not sealed within 30s (want %d leaves): %v %s", local, err, cp)
		}
		time.Sleep(100 * time.Millisecond)
	}
	out := run(t, ce, repo, 0, "tracevault", "seal", "verify")
	t.Logf("seal verify: %s", out)
	if !strings.Contains(out, "ok:") {
		t.Fatalf("seal verify = %q", out)
	}
	out = run(t, ce, repo, 0, "tracevault", "push")
	if !strings.Contains(out, "0 stored") || !strings.Contains(out, " already on the server") {
		t.Errorf("push after mirroring = %q; want every record already on the server", out)
	}
	t.Logf("push: %s", out)
	vs, err := c.Verdict(ctx, demoCommit)
	if err != nil {
		t.Fatalf("verdict of %s: %v", demoCommit, err)
	}
	if vs.Latest == nil || vs.Latest.Decision != "warn" {
		t.Errorf("verdict of the demo commit = %+v; want warn (it is 100%% AI)", vs.Latest)
	}
	resp, err := http.Get(srv.URL + "/api/v1/repos/1/commits/" + demoCommit + "/verdict")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("verdict without a key: %d, want 401", resp.StatusCode)
		}
	}

	// Tamper with one byte of one stored record.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, store.DefaultFile)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw []byte
	if err := db.QueryRow(`SELECT raw FROM records WHERE seq = 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)/2] ^= 0x20
	exec1(t, db, `UPDATE records SET raw = ? WHERE seq = 1`, bad)
	out, code := runCode(t, ce, repo, "tracevault", "seal", "verify")
	if code != 4 {
		t.Fatalf("seal verify after tampering: exit %d, want 4\n%s", code, out)
	}
	t.Logf("after tampering: %s", out)
	out, code = runCode(t, se, root, "tracevault-server", "audit")
	if code == 0 || !strings.Contains(out, "record 0 does not verify") {
		t.Errorf("tracevault-server audit after tampering: exit %d\n%s", code, out)
	}
	exec1(t, db, `UPDATE records SET raw = ? WHERE seq = 1`, raw)
	run(t, ce, repo, 0, "tracevault", "seal", "verify")

	// Roll the log back to its first checkpoint: a client that saw the
	// later one notices.
	var size int64
	if err := db.QueryRow(`SELECT MAX(size) FROM seal_checkpoints`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	exec1(t, db, `DELETE FROM seal_checkpoints WHERE size > 0`)
	exec1(t, db, `DELETE FROM seal_leaves WHERE idx >= 0`)
	exec1(t, db, `DELETE FROM seal_hashes WHERE idx >= 0`)
	out, code = runCode(t, ce, repo, "tracevault", "seal", "verify")
	if code != 4 || !strings.Contains(out, "rolled back") {
		t.Fatalf("seal verify after a rollback from %d leaves: exit %d\n%s", size, code, out)
	}
	t.Logf("after rollback: %s", out)
	srv.stop(t)
}

func git(t *testing.T, e []string, dir string, args ...string) string {
	t.Helper()
	return run(t, e, dir, 0, "git-like", args...)
}

func exec1(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// countRecords counts the records of the repository's writer chains.
func countRecords(t *testing.T, e []string, repo string) int {
	out := git(t, e, repo, "for-each-ref", "--format=%(refname)", "refs/tracevault/log/")
	n := 0
	for _, ref := range strings.Fields(out) {
		c := strings.TrimSpace(git(t, e, repo, "rev-list", "--count", "--first-parent", ref))
		var k int
		_ = json.Unmarshal([]byte(c), &k)
		n += k
	}
	return n
}

func checkpointSize(note []byte) int64 {
	lines := strings.SplitN(string(note), "\n", 3)
	if len(lines) < 2 {
		return -1
	}
	var n int64
	if err := json.Unmarshal([]byte(lines[1]), &n); err != nil {
		return -1
	}
	return n
}
