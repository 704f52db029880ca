package cli

import (
	"github.com/spf13/cobra"

	cmdBlame "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/blame"
	cmdCheck "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/check"
	cmdDemo "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/demo"
	cmdGitHook "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/githook"
	cmdHook "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/hook"
	cmdInit "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/initcmd"
	cmdLog "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/log"
	cmdPolicy "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/policy"
	cmdPush "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/push"
	cmdSeal "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/seal"
	cmdShow "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/show"
	cmdStats "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/stats"
	cmdStatus "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/status"
	cmdSync "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/sync"
	cmdUninstall "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/uninstall"
	cmdUsage "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/usage"
	cmdVerify "github.com/tracevault/tracevault/cmd/tracevault/internal/cmd/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// NewRoot builds the command tree.
func NewRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           progName(),
		Short:         "Capture, store, govern and inspect AI coding-agent work in git",
		Version:       Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	var noColor, noPager bool
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "Disable colour output")
	root.PersistentFlags().BoolVar(&noPager, "no-pager", false, "Do not pipe output into a pager")
	root.PersistentPreRun = func(*cobra.Command, []string) {
		if noColor {
			f.IOStreams.DisableColor()
		}
		if noPager {
			f.IOStreams.DisablePager()
		}
	}
	root.AddCommand(
		cmdInit.NewCmdInit(f, nil),
		cmdUninstall.NewCmdUninstall(f, nil),
		cmdHook.NewCmdHook(f, nil),
		cmdGitHook.NewCmdGitHook(f, nil),
		cmdDemo.NewCmdDemo(f, nil),
		cmdStatus.NewCmdStatus(f, nil),
		cmdStats.NewCmdStats(f, nil),
		cmdUsage.NewCmdUsage(f, nil),
		cmdSync.NewCmdSync(f, nil),
		cmdPolicy.NewCmdPolicy(f),
		cmdCheck.NewCmdCheck(f, nil),
		cmdVerify.NewCmdVerify(f, nil),
		cmdPush.NewCmdPush(f, nil),
		cmdSeal.NewCmdSeal(f),
		cmdLog.NewCmdLog(f, nil),
		cmdShow.NewCmdShow(f, nil),
		cmdBlame.NewCmdBlame(f, nil),
	)
	return root
}
