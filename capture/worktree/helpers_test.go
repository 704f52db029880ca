package worktree

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tracevault/tracevault/internal/testutil"
)

// gitOutput runs git like testutil.Git but returns the error instead of
// failing, for commands whose failure is an answer.
func gitOutput(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	home := filepath.Join(os.TempDir(), "tracevault-test-home")
	_ = os.MkdirAll(home, 0o755)
	cmd.Env = testutil.GitEnv(home)
	out, err := cmd.Output()
	return strings.TrimSpace(string(out)), err
}
