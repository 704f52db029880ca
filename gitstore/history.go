package gitstore

import (
	"context"
	"strings"
)

// History answers questions about commit ancestry and content changes.
// The git backend implements it; attribution code depends on it.
type History interface {
	// IsAncestor reports whether a is an ancestor of b (or equal to it).
	IsAncestor(ctx context.Context, a, b Hash) (bool, error)

	// MergeBase returns a best common ancestor of a and b, or an error
	// wrapping [ErrNotFound] when they share no history.
	MergeBase(ctx context.Context, a, b Hash) (Hash, error)

	// RevList returns the commits reachable from include and not from
	// exclude, newest first (git rev-list order).
	RevList(ctx context.Context, q RevQuery) ([]Hash, error)

	// DiffTree compares two trees (or commits' trees) file by file with
	// zero lines of context. A zero old means the empty tree.
	DiffTree(ctx context.Context, old, new Hash, opts DiffOptions) ([]FileDiff, error)
}

// RevQuery selects commits for [History.RevList].
type RevQuery struct {
	Include     []Hash
	Exclude     []Hash
	FirstParent bool
	// Limit caps the number of commits returned; 0 means no cap.
	Limit int
}

// DiffOptions tunes [History.DiffTree].
type DiffOptions struct {
	// Renames turns on rename detection (git's -M).
	Renames bool
}

// FileStatus is how a file changed between two trees.
type FileStatus byte

// File statuses, as in `git diff --name-status`.
const (
	StatusAdded    FileStatus = 'A'
	StatusDeleted  FileStatus = 'D'
	StatusModified FileStatus = 'M'
	StatusRenamed  FileStatus = 'R'
	StatusCopied   FileStatus = 'C'
	StatusType     FileStatus = 'T'
)

// FileDiff is the change to one file. OldPath is empty for an added file
// and NewPath for a deleted one.
type FileDiff struct {
	Status           FileStatus
	OldPath, NewPath string
	OldMode, NewMode FileMode
	// OldHash and NewHash are the blob ids of both sides (ZeroHash for a
	// side that does not exist).
	OldHash, NewHash Hash
	// Similarity is the rename or copy score in percent.
	Similarity int
	Binary     bool
	Hunks      []Hunk
}

// Hunk is one zero-context hunk. Line numbers are 1-based; a count of 0
// means a pure insertion (OldStart is the line before it) or deletion.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	// Removed and Added hold the hunk's lines without their '-'/'+'
	// prefix and without line terminators.
	Removed, Added []string
}

// Remotes fetches from and pushes to other repositories. Internal
// transfers never run the user's hooks and never force unless asked.
type Remotes interface {
	// Fetch fetches refspecs from remote (a remote name, URL or path).
	// A refspec starting with '+' is refused unless opts.AllowForce is
	// set, and even then its destination must differ from its source (a
	// tracking ref, never our own data).
	Fetch(ctx context.Context, remote string, refspecs []string, opts FetchOptions) error

	// Push pushes refspecs (never '+') to remote and returns one result
	// per ref. If any ref was refused, the error wraps [ErrPushRejected]
	// when every refusal is retryable (fetch, merge, push again), and is
	// a *[GitError] otherwise. Results are returned in both cases when
	// git reported them.
	Push(ctx context.Context, remote string, refspecs []string, opts PushOptions) ([]PushResult, error)
}

// FetchOptions tunes [Remotes.Fetch].
type FetchOptions struct {
	// AllowForce permits '+' refspecs into tracking refs.
	AllowForce bool
}

// PushOptions tunes [Remotes.Push].
type PushOptions struct {
	// Atomic asks the remote to update all refs or none.
	Atomic bool
	// RunHooks lets the user's pre-push hook run. Internal pushes leave
	// it false: hooks are disabled (core.hooksPath=/dev/null) and
	// --no-verify is passed.
	RunHooks bool
}

// PushStatus is the outcome of pushing one ref.
type PushStatus string

// Push outcomes.
const (
	PushOK             PushStatus = "ok"
	PushUpToDate       PushStatus = "up-to-date"
	PushRejected       PushStatus = "rejected"
	PushRemoteRejected PushStatus = "remote-rejected"
	PushError          PushStatus = "error"
)

// PushResult is one line of `git push --porcelain` output.
type PushResult struct {
	Local, Remote string
	Status        PushStatus
	// Summary is git's summary ("abc..def", "[new reference]",
	// "[rejected]"); Reason is the parenthesised reason, if any
	// ("non-fast-forward", "fetch first").
	Summary, Reason string
}

// Retryable reports whether fetching, merging and pushing again can fix
// the refusal: any local-side rejection (non-fast-forward, fetch first,
// stale info, atomic push failed) or a ref the remote could not lock.
// Remote policy rejections (pre-receive hooks, push protection) are not
// retryable.
func (r PushResult) Retryable() bool {
	switch r.Status {
	case PushRejected:
		return true
	case PushRemoteRejected:
		return strings.Contains(r.Reason, "cannot lock ref") || strings.Contains(r.Reason, "failed to lock")
	}
	return false
}
