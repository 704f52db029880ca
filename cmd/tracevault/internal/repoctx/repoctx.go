// Package repoctx opens what commands need to work on a repository's traces:
// the git store, the spool, this writer's key and identity, and prices.
package repoctx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
	"github.com/tracevault/tracevault/cmd/tracevault/internal/cmdutil"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Repo is an opened repository.
type Repo struct {
	Store *gitcli.Store
	Repo  worktree.Repo
	Spool spool.Dir
	// Author is the user's git identity (user.name, user.email). Open
	// fills it; OpenForReading leaves it empty unless queued post-commit
	// work needed it.
	Author capture.Identity
	f      *cmdutil.Factory

	authorRead bool
}

// Open opens the repository containing the working directory, with the
// user's identity in Author.
func Open(ctx context.Context, f *cmdutil.Factory) (*Repo, error) {
	r, err := OpenForReading(ctx, f)
	if err != nil {
		return nil, err
	}
	r.readAuthor(ctx)
	return r, nil
}

// OpenForReading is Open for commands that only read traces: it does not
// read the user's identity (one git process fewer) unless queued
// post-commit work has to be done first, so Author may be empty.
func OpenForReading(ctx context.Context, f *cmdutil.Factory) (*Repo, error) {
	dir, err := f.Getwd()
	if err != nil {
		return nil, err
	}
	st, err := gitcli.Open(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("%s: not a git repository: %w", dir, err)
	}
	wt, err := worktree.FindRepo(dir)
	if err != nil && !errors.Is(err, worktree.ErrBare) {
		st.Close()
		return nil, err
	}
	if errors.Is(err, worktree.ErrBare) {
		wt = worktree.Repo{GitDir: st.GitDir(), CommonDir: st.CommonDir()}
	}
	r := &Repo{Store: st, Repo: wt, Spool: spool.ForGitDir(st.CommonDir()), f: f}
	// Commits whose post-commit work is still queued get it now, so every
	// command sees complete notes and records. Their first object read
	// comes after git config and key loading: start cat-file now, so its
	// start-up overlaps them.
	if spool.HasPending(r.Spool) {
		_ = st.StartReader() // on failure, the first read reports it
	}
	if err := r.Drain(ctx, nil); err != nil {
		r.Spool.Log("finishing queued post-commit work: %v", err)
	}
	return r, nil
}

// readAuthor fills Author from git config, once, with one git process.
func (r *Repo) readAuthor(ctx context.Context) {
	if r.authorRead {
		return
	}
	r.authorRead = true
	// -z: "<key>\n<value>\0" per value; the last value of a key wins, as
	// with git config --get. The same process answers the settings that
	// decide how the store writes objects, sparing it a git config.
	out, err := r.Store.Git(ctx, "config", "-z", "--get-regexp", `^user\.(name|email)$|`+gitcli.WriteConfigPattern)
	write := map[string]string{}
	for _, kv := range strings.Split(string(out), "\x00") {
		k, v, _ := strings.Cut(kv, "\n")
		switch k {
		case "user.name":
			r.Author.Name = strings.TrimSpace(v)
		case "user.email":
			r.Author.Email = strings.TrimSpace(v)
		case "":
		default:
			write[k] = v
		}
	}
	var ge *gitstore.GitError
	if err == nil || errors.As(err, &ge) && ge.ExitCode == 1 { // 1: nothing set
		r.Store.SetWriteConfig(write)
	}
}

// Close releases the store.
func (r *Repo) Close() error { return r.Store.Close() }

// Config returns a git config value ("" when unset).
func (r *Repo) Config(ctx context.Context, key string) string {
	out, err := r.Store.Git(ctx, "config", "--get", key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// Writer returns this user's record writer, creating the key on first use.
func (r *Repo) Writer() (*record.Writer, error) {
	r.readAuthor(context.Background())
	key, _, err := sigkey.LoadOrCreate(r.f.WriterKeyPath())
	if err != nil {
		return nil, err
	}
	return &record.Writer{Store: r.Store, Key: key, Identity: gitstore.Signature{Name: or(r.Author.Name, "tracevault"), Email: or(r.Author.Email, "tracevault@localhost")}, Now: r.f.Now}, nil
}

// Prices returns the price table.
func (r *Repo) Prices() (*pricing.Table, error) { return pricing.Default() }

// Notes returns the trace notes ref.
func (r *Repo) Notes() notes.Notes { return notes.Notes{Store: r.Store, Ref: record.NotesRef} }

// AllowedSigners reads .tracevault/allowed_signers from the work tree, or
// from HEAD in a bare repository.
func (r *Repo) AllowedSigners(ctx context.Context) (*sigkey.AllowedSigners, error) {
	var data []byte
	var err error
	if r.Repo.WorkTree != "" {
		data, err = os.ReadFile(filepath.Join(r.Repo.WorkTree, ".tracevault", "allowed_signers"))
	} else {
		data, err = r.Store.Git(ctx, "show", "HEAD:.tracevault/allowed_signers")
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("reading .tracevault/allowed_signers: %w", err)
	}
	return sigkey.ParseAllowedSigners(data)
}

// Head returns the commit HEAD points to.
func (r *Repo) Head(ctx context.Context) (gitstore.Hash, error) {
	out, err := r.Store.Git(ctx, "rev-parse", "--verify", "-q", "HEAD^{commit}")
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("HEAD has no commit yet")
	}
	return gitstore.ParseHash(strings.TrimSpace(string(out)))
}

// Resolve resolves a revision to a commit.
func (r *Repo) Resolve(ctx context.Context, rev string) (gitstore.Hash, error) {
	if strings.HasPrefix(rev, "-") {
		return gitstore.ZeroHash, fmt.Errorf("bad revision %q", rev)
	}
	out, err := r.Store.Git(ctx, "rev-parse", "--verify", "-q", rev+"^{commit}")
	if err != nil {
		return gitstore.ZeroHash, fmt.Errorf("unknown revision %q", rev)
	}
	return gitstore.ParseHash(strings.TrimSpace(string(out)))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Now is the factory's clock.
func (r *Repo) Now() time.Time { return r.f.Now() }
