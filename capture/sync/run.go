package sync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// Options says what [Sync] works on.
type Options struct {
	// Remotes to sync; each must be configured for traces. Empty means
	// every configured remote.
	Remotes []string
	// Author signs notes merge commits; zero means git's committer
	// identity.
	Author gitstore.Signature
}

// Report is what [Sync] did, one entry per remote in name order.
type Report struct {
	Remotes []*RemoteReport
	// Dropped lists queued remotes that are no longer configured for
	// traces; their queue entries were removed and nothing was sent.
	Dropped []string
}

// Sync fetches, merges and pushes traces with each remote: it fetches the
// remote's chains and notes into tracking refs, merges the notes into
// refs/notes/tracevault, fast-forwards local chains that are behind or
// absent, and pushes (never forced, in one `git push`) every local chain
// the remote lacks or holds an older copy of, and the notes; a retryable
// rejection starts the round again. It refreshes the tracking refs first,
// so refs the remote lost are sent again. A remote in sync leaves the
// queue; one that fails is queued. The error joins every remote's failure
// and every fork (*[ForkError]); the report is complete either way.
func Sync(ctx context.Context, repo Repo, opts Options) (*Report, error) {
	configured, err := ConfiguredRemotes(ctx, repo)
	if err != nil {
		return nil, err
	}
	remotes := opts.Remotes
	if len(remotes) == 0 {
		remotes = configured
	}
	for _, r := range remotes {
		if !slices.Contains(configured, r) {
			return nil, fmt.Errorf("syncing traces with %q: %w", r, ErrNotConfigured)
		}
	}
	rep := &Report{}
	q := QueueFor(repo.CommonDir())
	queued, err := q.Entries()
	if err != nil {
		return nil, err
	}
	for _, e := range queued {
		if !slices.Contains(configured, e.Remote) {
			rep.Dropped = append(rep.Dropped, e.Remote)
			if err := q.Remove(e.Remote); err != nil {
				return rep, err
			}
		}
	}
	var errs []error
	for _, r := range slices.Compact(slices.Sorted(slices.Values(remotes))) {
		start := time.Now()
		s := newSyncer(ctx, repo, r, opts.Author)
		s.refresh = true
		rr := s.run(ctx)
		qerr := finish(repo, rr, start)
		rep.Remotes = append(rep.Remotes, rr)
		if rr.Err != nil {
			errs = append(errs, fmt.Errorf("syncing traces with %s: %w", r, rr.Err))
		}
		if qerr != nil {
			errs = append(errs, fmt.Errorf("updating push queue for %s: %w", r, qerr))
		}
		for _, f := range rr.Forks {
			errs = append(errs, f)
		}
	}
	return rep, errors.Join(errs...)
}
