package worktree

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tracevault/tracevault/internal/testutil"
)

// writeFile creates rel (slash-separated) under dir with its parents.
func writeFile(t testing.TB, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// commitAll stages everything and commits.
func commitAll(t testing.TB, dir, msg string) {
	t.Helper()
	testutil.Git(t, dir, "add", "-A")
	testutil.Git(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
}

func realPath(t testing.TB, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestFindRepo(t *testing.T) {
	main := realPath(t, testutil.NewRepo(t))
	writeFile(t, main, "a/b/c.txt", "c\n")
	commitAll(t, main, "one")

	linked := filepath.Join(realPath(t, t.TempDir()), "linked")
	testutil.Git(t, main, "worktree", "add", "-q", "-b", "feature", linked)

	sub := realPath(t, testutil.NewRepo(t))
	writeFile(t, sub, "s.txt", "s\n")
	commitAll(t, sub, "sub")
	testutil.Git(t, main, "-c", "protocol.file.allow=always", "submodule", "add", "-q", sub, "mods/sub")

	bare := filepath.Join(realPath(t, t.TempDir()), "bare.git")
	testutil.Git(t, main, "init", "-q", "--bare", bare)
	none := realPath(t, t.TempDir())

	mainRepo := Repo{WorkTree: main, GitDir: filepath.Join(main, ".git"), CommonDir: filepath.Join(main, ".git")}
	tests := []struct {
		name    string
		dir     string
		want    Repo
		wantErr error
	}{
		{name: "root", dir: main, want: mainRepo},
		{name: "subdirectory", dir: filepath.Join(main, "a", "b"), want: mainRepo},
		{name: "inside .git", dir: filepath.Join(main, ".git", "refs"), want: mainRepo},
		{name: "linked worktree", dir: linked, want: Repo{
			WorkTree: linked, GitDir: filepath.Join(main, ".git", "worktrees", "linked"), CommonDir: filepath.Join(main, ".git"),
		}},
		{name: "submodule", dir: filepath.Join(main, "mods", "sub"), want: Repo{
			WorkTree:  filepath.Join(main, "mods", "sub"),
			GitDir:    filepath.Join(main, ".git", "modules", "mods", "sub"),
			CommonDir: filepath.Join(main, ".git", "modules", "mods", "sub"),
		}},
		{name: "bare", dir: bare, wantErr: ErrBare},
		{name: "inside bare", dir: filepath.Join(bare, "refs", "heads"), wantErr: ErrBare},
		{name: "no repository", dir: none, wantErr: ErrNotRepo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindRepo(tt.dir)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("FindRepo(%q) error = %v, want %v", tt.dir, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FindRepo(%q): %v", tt.dir, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindRepo(%q) mismatch (-want +got):\n%s", tt.dir, diff)
			}
			// git agrees on the top level.
			if tt.name == "inside .git" {
				return // git refuses --show-toplevel there; FindRepo is friendlier
			}
			if top := testutil.Git(t, tt.dir, "rev-parse", "--show-toplevel"); top != got.WorkTree {
				t.Errorf("git rev-parse --show-toplevel = %q, FindRepo WorkTree = %q", top, got.WorkTree)
			}
		})
	}
}

func TestFindRepoBadGitFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, ".git", "gitdir: nowhere\n")
	if _, err := FindRepo(dir); !errors.Is(err, ErrNotRepo) {
		t.Fatalf("FindRepo with dangling .git file: error = %v, want %v", err, ErrNotRepo)
	}
	writeFile(t, dir, ".git", "garbage\n")
	if _, err := FindRepo(dir); !errors.Is(err, ErrNotRepo) {
		t.Fatalf("FindRepo with malformed .git file: error = %v, want %v", err, ErrNotRepo)
	}
}

func TestReadHead(t *testing.T) {
	type head struct{ Branch, Commit string }
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (worktree string)
	}{
		{name: "unborn", setup: func(t *testing.T, dir string) string { return dir }},
		{name: "loose ref", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			return dir
		}},
		{name: "packed ref", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			testutil.Git(t, dir, "pack-refs", "--all")
			if _, err := os.Stat(filepath.Join(dir, ".git", "refs", "heads", "main")); err == nil {
				t.Fatal("pack-refs left a loose ref")
			}
			return dir
		}},
		{name: "detached", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			commitAll(t, dir, "two")
			testutil.Git(t, dir, "checkout", "-q", "--detach", "HEAD~1")
			return dir
		}},
		{name: "unborn other branch", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			testutil.Git(t, dir, "checkout", "-q", "--orphan", "fresh")
			return dir
		}},
		{name: "nested branch name", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			testutil.Git(t, dir, "checkout", "-q", "-b", "feat/x/y")
			return dir
		}},
		{name: "linked worktree", setup: func(t *testing.T, dir string) string {
			commitAll(t, dir, "one")
			commitAll(t, dir, "two")
			wt := filepath.Join(t.TempDir(), "wt")
			testutil.Git(t, dir, "worktree", "add", "-q", "-b", "side", wt, "HEAD~1")
			testutil.Git(t, dir, "pack-refs", "--all")
			return wt
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.setup(t, testutil.NewRepo(t))
			repo, err := FindRepo(dir)
			if err != nil {
				t.Fatal(err)
			}
			branch, commit, err := ReadHead(repo)
			if err != nil {
				t.Fatalf("ReadHead: %v", err)
			}
			var want head
			if out := gitMaybe(t, dir, "symbolic-ref", "-q", "--short", "HEAD"); out != "" {
				want.Branch = out
			}
			want.Commit = gitMaybe(t, dir, "rev-parse", "-q", "--verify", "HEAD")
			if diff := cmp.Diff(want, head{branch, commit}); diff != "" {
				t.Errorf("ReadHead mismatch with git (-git +ReadHead):\n%s", diff)
			}
		})
	}
}

// gitMaybe runs git and returns its output, or "" if git exits non-zero.
func gitMaybe(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitOutput(dir, args...)
	if err != nil {
		return ""
	}
	return out
}
