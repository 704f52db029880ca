package githooks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/commitqueue"
	"github.com/tracevault/tracevault/internal/testutil"
)

func TestEnqueueWakeQueue(t *testing.T) {
	repo := testutil.NewRepo(t)
	testutil.Git(t, repo, "commit", "-q", "--allow-empty", "-m", "first")
	head := testutil.Git(t, repo, "rev-parse", "HEAD")
	state := filepath.Join(repo, ".git", "tracevault", "state")
	if commitqueue.Wake(state) {
		t.Fatal("Wake = true with no worker")
	}
	// No worker listens: Queue queues HEAD and starts one (here a binary
	// that leaves a mark, standing in for tracevault).
	full := filepath.Join(t.TempDir(), "tracevault")
	mark := filepath.Join(t.TempDir(), "started")
	if err := os.WriteFile(full, []byte("#!/bin/sh\necho \"$@\" >"+mark+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Queue(repo, func() (string, error) { return full, nil }); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for deadline := time.Now().Add(time.Minute); len(got) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got, _ = os.ReadFile(mark)
	}
	if strings.TrimSpace(string(got)) != "git-hook post-commit-worker" {
		t.Errorf("worker started with %q", got)
	}
	q, err := os.ReadFile(filepath.Join(state, commitqueue.File))
	if err != nil {
		t.Fatal(err)
	}
	var p commitqueue.Pending
	if err := json.Unmarshal(q, &p); err != nil || p.Commit != head || !strings.HasPrefix(p.Action, "commit") {
		t.Fatalf("queued %s (%+v, %v), want HEAD %s with its reflog action", q, p, err, head)
	}
}
