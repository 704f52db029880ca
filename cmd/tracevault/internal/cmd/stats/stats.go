// Package stats implements "tracevault stats": totals over the repository's
// recorded sessions (plus spool sessions not recorded yet) and commit
// records: AI share of added lines, tokens by kind, cost and cache savings,
// per model and grouped by author, model or agent.
package stats

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/sessions"
	"github.com/tracevault/tracevault/inspect/history"
)

// Options are stats's inputs.
type Options struct {
	JSON  bool
	Since string
	By    string
}

// NewCmdStats returns the stats command.
func NewCmdStats(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "stats [--since DATE] [--by author|model|agent] [--json]",
		Short: "Totals: AI share of lines, tokens by kind, cost and cache savings, per model and per author, model or agent",
		Long: `Sum the sessions recorded in the writer chains (plus sessions in the local
spool not recorded yet, counted once by session id) and the commit records
of commits reachable from HEAD: the AI share of added lines, tokens by kind,
cost and cache savings, per model, and grouped by --by (author, the
default; model; or agent). --since keeps sessions started and commits
authored after DATE (git's date syntax).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch opts.By {
			case "author", "model", "agent":
			default:
				return cmdutil.FlagErrorf("--by must be author, model or agent, not %q", opts.By)
			}
			if runF != nil {
				return runF(opts)
			}
			return statsRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	cmd.Flags().StringVar(&opts.Since, "since", "", "Only sessions and commits more recent than `DATE`")
	cmd.Flags().StringVar(&opts.By, "by", "author", "Group by `author|model|agent`")
	return cmd
}

// Stats is the JSON output. The fields of the first version (sessions,
// tool_calls, files, models, total, unpriced_models, cache_savings_usd,
// authors) keep their names and meaning.
type Stats struct {
	render.Summary
	Authors []Author `json:"authors"`

	Since            *time.Time `json:"since"`
	By               string     `json:"by"`
	Sources          Sources    `json:"sources"`
	Commits          int        `json:"commits"`
	AILines          int        `json:"ai_lines"`
	HumanLines       int        `json:"human_lines"`
	AIPercent        float64    `json:"ai_percent"`
	Groups           []Group    `json:"groups"`
	UnverifiedChains []string   `json:"unverified_chains"`
}

// Sources counts where sessions came from.
type Sources struct {
	Recorded int `json:"recorded"`
	Spool    int `json:"spool"`
}

// Author is one author's share of sessions.
type Author struct {
	Author string `json:"author"`
	Name   string `json:"name"`
	render.Summary
}

// Group is one row of --by.
type Group struct {
	Key             string         `json:"key"`
	Sessions        int            `json:"sessions"`
	ToolCalls       int            `json:"tool_calls"`
	Tokens          capture.Tokens `json:"tokens"`
	CostUSD         float64        `json:"cost_usd"`
	CacheSavingsUSD float64        `json:"cache_savings_usd"`
	Commits         int            `json:"commits"`
	AILines         int            `json:"ai_lines"`
	HumanLines      int            `json:"human_lines"`
	AIPercent       float64        `json:"ai_percent"`
}

func statsRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, reader, err := inspectview.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	var since time.Time
	if opts.Since != "" {
		if since, err = inspectview.Since(ctx, repo.Store, opts.Since); err != nil {
			return err
		}
	}
	in, err := load(ctx, f, repo, reader, since)
	if err != nil {
		return err
	}
	st := Build(in, opts.By)
	if !since.IsZero() {
		st.Since = &since
	}
	if opts.JSON {
		err = inspectview.WriteJSON(f.IOStreams.Out, st)
	} else {
		err = printStats(f, st)
	}
	if err == nil && len(st.UnverifiedChains) > 0 {
		return inspectview.Unverified(len(st.UnverifiedChains), "writer chain")
	}
	return err
}

// Input is what Build sums.
type Input struct {
	Recorded []*capture.Session
	Spool    []*sessions.Loaded
	Commits  []CommitAttr
	// Unverified lists chain refs that failed verification.
	Unverified []string
}

// CommitAttr is a commit record of a commit reachable from HEAD.
type CommitAttr struct {
	Author string // email
	history.Commit
	AILines, HumanLines int
	// AIByModel and AIByAgent count AI lines per model and agent.
	AIByModel, AIByAgent map[string]int
}

// Build computes the statistics.
func Build(in Input, by string) Stats {
	var all []*capture.Session
	all = append(all, in.Recorded...)
	for _, l := range in.Spool {
		all = append(all, l.Session)
	}
	st := Stats{Summary: render.Summarize(all, sessions.FilesTouched), Authors: []Author{}, By: by,
		Sources: Sources{Recorded: len(in.Recorded), Spool: len(in.Spool)}, UnverifiedChains: in.Unverified}
	if st.UnverifiedChains == nil {
		st.UnverifiedChains = []string{}
	}
	byAuthor := map[string][]*capture.Session{}
	names := map[string]string{}
	for _, s := range all {
		key := or(s.Author.Email, "(unknown)")
		byAuthor[key] = append(byAuthor[key], s)
		names[key] = s.Author.Name
	}
	for a, list := range byAuthor {
		st.Authors = append(st.Authors, Author{Author: a, Name: names[a], Summary: render.Summarize(list, sessions.FilesTouched)})
	}
	sort.Slice(st.Authors, func(i, j int) bool { return st.Authors[i].Author < st.Authors[j].Author })
	for _, c := range in.Commits {
		st.Commits++
		st.AILines += c.AILines
		st.HumanLines += c.HumanLines
	}
	st.AIPercent = pct(st.AILines, st.HumanLines)
	st.Groups = groups(all, in.Commits, by)
	return st
}

func groups(all []*capture.Session, commits []CommitAttr, by string) []Group {
	g := map[string]*Group{}
	get := func(k string) *Group {
		k = or(k, "(unknown)")
		if g[k] == nil {
			g[k] = &Group{Key: k}
		}
		return g[k]
	}
	for _, s := range all {
		switch by {
		case "model":
			for _, m := range s.Usage {
				r := get(m.Model)
				r.Sessions++
				addUsage(r, m)
			}
		default:
			k := s.Agent
			if by == "author" {
				k = s.Author.Email
			}
			r := get(k)
			r.Sessions++
			r.ToolCalls += len(s.ToolCalls)
			addUsage(r, s.Total)
		}
	}
	for _, c := range commits {
		switch by {
		case "author":
			r := get(c.Author)
			r.Commits++
			r.AILines += c.AILines
			r.HumanLines += c.HumanLines
		case "model", "agent":
			m := c.AIByModel
			if by == "agent" {
				m = c.AIByAgent
			}
			for k, n := range m {
				r := get(k)
				r.Commits++
				r.AILines += n
			}
		}
	}
	out := []Group{}
	for _, r := range g {
		r.AIPercent = pct(r.AILines, r.HumanLines)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func addUsage(r *Group, m capture.ModelUsage) {
	r.Tokens = r.Tokens.Add(m.Tokens)
	if m.CostUSD != nil {
		r.CostUSD += *m.CostUSD
	}
	if m.CacheSavingsUSD != nil {
		r.CacheSavingsUSD += *m.CacheSavingsUSD
	}
}

func pct(ai, human int) float64 {
	if ai+human == 0 {
		return 0
	}
	return 100 * float64(ai) / float64(ai+human)
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func printStats(f *cmdutil.Factory, st Stats) error {
	ios := f.IOStreams
	if err := ios.StartPager(); err != nil {
		return err
	}
	defer ios.StopPager()
	sty := inspectview.NewStyles(ios)
	out := ios.Out
	for _, c := range st.UnverifiedChains {
		fmt.Fprintln(out, sty.Warn.Render("UNVERIFIED CHAIN: ")+c)
	}
	fmt.Fprintf(out, "%d sessions (%d recorded, %d in the spool), %d tool calls, %d files\n", st.Sessions, st.Sources.Recorded, st.Sources.Spool, st.ToolCalls, st.Files)
	fmt.Fprintf(out, "%d commits with a trace: %s of %d added lines by AI (%d AI, %d human)\n", st.Commits, sty.AI.Render(fmt.Sprintf("%.1f%%", st.AIPercent)), st.AILines+st.HumanLines, st.AILines, st.HumanLines)
	if len(st.Models) > 0 {
		fmt.Fprintln(out, render.Bold(ios, "per model"))
		fmt.Fprint(out, render.Table(ios, render.UsageHeaders, render.UsageRows(st.Models, st.Total)))
		fmt.Fprintf(out, "cache savings $%.4f\n", st.CacheSavingsUSD)
	}
	fmt.Fprintln(out, render.Bold(ios, "by "+st.By))
	var rows [][]string
	for _, g := range st.Groups {
		rows = append(rows, []string{g.Key, fmt.Sprint(g.Sessions), render.Int(g.Tokens.Input), render.Int(g.Tokens.Output),
			render.Int(g.Tokens.CacheWrite5m + g.Tokens.CacheWrite1h), render.Int(g.Tokens.CacheRead), fmt.Sprintf("$%.4f", g.CostUSD),
			fmt.Sprintf("$%.4f", g.CacheSavingsUSD), fmt.Sprint(g.Commits), fmt.Sprint(g.AILines), fmt.Sprint(g.HumanLines)})
	}
	fmt.Fprint(out, render.Table(ios, []string{st.By, "sessions", "input", "output", "cache write", "cache read", "cost", "cache savings", "commits", "ai lines", "human lines"}, rows))
	if len(st.UnpricedModels) > 0 {
		fmt.Fprintf(out, "unpriced models: %v\n", st.UnpricedModels)
	}
	return nil
}
