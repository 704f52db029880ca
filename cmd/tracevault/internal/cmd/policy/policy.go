// Package policy is the "tracevault policy" command group.
package policy

import (
	"github.com/spf13/cobra"

	cmdCompile "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/policy/compile"
	cmdValidate "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/policy/validate"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// NewCmdPolicy returns the policy command group.
func NewCmdPolicy(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy <command>",
		Short: "Work with the repository's policy (.tracevault/policy.yaml)",
	}
	cmd.AddCommand(cmdValidate.NewCmdValidate(f, nil), cmdCompile.NewCmdCompile(f, nil))
	return cmd
}
