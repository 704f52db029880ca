package gemini

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
// pinned install. A missing ccusage fails the test.
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

// ccSession is one session of `ccusage gemini session --json`. ccusage 20
// reports inputTokens without cached tokens but with tool-use prompt
// tokens, outputTokens WITHOUT thoughts, and totalTokens from the file's
// own total (so thoughts = total − input − cacheRead − output).
type ccSession struct {
	SessionID       string `json:"sessionId"`
	InputTokens     int64  `json:"inputTokens"`
	CacheReadTokens int64  `json:"cacheReadTokens"`
	OutputTokens    int64  `json:"outputTokens"`
	TotalTokens     int64  `json:"totalTokens"`
	ModelBreakdowns []struct {
		ModelName       string `json:"modelName"`
		InputTokens     int64  `json:"inputTokens"`
		CacheReadTokens int64  `json:"cacheReadTokens"`
		OutputTokens    int64  `json:"outputTokens"`
	} `json:"modelBreakdowns"`
}

// ccusageGemini runs `ccusage gemini session --json --offline` with
// GEMINI_DATA_DIR pointing at a temporary .gemini holding the given chat
// files under tmp/<project>/chats/, and returns its sessions by id.
func ccusageGemini(t *testing.T, chats map[string][]byte) map[string]ccSession {
	t.Helper()
	dataDir := filepath.Join(t.TempDir(), ".gemini")
	dir := filepath.Join(dataDir, "tmp", "project", "chats")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range chats {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ccusageBinary(t), "gemini", "session", "--json", "--offline")
	cmd.Env = append(os.Environ(), "GEMINI_DATA_DIR="+dataDir, "HOME="+filepath.Dir(dataDir), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ccusage gemini session: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Sessions []ccSession `json:"sessions"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("decoding ccusage output: %v\n%s", err, out)
	}
	res := map[string]ccSession{}
	for _, s := range rep.Sessions {
		res[s.SessionID] = s
	}
	return res
}
