// Package cli is the root of the tracevault command: it builds the command
// tree, runs it and maps errors to documented exit codes.
package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// Main runs the command line and returns the exit code.
func Main() cmdutil.ExitCode {
	f := cmdutil.New()
	root := NewRoot(f)
	root.SetArgs(os.Args[1:])
	return Execute(f, root)
}

// Execute runs root and maps its error to an exit code, printing it.
func Execute(f *cmdutil.Factory, root *cobra.Command) cmdutil.ExitCode {
	err := root.Execute()
	if err == nil {
		return cmdutil.ExitOK
	}
	stderr := f.IOStreams.ErrOut
	var flagErr *cmdutil.FlagError
	var exitErr *cmdutil.ExitError
	switch {
	case errors.Is(err, cmdutil.ErrSilent):
		return cmdutil.ExitFailure
	case errors.As(err, &exitErr):
		if exitErr.Err != nil && !errors.Is(exitErr.Err, cmdutil.ErrSilent) {
			fmt.Fprintln(stderr, "error:", exitErr.Err)
		}
		return exitErr.Code
	case errors.As(err, &flagErr) || isCobraUsageError(err):
		fmt.Fprintln(stderr, "error:", err)
		fmt.Fprintln(stderr, "Run with --help for usage.")
		return cmdutil.ExitUsage
	default:
		fmt.Fprintln(stderr, "error:", err)
		return cmdutil.ExitFailure
	}
}

func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "accepts ", "requires at least", "requires at most"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// progName is "git tracevault" when run as git-tracevault.
func progName() string {
	if strings.HasPrefix(filepath.Base(os.Args[0]), "git-") {
		return "git tracevault"
	}
	return "tracevault"
}
