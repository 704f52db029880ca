// Package inspectview is what the inspection commands (log, show, blame,
// stats) share: opening a repository's trace reader, the JSON shape of a
// commit's trace, styles, --since parsing and the pager.
package inspectview

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/inspect/history"
)

// Open opens the repository of the working directory and a trace reader
// over it (allowed signers from .tracevault/allowed_signers, the verified
// chain cache under <git-common-dir>/tracevault/cache/chains).
func Open(ctx context.Context, f *cmdutil.Factory) (*repoctx.Repo, *history.Reader, error) {
	r, err := repoctx.OpenForReading(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	allowed, err := r.AllowedSigners(ctx)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	cache := filepath.Join(r.Store.CommonDir(), "tracevault", "cache", "chains")
	return r, history.NewReader(r.Store, allowed, cache), nil
}

// CommitInfo is the JSON shape of one commit with its trace (log --json,
// show --json); docs/cli-json.md documents it.
type CommitInfo struct {
	Commit     string           `json:"commit"`
	Author     capture.Identity `json:"author"`
	Date       time.Time        `json:"date"`
	Subject    string           `json:"subject"`
	Trace      history.Status   `json:"trace"`
	Problems   []string         `json:"problems"`
	Evidence   string           `json:"evidence,omitempty"`
	AILines    int              `json:"ai_lines"`
	HumanLines int              `json:"human_lines"`
	// AIPercent is null for a commit without a trace.
	AIPercent      *float64       `json:"ai_percent"`
	Agents         []string       `json:"agents"`
	Models         []string       `json:"models"`
	Sessions       []string       `json:"sessions"`
	Records        []string       `json:"records"`
	Tokens         capture.Tokens `json:"tokens"`
	CostUSD        *float64       `json:"cost_usd"`
	UnpricedModels []string       `json:"unpriced_models"`
}

// NewCommitInfo summarises a commit and its trace.
func NewCommitInfo(c history.Commit, t *history.Trace) CommitInfo {
	ci := CommitInfo{Commit: c.Hash.String(), Author: capture.Identity{Name: c.AuthorName, Email: c.AuthorEmail},
		Date: c.Date, Subject: c.Subject, Trace: t.Status, Problems: nonNil(t.Problems),
		Agents: []string{}, Models: []string{}, Sessions: []string{}, Records: []string{}, UnpricedModels: []string{}}
	if t.Note != nil {
		for _, l := range t.Note.Records {
			ci.Records = append(ci.Records, l.ID)
		}
	}
	a := t.Attribution
	if a == nil {
		return ci
	}
	ci.Evidence, ci.AILines, ci.HumanLines = a.Evidence, a.AILines, a.HumanLines
	pct := a.AIPercent()
	ci.AIPercent = &pct
	for _, s := range a.Sessions {
		ci.Sessions = append(ci.Sessions, s.ID)
		ci.Agents = append(ci.Agents, s.Agent)
		ci.Models = append(ci.Models, s.Models...)
	}
	var cost float64
	priced := false
	for _, s := range t.Sessions {
		ci.Tokens = ci.Tokens.Add(s.Session.Total.Tokens)
		if s.Session.Total.CostUSD != nil {
			cost += *s.Session.Total.CostUSD
			priced = true
		}
		ci.UnpricedModels = append(ci.UnpricedModels, s.Session.Unpriced...)
		ci.Models = append(ci.Models, s.Session.Models...)
	}
	if priced {
		ci.CostUSD = &cost
	}
	ci.Agents, ci.Models, ci.UnpricedModels = sortUniq(ci.Agents), sortUniq(ci.Models), sortUniq(ci.UnpricedModels)
	return ci
}

func sortUniq(s []string) []string {
	s = slices.DeleteFunc(s, func(v string) bool { return v == "" })
	slices.Sort(s)
	return slices.Compact(s)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Styles are the inspection commands' text styles.
type Styles struct {
	Hash, AI, Human, Unknown, Warn, Faint, Bold lipgloss.Style
}

// NewStyles returns styles from the streams' renderer (never queries the
// terminal; plain text when colour is off).
func NewStyles(ios *iostreams.IOStreams) Styles {
	r := ios.Renderer()
	return Styles{
		Hash:    r.NewStyle().Foreground(lipgloss.Color("3")),
		AI:      r.NewStyle().Foreground(lipgloss.Color("5")),
		Human:   r.NewStyle().Foreground(lipgloss.Color("2")),
		Unknown: r.NewStyle().Foreground(lipgloss.Color("8")),
		Warn:    r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		Faint:   r.NewStyle().Faint(true),
		Bold:    r.NewStyle().Bold(true),
	}
}

// TraceLine renders a commit's trace in one line of text.
func TraceLine(st Styles, ci CommitInfo) string {
	if ci.Trace == history.StatusNoTrace {
		return st.Unknown.Render("no trace")
	}
	var parts []string
	switch {
	case ci.Evidence == "trailer":
		parts = append(parts, "AI-assisted per commit trailer; lines unknown")
	case ci.AIPercent != nil:
		parts = append(parts, st.AI.Render(fmt.Sprintf("%.0f%% AI", *ci.AIPercent))+fmt.Sprintf(" (%d of %d added lines)", ci.AILines, ci.AILines+ci.HumanLines))
	}
	who := strings.Join(ci.Agents, ", ")
	if len(ci.Models) > 0 {
		who += " (" + strings.Join(ci.Models, ", ") + ")"
	}
	if who != "" {
		parts = append(parts, who)
	}
	parts = append(parts, plural(len(ci.Sessions), "session"))
	if n := ci.Tokens.Total(); n > 0 {
		parts = append(parts, Int(n)+" tokens")
	}
	if ci.CostUSD != nil {
		parts = append(parts, fmt.Sprintf("$%.4f", *ci.CostUSD))
	}
	if len(ci.UnpricedModels) > 0 {
		parts = append(parts, "unpriced: "+strings.Join(ci.UnpricedModels, ", "))
	}
	return strings.Join(parts, " · ")
}

// Problems renders a failed verification loudly, one line per problem.
func Problems(st Styles, indent string, status history.Status, problems []string) string {
	if status != history.StatusUnverified {
		return ""
	}
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(indent + st.Warn.Render("UNVERIFIED TRACE: ") + p + "\n")
	}
	return b.String()
}

// Int formats n with thousands separators.
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func plural(n int, w string) string {
	if n == 1 {
		return "1 " + w
	}
	return strconv.Itoa(n) + " " + w + "s"
}

// WriteJSON writes v indented, as every --json output is.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// Since turns a --since value into a time with git's own date parser
// (`git rev-parse --since=...` prints --max-age=<unix>), so "2 weeks ago",
// "2026-01-31" and "yesterday" mean what they mean to git log.
func Since(ctx context.Context, g history.Git, s string) (time.Time, error) {
	out, err := g.Git(ctx, "rev-parse", "--since="+s)
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "--max-age=")
	n, perr := strconv.ParseInt(v, 10, 64)
	if err != nil || perr != nil {
		return time.Time{}, cmdutil.FlagErrorf("--since %q: not a date git understands", s)
	}
	return time.Unix(n, 0), nil
}

// Unverified is the error (exit code 4) a command returns after printing
// its output when some trace it showed failed verification.
func Unverified(n int, what string) error {
	return &cmdutil.ExitError{Code: cmdutil.ExitVerification, Err: fmt.Errorf("%s fail verification", plural(n, what))}
}
