// Package show implements "tracevault show": a commit's attribution per
// file, or a session's timeline of prompts, tool calls and edits.
package show

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/inspect/history"
)

// Options are show's inputs.
type Options struct {
	Target     string
	JSON       bool
	Transcript bool
}

// NewCmdShow returns the show command.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "show [--json] [--transcript] COMMIT|SESSION-ID",
		Short: "A commit's attribution per file, or a session's timeline: prompts, tool calls, edits with diffs, tokens",
		Long: `Show a commit's TraceVault attribution (per file: AI and human lines and
the AI ranges with session, agent, model and tool call), or, given a session
id, that session's timeline: prompts, tool calls and edits with their
diffs, and its tokens and cost. Sessions are read from the writer chains,
or from the local spool when not recorded yet. --transcript prints prompts
in full and each tool call's input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Target = args[0]
			if strings.HasPrefix(opts.Target, "-") {
				return cmdutil.FlagErrorf("bad commit or session %q", opts.Target)
			}
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	cmd.Flags().BoolVar(&opts.Transcript, "transcript", false, "Print prompts in full and tool call inputs")
	return cmd
}

func showRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, reader, err := inspectview.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	if h, err := repo.Resolve(ctx, opts.Target); err == nil {
		return showCommit(ctx, f, opts, repo, reader, h.String())
	}
	return showSession(ctx, f, opts, repo, reader)
}

// CommitOutput is the JSON output for a commit.
type CommitOutput struct {
	Kind     string                 `json:"kind"` // "commit"
	Commit   inspectview.CommitInfo `json:"commit"`
	Files    []File                 `json:"files"`
	Sessions []SessionSummary       `json:"sessions"`
}

// File is one file's attribution.
type File struct {
	Path      string    `json:"path"`
	OldPath   string    `json:"old_path,omitempty"`
	Added     int       `json:"added"`
	AI        int       `json:"ai"`
	Human     int       `json:"human"`
	AIPercent float64   `json:"ai_percent"`
	Ranges    []AIRange `json:"ranges"`
}

// AIRange is a run of AI-written lines.
type AIRange struct {
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Session string `json:"session"`
	Agent   string `json:"agent"`
	Model   string `json:"model"`
	Tool    string `json:"tool"`
}

func showCommit(ctx context.Context, f *cmdutil.Factory, opts *Options, repo *repoctx.Repo, reader *history.Reader, rev string) error {
	cs, err := history.LogCommits(ctx, repo.Store, "--max-count=1", rev, "--")
	if err != nil || len(cs) != 1 {
		return fmt.Errorf("reading commit %s: %w", rev, err)
	}
	traces, err := reader.Traces(ctx, history.Hashes(cs))
	if err != nil {
		return err
	}
	t := traces[0]
	out := CommitOutput{Kind: "commit", Commit: inspectview.NewCommitInfo(cs[0], t), Files: []File{}, Sessions: []SessionSummary{}}
	if a := t.Attribution; a != nil {
		for _, fa := range a.Files {
			fl := File{Path: fa.Path, OldPath: fa.OldPath, Added: fa.Added, AI: fa.AI, Human: fa.Human, Ranges: []AIRange{}}
			if fa.AI+fa.Human > 0 {
				fl.AIPercent = 100 * float64(fa.AI) / float64(fa.AI+fa.Human)
			}
			for _, r := range fa.Ranges {
				fl.Ranges = append(fl.Ranges, AIRange{r.Start, r.End, r.Session, r.Agent, r.Model, r.Tool})
			}
			out.Files = append(out.Files, fl)
		}
		for _, s := range t.Sessions {
			out.Sessions = append(out.Sessions, summarize(s.Session, s.Record))
		}
	}
	if opts.JSON {
		err = inspectview.WriteJSON(f.IOStreams.Out, out)
	} else {
		err = printCommit(f, out)
	}
	if err == nil && t.Status == history.StatusUnverified {
		return inspectview.Unverified(1, "commit trace")
	}
	return err
}
