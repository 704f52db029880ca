// Package sync implements "tracevault sync": exchange traces (writer chains
// and notes) with the remotes configured for them.
package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	capsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/gitstore"
)

// Options are sync's inputs.
type Options struct {
	Remotes []string
}

// NewCmdSync returns the sync command.
func NewCmdSync(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:   "sync [REMOTE...]",
		Short: "Fetch, merge and push traces with the remotes configured for them",
		Long: `Exchange traces with each remote configured for them (by default every
such remote; init configures origin): fetch the remote's writer chains and
notes into tracking refs, merge notes (union of lines), fast-forward local
copies of other writers' chains, and push this clone's chains and notes —
never forced, retrying after a concurrent push. Work a pre-push could not
finish within its time budget is queued and sent here. A fresh clone gets
every trace and note with "tracevault init" then "tracevault sync".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Remotes = args
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			return syncRun(ctx, f, opts)
		},
	}
}

func syncRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	r, err := repoctx.Open(ctx, f)
	if err != nil {
		return err
	}
	defer r.Close()
	rep, err := capsync.Sync(ctx, r.Store, capsync.Options{Remotes: opts.Remotes,
		Author: gitstore.Signature{Name: r.Author.Name, Email: r.Author.Email, When: f.Now()}})
	out := f.IOStreams.Out
	if rep != nil {
		if len(rep.Remotes) == 0 && len(rep.Dropped) == 0 && err == nil {
			fmt.Fprintln(out, "no remote is configured for traces (tracevault init --remote NAME configures one)")
		}
		for _, rr := range rep.Remotes {
			state := "in sync"
			switch {
			case rr.Err != nil:
				state = "not in sync: " + rr.Err.Error()
			case rr.Skipped != "":
				state = "skipped: " + rr.Skipped
			}
			fmt.Fprintf(out, "%s: %s (fetched %d chain(s), pushed %d ref(s), notes merged: %v, %d round(s), %v)\n",
				rr.Remote, state, len(rr.Fetched), len(rr.Pushed), rr.NotesMerged, rr.Attempts, rr.Elapsed.Round(1e6))
			for _, fk := range rr.Forks {
				fmt.Fprintf(out, "  FORK: %v\n", fk)
			}
		}
		for _, d := range rep.Dropped {
			fmt.Fprintf(out, "%s: no longer configured for traces; dropped from the queue\n", d)
		}
	}
	if errors.Is(err, capsync.ErrNotConfigured) {
		return cmdutil.FlagErrorf("%v", err)
	}
	return err
}
