// Package verify implements "tracevault verify": the CI check of a range of
// commits. It works offline from what git holds: the notes
// (refs/notes/tracevault and fetched refs/notes/tracevault-remote/*), the
// writers' signed chains (refs/tracevault/log/* and fetched
// refs/tracevault-remote/*/log/*) and .tracevault/allowed_signers. Every
// trace is verified (signature, trusted key, chain, note against record),
// then the policy judges the range.
//
// Exit codes, in order of precedence: 4 when any trace of the range is
// invalid (a bad signature, an unknown key, a broken chain, a note that
// does not match its record, a record that is not there) — the facts the
// policy would judge cannot be trusted, so this wins; else 3 when the
// policy blocks (or does not compile and says on_error: block); else 0.
// A missing trace is not a verification failure: it is the policy's
// trace_completeness rule that decides about it.
package verify

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	tvverify "github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/rangereport"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/policy"
)

// VerifyOptions are verify's inputs.
type VerifyOptions struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Open   func(context.Context) (*repoctx.Repo, error)

	Range      string // "A..B"; A empty for "every commit reachable from B"
	Branch     string
	PolicyFile string
	ConfigRev  string
	JSON       bool
	// Summary is the Markdown summary file ($GITHUB_STEP_SUMMARY).
	Summary string
}

// NewCmdVerify returns the verify command.
func NewCmdVerify(f *cmdutil.Factory, runF func(*VerifyOptions) error) *cobra.Command {
	opts := &VerifyOptions{IO: f.IOStreams, Getenv: f.Getenv,
		Open: func(ctx context.Context) (*repoctx.Repo, error) { return repoctx.Open(ctx, f) }}
	cmd := &cobra.Command{
		Use:   "verify --range A..B",
		Short: "Verify the traces of a range of commits and judge it against the policy (CI)",
		Long: `Verify the traces of the commits in A..B (notes, signed records, chains,
against .tracevault/allowed_signers) and judge the range with the policy,
offline. "..B" (or --range B) takes every commit reachable from B.

When $GITHUB_STEP_SUMMARY is set, a Markdown summary is appended to it.

Exit codes: 0 ok; 4 an invalid trace (wins over 3); 3 the policy blocks;
1 error; 2 usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Range == "" {
				return cmdutil.FlagErrorf("--range is required")
			}
			if opts.Summary == "" {
				opts.Summary = opts.Getenv("GITHUB_STEP_SUMMARY")
			}
			if runF != nil {
				return runF(opts)
			}
			return verifyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Range, "range", "", "Commits to verify: A..B")
	cmd.Flags().StringVar(&opts.Branch, "branch", "", "Branch the range lands on (for scoped rules)")
	cmd.Flags().StringVar(&opts.PolicyFile, "policy", "", "Policy file (default: .tracevault/policy.yaml)")
	cmd.Flags().StringVar(&opts.ConfigRev, "config-rev", "", "Read the policy and allowed_signers from this `revision` instead of the work tree")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the report as JSON")
	cmd.Flags().StringVar(&opts.Summary, "summary", "", "Append a Markdown summary to this `file` (default: $GITHUB_STEP_SUMMARY)")
	return cmd
}

func verifyRun(ctx context.Context, opts *VerifyOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := opts.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	cfg, err := rangereport.LoadConfig(ctx, r, opts.PolicyFile, opts.ConfigRev)
	if err != nil {
		return err
	}
	rg, err := parseRange(ctx, r, opts.Range)
	if err != nil {
		return cmdutil.FlagErrorf("--range: %v", err)
	}
	rg.Branch = opts.Branch
	b := &tvverify.Builder{Store: r.Store, Allowed: cfg.Allowed}
	res, err := b.Build(ctx, rg)
	if err != nil {
		return err
	}
	rep := &rangereport.Report{V: 1, Command: "verify", Range: opts.Range, Branch: opts.Branch,
		Commits: len(res.Input.Commits), Traces: res.Traces, OnError: string(cfg.FailMode),
		PolicySource: "repo", PolicyFile: cfg.PolicyFile}
	switch {
	case cfg.PolicyFile == "":
		rep.PolicySource = "none"
	case opts.PolicyFile != "":
		rep.PolicySource = "file"
	}
	if cfg.Policy == nil {
		rep.PolicyError = cfg.CompileErr.Error()
		rep.Decision = string(policy.DecisionBlock)
		if cfg.FailMode == policy.FailAllow {
			rep.Decision = string(policy.DecisionAllow)
		}
	} else {
		rep.SetVerdict(cfg.Policy.EvaluateCommits(res.Input))
	}
	switch {
	case len(rep.InvalidTraces()) > 0:
		rep.Exit = int(cmdutil.ExitVerification)
	case rep.Decision == string(policy.DecisionBlock):
		rep.Exit = int(cmdutil.ExitPolicy)
	}
	return opts.finish(rep)
}

func (opts *VerifyOptions) finish(rep *rangereport.Report) error {
	if opts.Summary != "" {
		f, err := os.OpenFile(opts.Summary, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("writing the step summary: %w", err)
		}
		rep.WriteMarkdown(f)
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing the step summary: %w", err)
		}
	}
	if opts.JSON {
		if err := rep.WriteJSON(opts.IO.Out); err != nil {
			return err
		}
	} else {
		rep.WriteText(opts.IO.Out)
	}
	if rep.Exit != 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitCode(rep.Exit)} // the report said why
	}
	return nil
}

// parseRange resolves "A..B", "..B" or "B".
func parseRange(ctx context.Context, r *repoctx.Repo, s string) (tvverify.Range, error) {
	a, b, two := strings.Cut(s, "..")
	if !two {
		a, b = "", s
	}
	if strings.HasPrefix(b, ".") {
		return tvverify.Range{}, fmt.Errorf("%q: want A..B (symmetric ranges are not supported)", s)
	}
	var rg tvverify.Range
	hb, err := r.Resolve(ctx, or(b, "HEAD"))
	if err != nil {
		return rg, err
	}
	rg.Include = []gitstore.Hash{hb}
	if a != "" {
		ha, err := r.Resolve(ctx, a)
		if err != nil {
			return rg, err
		}
		rg.Exclude = []gitstore.Hash{ha}
	}
	return rg, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
