package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/store"
)

// A Server is one tracevault-server process: store, seal log, job queue
// and HTTP handler. Several processes may share one Postgres database.
type Server struct {
	cfg     Config
	logger  *slog.Logger
	st      *store.Store
	hs      *store.SealHashStore
	keys    *keyRings
	log     *seal.Log
	jobs    *jobs
	metrics *metrics
	repos   repoMetas
	orgs    knownOrgs
	ready   atomic.Bool
}

// New opens the store (running migrations), the encryption key, the seal
// log and the job queue for cfg, and creates cfg.Org with its signing key
// if they do not exist. It does not start serving or working jobs; see
// [Server.Start] and [Run]. Close releases what New opened.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	dsn, err := cfg.storeDSN()
	if err != nil {
		return nil, err
	}
	ek, err := loadEncryptionKey(cfg.EncryptionKey, cfg.embedded(), cfg.DataDir, logger)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, logger: logger, st: st, hs: st.HashStore(), metrics: newMetrics()}
	s.keys = &keyRings{st: st, ek: ek, origin: cfg.origin, now: time.Now}
	s.log, err = seal.New(seal.Config{Store: s.hs, Keys: s.keys.ring})
	if err == nil {
		s.jobs, err = openJobs(ctx, s)
	}
	if err == nil && cfg.Org != "" {
		err = s.EnsureOrg(ctx, cfg.Org, cfg.Org)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the job queue and closes the store.
func (s *Server) Close() error {
	var errs []error
	if s.jobs != nil {
		errs = append(errs, s.jobs.close(context.Background()))
	}
	errs = append(errs, s.st.Close())
	return errors.Join(errs...)
}

// Store returns the server's store (for tests and admin commands).
func (s *Server) Store() *store.Store { return s.st }

// EnsureOrg creates org (named name) with its checkpoint signing key and
// an empty signed checkpoint, if they do not exist.
func (s *Server) EnsureOrg(ctx context.Context, org, name string) error {
	if _, err := s.st.Org(ctx, org); errors.Is(err, store.ErrNotFound) {
		if _, err := s.st.CreateOrg(ctx, org, name); err != nil && !errors.Is(err, store.ErrConflict) {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := s.keys.ensure(ctx, org); err != nil {
		return err
	}
	s.orgs.add(org)
	if _, _, err := s.hs.LatestCheckpoint(ctx, org); errors.Is(err, seal.ErrNotFound) {
		err := s.hs.WithAppendLock(ctx, org, func(ctx context.Context) error {
			_, _, err := s.log.Checkpoint(ctx, org)
			return err
		})
		if err != nil {
			return fmt.Errorf("signing the first checkpoint of %s: %w", org, err)
		}
	} else if err != nil {
		return err
	}
	return nil
}

// Start starts the job workers. The server is ready once they run.
func (s *Server) Start(ctx context.Context) error {
	if err := s.jobs.start(ctx); err != nil {
		return err
	}
	s.ready.Store(true)
	return nil
}

// Run serves cfg until ctx is done, then shuts down gracefully: it stops
// accepting connections, lets requests and running jobs finish (up to
// cfg.ShutdownTimeout) and closes the store.
func Run(ctx context.Context, cfg Config) error {
	logger := NewLogger(os.Stderr, cfg)
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	return Serve(ctx, cfg, ln, logger)
}

// Serve is [Run] on a listener.
func Serve(ctx context.Context, cfg Config, ln net.Listener, logger *slog.Logger) error {
	start := time.Now()
	s, err := New(ctx, cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("tracevault-server ready", "addr", ln.Addr().String(), "store", string(s.st.Backend()),
		"org", cfg.Org, "startup", time.Since(start).Round(time.Millisecond).String())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _ = s.jobs.stop(sctx) }()
	err = srv.Shutdown(sctx)
	wg.Wait()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NewLogger returns the slog logger cfg asks for, writing to w.
func NewLogger(w io.Writer, cfg Config) *slog.Logger {
	var lvl slog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "debug":
		lvl = slog.LevelDebug
	case "warn":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// knownOrgs are the orgs this process works on in scheduled jobs: the
// configured org and every org it created or served.
type knownOrgs struct {
	mu sync.Mutex
	m  map[string]bool
}

func (k *knownOrgs) add(org string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]bool{}
	}
	k.m[org] = true
}

func (k *knownOrgs) list() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for o := range k.m {
		out = append(out, o)
	}
	return out
}
