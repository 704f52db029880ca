package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options says what Install and Uninstall work on.
type Options struct {
	// RepoDir is any directory inside the repository's work tree.
	RepoDir string
	// HookCommand is the shell command agents run, e.g.
	// "/usr/local/bin/tracevault hook"; " --agent <agent>" is appended. One
	// of its words must name a tracevault executable (its base name contains
	// "tracevault"): later runs recognise TraceVault's handlers by that and
	// by the --agent flag. It is written into the settings unquoted.
	HookCommand string
	// GitHookCommand is the tracevault executable git hooks run as
	// `<GitHookCommand> git-hook <hook> "$@"`. Empty means "tracevault" (found
	// on PATH when the hook runs).
	GitHookCommand string
	// Agents to set up. Empty means DefaultAgents.
	Agents []Agent
	// CodexUserConfig writes Codex hooks to $CODEX_HOME/hooks.json (default
	// ~/.codex) instead of the project's .codex/hooks.json, which Codex
	// loads only for a trusted project.
	CodexUserConfig bool
	// Remotes get trace fetch refspecs. Nil means "origin" when it exists.
	Remotes []string
	// TimeoutSeconds bounds each agent hook; zero means 30.
	TimeoutSeconds int
	// Files are created (parents included) when absent and removed by
	// Uninstall when still unchanged. Paths are relative to the work tree.
	Files []File
	// SkipAgents, SkipGitHooks and SkipGitConfig leave out a part.
	SkipAgents, SkipGitHooks, SkipGitConfig bool
	// Getenv supplies HOME, PATH, CODEX_HOME and CLAUDE_CONFIG_DIR; nil
	// means os.Getenv.
	Getenv func(string) string
	// GitEnv is the environment of git subprocesses; nil means os.Environ().
	GitEnv []string
}

// File is a caller-supplied file for Install to create.
type File struct {
	Path string
	Data []byte
	Mode fs.FileMode
}

// Report lists what Install or Uninstall changed.
type Report struct {
	Changes []Change
	Notes   []string
}

// Change is one file or configuration value changed.
type Change struct {
	// Target is a path (relative to the work tree when inside it) or
	// "git config <key>".
	Target string
	// Action is "created", "updated", "removed", "restored" or "configured".
	Action string
}

// String renders the report one line per change or note.
func (r Report) String() string {
	var b strings.Builder
	for _, c := range r.Changes {
		fmt.Fprintf(&b, "%s %s\n", c.Action, c.Target)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	return b.String()
}

// plan collects every change before anything is written.
type plan struct {
	r       *repo
	m       *manifest
	changes []change
	steps   []gitStep
	report  Report
}

// Install merges TraceVault's handlers into the agents' settings, chains
// TraceVault into the git hooks and sets the git configuration, recording
// what was there before in the install manifest. It is idempotent. It checks
// and plans everything before writing, and on a failure part-way it puts back
// what it had written, so an error means nothing changed.
func Install(ctx context.Context, opts Options) (Report, error) {
	p, err := newPlan(ctx, opts)
	if err != nil {
		return Report{}, err
	}
	if !opts.SkipAgents {
		if err := p.planAgents(opts); err != nil {
			return Report{}, err
		}
	}
	if !opts.SkipGitHooks {
		if err := p.planGitHooks(ctx, opts); err != nil {
			return Report{}, err
		}
	}
	if err := p.planFiles(opts.Files); err != nil {
		return Report{}, err
	}
	if !opts.SkipGitConfig {
		if err := p.planGitConfig(ctx, opts.Remotes); err != nil {
			return Report{}, err
		}
	}
	if err := p.planManifest(len(p.changes) > 0 || len(p.steps) > 0); err != nil {
		return Report{}, err
	}
	return p.apply(ctx)
}

// ConfigureGit applies only the git configuration part of Install.
func ConfigureGit(ctx context.Context, opts Options) (Report, error) {
	opts.SkipAgents, opts.SkipGitHooks, opts.Files = true, true, nil
	return Install(ctx, opts)
}

func newPlan(ctx context.Context, opts Options) (*plan, error) {
	r, err := openRepo(ctx, opts.RepoDir, opts.GitEnv)
	if err != nil {
		return nil, err
	}
	m, _, err := r.loadManifest()
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = &manifest{Version: manifestVersion}
	}
	return &plan{r: r, m: m}, nil
}

