package install

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// GitHooks are the git hooks Install chains TraceVault into.
var GitHooks = []string{"post-commit", "post-rewrite", "pre-push"}

// The lines that delimit TraceVault's block inside a hook script.
const (
	BeginMarker = "# >>> tracevault >>>"
	EndMarker   = "# <<< tracevault <<<"
)

// newHookHeader starts a hook script Install creates from nothing.
const newHookHeader = "#!/bin/sh\n"

// hookLayout is where the hook scripts to edit live.
type hookLayout struct {
	dir     string // directory holding the scripts we edit
	manager string // "", "husky", "lefthook", "pre-commit" or "core.hooksPath"
	// execBit: git runs the files directly, so they must be executable
	// (husky v9 runs user scripts with `sh -e`, so there they need not be).
	execBit bool
	notes   []string
}

// hookLayout finds the directory git runs hooks from (honouring
// core.hooksPath) and the hook manager that owns it, if any.
func (r *repo) hookLayout(ctx context.Context) (hookLayout, error) {
	dir, err := r.run(ctx, "rev-parse", "--git-path", "hooks")
	if err != nil {
		return hookLayout{}, fmt.Errorf("finding the hooks directory: %w", err)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(r.top, dir)
	}
	l := hookLayout{dir: dir, execBit: true}
	if custom, _ := r.run(ctx, "config", "--get", "core.hooksPath"); custom != "" {
		l.manager = "core.hooksPath"
	}
	switch {
	case filepath.Base(dir) == "_" && exists(filepath.Join(dir, "h")):
		// husky v9: core.hooksPath=.husky/_ holds generated stubs that run
		// the user's .husky/<hook> with `sh -e`; edit the user's file.
		l.dir, l.manager, l.execBit = filepath.Dir(dir), "husky", false
		l.notes = append(l.notes, "husky detected: TraceVault's block goes into the committed .husky/<hook> files; teammates without tracevault skip it")
	case exists(filepath.Join(dir, "_", "husky.sh")):
		l.manager = "husky"
		l.notes = append(l.notes, "husky (v4-v8) detected: TraceVault's block goes into .husky/<hook>")
	case anyExists(r.top, "lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml"):
		l.manager = "lefthook"
		l.notes = append(l.notes, "lefthook detected: `lefthook install` rewrites the hook scripts; run `tracevault init` again after it")
	case anyExists(r.top, ".pre-commit-config.yaml"):
		l.manager = "pre-commit"
		l.notes = append(l.notes, "pre-commit detected: `pre-commit install` keeps an existing hook as <hook>.legacy and still runs it")
	}
	return l, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func anyExists(dir string, names ...string) bool {
	for _, n := range names {
		if exists(filepath.Join(dir, n)) {
			return true
		}
	}
	return false
}

// stdinHooks are the hooks git feeds on standard input.
var stdinHooks = map[string]bool{"post-rewrite": true, "pre-push": true}

// hookBlock is TraceVault's block for one hook. It runs
// `<command> git-hook <hook> "$@"` when the command exists (so a teammate
// without tracevault is not bothered). For hooks that read standard input it
// copies stdin to a temporary file, gives our command that copy, then points
// the script's own stdin at the copy (`exec <file`) so the rest of the
// original hook reads the same bytes from the start. Only pre-push passes
// our command's failure on (exit with its code), because a policy check may
// block a push; the command itself never fails for trace-sync problems.
func hookBlock(hook, command string) string {
	q := shellQuote(command)
	run := fmt.Sprintf("%s git-hook %s \"$@\"", q, hook)
	var b strings.Builder
	b.WriteString(BeginMarker + "\n")
	b.WriteString("# Added by `tracevault init`; `tracevault uninstall` removes it. Edits between the markers are lost.\n")
	fmt.Fprintf(&b, "if command -v %s >/dev/null 2>&1; then\n", q)
	if !stdinHooks[hook] {
		fmt.Fprintf(&b, "  %s </dev/null || :\n", run)
	} else {
		b.WriteString("  tv_in=$(mktemp \"${TMPDIR:-/tmp}/tracevault-hook.XXXXXX\" 2>/dev/null) || tv_in=\n")
		b.WriteString("  if [ -n \"$tv_in\" ] && cat >\"$tv_in\"; then\n")
		fmt.Fprintf(&b, "    if %s <\"$tv_in\"; then tv_rc=0; else tv_rc=$?; fi\n", run)
		b.WriteString("    exec <\"$tv_in\"\n")
		b.WriteString("  else\n")
		fmt.Fprintf(&b, "    if %s </dev/null; then tv_rc=0; else tv_rc=$?; fi\n", run)
		b.WriteString("  fi\n")
		b.WriteString("  [ -z \"$tv_in\" ] || rm -f \"$tv_in\"\n")
		if hook == "pre-push" {
			b.WriteString("  [ \"$tv_rc\" -eq 0 ] || exit \"$tv_rc\"\n")
		}
		b.WriteString("  unset tv_in tv_rc\n")
	}
	b.WriteString("fi\n")
	b.WriteString(EndMarker + "\n")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// findBlock returns the byte range of our block (marker lines included, with
// their newlines), or ok=false when there is none.
func findBlock(path string, content []byte) (start, end int, ok bool, err error) {
	lines := bytes.SplitAfter(content, []byte("\n"))
	off := 0
	start = -1
	for _, l := range lines {
		t := string(bytes.TrimRight(l, "\r\n"))
		switch {
		case start < 0 && t == BeginMarker:
			start = off
		case start >= 0 && t == EndMarker:
			return start, off + len(l), true, nil
		}
		off += len(l)
	}
	if start >= 0 {
		return 0, 0, false, fmt.Errorf("%s: %q without a matching %q", path, BeginMarker, EndMarker)
	}
	return 0, 0, false, nil
}

// insertBlock returns content with block in it: replacing an earlier block
// of ours, else right after the shebang line, so that our part runs before
// any `exit` in the user's script.
func insertBlock(path string, st fileState, block string) ([]byte, error) {
	if !st.exists {
		return []byte(newHookHeader + block), nil
	}
	c := st.data
	start, end, ok, err := findBlock(path, c)
	if err != nil {
		return nil, err
	}
	if ok {
		return concat(c[:start], []byte(block), c[end:]), nil
	}
	if !isShellScript(c) {
		return nil, fmt.Errorf("%s: %w (chain it by hand: call `tracevault git-hook <name>` from it)", path, ErrUnsupportedHook)
	}
	at := 0
	if bytes.HasPrefix(c, []byte("#!")) {
		if i := bytes.IndexByte(c, '\n'); i >= 0 {
			at = i + 1
		} else {
			return concat(c, []byte("\n"+block)), nil
		}
	}
	return concat(c[:at], []byte(block), c[at:]), nil
}

// removeBlock returns content without our block, and whether it had one.
func removeBlock(path string, content []byte) ([]byte, bool, error) {
	start, end, ok, err := findBlock(path, content)
	if err != nil || !ok {
		return content, false, err
	}
	return concat(content[:start], content[end:]), true, nil
}

// isShellScript reports whether a hook script can take a block of POSIX
// shell: no shebang, or a shebang naming a Bourne-style shell.
func isShellScript(c []byte) bool {
	if !bytes.HasPrefix(c, []byte("#!")) {
		return true
	}
	line, _, _ := bytes.Cut(c[2:], []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) == 0 {
		return false
	}
	interp := filepath.Base(f[0])
	if interp == "env" {
		interp = ""
		for _, a := range f[1:] {
			if !strings.HasPrefix(a, "-") {
				interp = filepath.Base(a)
				break
			}
		}
	}
	switch interp {
	case "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox":
		return true
	}
	return false
}

// hookMode is the mode to write a hook with: the old mode, made executable
// where readable when git runs the file directly.
func hookMode(st fileState, execBit bool) fs.FileMode {
	if !st.exists {
		return 0o755
	}
	if !execBit {
		return st.mode
	}
	return st.mode | (st.mode&0o444)>>2
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
