package repoctx

import (
	"context"
	"strings"

	"github.com/tracevault/tracevault/capture/linker"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/gitstore"
)

// Linker returns the post-commit linker for this repository and writer.
func (r *Repo) Linker() (*linker.Linker, error) {
	w, err := r.Writer()
	if err != nil {
		return nil, err
	}
	r.readAuthor(context.Background())
	prices, err := r.Prices()
	if err != nil {
		return nil, err
	}
	return &linker.Linker{Store: r.Store, Spool: r.Spool, Writer: w, Prices: prices, Author: r.Author}, nil
}

// Drain does the queued post-commit work now, waiting for a running worker
// first, so that notes and records are complete for whoever reads them
// next. report (may be nil) sees each commit's result.
func (r *Repo) Drain(ctx context.Context, report func(*linker.Result)) error {
	if !spool.HasPending(r.Spool) {
		return nil
	}
	l, err := r.Linker()
	if err != nil {
		return err
	}
	_, err = spool.Drain(r.Spool, func(p spool.Pending) error {
		head, err := gitstore.ParseHash(p.Commit)
		if err != nil {
			return err
		}
		c, err := gitstore.ReadCommit(ctx, r.Store, head)
		if err != nil {
			return err
		}
		sources, err := l.SourcesOf(ctx, head, c.Message, p.Squash, p.Action, func(h gitstore.Hash) (string, error) {
			return r.patchID(ctx, h)
		}, func() ([]gitstore.Hash, error) {
			all, err := r.Notes().ReadAll(ctx)
			var out []gitstore.Hash
			for h := range all {
				out = append(out, h)
			}
			return out, err
		})
		if err != nil {
			return err
		}
		res, err := l.PostCommit(ctx, head, sources)
		if err != nil {
			return err
		}
		if report != nil {
			report(res)
		}
		return nil
	}, r.Spool.Log)
	return err
}

// patchID is git's stable patch id of a commit.
func (r *Repo) patchID(ctx context.Context, h gitstore.Hash) (string, error) {
	diff, err := r.Store.Git(ctx, "show", "--format=", "-p", h.String())
	if err != nil {
		return "", err
	}
	out, err := r.Store.GitStdin(ctx, strings.NewReader(string(diff)), "patch-id", "--stable")
	if err != nil {
		return "", err
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return id, nil
}
