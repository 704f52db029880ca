package sync

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
)

// Repo is the repository access sync needs. *gitcli.Store implements it.
type Repo interface {
	gitstore.Store
	gitstore.History
	gitstore.Remotes
	// GitDir is the repository's git directory (config is read there).
	GitDir() string
	// CommonDir is the common git directory (the queue lives there).
	CommonDir() string
}

// DefaultAttempts is how many fetch, merge and push rounds one sync with a
// remote makes before giving up on retryable push rejections.
const DefaultAttempts = 5

// ChainUpdate is a writer's chain created or fast-forwarded locally from
// a remote's copy. Old is zero when the chain was new here.
type ChainUpdate struct {
	Writer   string
	Old, New gitstore.Hash
}

// ForkError reports a writer chain whose local copy and a remote's copy
// do not descend from each other: two different histories signed by the
// same writer. Neither is overwritten: the local chain stays at
// refs/tracevault/log/<writer> and the remote's at
// refs/tracevault-remote/<remote>/log/<writer>; the chain is not pushed.
type ForkError struct {
	Remote, Writer string
	Local, Fetched gitstore.Hash
}

func (e *ForkError) Error() string {
	return fmt.Sprintf("writer %s: chain forked: local %s and %s's %s do not descend from each other (both kept: %s, %s)",
		e.Writer, e.Local, e.Remote, e.Fetched, record.LogRef(e.Writer), record.RemoteLogRef(e.Remote, e.Writer))
}

// RemoteReport is what a sync with one remote did.
type RemoteReport struct {
	Remote string
	// Fetched lists the local chains created or fast-forwarded.
	Fetched []ChainUpdate
	// NotesMerged says the local notes ref changed by merging the
	// remote's notes.
	NotesMerged bool
	// Pushed lists the remote refs the push updated.
	Pushed []string
	// Forks lists diverged chains (also reported in Err by [Sync]).
	Forks []*ForkError
	// Attempts counts fetch, merge and push rounds.
	Attempts int
	// Skipped, when set, says why nothing was attempted.
	Skipped string
	// Queued says the remote was added to the push queue.
	Queued bool
	// Err is why the remote is not fully in sync (nil when it is, forks
	// aside).
	Err     error
	Elapsed time.Duration
}

// syncer syncs the repository with one remote.
type syncer struct {
	repo     Repo
	remote   string
	attempts int
	// refresh drops the remote's tracking refs before the first fetch,
	// so refs the remote no longer has are pushed again.
	refresh bool
	// optimistic skips the fetch of the first round: the tracking refs
	// left by the last fetch or push decide what to push, and a
	// rejection brings the fetch in.
	optimistic bool
	// deadline, when set, stops new rounds from starting after it.
	deadline time.Time
	author   func() gitstore.Signature
}

func newSyncer(ctx context.Context, repo Repo, remote string, author gitstore.Signature) *syncer {
	s := &syncer{repo: repo, remote: remote, attempts: DefaultAttempts}
	s.author = func() gitstore.Signature {
		if author.Name == "" {
			author = identity(ctx, repo)
		}
		author.When = time.Now()
		return author
	}
	return s
}

