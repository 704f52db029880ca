package worktree

import "github.com/tracevault/tracevault/capture/gitrepo"

// Repository discovery lives in capture/gitrepo (the post-commit hook binary
// links it without this package); these names are kept for callers here.

// Repo locates the three directories of a non-bare repository; see
// [gitrepo.Repo].
type Repo = gitrepo.Repo

// Sentinel errors returned (wrapped) by [FindRepo] and [ReadHead].
var (
	ErrNotRepo  = gitrepo.ErrNotRepo
	ErrBare     = gitrepo.ErrBare
	ErrReftable = gitrepo.ErrReftable
)

// FindRepo is [gitrepo.FindRepo].
func FindRepo(dir string) (Repo, error) { return gitrepo.FindRepo(dir) }

// ReadHead is [gitrepo.ReadHead].
func ReadHead(repo Repo) (branch, commit string, err error) { return gitrepo.ReadHead(repo) }
