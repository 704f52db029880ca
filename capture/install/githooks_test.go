package install

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// userHook is a user's own hook: it logs its call, copies its stdin for the
// hooks that have one, and ends with an explicit exit (our block must run
// before it).
func userHook(log, hook string, shebang bool) string {
	s := ""
	if shebang {
		s = "#!/bin/sh\n"
	}
	s += "echo \"user " + hook + " $*\" >>" + shellQuote(log) + "/user-calls\n"
	if stdinHooks[hook] {
		s += "cat >" + shellQuote(log) + "/user-stdin-" + hook + "\n"
	}
	return s + "exit 0\n"
}

const huskyH = `#!/usr/bin/env sh
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n
[ ! -f "$s" ] && exit 0
sh -e "$s" "$@"
`

func TestGitHooksChainAndRunForReal(t *testing.T) {
	cases := []struct {
		name      string
		setup     func(e *env) string // returns the directory of the user's hook files
		userHooks bool
		shebang   bool
	}{
		{name: "plain, no hooks", setup: func(e *env) string { return filepath.Join(e.repo, ".git", "hooks") }},
		{name: "plain, user hooks", userHooks: true, shebang: true,
			setup: func(e *env) string { return filepath.Join(e.repo, ".git", "hooks") }},
		{name: "core.hooksPath custom dir", userHooks: true, shebang: true, setup: func(e *env) string {
			e.mustGit("config", "core.hooksPath", ".githooks")
			return filepath.Join(e.repo, ".githooks")
		}},
		{name: "husky v9", userHooks: true, setup: func(e *env) string {
			e.mustGit("config", "core.hooksPath", ".husky/_")
			writeTestFile(e.t, filepath.Join(e.repo, ".husky", "_", "h"), huskyH, 0o755)
			for _, h := range GitHooks {
				writeTestFile(e.t, filepath.Join(e.repo, ".husky", "_", h), "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n", 0o755)
			}
			return filepath.Join(e.repo, ".husky")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			dir := tc.setup(e)
			if tc.userHooks {
				mode := os.FileMode(0o755)
				if !tc.shebang {
					mode = 0o644 // husky's user files are run with `sh -e`
				}
				for _, h := range GitHooks {
					writeTestFile(t, filepath.Join(dir, h), userHook(e.log, h, tc.shebang), mode)
				}
			}
			before := map[string]fileState{}
			for _, h := range GitHooks {
				st, err := readState(filepath.Join(dir, h))
				if err != nil {
					t.Fatal(err)
				}
				before[h] = st
			}
			o := e.opts()
			o.SkipAgents = true
			e.install(o)
			if tc.name == "husky v9" {
				if got := readTestFile(t, filepath.Join(dir, "_", "pre-push")); strings.Contains(got, "tracevault") {
					t.Errorf("husky stub was edited:\n%s", got)
				}
			}
			e.install(o) // idempotent: still one block per hook
			for _, h := range GitHooks {
				if n := strings.Count(readTestFile(t, filepath.Join(dir, h)), BeginMarker); n != 1 {
					t.Errorf("%s has %d TraceVault blocks, want 1", h, n)
				}
			}

			e.mustGit("commit", "-q", "--allow-empty", "-m", "one")
			e.mustGit("commit", "-q", "--amend", "--allow-empty", "-m", "one, amended")
			remote := t.TempDir()
			e.mustGit("init", "-q", "--bare", remote)
			e.mustGit("remote", "add", "origin", remote)
			e.mustGit("push", "-q", "origin", "main")

			calls := readTestFile(t, filepath.Join(e.log, "calls"))
			for _, h := range GitHooks {
				if !strings.Contains(calls, "git-hook "+h) {
					t.Errorf("tracevault git-hook %s did not run; calls:\n%s", h, calls)
				}
			}
			if !strings.Contains(calls, "git-hook pre-push origin "+remote) {
				t.Errorf("pre-push arguments not passed on; calls:\n%s", calls)
			}
			ours := readTestFile(t, filepath.Join(e.log, "stdin-pre-push"))
			if !strings.Contains(ours, "refs/heads/main ") {
				t.Errorf("tracevault pre-push stdin = %q", ours)
			}
			if rw := readTestFile(t, filepath.Join(e.log, "stdin-post-rewrite")); len(strings.Fields(rw)) < 2 {
				t.Errorf("tracevault post-rewrite stdin = %q", rw)
			}
			if tc.userHooks {
				user := readTestFile(t, filepath.Join(e.log, "user-calls"))
				for _, h := range GitHooks {
					if !strings.Contains(user, "user "+h) {
						t.Errorf("user %s did not run; user calls:\n%s", h, user)
					}
				}
				for _, h := range []string{"pre-push", "post-rewrite"} {
					if u, o := readTestFile(t, filepath.Join(e.log, "user-stdin-"+h)), readTestFile(t, filepath.Join(e.log, "stdin-"+h)); u != o {
						t.Errorf("%s stdin: user hook saw %q, tracevault saw %q", h, u, o)
					}
				}
			}

			e.uninstall(o)
			for _, h := range GitHooks {
				after, err := readState(filepath.Join(dir, h))
				if err != nil {
					t.Fatal(err)
				}
				b := before[h]
				if after.exists != b.exists || string(after.data) != string(b.data) || after.mode != b.mode {
					t.Errorf("%s after uninstall = %+v, want %+v", h, after, b)
				}
			}
		})
	}
}

