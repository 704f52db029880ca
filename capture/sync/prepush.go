package sync

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// DefaultBudget bounds the trace push a pre-push hook makes.
const DefaultBudget = 5 * time.Second

// BudgetEnv overrides the pre-push budget: a Go duration ("800ms", "10s")
// or a number of seconds ("2.5"). Zero sends nothing from the hook: every
// push only queues, and `tracevault sync` sends.
const BudgetEnv = "TRACEVAULT_PUSH_BUDGET"

// PrePushOptions are the inputs of git's pre-push hook.
type PrePushOptions struct {
	// Remote and URL are the hook's two arguments. Remote is the URL
	// again when the user pushed to a URL rather than a remote name.
	Remote, URL string
	// Stdin is the hook's standard input: one line
	// "<local ref> <local oid> <remote ref> <remote oid>" per ref.
	Stdin io.Reader
	// Budget bounds the whole trace sync; zero means [BudgetFromEnv], and
	// a negative budget sends nothing (the remote is only queued).
	Budget time.Duration
	// Author signs notes merge commits; zero means git's committer
	// identity.
	Author gitstore.Signature
	// Log receives one-line notices (sync problems, forks); nil discards.
	Log io.Writer
}

// PushedRef is one line of the pre-push hook's standard input.
type PushedRef struct {
	LocalRef  string
	LocalOID  gitstore.Hash
	RemoteRef string
	RemoteOID gitstore.Hash
}

// LeakError refuses a user's push that would send trace refs to a remote
// not configured for traces (`git push --mirror fork`, `git push fork
// 'refs/tracevault/*'`). Configure the remote for traces, or push with
// --no-verify, to send them anyway.
type LeakError struct {
	Remote string
	Refs   []string
}

func (e *LeakError) Error() string {
	return fmt.Sprintf("refusing to push trace refs to %s, which is not configured for traces: %s "+
		"(configure it with `tracevault init --remote %s`, or push with --no-verify)",
		redactURLs(e.Remote), strings.Join(e.Refs, ", "), redactURLs(e.Remote))
}

// PrePush is the trace part of git's pre-push hook. For a remote
// configured for traces it syncs traces (fetch, merge, push; see [Sync])
// within the budget, and queues the remote when that fails or runs out of
// time; a later PrePush or [Sync] sends what is queued. For any other
// remote it sends nothing. Its error is nil except for a *[LeakError]:
// a sync problem never fails the user's push. The report is nil when the
// remote was not configured for traces.
func PrePush(ctx context.Context, repo Repo, opts PrePushOptions) (*RemoteReport, error) {
	start := time.Now()
	budget := opts.Budget
	if budget == 0 {
		budget = BudgetFromEnv(os.Getenv)
	}
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "tracevault: "+format+"\n", args...)
		}
	}
	refs, perr := ParsePrePushInput(opts.Stdin)
	if perr != nil {
		logf("reading pre-push input: %v", perr)
	}
	if budget < 0 {
		budget = 0
	}
	bctx, cancel := context.WithTimeout(ctx, max(budget, time.Second))
	defer cancel()
	configured, err := IsConfigured(bctx, repo, opts.Remote)
	if err != nil {
		logf("traces not sent: %v", err)
		return nil, nil
	}
	if !configured {
		return nil, leak(opts.Remote, refs)
	}
	var rep *RemoteReport
	if budget > 0 {
		deadline := start.Add(budget)
		// The git commands run under a context that is never cancelled:
		// cancelling kills git with SIGKILL, which can leave a ref's
		// .lock file behind and block that ref for good. At the deadline
		// the hook returns and leaves the current command to finish (or
		// to die of SIGPIPE, which git cleans up after) when it exits.
		work := context.WithoutCancel(ctx)
		rep = runWithin(ctx, deadline, func() *RemoteReport {
			s := newSyncer(work, repo, opts.Remote, opts.Author)
			s.optimistic, s.deadline = true, deadline
			return s.run(work)
		})
	} else {
		rep = &RemoteReport{Err: fmt.Errorf("%s is zero: traces are sent by `tracevault sync`", BudgetEnv)}
	}
	rep.Remote, rep.Elapsed = opts.Remote, time.Since(start)
	for _, f := range rep.Forks {
		logf("%v", f)
	}
	if err := finish(repo, rep, start); err != nil {
		logf("traces for %s not sent and not queued: %v (sync error: %v)", opts.Remote, err, rep.Err)
	} else if rep.Queued {
		logf("traces for %s queued, run `tracevault sync` to send them: %s", opts.Remote, redactURLs(rep.Err.Error()))
	}
	return rep, nil
}

// finish queues the remote after a failed sync and drops its queue entry
// after a complete one.
func finish(repo Repo, rep *RemoteReport, at time.Time) error {
	q := QueueFor(repo.CommonDir())
	if rep.Err == nil {
		return q.Remove(rep.Remote)
	}
	if err := q.Add(rep.Remote, at, rep.Err); err != nil {
		return err
	}
	rep.Queued = true
	return nil
}

// runWithin runs f and returns its report, or a timeout report at the
// deadline (or when ctx is done) even if f has not returned.
func runWithin(ctx context.Context, deadline time.Time, f func() *RemoteReport) *RemoteReport {
	done := make(chan *RemoteReport, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var err error
	select {
	case rep := <-done:
		return rep
	case <-timer.C:
		err = context.DeadlineExceeded
	case <-ctx.Done():
		err = ctx.Err()
	}
	select {
	case rep := <-done: // finished at the same moment
		return rep
	default:
	}
	return &RemoteReport{Err: fmt.Errorf("trace push did not finish within its budget: %w", err)}
}

// leak returns a *LeakError when refs push trace refs (not deletions).
func leak(remote string, refs []PushedRef) error {
	var bad []string
	for _, r := range refs {
		if !r.LocalOID.IsZero() && isTraceRef(r.RemoteRef) {
			bad = append(bad, r.RemoteRef)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &LeakError{Remote: remote, Refs: bad}
}

// isTraceRef reports refs that hold traces, or copies of them.
func isTraceRef(ref string) bool {
	return strings.HasPrefix(ref, "refs/tracevault/") || strings.HasPrefix(ref, "refs/tracevault-") ||
		ref == "refs/notes/tracevault" || strings.HasPrefix(ref, "refs/notes/tracevault/") ||
		strings.HasPrefix(ref, "refs/notes/tracevault-")
}

// ParsePrePushInput parses the pre-push hook's standard input. A nil
// reader is no input.
func ParsePrePushInput(r io.Reader) ([]PushedRef, error) {
	if r == nil {
		return nil, nil
	}
	var out []PushedRef
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 {
			return out, fmt.Errorf("pre-push input line %d: want 4 fields, got %d", n, len(f))
		}
		lo, err1 := gitstore.ParseHash(f[1])
		ro, err2 := gitstore.ParseHash(f[3])
		if err := errors.Join(err1, err2); err != nil {
			return out, fmt.Errorf("pre-push input line %d: %w", n, err)
		}
		out = append(out, PushedRef{LocalRef: f[0], LocalOID: lo, RemoteRef: f[2], RemoteOID: ro})
	}
	return out, sc.Err()
}

// BudgetFromEnv returns the pre-push budget [BudgetEnv] sets, or
// [DefaultBudget] when it is unset or does not parse.
func BudgetFromEnv(getenv func(string) string) time.Duration {
	v := strings.TrimSpace(getenv(BudgetEnv))
	if v == "" {
		return DefaultBudget
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return d
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e6 {
		return time.Duration(f * float64(time.Second))
	}
	return DefaultBudget
}
