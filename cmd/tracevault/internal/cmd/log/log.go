// Package log implements "tracevault log": commits with their AI share,
// agents, models, tokens, cost and sessions.
package log

import (
	"bufio"
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/inspect/history"
)

// Options are log's inputs.
type Options struct {
	Limit  int
	Since  string
	Author string
	JSON   bool
	Revs   []string
}

// NewCmdLog returns the log command.
func NewCmdLog(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "log [-n N] [--since DATE] [--author PATTERN] [--json] [REVISION...]",
		Short: "Commits with AI share, agents, models, tokens, cost and sessions",
		Long: `List commits (from HEAD, or the given revisions) with what their TraceVault
trace says: the share of added lines written by AI, the agents and models,
the sessions, and the tokens and cost of those sessions. A commit without a
trace says "no trace"; a trace that fails verification is flagged, and the
command then exits with status 4.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("-n must be at least 0")
			}
			for _, a := range args {
				if len(a) > 0 && a[0] == '-' {
					return cmdutil.FlagErrorf("bad revision %q", a)
				}
			}
			opts.Revs = args
			if runF != nil {
				return runF(opts)
			}
			return logRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().IntVarP(&opts.Limit, "max-count", "n", 0, "Show at most `N` commits (0: all)")
	cmd.Flags().StringVar(&opts.Since, "since", "", "Show commits more recent than `DATE` (git's date syntax)")
	cmd.Flags().StringVar(&opts.Author, "author", "", "Show commits whose author matches `PATTERN` (as git log --author)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	return cmd
}

// Log is the JSON output.
type Log struct {
	Commits []inspectview.CommitInfo `json:"commits"`
}

func logRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, reader, err := inspectview.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	args := []string{}
	if opts.Limit > 0 {
		args = append(args, "--max-count="+strconv.Itoa(opts.Limit))
	}
	if opts.Since != "" {
		args = append(args, "--since="+opts.Since)
	}
	if opts.Author != "" {
		args = append(args, "--author="+opts.Author)
	}
	args = append(args, opts.Revs...)
	args = append(args, "--")
	// What the traces need whatever the commits is read while git log
	// runs.
	prefetched := make(chan error, 1)
	go func() { prefetched <- reader.Prefetch(ctx) }()
	commits, err := history.LogCommits(ctx, repo.Store, args...)
	if perr := <-prefetched; err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	ios := f.IOStreams
	prog := ios.StartProgress("reading traces", len(commits))
	traces, err := reader.Traces(ctx, history.Hashes(commits))
	prog.Add(len(commits))
	prog.Stop()
	if err != nil {
		return err
	}
	out := Log{Commits: make([]inspectview.CommitInfo, len(commits))}
	bad := 0
	for i, c := range commits {
		out.Commits[i] = inspectview.NewCommitInfo(c, traces[i])
		if traces[i].Status == history.StatusUnverified {
			bad++
		}
	}
	if opts.JSON {
		err = inspectview.WriteJSON(ios.Out, out)
	} else {
		err = printLog(f, out)
	}
	if err == nil && bad > 0 {
		return inspectview.Unverified(bad, "commit trace")
	}
	return err
}

func printLog(f *cmdutil.Factory, l Log) error {
	ios := f.IOStreams
	if err := ios.StartPager(); err != nil {
		return err
	}
	defer ios.StopPager()
	st := inspectview.NewStyles(ios)
	// One write per buffer, not several per commit.
	w := bufio.NewWriterSize(ios.Out, 64<<10)
	for _, c := range l.Commits {
		fmt.Fprintf(w, "%s %s  %s  %s <%s>\n", st.Hash.Render("commit"), st.Hash.Render(c.Commit[:12]), c.Date.Format("2006-01-02 15:04"), c.Author.Name, c.Author.Email)
		fmt.Fprintf(w, "    %s\n", c.Subject)
		fmt.Fprintf(w, "    %s\n", inspectview.TraceLine(st, c))
		fmt.Fprint(w, inspectview.Problems(st, "    ", c.Trace, c.Problems))
		fmt.Fprintln(w)
	}
	return w.Flush()
}
