package gitcli

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/tracevault/tracevault/gitstore"
)

// IsAncestor implements [gitstore.History].
func (s *Store) IsAncestor(ctx context.Context, a, b gitstore.Hash) (bool, error) {
	_, err := s.run(ctx, nil, "merge-base", "--is-ancestor", a.String(), b.String())
	switch {
	case err == nil:
		return true, nil
	case exitCode(err) == 1:
		return false, nil
	}
	return false, fmt.Errorf("checking whether %s is an ancestor of %s: %w", a, b, err)
}

// MergeBase implements [gitstore.History].
func (s *Store) MergeBase(ctx context.Context, a, b gitstore.Hash) (gitstore.Hash, error) {
	out, err := s.run(ctx, nil, "merge-base", a.String(), b.String())
	if exitCode(err) == 1 && len(out) == 0 {
		return gitstore.ZeroHash, fmt.Errorf("merge base of %s and %s: %w", a, b, gitstore.ErrNotFound)
	}
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("merge base of %s and %s: %w", a, b, err)
	}
	return gitstore.ParseHash(strings.TrimSuffix(string(out), "\n"))
}

// RevList implements [gitstore.History]; the commits go to
// `git rev-list --stdin` on standard input.
func (s *Store) RevList(ctx context.Context, q gitstore.RevQuery) ([]gitstore.Hash, error) {
	var in bytes.Buffer
	for _, h := range q.Include {
		fmt.Fprintf(&in, "%s\n", h)
	}
	for _, h := range q.Exclude {
		fmt.Fprintf(&in, "^%s\n", h)
	}
	args := []string{"rev-list", "--stdin"}
	if q.FirstParent {
		args = append(args, "--first-parent")
	}
	if q.Limit > 0 {
		args = append(args, "--max-count="+strconv.Itoa(q.Limit))
	}
	out, err := s.run(ctx, &in, args...)
	if err != nil {
		return nil, fmt.Errorf("listing commits: %w", err)
	}
	var hs []gitstore.Hash
	for _, line := range strings.Fields(string(out)) {
		h, err := gitstore.ParseHash(line)
		if err != nil {
			return nil, fmt.Errorf("listing commits: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, nil
}

// DiffTree implements [gitstore.History] with one
// `git diff-tree -r -p -U0` process.
func (s *Store) DiffTree(ctx context.Context, old, new gitstore.Hash, opts gitstore.DiffOptions) ([]gitstore.FileDiff, error) {
	if old.IsZero() {
		old = gitstore.EmptyTree
	}
	args := []string{"-c", "core.quotePath=true", "diff-tree", "-r", "-p", "-U0", "--no-color",
		"--no-ext-diff", "--no-textconv", "--full-index", "--src-prefix=a/", "--dst-prefix=b/"}
	if opts.Renames {
		args = append(args, "-M")
	} else {
		args = append(args, "--no-renames")
	}
	out, err := s.run(ctx, nil, append(args, old.String(), new.String())...)
	if err != nil {
		return nil, fmt.Errorf("diffing %s..%s: %w", old, new, err)
	}
	diffs, err := ParseDiff(out)
	if err != nil {
		return nil, fmt.Errorf("diffing %s..%s: %w", old, new, err)
	}
	return diffs, nil
}
