package usage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/hook/claude"
)

// DefaultPaths returns where Claude Code keeps transcripts: the projects/
// folder of each comma-separated directory in $CLAUDE_CONFIG_DIR if it is
// set, else ~/.config/claude/projects and ~/.claude/projects. Only
// existing directories are returned.
func DefaultPaths() []string {
	var dirs []string
	if env := os.Getenv("CLAUDE_CONFIG_DIR"); env != "" {
		for _, d := range strings.Split(env, ",") {
			if d = strings.TrimSpace(d); d != "" {
				dirs = append(dirs, filepath.Join(d, "projects"))
			}
		}
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, ".config", "claude", "projects"), filepath.Join(home, ".claude", "projects"))
	}
	var out []string
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

// ScanPaths reads the usage entries of the Claude Code transcripts at
// paths: a file is read with its subagent files ([claude.SubagentFiles]),
// a directory is searched recursively for *.jsonl files (subagents/
// folders included). Each file is read once however often it is named.
// With no paths, [DefaultPaths] are scanned. Files are parsed in parallel;
// entries come back in the order of the sorted file paths, undeduplicated
// (see [Aggregate]).
func ScanPaths(paths []string) ([]capture.UsageEntry, error) {
	return scan(paths, false)
}

func scan(paths []string, ignoreProgress bool) ([]capture.UsageEntry, error) {
	if len(paths) == 0 {
		paths = DefaultPaths()
	}
	files, err := collect(paths)
	if err != nil {
		return nil, err
	}
	agents := map[string]bool{}
	for _, f := range files {
		if id := claude.AgentIDFromPath(f); id != "" {
			agents[id] = true
		}
	}
	opts := claude.ParseOptions{
		HasAgentFile:   func(id string) bool { return agents[id] },
		IgnoreProgress: ignoreProgress,
		SkipInfo:       true,
	}
	results := make([][]capture.UsageEntry, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = parseFile(files[i], opts)
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(results...), nil
}

func parseFile(path string, opts claude.ParseOptions) ([]capture.UsageEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening transcript %s: %w", path, err)
	}
	defer f.Close()
	entries, _, err := claude.ParseTranscript(f, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return entries, nil
}

// collect expands paths into the sorted, de-duplicated list of transcript
// files to read.
func collect(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var files []string
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		if !seen[p] {
			seen[p] = true
			files = append(files, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", p, err)
		}
		if !st.IsDir() {
			add(p)
			subs, err := claude.SubagentFiles(p)
			if err != nil {
				return nil, err
			}
			for _, s := range subs {
				add(s)
			}
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".jsonl") {
				add(path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", p, err)
		}
	}
	slices.Sort(files)
	return files, nil
}
