package codex

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// defaultCCUsage is where the pinned ccusage 20.0.24 is installed.
const defaultCCUsage = "/opt/tv-npm/node_modules/.bin/ccusage"

// ccusageBinary finds ccusage: $TRACEVAULT_CCUSAGE, else PATH, else the
// pinned install. A missing ccusage fails the test: the comparison is the
// proof the parser is right.
func ccusageBinary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("TRACEVAULT_CCUSAGE"); b != "" {
		return b
	}
	if b, err := exec.LookPath("ccusage"); err == nil {
		return b
	}
	if _, err := os.Stat(defaultCCUsage); err != nil {
		t.Fatalf("ccusage not found (set TRACEVAULT_CCUSAGE): %v", err)
	}
	return defaultCCUsage
}

// ccModel is ccusage's per-model usage. ccusage 20 reports inputTokens
// already without cached and cache-write tokens, and outputTokens with
// reasoning included.
type ccModel struct {
	InputTokens         int64 `json:"inputTokens"`
	CacheCreationTokens int64 `json:"cacheCreationTokens"`
	CacheReadTokens     int64 `json:"cacheReadTokens"`
	OutputTokens        int64 `json:"outputTokens"`
	TotalTokens         int64 `json:"totalTokens"`
}

// ccusageCodex runs `ccusage codex session --json --offline` with
// CODEX_HOME pointing at a temporary home holding the given rollouts under
// sessions/YYYY/MM/DD/, and returns the usage per session file name (without
// extension) and model.
func ccusageCodex(t *testing.T, rollouts map[string][]byte) map[string]map[string]ccModel {
	t.Helper()
	home := t.TempDir()
	day := filepath.Join(home, "sessions", "2026", "02", "23")
	if err := os.MkdirAll(day, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range rollouts {
		if err := os.WriteFile(filepath.Join(day, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ccusageBinary(t), "codex", "session", "--json", "--offline")
	cmd.Env = append(os.Environ(), "CODEX_HOME="+home, "HOME="+home, "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ccusage codex session: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Sessions []struct {
			SessionFile string             `json:"sessionFile"`
			Models      map[string]ccModel `json:"models"`
		} `json:"sessions"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("decoding ccusage output: %v\n%s", err, out)
	}
	res := map[string]map[string]ccModel{}
	for _, s := range rep.Sessions {
		res[s.SessionFile] = s.Models
	}
	return res
}