// run fetches, merges and pushes until the remote holds everything, a
// non-retryable error occurs, or the attempts run out.
func (s *syncer) run(ctx context.Context) *RemoteReport {
	start := time.Now()
	rep := &RemoteReport{Remote: s.remote}
	defer func() { rep.Elapsed = time.Since(start) }()
	for rep.Attempts < s.attempts {
		if !s.deadline.IsZero() && time.Now().After(s.deadline) {
			rep.Err = fmt.Errorf("%w (after %v)", context.DeadlineExceeded, rep.Err)
			return rep
		}
		rep.Attempts++
		if !s.optimistic || rep.Attempts > 1 {
			if err := s.fetch(ctx, s.refresh && rep.Attempts == 1); err != nil {
				rep.Err = err
				return rep
			}
		}
		push, err := s.integrate(ctx, rep)
		if err != nil || len(push) == 0 {
			rep.Err = err
			return rep
		}
		results, err := s.repo.Push(ctx, s.remote, push, gitstore.PushOptions{})
		for _, r := range results {
			if r.Status == gitstore.PushOK && !slices.Contains(rep.Pushed, r.Remote) {
				rep.Pushed = append(rep.Pushed, r.Remote)
			}
		}
		rep.Err = err
		if err == nil || !errors.Is(err, gitstore.ErrPushRejected) {
			return rep
		}
		select {
		case <-ctx.Done():
			rep.Err = fmt.Errorf("%w (after %v)", ctx.Err(), err)
			return rep
		case <-time.After(time.Duration(rep.Attempts*(10+rand.IntN(40))) * time.Millisecond):
		}
	}
	rep.Err = fmt.Errorf("syncing traces with %s: giving up after %d attempts: %w", s.remote, rep.Attempts, rep.Err)
	return rep
}

func (s *syncer) trackingLogPrefix() string { return record.RemoteLogPrefix + s.remote + "/log/" }

// fetch fetches the remote's chains and notes into tracking refs.
func (s *syncer) fetch(ctx context.Context, refresh bool) error {
	if refresh {
		if err := s.dropTracking(ctx); err != nil {
			return err
		}
	}
	logSpec := "+" + record.LogPrefix + "*:" + s.trackingLogPrefix() + "*"
	notesSpec := "+" + record.NotesRef + ":" + record.RemoteNotesRef(s.remote)
	opts := gitstore.FetchOptions{AllowForce: true}
	err := s.repo.Fetch(ctx, s.remote, []string{logSpec, notesSpec}, opts)
	if err == nil || !missingRemoteRef(err, record.NotesRef) {
		return err
	}
	// The remote has no notes yet: fetch the chains alone and forget any
	// stale copy of its notes, so ours are pushed.
	if err := s.repo.Fetch(ctx, s.remote, []string{logSpec}, opts); err != nil {
		return err
	}
	old, err := resolve(ctx, s.repo, record.RemoteNotesRef(s.remote))
	if err != nil || old.IsZero() {
		return err
	}
	return s.repo.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: record.RemoteNotesRef(s.remote), Old: old}})
}

// missingRemoteRef reports a fetch that failed because the remote lacks
// the exact ref name.
func missingRemoteRef(err error, ref string) bool {
	var ge *gitstore.GitError
	return errors.As(err, &ge) && strings.Contains(ge.Stderr, "couldn't find remote ref "+ref)
}

// dropTracking deletes every tracking ref of the remote.
func (s *syncer) dropTracking(ctx context.Context) error {
	refs, err := s.repo.ListRefs(ctx, record.RemoteLogPrefix+s.remote+"/")
	if err != nil {
		return err
	}
	if h, err := resolve(ctx, s.repo, record.RemoteNotesRef(s.remote)); err != nil {
		return err
	} else if !h.IsZero() {
		refs = append(refs, gitstore.Ref{Name: record.RemoteNotesRef(s.remote), Hash: h})
	}
	var del []gitstore.RefUpdate
	for _, r := range refs {
		del = append(del, gitstore.RefUpdate{Name: r.Name, Old: r.Hash})
	}
	if len(del) == 0 {
		return nil
	}
	if err := s.repo.UpdateRefs(ctx, del); err != nil {
		return fmt.Errorf("dropping tracking refs of %s: %w", s.remote, err)
	}
	return nil
}

// resolve returns a ref's value, or zero when it does not exist.
func resolve(ctx context.Context, repo Repo, ref string) (gitstore.Hash, error) {
	h, err := repo.ResolveRef(ctx, ref)
	if errors.Is(err, gitstore.ErrNotFound) {
		return gitstore.ZeroHash, nil
	}
	return h, err
}

// sortedKeys returns the keys of both maps, sorted, without duplicates.
func sortedKeys(a, b map[string]gitstore.Hash) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
