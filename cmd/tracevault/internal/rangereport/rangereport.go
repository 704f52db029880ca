// Package rangereport is what `tracevault check` and `tracevault verify`
// share: loading the policy and trusted signers, building a range with
// capture/verify, evaluating it, and printing the report as a table, JSON
// or GitHub Markdown. Both commands print the same report shape, and its
// "verdict" member is [policy.Verdict.JSON] embedded byte for byte.
package rangereport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tracevault/tracevault/capture/hookrun"
	"github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// emptyPolicy is evaluated when the repository has no policy file: no
// rules, so the verdict is always allow (traces are still verified).
const emptyPolicy = "rules: []\n"

// Config is the policy and the trusted writers a range is judged with.
type Config struct {
	// PolicyFile names where the policy came from ("" when there is none).
	PolicyFile string
	// Policy is nil when the file does not compile (see CompileErr).
	Policy     *policy.Policy
	CompileErr error
	// FailMode is the file's on_error (block when unreadable).
	FailMode policy.FailMode
	Allowed  *sigkey.AllowedSigners
}

// LoadConfig reads the policy and allowed_signers: from file (when set),
// else from revision rev (when set), else from the work tree.
func LoadConfig(ctx context.Context, r *repoctx.Repo, file, rev string) (*Config, error) {
	c := &Config{FailMode: policy.FailBlock}
	var src []byte
	var err error
	switch {
	case file != "":
		c.PolicyFile = file
		src, err = os.ReadFile(file)
	case rev != "":
		c.PolicyFile = rev + ":" + hookrun.PolicyFile
		src, err = r.Store.Git(ctx, "show", c.PolicyFile)
		if err != nil && !revHasFile(ctx, r, rev, hookrun.PolicyFile) {
			src, err, c.PolicyFile = nil, os.ErrNotExist, ""
		}
	default:
		c.PolicyFile = hookrun.PolicyFile
		src, err = os.ReadFile(filepath.Join(r.Repo.WorkTree, hookrun.PolicyFile))
	}
	switch {
	case errors.Is(err, os.ErrNotExist) && file == "":
		c.PolicyFile, src = "", []byte(emptyPolicy)
	case err != nil:
		return nil, fmt.Errorf("reading policy %s: %w", c.PolicyFile, err)
	}
	c.Policy, c.CompileErr = policyfile.Compile(src)
	c.FailMode = policyfile.FailModeOf(src)
	if c.Policy != nil {
		c.FailMode = c.Policy.FailMode()
	}
	c.Allowed, err = loadAllowed(ctx, r, rev)
	return c, err
}

func revHasFile(ctx context.Context, r *repoctx.Repo, rev, path string) bool {
	_, err := r.Store.Git(ctx, "cat-file", "-e", rev+":"+path)
	return err == nil
}

func loadAllowed(ctx context.Context, r *repoctx.Repo, rev string) (*sigkey.AllowedSigners, error) {
	if rev == "" {
		return r.AllowedSigners(ctx)
	}
	const path = ".tracevault/allowed_signers"
	if !revHasFile(ctx, r, rev, path) {
		return sigkey.ParseAllowedSigners(nil)
	}
	data, err := r.Store.Git(ctx, "show", rev+":"+path)
	if err != nil {
		return nil, fmt.Errorf("reading %s:%s: %w", rev, path, err)
	}
	return sigkey.ParseAllowedSigners(data)
}

// Report is the outcome of judging a range; its JSON form is the --json
// output of check and verify.
type Report struct {
	V       int    `json:"v"`
	Command string `json:"command"`
	// Range describes what was judged ("A..B", or the pushed refs).
	Range  string `json:"range"`
	Branch string `json:"branch,omitempty"`
	// PolicySource is "repo", "server", "file" or "none".
	PolicySource string `json:"policy_source"`
	PolicyFile   string `json:"policy_file,omitempty"`
	// PolicyError is set when the policy did not compile; OnError then
	// says what was done about it.
	PolicyError string `json:"policy_error,omitempty"`
	OnError     string `json:"on_error"`
	// Server and ServerError describe the server consulted, if any.
	Server      string `json:"server,omitempty"`
	ServerError string `json:"server_error,omitempty"`
	// Override is the reason given to go ahead without the server.
	Override string         `json:"override,omitempty"`
	Commits  int            `json:"commits"`
	Traces   []verify.Trace `json:"traces"`
	// Verdict is policy.Verdict.JSON(), byte for byte; null when no
	// verdict could be reached (policy error).
	Verdict json.RawMessage `json:"verdict"`
	// Decision is the verdict's decision, or "block"/"allow" from a fail
	// mode when there is no verdict.
	Decision string `json:"decision"`
	Exit     int    `json:"exit"`

	verdict *policy.Verdict
}

// SetVerdict stores v in the report.
func (r *Report) SetVerdict(v policy.Verdict) {
	r.verdict = &v
	r.Verdict = v.JSON()
	r.Decision = string(v.Decision)
}

// Violations returns the verdict's violations.
func (r *Report) Violations() []policy.Violation {
	if r.verdict == nil {
		return nil
	}
	return r.verdict.Violations
}

