package gitcli

import (
	"context"
	"fmt"
	"strings"

	"github.com/tracevault/tracevault/gitstore"
)

// noHooks disables every hook for internal transfers.
var noHooks = []string{"-c", "core.hooksPath=/dev/null"}

// Fetch implements [gitstore.Remotes].
func (s *Store) Fetch(ctx context.Context, remote string, refspecs []string, opts gitstore.FetchOptions) error {
	if err := checkRemote(remote); err != nil {
		return err
	}
	for _, rs := range refspecs {
		if err := checkRefspec(rs, true, opts.AllowForce); err != nil {
			return err
		}
	}
	args := append(append([]string{}, noHooks...), "fetch", "--quiet", "--no-tags",
		"--recurse-submodules=no", "--no-write-fetch-head", "--no-write-commit-graph",
		"--no-auto-maintenance", "--end-of-options", remote)
	if _, err := s.run(ctx, nil, append(args, refspecs...)...); err != nil {
		return fmt.Errorf("fetching from %s: %w", remote, err)
	}
	return nil
}

// Push implements [gitstore.Remotes].
func (s *Store) Push(ctx context.Context, remote string, refspecs []string, opts gitstore.PushOptions) ([]gitstore.PushResult, error) {
	if err := checkRemote(remote); err != nil {
		return nil, err
	}
	for _, rs := range refspecs {
		if err := checkRefspec(rs, false, false); err != nil {
			return nil, err
		}
	}
	var args []string
	if !opts.RunHooks {
		args = append(args, noHooks...)
	}
	args = append(args, "push", "--porcelain", "--no-signed", "--no-recurse-submodules")
	if !opts.RunHooks {
		args = append(args, "--no-verify")
	}
	if opts.Atomic {
		args = append(args, "--atomic")
	}
	args = append(append(args, "--end-of-options", remote), refspecs...)
	out, err := s.run(ctx, nil, args...)
	results, perr := ParsePushPorcelain(out)
	if err == nil {
		if perr != nil {
			return nil, fmt.Errorf("pushing to %s: %w", remote, perr)
		}
		return results, nil
	}
	if perr == nil && len(results) > 0 {
		rejected, retryable := 0, true
		for _, r := range results {
			if r.Status != gitstore.PushOK && r.Status != gitstore.PushUpToDate {
				rejected++
				retryable = retryable && r.Retryable()
			}
		}
		if rejected > 0 && retryable {
			return results, fmt.Errorf("pushing to %s: %d of %d refs rejected: %w (%w)",
				remote, rejected, len(results), gitstore.ErrPushRejected, err)
		}
		return results, fmt.Errorf("pushing to %s: %w", remote, err)
	}
	return nil, fmt.Errorf("pushing to %s: %w", remote, err)
}

func checkRemote(remote string) error {
	if remote == "" || strings.HasPrefix(remote, "-") || strings.ContainsAny(remote, "\n\x00") {
		return fmt.Errorf("remote %q: %w", remote, gitstore.ErrInvalidRef)
	}
	return nil
}

// checkRefspec accepts "[+]src:dst" with full ref names (or matching
// single-'*' patterns) on both sides. A '+' needs allowForce and a
// destination that differs from the source; push never forces.
func checkRefspec(rs string, fetch, allowForce bool) error {
	spec, force := strings.CutPrefix(rs, "+")
	src, dst, ok := strings.Cut(spec, ":")
	if !ok {
		dst = src
	}
	if force && (!fetch || !allowForce || src == dst) {
		return fmt.Errorf("refspec %q: forced updates are refused: %w", rs, gitstore.ErrInvalidRef)
	}
	if strings.Count(src, "*") != strings.Count(dst, "*") || strings.Count(src, "*") > 1 {
		return fmt.Errorf("refspec %q: mismatched patterns: %w", rs, gitstore.ErrInvalidRef)
	}
	for _, side := range []string{src, dst} {
		if err := gitstore.CheckRefName(strings.Replace(side, "*", "x", 1)); err != nil {
			return fmt.Errorf("refspec %q: %w", rs, err)
		}
	}
	return nil
}

// ParsePushPorcelain parses the standard output of `git push
// --porcelain`: a "To <url>" line, then one
// "<flag>\t<src>:<dst>\t<summary>[ (<reason>)]" line per ref, then
// "Done".
func ParsePushPorcelain(out []byte) ([]gitstore.PushResult, error) {
	var results []gitstore.PushResult
	for _, line := range strings.Split(string(out), "\n") {
		if line == "" || line == "Done" || strings.HasPrefix(line, "To ") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || len(f[0]) != 1 {
			return nil, fmt.Errorf("unexpected push output line %q", line)
		}
		local, remote, ok := strings.Cut(f[1], ":")
		if !ok {
			return nil, fmt.Errorf("unexpected push output line %q", line)
		}
		r := gitstore.PushResult{Local: local, Remote: remote, Summary: f[2]}
		if i := strings.Index(f[2], " ("); i >= 0 && strings.HasSuffix(f[2], ")") {
			r.Summary, r.Reason = f[2][:i], f[2][i+2:len(f[2])-1]
		}
		switch f[0] {
		case " ", "+", "-", "*":
			r.Status = gitstore.PushOK
		case "=":
			r.Status = gitstore.PushUpToDate
		case "!":
			switch r.Summary {
			case "[rejected]":
				r.Status = gitstore.PushRejected
			case "[remote rejected]":
				r.Status = gitstore.PushRemoteRejected
			default:
				r.Status = gitstore.PushError
			}
		default:
			return nil, fmt.Errorf("unexpected push flag in line %q", line)
		}
		results = append(results, r)
	}
	return results, nil
}
