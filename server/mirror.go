package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/gitcli"
	"github.com/tracevault/tracevault/policy"
	"github.com/tracevault/tracevault/policy/policyfile"
	"github.com/tracevault/tracevault/seal/sigkey"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/store"
)

// Refs of a bare mirror. Chains are fetched (forced) into a tracking
// namespace, so that a rewritten chain upstream never fails the fetch: the
// server's chain check refuses the rewritten records instead.
const (
	mirrorLogPrefix = "refs/tracevault-mirror/log/"
	mirrorNotesRef  = "refs/notes/tracevault-mirror"
	mirrorHeadRef   = "refs/tracevault-mirror/HEAD"
)

// Files read from a mirrored repository's HEAD.
const (
	AllowedSignersPath = ".tracevault/allowed_signers"
	PolicyPath         = ".tracevault/policy.yaml"
)

// FetchResult is what one mirror fetch did.
type FetchResult struct {
	Refs        int // chain refs that moved
	Records     int // records read from moved chains
	Stored      int
	Duplicate   int
	Quarantined int
	Errors      []string // chains that could not be read (named, never skipped silently)
}

// repoMeta is what the server knows of a repository's HEAD.
type repoMeta struct {
	allowed *sigkey.AllowedSigners
	policy  *policy.Policy
}

type repoMetas struct {
	mu    sync.Mutex
	m     map[string]repoMeta // "<org>/<id>"
	locks map[string]*sync.Mutex
}

func (r *repoMetas) get(org string, id int64) (repoMeta, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.m[org+"/"+strconv.FormatInt(id, 10)]
	return m, ok
}

func (r *repoMetas) put(org string, id int64, m repoMeta) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]repoMeta{}
	}
	r.m[org+"/"+strconv.FormatInt(id, 10)] = m
}

// lock serializes fetches into one mirror within the process.
func (r *repoMetas) lock(org string, id int64) func() {
	r.mu.Lock()
	if r.locks == nil {
		r.locks = map[string]*sync.Mutex{}
	}
	k := org + "/" + strconv.FormatInt(id, 10)
	l := r.locks[k]
	if l == nil {
		l = new(sync.Mutex)
		r.locks[k] = l
	}
	r.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (s *Server) mirrorDir(org string, id int64) string {
	return filepath.Join(s.cfg.DataDir, "mirrors", org, strconv.FormatInt(id, 10)+".git")
}

func (s *Server) repo(ctx context.Context, org string, id int64) (*store.Repo, error) {
	repos, err := s.st.Repos(ctx, org)
	if err != nil {
		return nil, err
	}
	for i := range repos {
		if repos[i].ID == id {
			return &repos[i], nil
		}
	}
	return nil, fmt.Errorf("repository %d of %s: %w", id, org, store.ErrNotFound)
}

// FetchRepo fetches org's repository id into its bare mirror (only
// refs/tracevault/*, refs/notes/tracevault and a depth-1 HEAD for its
// .tracevault files) and ingests the records of every chain that moved.
func (s *Server) FetchRepo(ctx context.Context, org string, id int64) (FetchResult, error) {
	var res FetchResult
	r, err := s.repo(ctx, org, id)
	if err != nil {
		return res, err
	}
	defer s.repos.lock(org, id)()
	start := time.Now()
	gs, err := s.fetchMirror(ctx, org, id, r.URL)
	if err != nil {
		s.metrics.fetches.WithLabelValues("error").Inc()
		return res, err
	}
	defer gs.Close()
	meta := s.readMeta(ctx, gs, org, r)
	s.repos.put(org, id, meta)
	res, err = s.ingestMirror(ctx, gs, org, r, meta)
	result := "ok"
	if err != nil {
		result = "error"
	}
	s.metrics.fetches.WithLabelValues(result).Inc()
	s.logger.Info("mirror fetched", "org", org, "repo", r.URL, "moved_refs", res.Refs, "records", res.Records,
		"stored", res.Stored, "duplicate", res.Duplicate, "quarantined", res.Quarantined,
		"chain_errors", len(res.Errors), "took", time.Since(start).Round(time.Millisecond).String(), "err", err)
	return res, err
}

// fetchMirror creates the bare mirror if needed and fetches into it.
func (s *Server) fetchMirror(ctx context.Context, org string, id int64, url string) (*gitcli.Store, error) {
	dir := s.mirrorDir(org, id)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, "git", "init", "--quiet", "--bare", dir)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("creating mirror %s: %w: %s", dir, err, out)
		}
	}
	gs, err := gitcli.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	remote, err := lsRemote(ctx, gs, url)
	if err != nil {
		gs.Close()
		return nil, err
	}
	specs := []string{"+refs/tracevault/log/*:" + mirrorLogPrefix + "*"}
	if remote[record.NotesRef] {
		specs = append(specs, "+"+record.NotesRef+":"+mirrorNotesRef)
	}
	if err := gs.Fetch(ctx, url, specs, gitstore.FetchOptions{AllowForce: true}); err != nil {
		gs.Close()
		return nil, err
	}
	if remote["HEAD"] {
		_, err := gs.Git(ctx, "-c", "core.hooksPath=/dev/null", "fetch", "--quiet", "--no-tags", "--depth=1",
			"--no-write-fetch-head", "--no-auto-maintenance", "--end-of-options", url, "+HEAD:"+mirrorHeadRef)
		if err != nil {
			gs.Close()
			return nil, fmt.Errorf("fetching HEAD of %s: %w", url, err)
		}
	}
	return gs, nil
}

