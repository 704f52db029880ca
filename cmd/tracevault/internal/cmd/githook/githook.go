// Package githook implements "tracevault git-hook NAME": the work git hooks
// installed by init hand over to (post-commit, post-rewrite, pre-push). It
// never fails a commit or a rewrite; problems are logged to
// .git/tracevault/hook.log and shown as a warning.
package githook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/githooks"
	"github.com/tracevault/tracevault/capture/linker"
	"github.com/tracevault/tracevault/capture/spool"
	capsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/gitstore"
)

// Options are git-hook's inputs.
type Options struct {
	Hook string
	Args []string
}

// NewCmdGitHook returns the git-hook command.
func NewCmdGitHook(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:    "git-hook HOOK [ARGS...]",
		Short:  "Run TraceVault's part of a git hook (called by the hooks init installs)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Hook, opts.Args = args[0], args[1:]
			switch opts.Hook {
			case "post-commit", "post-rewrite", "pre-push", "post-commit-worker":
			default:
				return cmdutil.FlagErrorf("unknown hook %q (want post-commit, post-rewrite or pre-push)", opts.Hook)
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return run(ctx, f, opts)
		},
	}
}

func run(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if opts.Hook == "post-commit" && f.Getenv("TRACEVAULT_POSTCOMMIT") != "sync" {
		if err := quickPostCommit(f); err == nil {
			return nil
		} // else fall back to the full path, which reports the problem
	}
	r, err := repoctx.Open(ctx, f)
	if err != nil {
		fmt.Fprintf(f.IOStreams.ErrOut, "tracevault: %s: %v\n", opts.Hook, err)
		return nil
	}
	defer r.Close()
	switch opts.Hook {
	case "post-commit":
		err = postCommit(ctx, f, r)
	case "post-commit-worker":
		err = serve(ctx, f, r)
	case "post-rewrite":
		err = postRewrite(ctx, f, r, opts)
	case "pre-push":
		return prePush(ctx, f, r, opts)
	}
	if err != nil {
		r.Spool.Log("git-hook %s: %v", opts.Hook, err)
		fmt.Fprintf(f.IOStreams.ErrOut, "tracevault: %s: %v (logged in .git/tracevault/hook.log; the commit is unaffected)\n", opts.Hook, err)
	}
	return nil
}

func newLinker(r *repoctx.Repo) (*linker.Linker, error) { return r.Linker() }

// postCommit queues HEAD for the background worker and starts it, so the
// commit does not wait; TRACEVAULT_POSTCOMMIT=sync does the work inline.
func postCommit(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo) error {
	head, err := r.Head(ctx)
	if err != nil {
		return err
	}
	if err := spool.Enqueue(r.Spool, r.Store.GitDir(), head.String()); err != nil {
		return err
	}
	if f.Getenv("TRACEVAULT_POSTCOMMIT") == "sync" {
		return Drain(ctx, f, r)
	}
	if spool.WakeWorker(r.Spool) {
		return nil
	}
	return startWorker(f, r)
}

// quickPostCommit is what git waits for after a commit: queue HEAD without
// starting a single git process, then wake or start the worker.
func quickPostCommit(f *cmdutil.Factory) error {
	dir, err := f.Getwd()
	if err != nil {
		return err
	}
	return githooks.Queue(dir, f.Executable)
}

// startWorker starts the post-commit worker for r.
func startWorker(f *cmdutil.Factory, r *repoctx.Repo) error {
	dir := r.Repo.WorkTree
	if dir == "" {
		dir = r.Store.GitDir()
	}
	exe, err := f.Executable()
	if err != nil {
		return err
	}
	return githooks.Spawn(exe, dir)
}

// DefaultLinger is how long the post-commit worker waits for the next commit
// after its queue ran dry (TRACEVAULT_WORKER_LINGER overrides it).
const DefaultLinger = 30 * time.Second

// settle is how long the worker waits for quiet (no new wake-up) before
// working.
const settle = 25 * time.Millisecond

// lingerFor returns how long the worker lingers: TRACEVAULT_WORKER_LINGER if
// it is a valid duration (0 drains once and exits), else DefaultLinger.
func lingerFor(f *cmdutil.Factory) time.Duration {
	if d, err := time.ParseDuration(f.Getenv("TRACEVAULT_WORKER_LINGER")); err == nil && d >= 0 {
		return d
	}
	return DefaultLinger
}

