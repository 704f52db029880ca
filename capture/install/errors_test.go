package install

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallFailsAndChangesNothing(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(e *env, o *Options)
		wantIs  error
		wantMsg string
		nonRoot bool // chmod does not stop root
	}{
		{name: "not a git repository", wantIs: ErrNotGitRepository, setup: func(e *env, o *Options) {
			o.RepoDir = e.t.TempDir()
		}},
		{name: "bare repository", wantIs: ErrBareRepository, setup: func(e *env, o *Options) {
			bare := e.t.TempDir()
			e.mustGit("init", "-q", "--bare", bare)
			o.RepoDir = bare
		}},
		{name: "settings path is a directory", wantIs: ErrNotWritable, wantMsg: "settings.json", setup: func(e *env, o *Options) {
			os.MkdirAll(filepath.Join(e.repo, ".claude", "settings.json"), 0o755)
		}},
		{name: "settings directory is a file", wantMsg: ".claude", setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".claude"), "not a dir\n", 0o644)
		}},
		{name: "read-only settings", nonRoot: true, wantIs: ErrNotWritable, setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".claude", "settings.json"), "{}\n", 0o444)
		}},
		{name: "read-only settings directory", nonRoot: true, wantIs: ErrNotWritable, setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".claude", "settings.json"), "{}\n", 0o644)
			os.Chmod(filepath.Join(e.repo, ".claude"), 0o555)
			e.t.Cleanup(func() { os.Chmod(filepath.Join(e.repo, ".claude"), 0o755) })
		}},
		{name: "malformed JSON", wantMsg: "settings.json at line 3, column 5", setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".claude", "settings.json"), "{\n  \"hooks\": {\n    ,\n  }\n}\n", 0o644)
		}},
		{name: "truncated JSON", wantMsg: "gemini", setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".gemini", "settings.json"), "{\"hooks\": {", 0o644)
		}},
		{name: "hooks is not an object", wantMsg: `"hooks" is not an object`, setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".codex", "hooks.json"), "{\"hooks\": []}\n", 0o644)
		}},
		{name: "python git hook", wantIs: ErrUnsupportedHook, setup: func(e *env, o *Options) {
			writeTestFile(e.t, filepath.Join(e.repo, ".git", "hooks", "pre-push"), "#!/usr/bin/env python3\nprint(1)\n", 0o755)
		}},
		{name: "unknown remote", wantIs: ErrUnknownRemote, setup: func(e *env, o *Options) {
			o.Remotes = []string{"upstream"}
		}},
		{name: "hook command without tracevault", wantIs: ErrBadHookCommand, setup: func(e *env, o *Options) {
			o.HookCommand = "/usr/bin/true"
		}},
		{name: "unknown agent", wantIs: ErrUnknownAgent, setup: func(e *env, o *Options) {
			o.Agents = append(o.Agents, "cursor")
		}},
		{name: "write fails part-way", wantMsg: "injected", setup: func(e *env, o *Options) {
			n := 0
			writeFile = func(path string, data []byte, mode fs.FileMode) error {
				if n++; n == 4 {
					return errors.New("injected failure")
				}
				return writeFileAtomic(path, data, mode)
			}
			e.t.Cleanup(func() { writeFile = writeFileAtomic })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.nonRoot && os.Geteuid() == 0 {
				t.Skip("running as root: permission bits do not stop writes (the directory-in-the-way cases cover this)")
			}
			e := newEnv(t)
			writeTestFile(t, filepath.Join(e.repo, "docs", "keep.txt"), "x\n", 0o644)
			o := e.opts(ClaudeCode, Codex, GeminiCLI)
			tc.setup(e, &o)
			before := treeHash(t, e.repo)
			_, err := Install(context.Background(), o)
			if err == nil {
				t.Fatal("Install succeeded, want an error")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Install error = %v, want %v", err, tc.wantIs)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Install error = %q, want it to mention %q", err, tc.wantMsg)
			}
			diffTrees(t, before, treeHash(t, e.repo))
		})
	}
}

func TestMalformedJSONErrorPosition(t *testing.T) {
	_, err := decodeObject("x.json", []byte("{\n  \"a\": 1,\n  \"b\": tru\n}"))
	var je *JSONError
	if !errors.As(err, &je) || je.File != "x.json" || je.Line != 3 {
		t.Fatalf("decodeObject error = %#v, want a JSONError at line 3", err)
	}
	if _, err := decodeObject("x.json", []byte("{} {}")); err == nil {
		t.Error("trailing data accepted")
	}
	if _, err := decodeObject("x.json", []byte("[1]")); err == nil {
		t.Error("non-object accepted")
	}
}

func TestJSONRoundTripKeepsOrder(t *testing.T) {
	in := "{\n  \"z\": {\n    \"b\": [\n      1.50,\n      \"<x&y>\",\n      null,\n      true\n    ],\n    \"a\": {}\n  },\n  \"a\": [],\n  \"ü\": \"\\u00fc\"\n}\n"
	o, err := decodeObject("in", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(in, `"\u00fc"`, `"ü"`, 1)
	if got := string(encodeJSON(o)); got != want {
		t.Errorf("round trip =\n%s\nwant\n%s", got, want)
	}
}

func TestUninstallWithoutManifest(t *testing.T) {
	e := newEnv(t)
	if _, err := Uninstall(context.Background(), e.opts()); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("Uninstall error = %v, want ErrNotInstalled", err)
	}
}
