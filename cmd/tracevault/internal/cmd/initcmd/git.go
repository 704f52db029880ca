package initcmd

import (
	"fmt"
	"os/exec"
	"strings"
)

func workTreeRoot(dir string) (string, error) {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", fmt.Errorf("%s is not inside a git work tree", dir)
	}
	return strings.TrimSpace(string(out)), nil
}

func gitConfig(dir, key string) string {
	out, _ := exec.Command("git", "-C", dir, "config", key).Output()
	return strings.TrimSpace(string(out))
}
