// Package hook implements "tracevault hook": the agent hook entry point. It
// runs the same code as the lean tracevault-hook binary.
package hook

import (
	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/policy/policyfile"
)

// Options are the hook command's inputs.
type Options struct {
	Agent string
}

// NewCmdHook returns the hook command.
func NewCmdHook(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "hook --agent AGENT",
		Short: "Record one agent hook event read from stdin (called by the agent)",
		Long: `Record one hook event that a coding agent sends on stdin into the
session spool under .git/tracevault/. It never blocks or breaks the agent: it
exits 0 and logs problems to .git/tracevault/hook.log, except when the policy
guard denies a tool call. Agents: claude-code, codex, gemini-cli.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			code := hookrun.Run(hookrun.Options{
				Agent: opts.Agent, Stdin: f.IOStreams.In, Stdout: f.IOStreams.Out,
				Getwd: f.Getwd, Getenv: f.Getenv, Now: f.Now,
				CompilePolicy: policyfile.Canonical, // this binary links the YAML front end
			})
			if code != 0 {
				return &cmdutil.ExitError{Code: cmdutil.ExitCode(code), Err: cmdutil.ErrSilent}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&opts.Agent, "agent", "claude-code", "Agent that sent the event")
	cmd.AddCommand(&cobra.Command{
		Use:    "watch-worktree DIR",
		Short:  "Watch a work tree for the hook (started by the hook itself)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if code := hookrun.Watch(args); code != 0 {
				return &cmdutil.ExitError{Code: cmdutil.ExitCode(code), Err: cmdutil.ErrSilent}
			}
			return nil
		},
	})
	return cmd
}
