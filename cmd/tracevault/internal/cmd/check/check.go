// Package check implements "tracevault check": judge the commits about to
// be pushed (or a range) against the policy, before they leave the machine.
//
// As the pre-push hook ("tracevault git-hook pre-push REMOTE URL" runs it
// with git's lines on stdin) it judges, for each pushed ref, the commits
// the remote does not have yet; a new branch brings every commit not on any
// remote-tracking ref, and deletions are ignored. A block verdict exits 3
// and git refuses the push; warn prints and lets it go.
//
// Server seam: when git config tracevault.server names a server, its
// verdict ([ServerChecker]) is the one that counts. If it cannot be
// reached the push is blocked (fail closed, exit 3) unless the user gives
// --override-offline REASON (or TRACEVAULT_OVERRIDE=REASON): then the local
// engine judges the push with the repository's policy, and the override is
// recorded in .git/tracevault/overrides.jsonl and as an "override" record
// on this writer's signed chain. A policy whose on_error is allow also
// lets the local engine judge when the server is unreachable, without an
// override.
package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/rangereport"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/policy"
)

// ServerConfigKey is the git config key naming the TraceVault server.
const ServerConfigKey = "tracevault.server"

// CheckOptions are check's inputs.
type CheckOptions struct {
	IO     *iostreams.IOStreams
	Getenv func(string) string
	Now    func() time.Time
	Open   func(context.Context) (*repoctx.Repo, error)
	// NewServer returns the checker for a server URL (tests inject
	// fakes); nil means the HTTP client.
	NewServer func(url string) ServerChecker

	Range      string // "A..B"
	Branch     string
	PolicyFile string
	JSON       bool
	Override   string

	// Pre-push mode: the remote, its URL and git's stdin lines.
	PrePush   bool
	Remote    string
	URL       string
	PushInput []byte
}

