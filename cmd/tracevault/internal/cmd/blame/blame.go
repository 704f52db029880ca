// Package blame implements "tracevault blame": git blame with, per line,
// who wrote it (human, AI with session and model, or unknown) and the
// function or class that encloses it.
package blame

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/inspect/blame"
	"github.com/tracevault/tracevault/inspect/history"
	"github.com/tracevault/tracevault/inspect/scope"
)

// Options are blame's inputs.
type Options struct {
	Path string
	Rev  string
	JSON bool
}

// NewCmdBlame returns the blame command.
func NewCmdBlame(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{}
	cmd := &cobra.Command{
		Use:   "blame [--rev REVISION] [--json] FILE",
		Short: "git blame with each line's origin (human, AI with session and model, unknown) and enclosing function or class",
		Long: `Blame FILE (as in the work tree, or at --rev) with one git blame process
(-M -C, so lines are followed across moves, renames and copies), then look
up each line's originating commit and original line number in that commit's
TraceVault note: ai when the line falls in an ai range, human when the
commit has a trace and the line is in no ai range, unknown when the commit
has no trace. The scope column is the enclosing definition found by
tree-sitter (Go, Python, TypeScript, JavaScript, Rust, Java), or a block of
lines for other languages.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if strings.HasPrefix(opts.Rev, "-") {
				return cmdutil.FlagErrorf("bad revision %q", opts.Rev)
			}
			if runF != nil {
				return runF(opts)
			}
			return blameRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Rev, "rev", "", "Blame the file as of `REVISION` (default: the work tree)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "Print JSON")
	return cmd
}

// Output is the JSON output.
type Output struct {
	Path    string         `json:"path"`
	Rev     string         `json:"rev"`
	Lines   []Line         `json:"lines"`
	Summary map[string]int `json:"summary"`
}

// Line is one line of the JSON output.
type Line struct {
	Line     int            `json:"line"`
	Text     string         `json:"text"`
	Origin   string         `json:"origin"`
	Commit   string         `json:"commit"`
	OrigLine int            `json:"orig_line"`
	OrigPath string         `json:"orig_path"`
	Author   string         `json:"author"`
	Trace    history.Status `json:"trace"`
	Session  string         `json:"session"`
	Agent    string         `json:"agent"`
	Model    string         `json:"model"`
	Tool     string         `json:"tool"`
	Scope    string         `json:"scope"`
	Scopes   []scope.Scope  `json:"scopes"`
}

func blameRun(ctx context.Context, f *cmdutil.Factory, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	repo, reader, err := inspectview.Open(ctx, f)
	if err != nil {
		return err
	}
	defer repo.Close()
	args := []string{"blame", "--porcelain", "-M", "-C"}
	if opts.Rev != "" {
		args = append(args, opts.Rev)
	}
	out, err := repo.Store.Git(ctx, append(args, "--", opts.Path)...)
	if err != nil {
		return fmt.Errorf("blaming %s: %w", opts.Path, err)
	}
	lines, err := blame.Parse(out)
	if err != nil {
		return err
	}
	traces, err := reader.Traces(ctx, blame.Commits(lines))
	if err != nil {
		return err
	}
	byCommit := map[gitstore.Hash]*history.Trace{}
	for _, t := range traces {
		byCommit[t.Commit] = t
	}
	blame.Attribute(lines, byCommit)
	res := build(repoPath(f, repo.Repo.WorkTree, opts.Path), opts.Rev, lines)
	bad := 0
	for _, t := range traces {
		if t.Status == history.StatusUnverified {
			bad++
		}
	}
	if opts.JSON {
		err = inspectview.WriteJSON(f.IOStreams.Out, res)
	} else {
		err = printBlame(f, res, traces)
	}
	if err == nil && bad > 0 {
		return inspectview.Unverified(bad, "commit trace")
	}
	return err
}

func repoPath(f *cmdutil.Factory, top, p string) string {
	wd, err := f.Getwd()
	if err != nil || top == "" {
		return filepath.ToSlash(p)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(wd, p)
	}
	if rel, err := filepath.Rel(top, p); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

func build(path, rev string, lines []blame.Line) Output {
	var src strings.Builder
	for _, l := range lines {
		src.WriteString(l.Text + "\n")
	}
	scopes, err := scope.Lines(path, []byte(src.String()))
	if err != nil {
		scopes = scope.Fallback([]byte(src.String()))
	}
	res := Output{Path: path, Rev: rev, Lines: make([]Line, len(lines)), Summary: map[string]int{blame.OriginAI: 0, blame.OriginHuman: 0, blame.OriginUnknown: 0}}
	if rev == "" {
		res.Rev = "worktree"
	}
	for i, l := range lines {
		o := Line{Line: l.Number, Text: l.Text, Origin: l.Origin, OrigLine: l.OrigLine, OrigPath: l.OrigPath, Author: l.Author, Trace: l.Trace, Scopes: []scope.Scope{}}
		if !l.Commit.IsZero() {
			o.Commit = l.Commit.String()
		}
		if r := l.Range; r != nil {
			o.Session, o.Agent, o.Model, o.Tool = r.Session, r.Agent, r.Model, r.Tool
		}
		if i < len(scopes) && scopes[i] != nil {
			o.Scopes = scopes[i]
			o.Scope = scope.Label(scopes[i])
		}
		res.Lines[i] = o
		res.Summary[l.Origin]++
	}
	return res
}

func printBlame(f *cmdutil.Factory, res Output, traces []*history.Trace) error {
	ios := f.IOStreams
	if err := ios.StartPager(); err != nil {
		return err
	}
	defer ios.StopPager()
	st := inspectview.NewStyles(ios)
	w := ios.Out
	for _, t := range traces {
		fmt.Fprint(w, inspectview.Problems(st, "", t.Status, prefixed(t)))
	}
	who := make([]string, len(res.Lines))
	ww, sw := 0, 0
	for i, l := range res.Lines {
		who[i] = l.Origin
		if l.Origin == blame.OriginAI {
			who[i] = strings.TrimSpace("ai " + l.Agent + " " + l.Model)
		}
		ww, sw = max(ww, len(who[i])), max(sw, min(len(l.Scope), 32))
	}
	nw := len(fmt.Sprint(len(res.Lines)))
	for i, l := range res.Lines {
		h := "00000000"
		if l.Commit != "" {
			h = l.Commit[:8]
		}
		style := st.Unknown
		switch l.Origin {
		case blame.OriginAI:
			style = st.AI
		case blame.OriginHuman:
			style = st.Human
		}
		sc := l.Scope
		if len(sc) > 32 {
			sc = sc[:31] + "…"
		}
		fmt.Fprintf(w, "%s %s %s %*d) %s\n", st.Hash.Render(h), style.Render(pad(who[i], ww)), st.Faint.Render(pad(sc, sw)), nw, l.Line, l.Text)
	}
	fmt.Fprintf(w, "%s: %d ai, %d human, %d unknown\n", res.Path, res.Summary[blame.OriginAI], res.Summary[blame.OriginHuman], res.Summary[blame.OriginUnknown])
	return nil
}

func prefixed(t *history.Trace) []string {
	out := make([]string, len(t.Problems))
	for i, p := range t.Problems {
		out[i] = t.Commit.String()[:12] + ": " + p
	}
	return out
}

func pad(s string, n int) string {
	if len([]rune(s)) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len([]rune(s)))
}
