package claude_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/internal/testutil"
)

// commitAndCheckNote commits what the real session did, as the user would
// (the post-commit hook installed by init runs), and checks that the note
// on HEAD names the session and exactly the lines the agent wrote, with the
// tool call and model of each, and that the trace verifies.
func commitAndCheckNote(t *testing.T, repo, home string, s *capture.Session) {
	t.Helper()
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = repo
		cmd.Env = append(testutil.GitEnv(home), "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "TRACEVAULT_POSTCOMMIT=sync", "TRACEVAULT_WATCH=off", "NO_COLOR=1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %v: %v\n%s%s", name, args, err, out.String(), errb.String())
		}
		return out.String()
	}
	run("git", "add", "-A")
	run("git", "commit", "-q", "-m", "Work of the scripted session")
	raw := run("git", "notes", "--ref=tracevault", "show", "HEAD")
	note, err := record.ParseNote([]byte(raw))
	if err != nil {
		t.Fatalf("note on HEAD: %v\n%s", err, raw)
	}
	if len(note.Sessions) != 1 || note.Sessions[0].ID != s.ID || note.Sessions[0].Agent != capture.AgentClaudeCode {
		t.Errorf("note sessions = %+v, want the one session %s", note.Sessions, s.ID)
	}
	type span struct {
		Path       string
		Start, End int
		Tool       string
		Model      string
	}
	var got []span
	for _, r := range note.Ranges {
		if r.Session != s.ID || r.Agent != capture.AgentClaudeCode {
			t.Errorf("range %+v: wrong session or agent", r)
		}
		got = append(got, span{r.Path, r.Start, r.End, r.Tool, r.Model})
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Path < got[j].Path })
	// hello.go line 3 was edited by Edit, then rewritten by the Bash sed:
	// the last writer is the Bash call. made.txt comes from the same Bash
	// call; renamed.txt is a pure rename (no added line); sub.txt is the
	// haiku subagent's Write.
	want := []span{
		{"greet.go", 1, 3, idWrite, sonnet},
		{"hello.go", 3, 3, idBash, sonnet},
		{"made.txt", 1, 1, idBash, sonnet},
		{"sub.txt", 1, 1, idSubWrite, haiku},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AI ranges in the note on HEAD (-want +got):\n%s\nnote:\n%s", d, raw)
	}
	for _, f := range note.Files {
		if f.Human != 0 {
			t.Errorf("file %s has %d human lines; the session wrote every added line", f.Path, f.Human)
		}
	}
	// The chain and the note verify from the repository alone.
	out := run(filepath.Join(binDir, "tracevault"), "verify", "--range", "HEAD~1..HEAD", "--json")
	if !strings.Contains(out, `"status":"ok"`) {
		t.Errorf("verify of HEAD: %s", out)
	}
}
