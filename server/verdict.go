package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/server/store"
)

// judgeCommits evaluates b's policy on each new commit record and stores
// the verdicts. Sessions a commit names are read from the store (this
// transaction sees the batch's own).
func (s *Server) judgeCommits(ctx context.Context, b batchIn, commits []checked) error {
	for _, c := range commits {
		attr, err := c.env.Commit()
		if err != nil {
			return err
		}
		in, err := s.commitInput(ctx, b.org, attr)
		if err != nil {
			return err
		}
		v := b.policy.EvaluateCommits(policy.RangeInput{Commits: []policy.CommitInput{in}})
		_, err = s.st.PutVerdict(ctx, b.org, store.Verdict{
			Commit: attr.Commit, Repo: b.repo, Policy: b.policy.Hash(),
			Outcome: string(v.Decision), Canonical: v.JSON(),
		})
		if err != nil {
			return err
		}
		s.metrics.verdicts.WithLabelValues(string(v.Decision)).Inc()
	}
	return nil
}

// commitInput builds the policy input of one attributed commit.
func (s *Server) commitInput(ctx context.Context, org string, attr *record.CommitAttribution) (policy.CommitInput, error) {
	in := policy.CommitInput{SHA: attr.Commit, TraceStatus: policy.TraceOK}
	for _, f := range attr.Files {
		cf := policy.ChangedFile{Path: f.Path, AddedLines: f.Added, AILines: f.AI}
		seen := map[policy.Origin]bool{}
		for _, r := range f.Ranges {
			o := policy.Origin{Agent: r.Agent, Model: r.Model, SessionID: r.Session}
			if !seen[o] {
				seen[o] = true
				cf.AIBy = append(cf.AIBy, o)
			}
		}
		in.ChangedFiles = append(in.ChangedFiles, cf)
	}
	for _, ref := range attr.Sessions {
		d, err := s.st.Session(ctx, org, ref.ID)
		if errors.Is(err, store.ErrNotFound) {
			// Known only by reference: judge what the commit says of it.
			in.Sessions = append(in.Sessions, &capture.Session{ID: ref.ID, Agent: ref.Agent, Models: ref.Models})
			continue
		}
		if err != nil {
			return in, fmt.Errorf("reading session %s of commit %s: %w", ref.ID, attr.Commit, err)
		}
		if d.Session != nil {
			in.Sessions = append(in.Sessions, d.Session)
			in.Tokens = in.Tokens.Add(d.Session.Total.Tokens)
		}
	}
	return in, nil
}
