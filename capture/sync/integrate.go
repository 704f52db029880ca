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
// the remote's, so pushing them is a fast-forward.
func (s *syncer) mergeNotes(ctx context.Context, rep *RemoteReport) (bool, error) {
	theirsRef := record.RemoteNotesRef(s.remote)
	theirs, err := resolve(ctx, s.repo, theirsRef)
	if err != nil {
		return false, err
	}
	before, err := resolve(ctx, s.repo, record.NotesRef)
	if err != nil {
		return false, err
	}
	ours := before
	if !theirs.IsZero() && theirs != before {
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
	ok, err := s.repo.IsAncestor(ctx, theirs, ours)
	if err != nil || ok {
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

type relation int

const (
	same relation = iota
	behind
	ahead
	forked
)

// relate says how the local tip l stands to the remote's tip r (either
// may be zero: absent).
func (s *syncer) relate(ctx context.Context, l, r gitstore.Hash) (relation, error) {
	switch {
	case l == r:
		return same, nil
	case l.IsZero():
		return behind, nil
	case r.IsZero():
		return ahead, nil
	}
	if ok, err := s.repo.IsAncestor(ctx, l, r); err != nil || ok {
		return behind, err
	}
	if ok, err := s.repo.IsAncestor(ctx, r, l); err != nil || ok {
		return ahead, err
	}
	return forked, nil
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