func (p *plan) planAgents(opts Options) error {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	agents := opts.Agents
	if len(agents) == 0 {
		agents = DefaultAgents(p.r.top, getenv)
	}
	if !commandIsOurs(agentCommand(opts.HookCommand, ClaudeCode), ClaudeCode) || strings.ContainsAny(opts.HookCommand, "\n\r") {
		return fmt.Errorf("hook command %q: %w", opts.HookCommand, ErrBadHookCommand)
	}
	timeout := opts.TimeoutSeconds
	if timeout <= 0 {
		timeout = 30
	}
	for _, a := range agents {
		spec, ok := specs[a]
		if !ok {
			return fmt.Errorf("%q: %w", a, ErrUnknownAgent)
		}
		path := p.r.agentPath(a, opts.CodexUserConfig, getenv)
		if path == "" {
			return fmt.Errorf("locating %s settings: HOME and CODEX_HOME are unset", a)
		}
		err := p.editFile(path, "agent:"+string(a), 0o644, func(name string, st fileState) ([]byte, error) {
			root, err := decodeObject(name, st.data)
			if err != nil {
				return nil, err
			}
			changed, err := spec.mergeHandlers(root, opts.HookCommand, timeout)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			if !changed {
				return st.data, nil
			}
			return encodeJSON(root), nil
		})
		if err != nil {
			return err
		}
		if a == Codex && !opts.CodexUserConfig {
			p.note("Codex loads project hooks (.codex/hooks.json) only for a trusted project")
		}
	}
	return nil
}

// agentPath is the settings file Install edits for agent a.
func (r *repo) agentPath(a Agent, codexUser bool, getenv func(string) string) string {
	switch {
	case a == ClaudeCode:
		return filepath.Join(r.top, ".claude", "settings.json")
	case a == GeminiCLI:
		return filepath.Join(r.top, ".gemini", "settings.json")
	case !codexUser:
		return filepath.Join(r.top, ".codex", "hooks.json")
	}
	home := getenv("CODEX_HOME")
	if home == "" {
		if h := getenv("HOME"); h != "" {
			home = filepath.Join(h, ".codex")
		}
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, "hooks.json")
}