// NewCmdCheck returns the check command.
func NewCmdCheck(f *cmdutil.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := newOptions(f)
	cmd := &cobra.Command{
		Use:   "check [--range A..B]",
		Short: "Judge commits against the policy before they are pushed",
		Long: `Judge commits against the repository's policy (.tracevault/policy.yaml)
with their traces, as the pre-push hook does. Without --range, the commits
of the current branch that are on no remote-tracking ref are judged.

Exit codes: 0 allowed (warnings are printed), 3 blocked (a blocking
violation, a policy that does not compile with on_error: block, or a
configured server that cannot be reached without an override), 1 error,
2 usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Range != "" && !strings.Contains(opts.Range, "..") {
				return cmdutil.FlagErrorf("--range %q: want A..B", opts.Range)
			}
			if opts.Override == "" {
				opts.Override = opts.Getenv("TRACEVAULT_OVERRIDE")
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Range, "range", "", "Judge the commits in A..B")
	cmd.Flags().StringVar(&opts.Branch, "branch", "", "Branch the commits land on (default: the current branch)")
	cmd.Flags().StringVar(&opts.PolicyFile, "policy", "", "Policy file (default: .tracevault/policy.yaml)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print the report as JSON")
	cmd.Flags().StringVar(&opts.Override, "override-offline", "", "Push without the unreachable server, for this `reason` (recorded)")
	return cmd
}

func newOptions(f *cmdutil.Factory) *CheckOptions {
	return &CheckOptions{IO: f.IOStreams, Getenv: f.Getenv, Now: f.Now,
		Open: func(ctx context.Context) (*repoctx.Repo, error) { return repoctx.Open(ctx, f) }}
}

// RunPrePush runs check as the pre-push hook: remote and url are git's
// arguments, input its standard input.
func RunPrePush(ctx context.Context, f *cmdutil.Factory, remote, url string, input []byte) error {
	opts := newOptions(f)
	opts.PrePush, opts.Remote, opts.URL, opts.PushInput = true, remote, url, input
	opts.Override = f.Getenv("TRACEVAULT_OVERRIDE")
	return checkRun(ctx, opts)
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	r, err := opts.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	cfg, err := rangereport.LoadConfig(ctx, r, opts.PolicyFile, "")
	if err != nil {
		return err
	}
	ranges, label, err := opts.ranges(ctx, r)
	if err != nil {
		return err
	}
	res, err := buildAll(ctx, r, cfg, ranges)
	if err != nil {
		return err
	}
	rep := &rangereport.Report{V: 1, Command: "check", Range: label, Branch: res.Input.Branch,
		Commits: len(res.Input.Commits), Traces: res.Traces, OnError: string(cfg.FailMode)}
	if err := opts.judge(ctx, r, cfg, res, rep); err != nil {
		return err
	}
	return opts.finish(rep)
}

// ranges works out what to judge and a label for it.
func (opts *CheckOptions) ranges(ctx context.Context, r *repoctx.Repo) ([]verify.Range, string, error) {
	if opts.PrePush {
		lines, err := ParsePushLines(opts.PushInput)
		if err != nil {
			return nil, "", err
		}
		rs, err := pushRanges(ctx, r, lines)
		var refs []string
		for _, l := range lines {
			refs = append(refs, l.RemoteRef)
		}
		return rs, "push to " + opts.Remote + " " + strings.Join(refs, " "), err
	}
	branch := opts.Branch
	if branch == "" {
		if out, err := r.Store.Git(ctx, "symbolic-ref", "-q", "--short", "HEAD"); err == nil {
			branch = strings.TrimSpace(string(out))
		}
	}
	if opts.Range != "" {
		a, b, _ := strings.Cut(opts.Range, "..")
		rg := verify.Range{Branch: branch}
		hb, err := r.Resolve(ctx, or(b, "HEAD"))
		if err != nil {
			return nil, "", err
		}
		rg.Include = []gitstore.Hash{hb}
		if a != "" {
			ha, err := r.Resolve(ctx, a)
			if err != nil {
				return nil, "", err
			}
			rg.Exclude = []gitstore.Hash{ha}
		}
		return []verify.Range{rg}, opts.Range, nil
	}
	head, err := r.Head(ctx)
	if err != nil {
		return nil, "", err
	}
	rs, err := pushRanges(ctx, r, []PushLine{{LocalSHA: head, RemoteRef: "refs/heads/" + branch}})
	return rs, "HEAD not on any remote-tracking ref", err
}

// buildAll builds every range and merges them; commits of several ranges
// landing on different branches are judged once per branch.
func buildAll(ctx context.Context, r *repoctx.Repo, cfg *rangereport.Config, ranges []verify.Range) (*verify.Result, error) {
	b := &verify.Builder{Store: r.Store, Allowed: cfg.Allowed}
	if len(ranges) == 1 {
		return b.Build(ctx, ranges[0])
	}
	out := &verify.Result{Input: policy.RangeInput{Commits: []policy.CommitInput{}}}
	seen := map[string]bool{}
	for _, rg := range ranges {
		res, err := b.Build(ctx, rg)
		if err != nil {
			return nil, err
		}
		for i, c := range res.Input.Commits {
			if seen[c.SHA+" "+rg.Branch] {
				continue
			}
			seen[c.SHA+" "+rg.Branch] = true
			c.Branch = rg.Branch
			out.Input.Commits = append(out.Input.Commits, c)
			out.Traces = append(out.Traces, res.Traces[i])
		}
	}
	return out, nil
}

// judge fills the report's verdict: from the server when one is
// configured, else (or under an override) from the local engine.
func (opts *CheckOptions) judge(ctx context.Context, r *repoctx.Repo, cfg *rangereport.Config, res *verify.Result, rep *rangereport.Report) error {
	server := strings.TrimSpace(r.Config(ctx, ServerConfigKey))
	if server == "" {
		local(cfg, res, rep)
		return nil
	}
	rep.Server = server
	newServer := opts.NewServer
	if newServer == nil {
		newServer = func(u string) ServerChecker { return newHTTPChecker(u, 10*time.Second) }
	}
	repo := opts.URL
	if repo == "" {
		repo = r.Config(ctx, "remote.origin.url")
	}
	v, err := newServer(server).CheckRange(ctx, repo, res.Input)
	if err == nil {
		rep.PolicySource = "server"
		rep.SetVerdict(v)
		return nil
	}
	if !errors.Is(err, ErrServerUnreachable) {
		return err
	}
	rep.ServerError = err.Error()
	switch {
	case opts.Override != "":
		local(cfg, res, rep)
		rep.Override = opts.Override
		return recordOverride(ctx, r, opts, rep, res)
	case cfg.Policy != nil && cfg.FailMode == policy.FailAllow:
		local(cfg, res, rep) // the policy says: judge locally when the server is away
	default:
		rep.PolicySource, rep.Decision = "server", string(policy.DecisionBlock)
		rep.ServerError += " (fail closed: push with --override-offline \"reason\" or TRACEVAULT_OVERRIDE=reason to go ahead; the override is recorded)"
	}
	return nil
}

// local judges with the repository's policy.
func local(cfg *rangereport.Config, res *verify.Result, rep *rangereport.Report) {
	rep.PolicySource, rep.PolicyFile = "repo", cfg.PolicyFile
	if cfg.PolicyFile == "" {
		rep.PolicySource = "none"
	}
	if cfg.Policy == nil {
		rep.PolicyError = cfg.CompileErr.Error()
		rep.Decision = string(policy.DecisionBlock)
		if cfg.FailMode == policy.FailAllow {
			rep.Decision = string(policy.DecisionAllow)
		}
		return
	}
	rep.SetVerdict(cfg.Policy.EvaluateCommits(res.Input))
}

// finish prints the report and returns the exit status.
func (opts *CheckOptions) finish(rep *rangereport.Report) error {
	if rep.Decision == string(policy.DecisionBlock) {
		rep.Exit = int(cmdutil.ExitPolicy)
	}
	var w io.Writer = opts.IO.Out
	if opts.PrePush {
		w = opts.IO.ErrOut // git shows the hook's output; keep stdout clean
	}
	if opts.JSON {
		if err := rep.WriteJSON(opts.IO.Out); err != nil {
			return err
		}
	} else if !opts.PrePush || rep.Decision != string(policy.DecisionAllow) || rep.PolicyError != "" || rep.ServerError != "" {
		rep.WriteText(w)
	}
	if rep.Exit != 0 {
		if opts.PrePush && !opts.JSON {
			fmt.Fprintln(w, "tracevault: push blocked by policy (see above)")
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitCode(rep.Exit)} // the report said why
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
