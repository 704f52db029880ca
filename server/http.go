package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/store"
	"github.com/tracevault/tracevault/web"
)

// Roles of API keys. The store keeps a key's role as text; users and
// finer roles (DESIGN §6) are a later layer on the same column.
const (
	RoleAdmin    store.Role = "admin"            // everything in its org
	RoleUploader            = store.RoleUploader // upload, trigger fetches, read
	RoleAuditor  store.Role = "auditor"          // read only
)

// MaxUploadBytes bounds an upload request body.
const MaxUploadBytes = 256 << 20

const principalKey = "tracevault.principal"

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.observe)
	r.GET("/", func(c *gin.Context) { c.FileFromFS("/", http.FS(web.FS())) })
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok\n") })
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))

	v1 := r.Group(api.Prefix)
	read := s.auth(RoleAdmin, RoleUploader, RoleAuditor)
	write := s.auth(RoleAdmin, RoleUploader)
	admin := s.auth(RoleAdmin)
	o := v1.Group("/orgs/:org")
	o.POST("/records", write, s.upload)
	o.GET("/quarantine", read, s.quarantine)
	o.POST("/writers", admin, s.registerWriter)
	o.GET("/repos", read, s.listRepos)
	o.POST("/repos", admin, s.addRepo)
	o.POST("/repos/:repo/fetch", write, s.fetch)
	o.GET("/commits/:sha/verdict", read, s.verdict)
	o.GET("/seal/checkpoint", read, s.checkpoint)
	o.GET("/seal/key", read, s.publicKey)
	o.GET("/seal/inclusion", read, s.inclusionProof)
	o.GET("/seal/consistency", read, s.consistencyProof)
	o.POST("/seal/audit", admin, s.audit)
	o.POST("/seal/rotate", admin, s.rotate)
	v1.GET("/repos/:repo/commits/:sha/verdict", read, s.verdict)
	v1.POST("/webhooks/orgs/:org/repos/:repo", s.webhook)
	return r
}

// observe logs and counts every request by its route template.
func (s *Server) observe(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	d := time.Since(start)
	code := c.Writer.Status()
	s.metrics.httpRequests.WithLabelValues(c.Request.Method, route, strconv.Itoa(code)).Inc()
	s.metrics.httpSeconds.WithLabelValues(c.Request.Method, route).Observe(d.Seconds())
	lvl := slog.LevelInfo
	if route == "/healthz" || route == "/readyz" || route == "/metrics" {
		lvl = slog.LevelDebug
	}
	if code >= 500 {
		lvl = slog.LevelError
	}
	s.logger.Log(c.Request.Context(), lvl, "http", "method", c.Request.Method, "route", route,
		"status", code, "took", d.Round(time.Microsecond).String(), "remote", c.ClientIP())
}

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if !s.ready.Load() {
		c.String(http.StatusServiceUnavailable, "starting or stopping\n")
		return
	}
	if _, err := s.st.Org(ctx, s.cfg.Org); err != nil {
		c.String(http.StatusServiceUnavailable, "store: %v\n", err)
		return
	}
	c.String(http.StatusOK, "ready\n")
}

func fail(c *gin.Context, status int, code, format string, args ...any) {
	c.AbortWithStatusJSON(status, api.Error{Code: code, Message: fmt.Sprintf(format, args...)})
}

// failErr maps store and seal errors to statuses.
func (s *Server) failErr(c *gin.Context, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, seal.ErrNotFound):
		fail(c, http.StatusNotFound, api.CodeNotFound, "%v", err)
	case errors.Is(err, store.ErrConflict), errors.Is(err, seal.ErrConflict):
		fail(c, http.StatusConflict, api.CodeConflict, "%v", err)
	case errors.Is(err, store.ErrInvalid), errors.Is(err, seal.ErrBadSize):
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "%v", err)
	default:
		s.logger.Error("request failed", "route", c.FullPath(), "err", err)
		fail(c, http.StatusInternalServerError, api.CodeInternal, "internal error")
	}
}

// auth requires an API key of the org in the path (or, for routes without
// one, any org) with one of roles.
func (s *Server) auth(roles ...store.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		tok, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || tok == "" {
			fail(c, http.StatusUnauthorized, api.CodeUnauthorized, "missing API key (Authorization: Bearer tvk_…)")
			return
		}
		p, err := s.st.VerifyAPIKey(c.Request.Context(), strings.TrimSpace(tok))
		if errors.Is(err, store.ErrUnauthorized) {
			fail(c, http.StatusUnauthorized, api.CodeUnauthorized, "invalid API key")
			return
		} else if err != nil {
			s.failErr(c, err)
			return
		}
		if org := c.Param("org"); org != "" && org != p.Org {
			fail(c, http.StatusForbidden, api.CodeForbidden, "the API key is not of org %s", org)
			return
		}
		allowed := false
		for _, r := range roles {
			allowed = allowed || p.Role == r
		}
		if !allowed {
			fail(c, http.StatusForbidden, api.CodeForbidden, "role %s may not do this", p.Role)
			return
		}
		s.orgs.add(p.Org)
		c.Set(principalKey, p)
		c.Next()
	}
}

