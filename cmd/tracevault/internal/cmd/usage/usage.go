// Package usage implements "tracevault usage": tokens and cost of agent
// transcripts, like ccusage.
package usage

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/pricing"
	capusage "github.com/tracevault/tracevault/capture/usage"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
)

// Options are usage's inputs.
type Options struct {
	Paths []string
	JSON  bool
	Agent string
}

// NewCmdUsage returns the usage command.
func NewCmdUsage(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "usage [PATH...]",
		Short: "Tokens and cost of agent transcripts (files or directories)",
		Long: `Sum the token usage of agent transcripts per model and price it.

PATHs are transcript files or directories searched recursively. Without a
PATH, the agent's own session directory is read (Claude Code:
$CLAUDE_CONFIG_DIR/projects, ~/.claude/projects and ~/.config/claude/projects).
Requests are de-duplicated the way the provider bills them; a model with no
known price is listed as unpriced, never priced at $0. Prices come from the
embedded snapshot, overridden by $TRACEVAULT_PRICES or
~/.config/tracevault/prices.json.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			switch opts.Agent {
			case "claude", "claude-code":
				opts.Agent = "claude-code"
			default:
				if err := checkAgent(opts.Agent); err != nil {
					return cmdutil.FlagErrorf("%v", err)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return usageRun(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	cmd.Flags().StringVar(&opts.Agent, "agent", "claude-code", "Agent whose files to read: claude-code, codex, gemini-cli")
	return cmd
}

func usageRun(f *cmdutil.Factory, opts *Options) error {
	prices, err := pricing.Default()
	if err != nil {
		return err
	}
	entries, err := scan(opts.Agent, opts.Paths, f.Getenv)
	if err != nil {
		return err
	}
	rep := capusage.Aggregate(entries, prices)
	for i := range rep.Models {
		rep.Models[i].CacheSavingsUSD = nil
	}
	rep.Total.CacheSavingsUSD = nil
	if rep.UnpricedModels == nil {
		rep.UnpricedModels = []string{}
	}
	out := f.IOStreams.Out
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if len(rep.Models) == 0 {
		fmt.Fprintln(out, "no usage found")
		return nil
	}
	fmt.Fprint(out, render.Table(f.IOStreams, render.UsageHeaders, render.UsageRows(rep.Models, rep.Total)))
	if len(rep.UnpricedModels) > 0 {
		fmt.Fprintf(out, "unpriced (no known price; excluded from the total cost): %v\n", rep.UnpricedModels)
	}
	return nil
}
