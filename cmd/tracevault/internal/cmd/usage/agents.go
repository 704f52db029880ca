package usage

import (
	"fmt"
	"os"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/codex"
	"github.com/tracevault/tracevault/capture/hook/gemini"
	capusage "github.com/tracevault/tracevault/capture/usage"
)

func checkAgent(a string) error {
	switch a {
	case "claude-code", "codex", "gemini-cli", "gemini":
		return nil
	}
	return fmt.Errorf("unknown agent %q (want claude-code, codex or gemini-cli)", a)
}

// scan reads the usage entries of an agent's session files.
func scan(agent string, paths []string, getenv func(string) string) ([]capture.UsageEntry, error) {
	switch agent {
	case "codex":
		if len(paths) == 0 {
			paths = codex.DefaultPaths(getenv)
		}
		files, err := expand(paths, codex.FindRollouts)
		if err != nil {
			return nil, err
		}
		var out []capture.UsageEntry
		for _, f := range files {
			r, err := codex.ParseRolloutFile(f)
			if err != nil {
				return nil, fmt.Errorf("reading Codex rollout %s: %w", f, err)
			}
			out = append(out, r.Usage...)
		}
		return out, nil
	case "gemini-cli", "gemini":
		if len(paths) == 0 {
			paths = gemini.DefaultPaths(getenv)
		}
		files, err := expand(paths, gemini.FindChats)
		if err != nil {
			return nil, err
		}
		var out []capture.UsageEntry
		for _, f := range files {
			c, err := gemini.ParseChatFile(f)
			if err != nil {
				return nil, fmt.Errorf("reading Gemini chat %s: %w", f, err)
			}
			out = append(out, c.Usage...)
		}
		return out, nil
	}
	if len(paths) == 0 {
		paths = capusage.DefaultPaths()
	}
	return capusage.ScanPaths(paths)
}

// expand keeps file arguments and searches directory arguments.
func expand(paths []string, find func([]string) ([]string, error)) ([]string, error) {
	var files, dirs []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil && len(paths) == 1 && os.IsNotExist(err):
			return nil, nil // the agent's default directory does not exist yet
		case err != nil:
			return nil, err
		case fi.IsDir():
			dirs = append(dirs, p)
		default:
			files = append(files, p)
		}
	}
	if len(dirs) > 0 {
		found, err := find(dirs)
		if err != nil {
			return nil, err
		}
		files = append(files, found...)
	}
	return files, nil
}
