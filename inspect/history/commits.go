package history

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tracevault/tracevault/gitstore"
)

// Git runs a git command on the repository and returns its output
// (gitcli.Store implements it).
type Git interface {
	Git(ctx context.Context, args ...string) ([]byte, error)
}

// Commit is a commit as `git log` lists it.
type Commit struct {
	Hash        gitstore.Hash
	AuthorName  string
	AuthorEmail string
	Date        time.Time
	Subject     string
}

// LogCommits lists commits with one `git log` process; args are extra
// git log arguments (limits, filters, revisions). Arguments come from the
// caller's validated flags, never from free user text in option position.
func LogCommits(ctx context.Context, g Git, args ...string) ([]Commit, error) {
	all := append([]string{"log", "-z", "--no-color", "--no-notes", "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s"}, args...)
	out, err := g.Git(ctx, all...)
	if err != nil {
		return nil, fmt.Errorf("listing commits: %w", err)
	}
	var cs []Commit
	for _, rec := range strings.Split(string(out), "\x00") {
		rec = strings.TrimPrefix(rec, "\n")
		if rec == "" {
			continue
		}
		f := strings.Split(rec, "\x1f")
		if len(f) != 5 {
			return nil, fmt.Errorf("listing commits: unexpected git log record %q", rec)
		}
		h, err := gitstore.ParseHash(f[0])
		if err != nil {
			return nil, fmt.Errorf("listing commits: %w", err)
		}
		d, _ := time.Parse(time.RFC3339, f[3])
		cs = append(cs, Commit{Hash: h, AuthorName: f[1], AuthorEmail: f[2], Date: d, Subject: f[4]})
	}
	return cs, nil
}

// Hashes returns the commits' hashes.
func Hashes(cs []Commit) []gitstore.Hash {
	out := make([]gitstore.Hash, len(cs))
	for i, c := range cs {
		out[i] = c.Hash
	}
	return out
}
