// Package validate implements "tracevault policy validate [FILE]": compile a
// policy file and print every problem as "FILE:line:col: message".
package validate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
)

// ValidateOptions are validate's inputs.
type ValidateOptions struct {
	IO    *iostreams.IOStreams
	Getwd func() (string, error)
	// File is the policy file; "" means .tracevault/policy.yaml at the top
	// of the work tree containing the current directory.
	File string
}

// NewCmdValidate returns the validate command.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{IO: f.IOStreams, Getwd: f.Getwd}
	return &cobra.Command{
		Use:   "validate [FILE]",
		Short: "Check a policy file and print its errors with line numbers",
		Long: `Compile a policy file (default: .tracevault/policy.yaml of this repository)
and print every problem as FILE:LINE:COL: MESSAGE. Exit 0 when it compiles,
1 when it does not (or cannot be read).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(opts)
		},
	}
}

func validateRun(opts *ValidateOptions) error {
	file := opts.File
	if file == "" {
		wd, err := opts.Getwd()
		if err != nil {
			return err
		}
		file = filepath.Join(workTreeTop(wd), filepath.FromSlash(hookrun.PolicyFile))
		if rel, err := filepath.Rel(wd, file); err == nil {
			file = rel
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading policy: %w", err)
	}
	p, err := policyfile.Compile(src)
	var list policy.ErrorList
	switch {
	case errors.As(err, &list):
		for _, e := range list {
			fmt.Fprintf(opts.IO.ErrOut, "%s:%s\n", file, e.Error())
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d problem%s; on a bad policy the hook and check fail %s (on_error: %s)\n",
			file, len(list), plural(len(list)), closedOrOpen(policyfile.FailModeOf(src)), policyfile.FailModeOf(src))
		return cmdutil.ErrSilent
	case err != nil:
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(opts.IO.Out, "%s: ok (%d rules enabled, %s)\n", file, len(p.Rules()), p.Hash())
	return nil
}

func closedOrOpen(m policy.FailMode) string {
	if m == policy.FailAllow {
		return "open"
	}
	return "closed"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// workTreeTop walks up from dir to the directory holding .git (dir itself
// when there is none).
func workTreeTop(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