func TestPrePushPropagatesTracevaultFailure(t *testing.T) {
	e := newEnv(t)
	o := e.opts()
	o.SkipAgents = true
	e.install(o)
	e.mustGit("commit", "-q", "--allow-empty", "-m", "one")
	remote := t.TempDir()
	e.mustGit("init", "-q", "--bare", remote)
	e.mustGit("remote", "add", "origin", remote)
	t.Setenv("TV_FAKE_EXIT", "3")
	if out, err := e.git("push", "origin", "main"); err == nil {
		t.Fatalf("push succeeded although tracevault git-hook pre-push failed:\n%s", out)
	}
	t.Setenv("TV_FAKE_EXIT", "0")
	e.mustGit("push", "-q", "origin", "main")
}

func TestUninstallKeepsUserHookEdits(t *testing.T) {
	e := newEnv(t)
	hook := filepath.Join(e.repo, ".git", "hooks", "pre-push")
	orig := "#!/bin/bash\nset -eu\necho checking\n"
	writeTestFile(t, hook, orig, 0o700)
	o := e.opts()
	o.SkipAgents, o.SkipGitConfig = true, true
	e.install(o)
	got := readTestFile(t, hook)
	if !strings.HasPrefix(got, "#!/bin/bash\n"+BeginMarker) || !strings.HasSuffix(got, EndMarker+"\nset -eu\necho checking\n") {
		t.Fatalf("chained hook =\n%s", got)
	}
	writeTestFile(t, hook, got+"echo added by user\n", 0o700)
	e.uninstall(o)
	if got, want := readTestFile(t, hook), orig+"echo added by user\n"; got != want {
		t.Errorf("after uninstall =\n%s\nwant\n%s", got, want)
	}
	// A hook we created and the user extended keeps their lines only.
	if _, err := os.Stat(filepath.Join(e.repo, ".git", "hooks", "post-commit")); !os.IsNotExist(err) {
		t.Errorf("post-commit (created by init, unchanged) still exists: %v", err)
	}
}

func TestInsertBlockPlacement(t *testing.T) {
	block := hookBlock("post-commit", "tracevault")
	tests := []struct {
		name, in string
		exists   bool
		want     string
	}{
		{"absent", "", false, newHookHeader + block},
		{"shebang", "#!/bin/sh\nexit 0\n", true, "#!/bin/sh\n" + block + "exit 0\n"},
		{"shebang without newline", "#!/bin/sh", true, "#!/bin/sh\n" + block},
		{"no shebang", "npm test\n", true, block + "npm test\n"},
		{"env bash", "#!/usr/bin/env bash\nx\n", true, "#!/usr/bin/env bash\n" + block + "x\n"},
		{"replace old block", "#!/bin/sh\n" + BeginMarker + "\nold\n" + EndMarker + "\nx\n", true, "#!/bin/sh\n" + block + "x\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := insertBlock("hook", fileState{exists: tc.exists, data: []byte(tc.in)}, block)
			if err != nil || string(got) != tc.want {
				t.Errorf("insertBlock(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{"#!/usr/bin/env python3\nprint(1)\n", "#!/usr/bin/node\n", "#!/bin/sh\n" + BeginMarker + "\nno end\n"} {
		if _, err := insertBlock("hook", fileState{exists: true, data: []byte(bad)}, block); err == nil {
			t.Errorf("insertBlock(%q) succeeded, want an error", bad)
		}
	}
}
