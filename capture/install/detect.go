package install

import (
	"os"
	"path/filepath"
)

// agentSignals are the places whose presence says an agent is in use.
type agentSignals struct {
	agent   Agent
	repoDir string // config directory inside the repository
	homeEnv string // environment variable that relocates the user directory
	homeDir string // user directory under $HOME when homeEnv is unset
	binary  string // executable name on PATH
}

var signals = []agentSignals{
	{ClaudeCode, ".claude", "CLAUDE_CONFIG_DIR", ".claude", "claude"},
	{Codex, ".codex", "CODEX_HOME", ".codex", "codex"},
	{GeminiCLI, ".gemini", "", ".gemini", "gemini"},
}

// Detect reports which agents appear to be in use for the repository at
// repoDir, in a fixed order: an agent counts when its project directory
// (.claude, .codex, .gemini) exists in repoDir, its user directory exists
// ($CLAUDE_CONFIG_DIR or ~/.claude, $CODEX_HOME or ~/.codex, ~/.gemini), or
// its executable is on $PATH. getenv supplies HOME, PATH and the variables
// above; nil means os.Getenv.
func Detect(repoDir string, getenv func(string) string) []Agent {
	if getenv == nil {
		getenv = os.Getenv
	}
	var found []Agent
	for _, s := range signals {
		if isDir(filepath.Join(repoDir, s.repoDir)) || isDir(userDir(s, getenv)) || onPath(s.binary, getenv("PATH")) {
			found = append(found, s.agent)
		}
	}
	return found
}

// DefaultAgents is what Install sets up when Options.Agents is empty: the
// detected agents, or Claude Code alone when none is detected.
func DefaultAgents(repoDir string, getenv func(string) string) []Agent {
	if a := Detect(repoDir, getenv); len(a) > 0 {
		return a
	}
	return []Agent{ClaudeCode}
}

func userDir(s agentSignals, getenv func(string) string) string {
	if s.homeEnv != "" {
		if d := getenv(s.homeEnv); d != "" {
			return d
		}
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, s.homeDir)
	}
	return ""
}

func isDir(path string) bool {
	if path == "" {
		return false
	}
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// onPath reports whether an executable file called name is in one of the
// directories of path.
func onPath(name, path string) bool {
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, name))
		if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return true
		}
	}
	return false
}