func principal(c *gin.Context) *store.Principal {
	p, _ := c.MustGet(principalKey).(*store.Principal)
	return p
}

func (s *Server) upload(c *gin.Context) {
	org := principal(c).Org
	var req api.UploadRequest
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxUploadBytes)
	if err := c.ShouldBindJSON(&req); err != nil {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "decoding upload: %v", err)
		return
	}
	if len(req.Records) > MaxBatch {
		fail(c, http.StatusBadRequest, api.CodeBadRequest, "%d records: at most %d per request", len(req.Records), MaxBatch)
		return
	}
	b := batchIn{org: org, source: store.SourceUpload, records: req.Records}
	if req.Repo != "" {
		if r := s.repoByURL(c.Request.Context(), org, req.Repo); r != nil {
			m := s.metaFor(c.Request.Context(), org, r)
			b.repo, b.trusted, b.policy = r.ID, m.allowed, m.policy
		}
	}
	out, size, err := s.ingest(c.Request.Context(), b)
	if err != nil {
		s.failErr(c, err)
		return
	}
	resp := api.UploadResponse{Outcomes: out, LogSize: size}
	for _, o := range out {
		switch o.Status {
		case api.StatusStored:
			resp.Stored++
		case api.StatusDuplicate:
			resp.Duplicate++
		default:
			resp.Quarantined++
		}
	}
	c.JSON(http.StatusOK, resp)
}

func (s *Server) repoByURL(ctx context.Context, org, url string) *store.Repo {
	repos, err := s.st.Repos(ctx, org)
	if err != nil {
		return nil
	}
	for i := range repos {
		if repos[i].URL == url {
			return &repos[i]
		}
	}
	return nil
}

// repoParam resolves :repo, a numeric ID or a path-escaped URL.
func (s *Server) repoParam(c *gin.Context, org string) *store.Repo {
	p := c.Param("repo")
	if id, err := strconv.ParseInt(p, 10, 64); err == nil {
		r, err := s.repo(c.Request.Context(), org, id)
		if err != nil {
			s.failErr(c, err)
			return nil
		}
		return r
	}
	if r := s.repoByURL(c.Request.Context(), org, p); r != nil {
		return r
	}
	fail(c, http.StatusNotFound, api.CodeNotFound, "no repository %q", p)
	return nil
}

func (s *Server) quarantine(c *gin.Context) {
	limit, _ := strconv.Atoi(c.DefaultQuery("limit", "100"))
	qs, err := s.st.Quarantined(c.Request.Context(), principal(c).Org, limit)
	if err != nil {
		s.failErr(c, err)
		return
	}
	out := api.QuarantineList{Records: []api.Quarantined{}}
	for _, q := range qs {
		out.Records = append(out.Records, api.Quarantined{Writer: q.Writer, Seq: q.Seq, Hash: "sha256:" + hex.EncodeToString(q.Hash[:]),
			Code: string(q.Code), Reason: q.Reason, Source: string(q.Source), ReceivedAt: q.ReceivedAt.UTC().Format(time.RFC3339)})
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) fetch(c *gin.Context) {
	org := principal(c).Org
	r := s.repoParam(c, org)
	if r == nil {
		return
	}
	id, err := s.enqueueFetch(c.Request.Context(), org, r.ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusAccepted, api.FetchResult{Queued: true, JobID: id})
}

// webhook queues a fetch when a forge reports a push. It accepts an org
// API key, or (with TRACEVAULT_WEBHOOK_SECRET) a GitHub-style
// X-Hub-Signature-256 HMAC of the body.
func (s *Server) webhook(c *gin.Context) {
	if !s.webhookSigned(c) {
		s.auth(RoleAdmin, RoleUploader)(c)
		if c.IsAborted() {
			return
		}
	}
	org := c.Param("org")
	r := s.repoParam(c, org)
	if r == nil {
		return
	}
	id, err := s.enqueueFetch(c.Request.Context(), org, r.ID)
	if err != nil {
		s.failErr(c, err)
		return
	}
	c.JSON(http.StatusAccepted, api.FetchResult{Queued: true, JobID: id})
}

func (s *Server) webhookSigned(c *gin.Context) bool {
	sig, ok := strings.CutPrefix(c.GetHeader("X-Hub-Signature-256"), "sha256=")
	if s.cfg.WebhookSecret == "" || !ok {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 25<<20))
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(s.cfg.WebhookSecret))
	m.Write(body)
	return hmac.Equal(m.Sum(nil), want)
}
