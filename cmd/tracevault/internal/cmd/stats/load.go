package stats

import (
	"context"
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/sessions"
	"github.com/tracevault/tracevault/inspect/history"
)

// load reads every chain's records (one batched read), the commits
// reachable from HEAD (one git log), and the spool.
func load(ctx context.Context, f *cmdutil.Factory, repo *repoctx.Repo, reader *history.Reader, since time.Time) (Input, error) {
	var in Input
	ios := f.IOStreams
	chains, err := reader.Chains(ctx)
	if err != nil {
		return in, err
	}
	prog := ios.StartProgress("reading records", len(chains))
	all, err := reader.AllRecords(ctx, prog.Add)
	prog.Stop()
	if err != nil {
		return in, err
	}
	latest := map[string]*record.Stored{}
	var commitRecs []*record.Stored
	for _, cr := range all {
		if cr.Chain.Err != nil {
			in.Unverified = append(in.Unverified, cr.Chain.Ref+": "+cr.Chain.Err.Error())
		}
		for _, st := range cr.Records {
			switch st.Envelope.Type {
			case record.TypeCommit:
				commitRecs = append(commitRecs, st)
			case record.TypeSession:
				s, err := st.Envelope.Session()
				if err != nil {
					continue
				}
				if p := latest[s.ID]; p == nil || st.Envelope.CreatedAt.After(p.Envelope.CreatedAt) {
					latest[s.ID] = st
				}
			}
		}
	}
	for _, st := range latest {
		s, _ := st.Envelope.Session()
		if since.IsZero() || !s.StartedAt.Before(since) {
			in.Recorded = append(in.Recorded, s)
		}
	}
	if in.Commits, err = commits(ctx, repo, commitRecs, since); err != nil {
		return in, err
	}
	in.Spool, err = spool(f, latest, since)
	return in, err
}

func commits(ctx context.Context, repo *repoctx.Repo, recs []*record.Stored, since time.Time) ([]CommitAttr, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	args := []string{}
	if !since.IsZero() {
		args = append(args, "--since="+strconv.FormatInt(since.Unix(), 10))
	}
	if _, err := repo.Head(ctx); err != nil {
		return nil, nil
	}
	cs, err := history.LogCommits(ctx, repo.Store, append(args, "HEAD", "--")...)
	if err != nil {
		return nil, err
	}
	reach := make(map[string]history.Commit, len(cs))
	for _, c := range cs {
		reach[c.Hash.String()] = c
	}
	seen := map[string]bool{}
	var out []CommitAttr
	for _, st := range recs {
		a, err := st.Envelope.Commit()
		if err != nil || seen[a.Commit] {
			continue
		}
		c, ok := reach[a.Commit]
		if !ok {
			continue
		}
		seen[a.Commit] = true
		ca := CommitAttr{Author: c.AuthorEmail, Commit: c, AILines: a.AILines, HumanLines: a.HumanLines, AIByModel: map[string]int{}, AIByAgent: map[string]int{}}
		for _, f := range a.Files {
			for _, r := range f.Ranges {
				ca.AIByModel[or(r.Model, "(unknown)")] += r.End - r.Start + 1
				ca.AIByAgent[or(r.Agent, "(unknown)")] += r.End - r.Start + 1
			}
		}
		out = append(out, ca)
	}
	return out, nil
}

// spool returns the spool's sessions not recorded yet.
func spool(f *cmdutil.Factory, recorded map[string]*record.Stored, since time.Time) ([]*sessions.Loaded, error) {
	dir, err := f.Getwd()
	if err != nil {
		return nil, err
	}
	sr, err := sessions.Open(dir)
	if err != nil {
		return nil, err
	}
	all, err := sr.All()
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*sessions.Loaded
	for _, l := range all {
		if recorded[l.Session.ID] != nil || (!since.IsZero() && l.Session.StartedAt.Before(since)) {
			continue
		}
		out = append(out, l)
	}
	return out, nil
}
