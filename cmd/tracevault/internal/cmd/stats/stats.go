// Package stats implements "tracevault stats": sessions in this repository
// per model and per author.
package stats

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/sessions"
)

// Options are stats's inputs.
type Options struct {
	JSON bool
}

// NewCmdStats returns the stats command.
func NewCmdStats(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Sessions in this repository per model and per author: tokens, cost, cache savings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statsRun(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	return cmd
}

// Stats is the JSON output.
type Stats struct {
	render.Summary
	Authors []Author `json:"authors"`
}

// Author is one author's share.
type Author struct {
	Author string `json:"author"`
	Name   string `json:"name"`
	render.Summary
}

func statsRun(f *cmdutil.Factory, opts *Options) error {
	dir, err := f.Getwd()
	if err != nil {
		return err
	}
	repo, err := sessions.Open(dir)
	if err != nil {
		return err
	}
	all, err := repo.All()
	if err != nil {
		return err
	}
	st := Build(all)
	out := f.IOStreams.Out
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	io := f.IOStreams
	fmt.Fprintf(out, "%d sessions, %d tool calls, %d files\n", st.Sessions, st.ToolCalls, st.Files)
	if len(st.Models) == 0 {
		return nil
	}
	fmt.Fprintln(out, render.Bold(io, "per model"))
	fmt.Fprint(out, render.Table(io, render.UsageHeaders, render.UsageRows(st.Models, st.Total)))
	fmt.Fprintf(out, "cache savings $%.4f\n", st.CacheSavingsUSD)
	fmt.Fprintln(out, render.Bold(io, "per author"))
	var rows [][]string
	for _, a := range st.Authors {
		rows = append(rows, []string{a.Author, fmt.Sprint(a.Sessions), fmt.Sprint(a.ToolCalls), render.Int(a.Total.Input), render.Int(a.Total.Output),
			render.Int(a.Total.CacheWrite5m + a.Total.CacheWrite1h), render.Int(a.Total.CacheRead), render.USD(a.Total.CostUSD), fmt.Sprintf("$%.4f", a.CacheSavingsUSD)})
	}
	fmt.Fprint(out, render.Table(io, []string{"author", "sessions", "tool calls", "input", "output", "cache write", "cache read", "cost", "cache savings"}, rows))
	if len(st.UnpricedModels) > 0 {
		fmt.Fprintf(out, "unpriced models: %v\n", st.UnpricedModels)
	}
	return nil
}

// Build computes the statistics of sessions.
func Build(all []*sessions.Loaded) Stats {
	var ss []*capture.Session
	byAuthor := map[string][]*capture.Session{}
	names := map[string]string{}
	for _, l := range all {
		ss = append(ss, l.Session)
		key := l.Session.Author.Email
		if key == "" {
			key = "(unknown)"
		}
		byAuthor[key] = append(byAuthor[key], l.Session)
		names[key] = l.Session.Author.Name
	}
	st := Stats{Summary: render.Summarize(ss, sessions.FilesTouched), Authors: []Author{}}
	for a, list := range byAuthor {
		st.Authors = append(st.Authors, Author{Author: a, Name: names[a], Summary: render.Summarize(list, sessions.FilesTouched)})
	}
	sort.Slice(st.Authors, func(i, j int) bool { return st.Authors[i].Author < st.Authors[j].Author })
	return st
}