// lsRemote returns which of HEAD and refs/notes/tracevault url has.
func lsRemote(ctx context.Context, gs *gitcli.Store, url string) (map[string]bool, error) {
	out, err := gs.Git(ctx, "ls-remote", "--end-of-options", url, "HEAD", record.NotesRef)
	if err != nil {
		return nil, fmt.Errorf("listing refs of %s: %w", url, err)
	}
	have := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if _, name, ok := strings.Cut(sc.Text(), "\t"); ok {
			have[name] = true
		}
	}
	return have, nil
}

// readMeta reads allowed_signers and the policy at the mirrored HEAD. A
// file that does not parse is logged and ignored (its records are then
// judged by registered keys alone, and no verdict is stored).
func (s *Server) readMeta(ctx context.Context, gs *gitcli.Store, org string, r *store.Repo) repoMeta {
	var m repoMeta
	if b, err := gs.Git(ctx, "cat-file", "blob", mirrorHeadRef+":"+AllowedSignersPath); err == nil {
		a, err := sigkey.ParseAllowedSigners(b)
		if err != nil {
			s.logger.Warn("ignoring allowed_signers", "org", org, "repo", r.URL, "err", err)
		}
		m.allowed = a
	}
	if b, err := gs.Git(ctx, "cat-file", "blob", mirrorHeadRef+":"+PolicyPath); err == nil {
		p, err := policyfile.Compile(b)
		if err != nil {
			s.logger.Warn("ignoring policy that does not compile", "org", org, "repo", r.URL, "err", err)
		}
		m.policy = p
	}
	return m
}

// metaFor returns what the server knows of repository id's HEAD, reading
// its mirror if this process has not fetched it.
func (s *Server) metaFor(ctx context.Context, org string, r *store.Repo) repoMeta {
	if m, ok := s.repos.get(org, r.ID); ok {
		return m
	}
	dir := s.mirrorDir(org, r.ID)
	if _, err := os.Stat(dir); err != nil {
		return repoMeta{}
	}
	gs, err := gitcli.Open(ctx, dir)
	if err != nil {
		return repoMeta{}
	}
	defer gs.Close()
	m := s.readMeta(ctx, gs, org, r)
	s.repos.put(org, r.ID, m)
	return m
}

// ingestMirror ingests the new records of every chain whose tip moved
// since the last fetch, then records the new tips.
func (s *Server) ingestMirror(ctx context.Context, gs *gitcli.Store, org string, r *store.Repo, meta repoMeta) (FetchResult, error) {
	var res FetchResult
	refs, err := gs.ListRefs(ctx, mirrorLogPrefix)
	if err != nil {
		return res, err
	}
	tips, err := s.st.RefTips(ctx, org, r.ID)
	if err != nil {
		return res, err
	}
	old := map[string]string{}
	for _, t := range tips {
		old[t.Ref] = t.Tip
	}
	b := batchIn{org: org, source: store.SourceMirror, repo: r.ID, trusted: meta.allowed, policy: meta.policy}
	var updates []store.RefUpdate
	flush := func() error {
		if len(b.records) > 0 {
			out, _, err := s.ingest(ctx, b)
			if err != nil {
				return err
			}
			res.add(out)
			b.records = nil
		}
		if len(updates) > 0 {
			if err := s.st.UpdateRefTips(ctx, org, r.ID, updates); err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
			updates = nil
		}
		return nil
	}
	for _, ref := range refs {
		name := record.LogRef(strings.TrimPrefix(ref.Name, mirrorLogPrefix))
		if old[name] == ref.Hash.String() {
			continue
		}
		res.Refs++
		chain, err := record.ReadChain(ctx, gs, ref.Name)
		if err != nil {
			res.Errors = append(res.Errors, err.Error())
			s.logger.Error("cannot read mirrored chain", "org", org, "repo", r.URL, "ref", name, "err", err)
			continue
		}
		for _, st := range newSince(chain, old[name]) {
			b.records = append(b.records, api.Record{Raw: st.Raw, Sig: []byte(st.Sig)})
			res.Records++
			if len(b.records) >= MaxBatch {
				if err := flush(); err != nil {
					return res, err
				}
			}
		}
		updates = append(updates, store.RefUpdate{Ref: name, Old: old[name], New: ref.Hash.String()})
	}
	return res, flush()
}

// newSince returns the records of chain after the commit tip (all of
// them if tip is not in the chain).
func newSince(chain []record.Stored, tip string) []record.Stored {
	if tip == "" {
		return chain
	}
	for i := range chain {
		if chain[i].Commit.String() == tip {
			return chain[i+1:]
		}
	}
	return chain
}

func (r *FetchResult) add(out []api.Outcome) {
	for _, o := range out {
		switch o.Status {
		case api.StatusStored:
			r.Stored++
		case api.StatusDuplicate:
			r.Duplicate++
		default:
			r.Quarantined++
		}
	}
}
