// Package status implements "tracevault status": the session in progress.
package status

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/sessions"
)

// Options are status's inputs.
type Options struct {
	JSON    bool
	Session string
}

// NewCmdStatus returns the status command.
func NewCmdStatus(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "The session in progress: models, tool calls, files touched, tokens, cost",
		Long: `Show the most recent agent session in this repository (or --session ID):
its agent and models, prompts, tool calls by outcome, files touched, tokens
by kind and cost, read from the local spool and the agent's transcript.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	cmd.Flags().StringVar(&opts.Session, "session", "", "Session id (default: the most recent)")
	return cmd
}

// Status is the JSON output.
type Status struct {
	Session      *SessionInfo   `json:"session"`
	FilesTouched []string       `json:"files_touched"`
	ToolStatus   map[string]int `json:"tool_calls_by_status"`
	Prompts      int            `json:"prompts"`
	render.Summary
}

// SessionInfo identifies the session.
type SessionInfo struct {
	ID          string           `json:"id"`
	Agent       string           `json:"agent"`
	Author      capture.Identity `json:"author"`
	Branch      string           `json:"branch"`
	HeadAtStart string           `json:"head_at_start"`
	StartedAt   time.Time        `json:"started_at"`
	LastEventAt time.Time        `json:"last_event_at"`
	DurationMS  int64            `json:"duration_ms"`
	Ended       bool             `json:"ended"`
	Models      []string         `json:"models_seen"`
}

func statusRun(f *cmdutil.Factory, opts *Options) error {
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
	var cur *sessions.Loaded
	for _, l := range all {
		if opts.Session == "" || l.Session.ID == opts.Session || l.Name == opts.Session {
			cur = l
			break
		}
	}
	out := f.IOStreams.Out
	if cur == nil {
		if opts.Session != "" {
			return fmt.Errorf("no session %q in this repository's spool", opts.Session)
		}
		if opts.JSON {
			fmt.Fprintln(out, `{"session":null}`)
			return nil
		}
		fmt.Fprintln(out, "no agent session recorded in this repository yet")
		return nil
	}
	st := build(cur.Session)
	if opts.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	return printStatus(f, st)
}

func build(s *capture.Session) Status {
	st := Status{
		Session: &SessionInfo{ID: s.ID, Agent: s.Agent, Author: s.Author, Branch: s.Branch, HeadAtStart: s.HeadAtStart,
			StartedAt: s.StartedAt, LastEventAt: s.EndedAt, DurationMS: s.Duration().Milliseconds(), Ended: s.Ended, Models: s.Models},
		FilesTouched: sessions.FilesTouched(s),
		ToolStatus:   map[string]int{},
		Prompts:      len(s.Prompts),
		Summary:      render.Summarize([]*capture.Session{s}, sessions.FilesTouched),
	}
	for _, c := range s.ToolCalls {
		st.ToolStatus[c.Status]++
	}
	if st.FilesTouched == nil {
		st.FilesTouched = []string{}
	}
	return st
}

func printStatus(f *cmdutil.Factory, st Status) error {
	io, s := f.IOStreams, st.Session
	out := io.Out
	state := "in progress"
	if s.Ended {
		state = "ended"
	}
	fmt.Fprintf(out, "%s %s (%s, %s)\n", render.Bold(io, "session"), s.ID, s.Agent, state)
	fmt.Fprintf(out, "started  %s on %s at %.12s, %s ago\n", s.StartedAt.Local().Format("2006-01-02 15:04:05"), or(s.Branch, "(no branch)"), or(s.HeadAtStart, "(no commit)"), time.Since(s.StartedAt).Round(time.Second))
	fmt.Fprintf(out, "models   %s\n", or(strings.Join(s.Models, ", "), "(none yet)"))
	var parts []string
	for k, v := range st.ToolStatus {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	fmt.Fprintf(out, "prompts  %d   tool calls %d (%s)\n", st.Prompts, st.ToolCalls, strings.Join(parts, ", "))
	fmt.Fprintf(out, "files    %d: %s\n", len(st.FilesTouched), strings.Join(st.FilesTouched, ", "))
	if len(st.Models) > 0 {
		fmt.Fprint(out, render.Table(io, render.UsageHeaders, render.UsageRows(st.Models, st.Total)))
		fmt.Fprintf(out, "cache savings $%.4f\n", st.CacheSavingsUSD)
	}
	if len(st.UnpricedModels) > 0 {
		fmt.Fprintf(out, "unpriced models: %s\n", strings.Join(st.UnpricedModels, ", "))
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
