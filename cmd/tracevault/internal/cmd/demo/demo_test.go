package demo

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

var binDir string

func TestMain(m *testing.M) { testutil.MainWithBinaries(m, &binDir, false) }

// TestDemo runs the built `tracevault demo` with a relative --dir, as
// `make run` does, and checks what it shows: the recorded session's lines
// attributed to the agent and model, the human's line as human, the usage.
func TestDemo(t *testing.T) {
	cwd := t.TempDir()
	cmd := exec.Command(filepath.Join(binDir, "tracevault"), "demo", "--dir", "rel/demo")
	cmd.Dir = cwd
	cmd.Env = append(testutil.GitEnv(t.TempDir()), "TRACEVAULT_HOME="+filepath.Join(cwd, "home"), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("tracevault demo: %v\n%s", err, out)
	}
	for _, want := range []string{
		"TraceVault: 86% AI (12 of 14 added lines) by claude-code (claude-sonnet-4-5) in 1 session",
		"tv1 file 6 0 greet%2Fgreet.go",
		"tv1 file 0 2 README.md",
		"claude-sonnet-4-5 │ 1,305 │    700 │            600 │          8,200 │     26,000 │        4 │ $0.0737",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
