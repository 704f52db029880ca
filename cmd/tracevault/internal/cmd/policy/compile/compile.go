// Package compile implements "tracevault policy compile", the hidden command
// the lean agent hook runs when it meets a policy file it has not compiled
// yet: it links no YAML parser, so it hands the source to this binary.
package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/policy/policyfile"
)

// CompileOptions are compile's inputs.
type CompileOptions struct {
	IO *iostreams.IOStreams
}

// NewCmdCompile returns the compile command.
func NewCmdCompile(f *cmdutil.Factory, runF func(*CompileOptions) error) *cobra.Command {
	opts := &CompileOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "compile",
		Short: "Compile a policy file read from stdin for the agent hook",
		Long: `Compile the policy file read from stdin and print, as one JSON object
(hookrun.CompiledPolicy), its canonical form or its problems and on_error
setting. The lean tracevault-hook binary runs it when it meets a policy it
has not cached. Exit 0 whenever the object was printed, valid policy or not.`,
		Args:   cobra.NoArgs,
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return compileRun(opts)
		},
	}
}

func compileRun(opts *CompileOptions) error {
	src, err := io.ReadAll(opts.IO.In)
	if err != nil {
		return fmt.Errorf("reading policy from stdin: %w", err)
	}
	var res hookrun.CompiledPolicy
	res.Canonical, res.OnError, err = policyfile.Canonical(src)
	if err != nil && !errors.As(err, &res.Errors) {
		return fmt.Errorf("compiling policy: %w", err)
	}
	out, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("encoding compiled policy: %w", err)
	}
	_, err = opts.IO.Out.Write(append(out, '\n'))
	return err
}
