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
		defaults := len(paths) == 0
		if defaults {
			paths = codex.DefaultPaths(getenv)
		}
		files, err := expand(paths, defaults, codex.FindRollouts)
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
		defaults := len(paths) == 0
		if defaults {
			paths = gemini.DefaultPaths(getenv)
		}
		files, err := expand(paths, defaults, gemini.FindChats)
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

// expand keeps file arguments and searches directory arguments. With
// defaults (the agent's default directories), missing ones are skipped.
func expand(paths []string, defaults bool, find func([]string) ([]string, error)) ([]string, error) {
	var files, dirs []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		switch {
		case err != nil && (defaults || len(paths) == 1) && os.IsNotExist(err):
			// An agent's default directory that does not exist (yet):
			// Codex creates archived_sessions only when it archives one.
			continue
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
