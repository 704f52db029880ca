// Package seal groups the commands about a server's tamper-evident log.
package seal

import (
	"github.com/spf13/cobra"

	cmdVerify "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/seal/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// NewCmdSeal returns the seal command group.
func NewCmdSeal(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seal <command>",
		Short: "Check a TraceVault server's tamper-evident log",
	}
	cmd.AddCommand(cmdVerify.NewCmdVerify(f, nil))
	return cmd
}
