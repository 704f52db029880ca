package gitcli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tracevault/tracevault/gitstore"
)

// ResolveRef implements [gitstore.Refs].
func (s *Store) ResolveRef(ctx context.Context, name string) (gitstore.Hash, error) {
	if err := gitstore.CheckRefName(name); err != nil {
		return gitstore.ZeroHash, err
	}
	refs, err := s.forEachRef(ctx, name)
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("resolving %s: %w", name, err)
	}
	for _, r := range refs {
		if r.Name == name {
			return r.Hash, nil
		}
	}
	return gitstore.ZeroHash, fmt.Errorf("resolving %s: %w", name, gitstore.ErrNotFound)
}

// ListRefs implements [gitstore.Refs] with one for-each-ref.
func (s *Store) ListRefs(ctx context.Context, prefix string) ([]gitstore.Ref, error) {
	if err := gitstore.CheckRefPrefix(prefix); err != nil {
		return nil, err
	}
	pattern := strings.TrimSuffix(prefix, "/")
	if pattern == "" {
		pattern = "refs"
	}
	refs, err := s.forEachRef(ctx, pattern)
	if err != nil {
		return nil, fmt.Errorf("listing refs under %q: %w", prefix, err)
	}
	out := refs[:0]
	for _, r := range refs {
		if strings.HasPrefix(r.Name, prefix) {
			out = append(out, r)
		}
	}
	return out, nil
}

// ListRefsMany lists, with one for-each-ref, the refs under each of
// prefixes that ends with '/' and the ref named by each one that does not.
func (s *Store) ListRefsMany(ctx context.Context, prefixes ...string) ([]gitstore.Ref, error) {
	args := []string{"for-each-ref", "--format=%(objectname) %(refname)", "--"}
	for _, p := range prefixes {
		var err error
		if strings.HasSuffix(p, "/") {
			err = gitstore.CheckRefPrefix(p)
		} else {
			err = gitstore.CheckRefName(p)
		}
		if err == nil && p == "" {
			err = gitstore.ErrInvalidRef
		}
		if err != nil {
			return nil, fmt.Errorf("listing refs under %q: %w", p, err)
		}
		args = append(args, strings.TrimSuffix(p, "/"))
	}
	out, err := s.run(ctx, nil, args...)
	if err != nil {
		return nil, fmt.Errorf("listing refs under %q: %w", prefixes, err)
	}
	refs, err := parseRefList(out)
	if err != nil {
		return nil, fmt.Errorf("listing refs under %q: %w", prefixes, err)
	}
	out2 := refs[:0]
	for _, r := range refs {
		for _, p := range prefixes {
			if r.Name == p || strings.HasSuffix(p, "/") && strings.HasPrefix(r.Name, p) {
				out2 = append(out2, r)
				break
			}
		}
	}
	return out2, nil
}

func (s *Store) forEachRef(ctx context.Context, pattern string) ([]gitstore.Ref, error) {
	out, err := s.run(ctx, nil, "for-each-ref", "--format=%(objectname) %(refname)", "--", pattern)
	if err != nil {
		return nil, err
	}
	return parseRefList(out)
}

// parseRefList parses lines of "<hash> <refname>".
func parseRefList(out []byte) ([]gitstore.Ref, error) {
	var refs []gitstore.Ref
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" {
			continue
		}
		hex, name, ok := strings.Cut(line, " ")
		h, err := gitstore.ParseHash(hex)
		if !ok || err != nil || gitstore.CheckRefName(name) != nil {
			return nil, fmt.Errorf("unexpected ref line %q", line)
		}
		refs = append(refs, gitstore.Ref{Name: name, Hash: h})
	}
	return refs, nil
}

// UpdateRefs implements [gitstore.Refs] as one `git update-ref --stdin`
// transaction (start, prepare, commit): git locks every ref and checks
// every old value before changing any.
func (s *Store) UpdateRefs(ctx context.Context, updates []gitstore.RefUpdate) error {
	if err := gitstore.CheckUpdates(updates); err != nil {
		return err
	}
	if len(updates) == 0 {
		return nil
	}
	var in bytes.Buffer
	in.WriteString("start\n")
	for _, u := range updates {
		if u.New.IsZero() {
			fmt.Fprintf(&in, "delete %s %s\n", u.Name, u.Old)
		} else {
			fmt.Fprintf(&in, "update %s %s %s\n", u.Name, u.New, u.Old)
		}
	}
	in.WriteString("prepare\ncommit\n")
	_, err := s.run(ctx, &in, "update-ref", "--stdin")
	if err != nil {
		classifyRefError(err)
		return fmt.Errorf("updating %d refs (%s...): %w", len(updates), updates[0].Name, err)
	}
	return nil
}

// classifyRefError sets GitError.Err to the sentinel that update-ref's
// standard error describes.
func classifyRefError(err error) {
	var ge *gitstore.GitError
	if !errors.As(err, &ge) || ge.ExitCode <= 0 {
		return
	}
	switch msg := ge.Stderr; {
	case strings.Contains(msg, "exists; cannot create"), strings.Contains(msg, "blocking reference"),
		strings.Contains(msg, "at the same time"):
		ge.Err = gitstore.ErrInvalidRef
	case strings.Contains(msg, "cannot lock ref"), strings.Contains(msg, "packed-refs.lock"):
		ge.Err = gitstore.ErrRefConflict
	}
}