func (p *plan) planGitHooks(ctx context.Context, opts Options) error {
	l, err := p.r.hookLayout(ctx)
	if err != nil {
		return err
	}
	p.report.Notes = append(p.report.Notes, l.notes...)
	cmd := opts.GitHookCommand
	if cmd == "" {
		cmd = "tracevault"
	}
	if strings.ContainsAny(cmd, "\n\r") {
		return fmt.Errorf("git hook command %q: %w", cmd, ErrBadHookCommand)
	}
	for _, h := range GitHooks {
		block := hookBlock(h, cmd)
		err := p.editFileMode(filepath.Join(l.dir, h), "git-hook:"+h, func(name string, st fileState) ([]byte, fs.FileMode, error) {
			out, err := insertBlock(name, st, block)
			return out, hookMode(st, l.execBit), err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *plan) planFiles(files []File) error {
	for _, f := range files {
		if f.Path == "" || filepath.IsAbs(f.Path) {
			return fmt.Errorf("file %q: path must be relative to the work tree", f.Path)
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		err := p.editFileMode(p.r.abs(f.Path), "file", func(_ string, st fileState) ([]byte, fs.FileMode, error) {
			if st.exists {
				return st.data, st.mode, nil // never overwrite a file the user has
			}
			return f.Data, mode, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *plan) planGitConfig(ctx context.Context, remotes []string) error {
	all, err := p.r.remotes(ctx)
	if err != nil {
		return err
	}
	if remotes == nil {
		remotes = []string{}
		if slices.Contains(all, "origin") {
			remotes = append(remotes, "origin")
		} else {
			p.note("no remote named origin: trace fetch refspecs not configured")
		}
	}
	for _, rm := range remotes {
		if !slices.Contains(all, rm) {
			return fmt.Errorf("remote %q: %w", rm, ErrUnknownRemote)
		}
	}
	steps, err := p.r.planConfig(ctx, configOps(remotes), p.m)
	if err != nil {
		return err
	}
	p.steps = append(p.steps, steps...)
	return nil
}

func (p *plan) note(n string) {
	if !slices.Contains(p.report.Notes, n) {
		p.report.Notes = append(p.report.Notes, n)
	}
}

// editFile is editFileMode for files whose mode is kept (newMode when new).
func (p *plan) editFile(path, kind string, newMode fs.FileMode, edit func(string, fileState) ([]byte, error)) error {
	return p.editFileMode(path, kind, func(name string, st fileState) ([]byte, fs.FileMode, error) {
		out, err := edit(name, st)
		mode := newMode
		if st.exists {
			mode = st.mode
		}
		return out, mode, err
	})
}

// editFileMode plans one file edit and keeps its manifest record current.
// A file already recorded keeps its original; one changed by someone else
// since the last Install is marked edited.
func (p *plan) editFileMode(path, kind string, edit func(string, fileState) ([]byte, fs.FileMode, error)) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	before, err := readState(target)
	if err != nil {
		return err
	}
	data, mode, err := edit(path, before)
	if err != nil {
		return err
	}
	name := p.r.rel(path)
	rec := p.m.file(name)
	if rec != nil && (!before.exists || hashHex(before.data) != rec.Installed) {
		rec.Edited = true
	}
	if before.exists && bytes.Equal(data, before.data) && mode == before.mode {
		if rec != nil {
			rec.Installed = hashHex(data)
		}
		return nil
	}
	if err := checkWritable(target); err != nil {
		return err
	}
	if rec == nil {
		p.m.Files = append(p.m.Files, fileRecord{Path: name, Kind: kind, Absent: !before.exists})
		rec = &p.m.Files[len(p.m.Files)-1]
		if before.exists {
			rec.Mode, rec.Original = formatMode(before.mode), before.data
		}
	}
	rec.Installed = hashHex(data)
	p.changes = append(p.changes, change{path: target, before: before, after: fileState{exists: true, data: data, mode: mode}})
	action := "updated"
	if !before.exists {
		action = "created"
	}
	p.report.Changes = append(p.report.Changes, Change{Target: name, Action: action})
	return nil
}

// planManifest records the directories about to be created and puts the
// manifest write first, so a crash part-way still leaves a usable record.
func (p *plan) planManifest(changed bool) error {
	if !changed {
		if len(p.m.Files) == 0 && len(p.m.Config) == 0 {
			return nil // nothing installed, nothing to record
		}
	}
	mpath := p.r.manifestPath()
	for _, c := range append([]change{{path: mpath}}, p.changes...) {
		for _, d := range missingDirs(filepath.Dir(c.path)) {
			if rel := p.r.rel(d); !slices.Contains(p.m.Dirs, rel) {
				p.m.Dirs = append(p.m.Dirs, rel)
			}
		}
	}
	before, err := readState(mpath)
	if err != nil {
		return err
	}
	data := encodeManifest(p.m)
	if before.exists && bytes.Equal(before.data, data) {
		return nil
	}
	if err := checkWritable(mpath); err != nil {
		return err
	}
	mc := change{path: mpath, before: before, after: fileState{exists: true, data: data, mode: 0o644}}
	p.changes = append([]change{mc}, p.changes...)
	return nil
}

// missingDirs lists dir and its ancestors that do not exist, outermost
// first.
func missingDirs(dir string) []string {
	var missing []string
	for d := dir; !exists(d) && d != filepath.Dir(d); d = filepath.Dir(d) {
		missing = append([]string{d}, missing...)
	}
	return missing
}

// apply writes the planned files, then runs the git config steps; when a
// step fails the files are put back.
func (p *plan) apply(ctx context.Context) (Report, error) {
	created, err := applyChanges(p.changes)
	if err != nil {
		return Report{}, err
	}
	if err := p.r.applySteps(ctx, p.steps); err != nil {
		return Report{}, errors.Join(err, rollback(p.changes, created))
	}
	for _, s := range p.steps {
		p.report.Changes = append(p.report.Changes, Change{Target: s.desc, Action: "configured"})
	}
	return p.report, nil
}