// InvalidTraces returns the traces that failed verification.
func (r *Report) InvalidTraces() []verify.Trace {
	var out []verify.Trace
	for _, t := range r.Traces {
		if t.Status != policy.TraceOK && t.Status != policy.TraceMissing {
			out = append(out, t)
		}
	}
	return out
}

// WriteJSON writes the report as one line of compact JSON (HTML is not
// escaped, so the embedded verdict keeps its exact bytes).
func (r *Report) WriteJSON(w io.Writer) error {
	if r.Traces == nil {
		r.Traces = []verify.Trace{}
	}
	if r.Verdict == nil {
		r.Verdict = json.RawMessage("null")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteText writes a human summary and a table of violations and invalid
// traces.
func (r *Report) WriteText(w io.Writer) {
	what := fmt.Sprintf("%d commit", r.Commits)
	if r.Commits != 1 {
		what += "s"
	}
	pol := "no policy"
	if r.verdict != nil && r.PolicySource != "none" {
		pol = "policy " + shortHash(r.verdict.PolicyHash) + " (" + r.PolicySource + ")"
	}
	fmt.Fprintf(w, "tracevault %s: %s, %s: %s\n", r.Command, what, pol, strings.ToUpper(r.Decision))
	if r.PolicyError != "" {
		fmt.Fprintf(w, "policy %s does not compile (on_error: %s):\n%s\n", r.PolicyFile, r.OnError, indent(r.PolicyError))
	}
	if r.ServerError != "" {
		fmt.Fprintf(w, "server %s: %s\n", r.Server, r.ServerError)
	}
	if r.Override != "" {
		fmt.Fprintf(w, "override (recorded): %s\n", r.Override)
	}
	if vs := r.Violations(); len(vs) > 0 {
		rows := [][]string{{"RULE", "ACTION", "COMMIT", "SESSION", "PATH", "MESSAGE"}}
		for _, v := range vs {
			rows = append(rows, []string{v.Rule, string(v.Action), short(v.Commit), v.Session, v.Path, v.Message})
		}
		table(w, rows)
	}
	if bad := r.InvalidTraces(); len(bad) > 0 {
		fmt.Fprintln(w, "invalid traces:")
		for _, t := range bad {
			fmt.Fprintf(w, "  %s  %s\n", short(t.Commit), t.Error)
		}
	}
}

// WriteMarkdown writes the report for $GITHUB_STEP_SUMMARY.
func (r *Report) WriteMarkdown(w io.Writer) {
	icon := map[string]string{"allow": "✅", "warn": "⚠️", "block": "❌"}[r.Decision]
	if len(r.InvalidTraces()) > 0 {
		icon = "❌"
	}
	fmt.Fprintf(w, "## TraceVault %s %s\n\n", r.Command, icon)
	fmt.Fprintf(w, "| | |\n|---|---|\n| Range | `%s` |\n| Commits | %d |\n| Decision | **%s** |\n", r.Range, r.Commits, r.Decision)
	if r.verdict != nil {
		fmt.Fprintf(w, "| Policy | `%s` (%s) |\n", shortHash(r.verdict.PolicyHash), r.PolicySource)
	}
	ok, missing := 0, 0
	for _, t := range r.Traces {
		switch t.Status {
		case policy.TraceOK:
			ok++
		case policy.TraceMissing:
			missing++
		}
	}
	fmt.Fprintf(w, "| Traces | %d ok, %d missing, %d invalid |\n| Exit code | %d |\n\n", ok, missing, len(r.InvalidTraces()), r.Exit)
	if r.PolicyError != "" {
		fmt.Fprintf(w, "**Policy `%s` does not compile** (on_error: %s):\n\n```\n%s\n```\n\n", r.PolicyFile, r.OnError, r.PolicyError)
	}
	if vs := r.Violations(); len(vs) > 0 {
		fmt.Fprintf(w, "### Violations\n\n| Rule | Action | Commit | Session | Path | Message |\n|---|---|---|---|---|---|\n")
		for _, v := range vs {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", md(v.Rule), v.Action, md(short(v.Commit)), md(v.Session), md(v.Path), md(v.Message))
		}
		fmt.Fprintln(w)
	}
	if bad := r.InvalidTraces(); len(bad) > 0 {
		fmt.Fprintf(w, "### Invalid traces\n\n| Commit | Problem |\n|---|---|\n")
		for _, t := range bad {
			fmt.Fprintf(w, "| %s | %s |\n", md(short(t.Commit)), md(t.Error))
		}
		fmt.Fprintln(w)
	}
}

func md(s string) string {
	if s == "" {
		return ""
	}
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'").Replace(s)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func shortHash(h string) string {
	if i := strings.IndexByte(h, ':'); i >= 0 && len(h) > i+13 {
		return h[:i+13]
	}
	return h
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// table writes rows with aligned columns (the last column is not padded).
func table(w io.Writer, rows [][]string) {
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			width[i] = max(width[i], len(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				b.WriteString(c)
				break
			}
			b.WriteString(c + strings.Repeat(" ", width[i]-len(c)+2))
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
