package sync

import (
	"context"
	"errors"
	"fmt"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
)

// maxIntegrate bounds the rounds of integrate lost to concurrent local
// ref updates (a writer appending while we fast-forward).
const maxIntegrate = 5

// Integrate merges what the last fetch from remote left in its tracking
// refs into the local chains and notes, without any network access: the
// remote's notes are merged into refs/notes/tracevault, and every chain
// that is new here or behind the remote's copy is fast-forwarded. Callers
// use it after a plain `git fetch` (which updates the tracking refs
// through the refspecs init configures). Forks are reported in
// RemoteReport.Forks.
func Integrate(ctx context.Context, repo Repo, remote string) (*RemoteReport, error) {
	if err := checkRemoteName(remote); err != nil {
		return nil, err
	}
	s := newSyncer(ctx, repo, remote, gitstore.Signature{})
	rep := &RemoteReport{Remote: remote}
	_, err := s.integrate(ctx, rep)
	rep.Err = err
	return rep, err
}

// integrate merges the tracking refs into the local refs and returns the
// push refspecs of what the remote lacks.
func (s *syncer) integrate(ctx context.Context, rep *RemoteReport) ([]string, error) {
	pushNotes, err := s.mergeNotes(ctx, rep)
	if err != nil {
		return nil, err
	}
	var push []string
	for i := 0; ; i++ {
		push, err = s.integrateChains(ctx, rep)
		if !errors.Is(err, gitstore.ErrRefConflict) || i == maxIntegrate {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if pushNotes {
		push = append(push, record.NotesRef+":"+record.NotesRef)
	}
	return push, nil
}

// mergeNotes merges the remote's notes into ours and reports whether ours
// hold anything the remote lacks. Afterwards the local notes descend from
// the remote's, so pushing them is a fast-forward. Only notes histories
// that diverged are merged tree by tree ([notes.Notes.Merge]); a remote
// ahead of us is a fast-forward, a remote behind us needs nothing.
func (s *syncer) mergeNotes(ctx context.Context, rep *RemoteReport) (bool, error) {
	theirsRef := record.RemoteNotesRef(s.remote)
	refs, err := s.repo.ListRefs(ctx, "refs/notes/")
	if err != nil {
		return false, err
	}
	var before, theirs gitstore.Hash
	for _, r := range refs {
		switch r.Name {
		case record.NotesRef:
			before = r.Hash
		case theirsRef:
			theirs = r.Hash
		}
	}
	ours := before
	switch rel, err := s.relate(ctx, before, theirs); {
	case err != nil:
		return false, err
	case rel == behind:
		if err := s.repo.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: record.NotesRef, New: theirs, Old: before}}); err != nil {
			return false, fmt.Errorf("fast-forwarding %s: %w", record.NotesRef, err)
		}
		ours = theirs
	case rel == forked:
		n := notes.Notes{Store: s.repo, Ref: record.NotesRef}
		if err := n.Merge(ctx, theirsRef, "tracevault: merge notes from "+s.remote, s.author()); err != nil {
			return false, err
		}
		if ours, err = resolve(ctx, s.repo, record.NotesRef); err != nil {
			return false, err
		}
		if ours, err = s.descend(ctx, ours, theirs); err != nil {
			return false, err
		}
	}
	rep.NotesMerged = rep.NotesMerged || ours != before
	return !ours.IsZero() && ours != theirs, nil
}

// descend makes the local notes descend from theirs when the merge found
// the union already in ours and so wrote nothing: a commit with ours'
// tree and both tips as parents, so the push is a fast-forward.
func (s *syncer) descend(ctx context.Context, ours, theirs gitstore.Hash) (gitstore.Hash, error) {
	if ours == theirs {
		return ours, nil
	}
	if rel, err := s.relate(ctx, ours, theirs); err != nil || rel == ahead {
		return ours, err
	}
	c, err := gitstore.ReadCommit(ctx, s.repo, ours)
	if err != nil {
		return ours, err
	}
	who := s.author()
	h, err := gitstore.WriteCommit(ctx, s.repo, &gitstore.Commit{Tree: c.Tree, Parents: []gitstore.Hash{ours, theirs},
		Author: who, Committer: who, Message: "tracevault: merge notes from " + s.remote + "\n"})
	if err != nil {
		return ours, err
	}
	if err := s.repo.UpdateRefs(ctx, []gitstore.RefUpdate{{Name: record.NotesRef, New: h, Old: ours}}); err != nil {
		return ours, fmt.Errorf("joining notes histories: %w", err)
	}
	return h, nil
}

// integrateChains fast-forwards local chains to the remote's copies where
// they are behind (or absent), records forks, and returns the push
// refspecs of the local chains the remote lacks or has older copies of.
func (s *syncer) integrateChains(ctx context.Context, rep *RemoteReport) ([]string, error) {
	local, err := s.chains(ctx, record.LogPrefix)
	if err != nil {
		return nil, err
	}
	remote, err := s.chains(ctx, s.trackingLogPrefix())
	if err != nil {
		return nil, err
	}
	var updates []gitstore.RefUpdate
	var fetched []ChainUpdate
	var push []string
	rep.Forks = nil
	for _, w := range sortedKeys(local, remote) {
		l, r := local[w], remote[w]
		switch rel, err := s.relate(ctx, l, r); {
		case err != nil:
			return nil, err
		case rel == behind:
			updates = append(updates, gitstore.RefUpdate{Name: record.LogRef(w), New: r, Old: l})
			fetched = append(fetched, ChainUpdate{Writer: w, Old: l, New: r})
		case rel == ahead:
			push = append(push, record.LogRef(w)+":"+record.LogRef(w))
		case rel == forked:
			rep.Forks = append(rep.Forks, &ForkError{Remote: s.remote, Writer: w, Local: l, Fetched: r})
		}
	}
	if len(updates) > 0 {
		if err := s.repo.UpdateRefs(ctx, updates); err != nil {
			return nil, fmt.Errorf("fast-forwarding %d chains from %s: %w", len(updates), s.remote, err)
		}
		rep.Fetched = append(rep.Fetched, fetched...)
	}
	return push, nil
}

// chains maps writer ids to chain tips under prefix.
func (s *syncer) chains(ctx context.Context, prefix string) (map[string]gitstore.Hash, error) {
	refs, err := s.repo.ListRefs(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make(map[string]gitstore.Hash, len(refs))
	for _, r := range refs {
		if w, ok := record.WriterOfRef(r.Name); ok && r.Name == prefix+w {
			out[w] = r.Hash
		}
	}
	return out, nil
}
