package show

import (
	"fmt"
	"strings"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/inspectview"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/render"
)

func printCommit(f *cmdutil.Factory, out CommitOutput) error {
	ios := f.IOStreams
	if err := ios.StartPager(); err != nil {
		return err
	}
	defer ios.StopPager()
	st := inspectview.NewStyles(ios)
	w, c := ios.Out, out.Commit
	fmt.Fprintf(w, "%s %s\n", st.Hash.Render("commit"), st.Hash.Render(c.Commit))
	fmt.Fprintf(w, "Author: %s <%s>\nDate:   %s\n\n    %s\n\n", c.Author.Name, c.Author.Email, c.Date.Format("2006-01-02 15:04:05 -0700"), c.Subject)
	fmt.Fprintf(w, "%s %s\n", st.Bold.Render("trace"), inspectview.TraceLine(st, c))
	if len(c.Records) > 0 {
		fmt.Fprintf(w, "record %s (%s)\n", strings.Join(c.Records, ", "), c.Trace)
	}
	fmt.Fprint(w, inspectview.Problems(st, "", c.Trace, c.Problems))
	if len(out.Files) > 0 {
		var rows [][]string
		for _, fl := range out.Files {
			rows = append(rows, []string{fl.Path, fmt.Sprint(fl.Added), fmt.Sprint(fl.AI), fmt.Sprint(fl.Human), fmt.Sprintf("%.0f%%", fl.AIPercent)})
			for _, r := range fl.Ranges {
				rows = append(rows, []string{"  ai " + fmt.Sprintf("%d-%d", r.Start, r.End), r.Session, r.Agent, or(r.Model, "-"), or(r.Tool, "-")})
			}
		}
		fmt.Fprint(w, render.Table(ios, []string{"file", "added", "ai", "human", "ai %"}, rows))
	}
	if len(out.Sessions) > 0 {
		var rows [][]string
		for _, s := range out.Sessions {
			rows = append(rows, []string{s.ID, s.Agent, or(strings.Join(s.Models, ", "), "-"), s.Record, inspectview.Int(s.Tokens.Total()), render.USD(s.CostUSD)})
		}
		fmt.Fprint(w, render.Table(ios, []string{"session", "agent", "models", "record", "tokens", "cost"}, rows))
	}
	return nil
}

func printSession(f *cmdutil.Factory, out *SessionOutput, transcript bool) error {
	ios := f.IOStreams
	if err := ios.StartPager(); err != nil {
		return err
	}
	defer ios.StopPager()
	st := inspectview.NewStyles(ios)
	w, s := ios.Out, out.Session
	fmt.Fprintf(w, "%s %s (%s) by %s <%s>\n", st.Bold.Render("session"), s.ID, s.Agent, s.Author.Name, s.Author.Email)
	src := out.Source
	if s.Record != "" {
		src += " as " + s.Record
	}
	fmt.Fprintf(w, "%s, %s · branch %s · %s\n", src, out.Trace, or(out.Branch, "-"), s.StartedAt.Format("2006-01-02 15:04:05"))
	fmt.Fprint(w, inspectview.Problems(st, "", "unverified", problemsIf(out)))
	fmt.Fprintf(w, "models   %s\n", or(strings.Join(s.Models, ", "), "(none)"))
	fmt.Fprintf(w, "commits  %s\n", or(strings.Join(short(out.Commits), ", "), "(none yet)"))
	if len(out.Usage.Models) > 0 {
		fmt.Fprint(w, render.Table(ios, render.UsageHeaders, render.UsageRows(out.Usage.Models, out.Usage.Total)))
		fmt.Fprintf(w, "cache savings $%.4f\n", out.Usage.CacheSavingsUSD)
	}
	fmt.Fprintln(w, st.Bold.Render("timeline"))
	for _, e := range out.Timeline {
		when := e.Time.Format("15:04:05")
		switch e.Kind {
		case "prompt":
			fmt.Fprintf(w, "  %s  prompt     %s\n", when, promptText(e.Text, transcript))
		case "tool_call":
			fmt.Fprintf(w, "  %s  tool call  %s %s %s\n", when, e.Tool, e.Status, e.Text)
			if transcript && len(e.Input) > 0 {
				fmt.Fprintf(w, "             input %s\n", e.Input)
			}
		case "denial":
			fmt.Fprintf(w, "  %s  %s %s %s\n", when, st.Warn.Render("denied"), e.Tool, e.Text)
		case "edit":
			who := "edit      "
			if e.Human {
				who = "human edit"
			}
			fmt.Fprintf(w, "  %s  %s %s %s (+%d -%d)\n", when, who, e.Op, e.Path, e.Added, e.Removed)
			printDiff(w, st, e.Diff)
		}
	}
	return nil
}

func problemsIf(out *SessionOutput) []string {
	if out.Trace != "unverified" {
		return nil
	}
	return out.Problems
}

func printDiff(w interface{ Write([]byte) (int, error) }, st inspectview.Styles, diff string) {
	for _, l := range strings.Split(strings.TrimSuffix(diff, "\n"), "\n") {
		if l == "" {
			continue
		}
		switch {
		case strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++"):
			l = st.Human.Render(l)
		case strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---"):
			l = st.Warn.UnsetBold().Render(l)
		}
		fmt.Fprintf(w, "             %s\n", l)
	}
}

func promptText(s string, full bool) string {
	if full {
		return strings.ReplaceAll(s, "\n", "\n             ")
	}
	s, _, cut := strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 100 {
		s, cut = string(r[:99]), true
	}
	if cut {
		s += "…"
	}
	return s
}

func short(cs []string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c[:12]
	}
	return out
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