// serve is the post-commit worker: it claims the repository's worker slot
// (if another process holds it, that one does the work and serve returns),
// drains the queue, and lingers, woken by each post-commit hook, until no
// commit has come for the linger time or the repository is gone. See
// capture/spool/worker.go for the hand-over protocol.
func serve(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo) error {
	w, err := spool.ClaimWorker(r.Spool)
	if err != nil {
		// No wake-up pipe here (a file system without named pipes): do the
		// work once, like a reader would.
		r.Spool.Log("post-commit worker cannot linger: %v", err)
		return Drain(ctx, f, r)
	}
	if w == nil {
		return nil // the worker that holds the slot will see the queue
	}
	// Background work yields to what the user waits for (git finishing the
	// commit, the next command). Started by the hook, the worker leads its
	// own process group: lowering the group's priority covers every thread
	// of it (Linux keeps a nice value per thread) and the git processes it
	// starts.
	if syscall.Getpgrp() == os.Getpid() {
		_ = syscall.Setpriority(syscall.PRIO_PGRP, 0, 10)
	}
	linger := lingerFor(f)
	const tick = time.Second // how often an idle worker checks the repository is still there
	for {
		// Let git finish the commit (and a rebase queue its next ones)
		// before competing with it for the CPU: two logical CPUs are often
		// one core, where even a niced worker slows git down.
		for w.Wait(settle) {
		}
		if err := Drain(ctx, f, r); err != nil {
			r.Spool.Log("git-hook post-commit-worker: %v", err)
		}
		idle := time.Now()
		for {
			left := linger - time.Since(idle)
			if left <= 0 {
				if !w.Retire() {
					return nil
				}
				break // commits came in while retiring: drain them
			}
			if w.Wait(min(left, tick)) || spool.HasPending(r.Spool) {
				break
			}
			if _, err := os.Stat(r.Store.GitDir()); err != nil {
				w.Close() // the repository was deleted under us
				return nil
			}
		}
	}
}

// Drain does the queued post-commit work now (waiting for a running worker
// first). Everything that reads notes or records calls it.
func Drain(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo) error {
	return r.Drain(ctx, func(res *linker.Result) { report(f, res) })
}

func postRewrite(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo, opts *Options) error {
	in, err := io.ReadAll(io.LimitReader(f.IOStreams.In, 64<<20))
	if err != nil {
		return err
	}
	rws, err := linker.ParseRewrites(string(in))
	if err != nil {
		return err
	}
	if err := Drain(ctx, f, r); err != nil {
		return err
	}
	l, err := newLinker(r)
	if err != nil {
		return err
	}
	res, err := l.Rewritten(ctx, rws)
	for _, x := range res {
		report(f, x)
	}
	return err
}

func report(f *cmdutil.Factory, res *linker.Result) {
	if res == nil || res.Attr == nil || os.Getenv("TRACEVAULT_QUIET") != "" {
		return
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "tracevault: %.12s %s\n", res.Commit, strings.TrimPrefix(firstLine(res.Note), "TraceVault: "))
}

func firstLine(b []byte) string {
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "TraceVault: ") {
			return l
		}
	}
	return ""
}

// prePush finishes queued post-commit work so the commits being pushed have
// their notes, then judges them with the policy (a block exits 3 and git
// refuses the push); trace sync follows.
func prePush(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo, opts *Options) error {
	if err := Drain(ctx, f, r); err != nil {
		r.Spool.Log("git-hook pre-push: %v", err)
	}
	// Standard input is kept for later steps.
	if err := prePushPolicy(ctx, f, opts); err != nil {
		return err
	}
	return prePushSync(ctx, f, r, opts)
}

// prePushSync sends traces to the remote being pushed to, if it is
// configured for them, within the time budget; what is not sent is queued.
// Only a push that would leak trace refs to an unconfigured remote fails.
func prePushSync(ctx context.Context, f *cmdutil.Factory, r *repoctx.Repo, opts *Options) error {
	remote, url := "", ""
	if len(opts.Args) > 0 {
		remote = opts.Args[0]
	}
	if len(opts.Args) > 1 {
		url = opts.Args[1]
	}
	_, err := capsync.PrePush(ctx, r.Store, capsync.PrePushOptions{Remote: remote, URL: url, Stdin: f.IOStreams.In,
		Author: gitstore.Signature{Name: r.Author.Name, Email: r.Author.Email, When: f.Now()}, Log: f.IOStreams.ErrOut})
	var leak *capsync.LeakError
	if errors.As(err, &leak) {
		return &cmdutil.ExitError{Code: cmdutil.ExitPolicy, Err: err}
	}
	if err != nil {
		r.Spool.Log("git-hook pre-push: trace sync: %v", err)
	}
	return nil
}
