package gitcli_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/internal/testutil"
)

var ctx = context.Background()

func TestOpen(t *testing.T) {
	repo := testutil.NewRepo(t)
	testutil.Git(t, repo, "commit", "-q", "--allow-empty", "-m", "init")
	sub := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(t.TempDir(), "bare.git")
	testutil.Git(t, repo, "init", "-q", "--bare", bare)
	wt := filepath.Join(t.TempDir(), "wt")
	testutil.Git(t, repo, "worktree", "add", "-q", wt)
	gitDir := filepath.Join(repo, ".git")
	tests := []struct {
		name, dir, gitDir, commonDir, workTree string
	}{
		{"top", repo, gitDir, gitDir, repo},
		{"subdir", sub, gitDir, gitDir, repo},
		{"gitdir", gitDir, gitDir, gitDir, ""},
		{"bare", bare, bare, bare, ""},
		{"worktree", wt, filepath.Join(gitDir, "worktrees", "wt"), gitDir, wt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t, tt.dir)
			if s.GitDir() != tt.gitDir || s.CommonDir() != tt.commonDir || s.WorkTree() != tt.workTree {
				t.Errorf("Open(%s) = git %s, common %s, work %q; want %s, %s, %q", tt.dir,
					s.GitDir(), s.CommonDir(), s.WorkTree(), tt.gitDir, tt.commonDir, tt.workTree)
			}
		})
	}
	// A linked worktree sees the refs of the main one.
	w := open(t, wt)
	if _, err := w.ResolveRef(ctx, "refs/heads/main"); err != nil {
		t.Errorf("ResolveRef(refs/heads/main) from worktree: %v", err)
	}
}

func TestOpenNotARepo(t *testing.T) {
	_, err := gitcli.Open(ctx, t.TempDir(), gitcli.WithEnv(append(testEnv(), "GIT_CEILING_DIRECTORIES="+os.TempDir())))
	var ge *gitstore.GitError
	if !errors.As(err, &ge) || ge.ExitCode != 128 || !strings.Contains(ge.Stderr, "not a git repository") {
		t.Fatalf("Open(empty dir) = %v, want GitError exit 128 naming 'not a git repository'", err)
	}
	if !strings.Contains(err.Error(), "rev-parse") {
		t.Errorf("error %q does not name the command", err)
	}
}

// TestEnvIgnored checks that GIT_DIR and friends in the environment (as
// git sets them for hooks) cannot redirect the store.
func TestEnvIgnored(t *testing.T) {
	repo, other := testutil.NewRepo(t), testutil.NewRepo(t)
	env := append(testEnv(), "GIT_DIR="+filepath.Join(other, ".git"), "GIT_WORK_TREE="+other, "LANG=de_DE.UTF-8")
	s, err := gitcli.Open(ctx, repo, gitcli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.GitDir() != filepath.Join(repo, ".git") {
		t.Errorf("GitDir() = %s, want %s", s.GitDir(), filepath.Join(repo, ".git"))
	}
}

func countObjects(t *testing.T, s *gitcli.Store) (loose, packs int) {
	t.Helper()
	filepath.WalkDir(filepath.Join(s.CommonDir(), "objects"), func(p string, d os.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case strings.HasSuffix(p, ".pack"):
			packs++
		case len(filepath.Base(filepath.Dir(p))) == 2:
			loose++
		}
		return nil
	})
	return loose, packs
}

// TestWritePacks checks that big batches land in one pack and small ones
// as loose objects, as git's own receive-pack does.
func TestWritePacks(t *testing.T) {
	s := open(t, testutil.NewRepo(t))
	var objs []gitstore.Object
	for i := range 1000 {
		objs = append(objs, gitstore.Object{Type: gitstore.TypeBlob, Data: []byte(strings.Repeat("x", i))})
	}
	if _, err := s.WriteObjects(ctx, objs); err != nil {
		t.Fatal(err)
	}
	if loose, packs := countObjects(t, s); loose != 0 || packs != 1 {
		t.Errorf("after 1000 objects: %d loose, %d packs; want 0, 1", loose, packs)
	}
	if _, err := s.WriteObjects(ctx, objs[:5]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WriteObjects(ctx, []gitstore.Object{{Type: gitstore.TypeBlob, Data: []byte("new")}}); err != nil {
		t.Fatal(err)
	}
	if loose, packs := countObjects(t, s); loose != 1 || packs != 1 {
		t.Errorf("after rewriting 5 and one new object: %d loose, %d packs; want 1, 1", loose, packs)
	}
	testutil.Git(t, s.CommonDir(), "fsck", "--strict", "--no-dangling")
}

func TestReadCancelled(t *testing.T) {
	s := open(t, testutil.NewRepo(t))
	h, err := gitstore.WriteBlob(ctx, s, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := s.ReadObject(c, h); !errors.Is(err, context.Canceled) {
		t.Errorf("ReadObject(cancelled) = %v, want context.Canceled", err)
	}
	// Cancel mid-way through a large batch; the store must recover.
	hs := make([]gitstore.Hash, 200000)
	for i := range hs {
		hs[i] = h
	}
	c, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := s.ReadObjects(c, hs); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ReadObjects(timeout) = %v, want nil or DeadlineExceeded", err)
	}
	if _, data, err := s.ReadObject(ctx, h); err != nil || string(data) != "x" {
		t.Errorf("ReadObject after cancel = %q, %v", data, err)
	}
}

func TestGitErrorCarriesStderr(t *testing.T) {
	s := open(t, testutil.NewRepo(t))
	_, err := s.MergeBase(ctx, gitstore.HashObject(gitstore.TypeBlob, []byte("a")), gitstore.EmptyTree)
	var ge *gitstore.GitError
	if !errors.As(err, &ge) || ge.ExitCode != 128 || ge.Stderr == "" {
		t.Fatalf("MergeBase(missing) = %#v, want GitError with exit 128 and stderr", err)
	}
}
