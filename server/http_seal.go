package server

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tracevault/tracevault/seal/sigkey"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/store"
)

func (s *Server) registerWriter(c *gin.Context) {
	org := principal(c).Org
	var w api.Writer
	if err := c.ShouldBindJSON(&w); err != nil {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "decoding writer: %v", err)
		return
	}
	k, err := sigkey.ParsePublicKey(w.PublicKey)
	if err != nil {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "public key: %v", err)
		return
	}
	if w.ID != "" && w.ID != k.WriterID() {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "writer id %s does not match its key (%s)", w.ID, k.WriterID())
		return
	}
	w.ID = k.WriterID()
	err = s.st.RegisterWriter(c.Request.Context(), org, store.Writer{ID: w.ID, PublicKey: k.String(), Name: w.Name, Email: w.Email})
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, w)
}

func (s *Server) listRepos(c *gin.Context) {
	repos, err := s.st.Repos(c.Request.Context(), principal(c).Org)
	if err != nil {
		s.failErr(c, err)
		return
	}
	out := api.RepoList{Repos: []api.Repo{}}
	for _, r := range repos {
		out.Repos = append(out.Repos, api.Repo{ID: r.ID, URL: r.URL})
	}
	c.JSON(http.StatusOK, out)
}

// addRepo registers a repository and queues its first fetch.
func (s *Server) addRepo(c *gin.Context) {
	org := principal(c).Org
	var req api.Repo
	if err := c.ShouldBindJSON(&req); err != nil || req.URL == "" {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "want {\"url\": …}")
		return
	}
	r, err := s.st.RegisterRepo(c.Request.Context(), org, req.URL)
	if err != nil {
		s.failErr(c, err)
		return
	}
	if _, err := s.enqueueFetch(c.Request.Context(), org, r.ID); err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusCreated, api.Repo{ID: r.ID, URL: r.URL})
}

// verdict serves the policy verdicts stored for a commit, optionally only
// those of one repository.
func (s *Server) verdict(c *gin.Context) {
	org := principal(c).Org
	var repo *store.Repo
	if c.Param("repo") != "" {
		if repo = s.repoParam(c, org); repo == nil {
			return
		}
	}
	vs, err := s.st.Verdicts(c.Request.Context(), org, strings.ToLower(c.Param("sha")))
	if err != nil {
		s.failErr(c, err)
		return
	}
	out := api.VerdictList{Verdicts: []api.Verdict{}}
	for _, v := range vs {
		if repo != nil && v.Repo != repo.ID {
			continue
		}
		av := api.Verdict{Commit: v.Commit, Policy: v.Policy, Decision: v.Outcome, Verdict: v.Canonical,
			CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
		if repo != nil {
			av.Repo = repo.URL
		}
		out.Verdicts = append(out.Verdicts, av)
	}
	if len(out.Verdicts) == 0 {
		fail(c, http.StatusNotFound, api.CodeNotFound, "no verdict on commit %s", c.Param("sha"))
		return
	}
	out.Latest = &out.Verdicts[len(out.Verdicts)-1]
	c.JSON(http.StatusOK, out)
}

// checkpoint serves the latest signed checkpoint, or the one at ?size=.
func (s *Server) checkpoint(c *gin.Context) {
	org := principal(c).Org
	var note []byte
	var err error
	if sz := c.Query("size"); sz != "" {
		n, perr := strconv.ParseInt(sz, 10, 64)
		if perr != nil {
			fail(c, http.StatusBadRequest, api.CodeBadRequest, "size: %v", perr)
			return
		}
		note, err = s.hs.ReadCheckpoint(c.Request.Context(), org, n)
	} else {
		note, err = s.log.LatestCheckpoint(c.Request.Context(), org)
	}
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8", note)
}

func (s *Server) publicKey(c *gin.Context) {
	org := principal(c).Org
	keys, err := s.st.Seal().SigningKeys(c.Request.Context(), org)
	if err != nil {
		s.failErr(c, err)
		return
	}
	out := api.PublicKey{Origin: s.cfg.origin(org), Keys: []api.SigningKey{}}
	for _, k := range keys {
		if name, _, ok := strings.Cut(k.VerifierKey, "+"); ok {
			out.Origin = name
		}
		out.Keys = append(out.Keys, api.SigningKey{ID: k.ID, State: k.State, VerifierKey: k.VerifierKey,
			CreatedAt: k.CreatedAt.UTC().Format(time.RFC3339)})
	}
	c.JSON(http.StatusOK, out)
}

// inclusionProof serves ?record=sha256:<hex> or ?index=N, in the log of
// ?size=N (default: the latest checkpoint's size).
func (s *Server) inclusionProof(c *gin.Context) {
	ctx := c.Request.Context()
	org := principal(c).Org
	size, ok := s.sizeParam(c, org, "size")
	if !ok {
		return
	}
	var index int64 = -1
	if rec := c.Query("record"); rec != "" {
		h, err := hex.DecodeString(strings.TrimPrefix(rec, "sha256:"))
		if err != nil || len(h) != 32 {
			fail(c, http.StatusBadRequest, api.CodeBadRequest, "record: want sha256:<64 hex digits>")
			return
		}
		i, err := s.st.Seal().LeafIndex(ctx, org, [32]byte(h))
		if err != nil {
			s.failErr(c, err)
			return
		}
		if i < 0 {
			fail(c, http.StatusNotFound, api.CodeNotFound, "record %s is not sealed", rec)
			return
		}
		index = i
	} else if v := c.Query("index"); v != "" {
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fail(c, http.StatusBadRequest, api.CodeBadRequest, "index: %v", err)
			return
		}
		index = i
	} else {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "want ?record=sha256:<hex> or ?index=N")
		return
	}
	inc, err := s.inclusion(ctx, org, index, size)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, inc)
}

// sizeParam reads a size query parameter, defaulting to the latest
// checkpoint's size.
func (s *Server) sizeParam(c *gin.Context, org, name string) (int64, bool) {
	if v := c.Query(name); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fail(c, http.StatusBadRequest, api.CodeBadRequest, "%s: %v", name, err)
			return 0, false
		}
		return n, true
	}
	n, _, err := s.hs.LatestCheckpoint(c.Request.Context(), org)
	if err != nil {
		s.failErr(c, err)
		return 0, false
	}
	return n, true
}

func (s *Server) consistencyProof(c *gin.Context) {
	org := principal(c).Org
	old, err := strconv.ParseInt(c.Query("old"), 10, 64)
	if err != nil {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "old: %v", err)
		return
	}
	newer, ok := s.sizeParam(c, org, "new")
	if !ok {
		return
	}
	p, err := s.log.ProveConsistency(c.Request.Context(), org, old, newer)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, api.Consistency{Old: old, New: newer, Proof: hashes(p)})
}

func (s *Server) audit(c *gin.Context) {
	res, err := s.Audit(c.Request.Context(), principal(c).Org)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusOK, res)
}

// rotate starts a signing key rotation, or finishes one with ?finish=1,
// and signs a checkpoint with the new key set.
func (s *Server) rotate(c *gin.Context) {
	ctx := c.Request.Context()
	org := principal(c).Org
	finish := c.Query("finish") == "1" || c.Query("finish") == "true"
	if _, err := s.RotateKey(ctx, org, finish); err != nil {
		s.failErr(c, err)
		return
	}
	s.publicKey(c)
}
