// Package uninstall implements "tracevault uninstall".
package uninstall

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/install"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/initcmd"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// Options are uninstall's inputs.
type Options struct{}

// NewCmdUninstall returns the uninstall command.
func NewCmdUninstall(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	return &cobra.Command{
		Use:   "uninstall",
		Short: "Restore agent settings, git hooks and git config exactly as they were before init",
		Long: `Undo "tracevault init": every file init changed is restored byte for
byte when you did not edit it since; where you did, only TraceVault's handlers
and hook blocks are removed and your changes stay. Traces already recorded
(spool, refs, notes) are kept.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			dir, err := f.Getwd()
			if err != nil {
				return err
			}
			iopts, err := initcmd.InstallOptions(f, dir, nil, nil, false)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			rep, err := install.Uninstall(ctx, iopts)
			if err != nil {
				return fmt.Errorf("uninstall: %w", err)
			}
			fmt.Fprint(f.IOStreams.Out, rep.String())
			return nil
		},
	}
}
