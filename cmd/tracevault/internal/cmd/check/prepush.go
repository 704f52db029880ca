package check

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/tracevault/tracevault/capture/verify"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/repoctx"
	"github.com/tracevault/tracevault/gitstore"
)

// PushLine is one line git gives the pre-push hook.
type PushLine struct {
	LocalRef  string
	LocalSHA  gitstore.Hash
	RemoteRef string
	RemoteSHA gitstore.Hash
}

// ParsePushLines parses pre-push standard input: lines of
// "<local ref> <local sha> <remote ref> <remote sha>".
func ParsePushLines(in []byte) ([]PushLine, error) {
	var out []PushLine
	sc := bufio.NewScanner(bytes.NewReader(in))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("pre-push line %d %q: want <local ref> <local sha> <remote ref> <remote sha>", n, line)
		}
		l, err1 := gitstore.ParseHash(f[1])
		r, err2 := gitstore.ParseHash(f[3])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("pre-push line %d %q: bad object id", n, line)
		}
		out = append(out, PushLine{LocalRef: f[0], LocalSHA: l, RemoteRef: f[2], RemoteSHA: r})
	}
	return out, sc.Err()
}

// pushRanges turns pushed refs into ranges: the commits each ref brings
// that the remote does not have. Deletions are skipped. For a new remote
// ref (or a remote tip we do not have), that is every commit not on any
// remote-tracking ref.
func pushRanges(ctx context.Context, r *repoctx.Repo, lines []PushLine) ([]verify.Range, error) {
	var tracking []gitstore.Hash
	trackingLoaded := false
	var out []verify.Range
	for _, l := range lines {
		if l.LocalSHA.IsZero() {
			continue // deletion
		}
		rg := verify.Range{Include: []gitstore.Hash{l.LocalSHA}, Branch: branchOf(l.RemoteRef)}
		if !l.RemoteSHA.IsZero() && hasCommit(ctx, r, l.RemoteSHA) {
			rg.Exclude = []gitstore.Hash{l.RemoteSHA}
		} else {
			if !trackingLoaded {
				refs, err := r.Store.ListRefs(ctx, "refs/remotes/")
				if err != nil {
					return nil, fmt.Errorf("listing remote-tracking refs: %w", err)
				}
				for _, ref := range refs {
					if hasCommit(ctx, r, ref.Hash) {
						tracking = append(tracking, ref.Hash)
					}
				}
				trackingLoaded = true
			}
			rg.Exclude = tracking
		}
		out = append(out, rg)
	}
	return out, nil
}

func hasCommit(ctx context.Context, r *repoctx.Repo, h gitstore.Hash) bool {
	_, err := r.Store.Git(ctx, "cat-file", "-e", h.String()+"^{commit}")
	return err == nil
}

// branchOf returns the branch a ref names ("" for tags and other refs).
func branchOf(ref string) string {
	b, ok := strings.CutPrefix(ref, "refs/heads/")
	if !ok {
		return ""
	}
	return b
}
