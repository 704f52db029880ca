package install

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tracevault/tracevault/internal/testutil"
)

// env is an isolated test setup: a repository, a HOME, and a fake
// tracevault executable that logs each git-hook call and its stdin.
type env struct {
	t    *testing.T
	repo string
	home string
	log  string // directory the fake tracevault logs to
	fake string // path of the fake tracevault
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, repo: testutil.NewRepo(t), home: t.TempDir(), log: t.TempDir()}
	e.fake = filepath.Join(t.TempDir(), "tracevault")
	script := "#!/bin/sh\n" +
		"hook=$2\n" +
		"echo \"$*\" >>" + shellQuote(e.log) + "/calls\n" +
		"cat >" + shellQuote(e.log) + "/stdin-$hook\n" +
		"exit ${TV_FAKE_EXIT:-0}\n"
	writeTestFile(t, e.fake, script, 0o755)
	return e
}

func (e *env) opts(agents ...Agent) Options {
	return Options{
		RepoDir:        e.repo,
		HookCommand:    "/opt/tracevault/bin/tracevault hook",
		GitHookCommand: e.fake,
		Agents:         agents,
		GitEnv:         testutil.GitEnv(e.home),
		Getenv: func(k string) string {
			switch k {
			case "HOME":
				return e.home
			case "PATH":
				return ""
			}
			return ""
		},
	}
}

func (e *env) install(o Options) Report {
	e.t.Helper()
	rep, err := Install(context.Background(), o)
	if err != nil {
		e.t.Fatalf("Install: %v", err)
	}
	return rep
}

func (e *env) uninstall(o Options) Report {
	e.t.Helper()
	rep, err := Uninstall(context.Background(), o)
	if err != nil {
		e.t.Fatalf("Uninstall: %v", err)
	}
	return rep
}

// git runs git in the repository with the test's isolated environment.
func (e *env) git(args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = e.repo
	cmd.Env = testutil.GitEnv(e.home)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (e *env) mustGit(args ...string) string {
	e.t.Helper()
	out, err := e.git(args...)
	if err != nil {
		e.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return out
}

func writeTestFile(t *testing.T, path, data string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// treeHash maps every file, directory and link under root (.git included)
// to its mode and content hash, to prove a failed call changed nothing.
func treeHash(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		v := fi.Mode().String()
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			v += " " + hex.EncodeToString(s[:])
		}
		out[p] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func diffTrees(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, v := range before {
		if after[p] != v {
			t.Errorf("%s: before %q, after %q", p, v, after[p])
		}
	}
	for p, v := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: new after the call (%s)", p, v)
		}
	}
}
