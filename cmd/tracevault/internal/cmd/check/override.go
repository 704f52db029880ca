package check

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/rangereport"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
)

// OverridesFile is the local log of overrides, under the spool directory.
const OverridesFile = "overrides.jsonl"

// overrideLine is one line of .git/tracevault/overrides.jsonl.
type overrideLine struct {
	Time   string `json:"time"`
	User   string `json:"user"`
	Record string `json:"record"` // "<writer>/<seq>" of the chain record
	record.Override
}

// recordOverride writes the override on this writer's chain, then appends
// it to the local log. If either fails the override does not hold and the
// push stays blocked.
func recordOverride(ctx context.Context, r *repoctx.Repo, opts *CheckOptions, rep *rangereport.Report, res *verify.Result) error {
	body := record.Override{Check: "server-unreachable", Reason: opts.Override, Server: rep.Server,
		Remote: opts.Remote, Commits: []string{}, Verdict: rep.Verdict}
	if opts.PrePush {
		lines, _ := ParsePushLines(opts.PushInput)
		for _, l := range lines {
			body.Refs = append(body.Refs, l.RemoteRef)
		}
	}
	for _, c := range res.Input.Commits {
		body.Commits = append(body.Commits, c.SHA)
	}
	w, err := r.Writer()
	if err != nil {
		return fmt.Errorf("recording the override: %w", err)
	}
	st, err := w.Append(ctx, []record.Item{{Type: record.TypeOverride, Body: &body}})
	if err != nil {
		return fmt.Errorf("recording the override on %s: %w", record.LogRef(w.ID()), err)
	}
	line := overrideLine{Time: opts.Now().UTC().Format("2006-01-02T15:04:05Z"), User: r.Author.Email,
		Record: st[0].Envelope.ID(), Override: body}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	path := r.Spool.Path(OverridesFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("recording the override: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("recording the override: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("recording the override in %s: %w", path, err)
	}
	rep.Override += " (record " + st[0].Envelope.ID() + ")"
	return f.Close()
}
