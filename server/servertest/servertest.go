// Package servertest helps tests of tracevault-server: it starts servers
// on free ports and makes signed record chains without git.
package servertest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/record"
	"github.com/tracevault/tracevault/seal/sigkey"
	"github.com/tracevault/tracevault/server"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/client"
	"github.com/tracevault/tracevault/server/store"
)

// EncryptionKey is a fixed TRACEVAULT_ENCRYPTION_KEY for tests.
const EncryptionKey = "9f3c1a7e5b2d4c6f8a0e1b3d5c7f9a2e4b6d8c0f1a3e5b7d9c2f4a6e8b0d1c3f"

// Server is a running test server.
type Server struct {
	*server.Server
	URL   string
	Admin string // an admin API key of Config.Org
	Cfg   server.Config
	stop  func()
}

// Config returns a config for a test server: the embedded store in a
// temporary directory, or Postgres at dsn when it is not empty. Scheduled
// jobs are off.
func Config(t testing.TB, dsn string) server.Config {
	cfg, err := server.ConfigFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = dsn
	cfg.EncryptionKey = EncryptionKey
	cfg.MirrorInterval, cfg.AuditInterval = -1, -1
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// Start serves cfg on a free loopback port until the test ends.
func Start(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TRACEVAULT_TEST_LOG") == "1" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := server.New(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.Store().CreateAPIKey(ctx, cfg.Org, "test-admin", server.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler()}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	ts := &Server{Server: s, URL: "http://" + ln.Addr().String(), Admin: tok, Cfg: cfg}
	var stopped bool
	ts.stop = func() {
		if stopped {
			return
		}
		stopped = true
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
		<-done
		cancel()
		if err := s.Close(); err != nil && !errors.Is(err, context.Canceled) {
			t.Logf("closing server: %v", err)
		}
	}
	t.Cleanup(ts.stop)
	return ts
}

// Stop shuts the server down now.
func (s *Server) Stop() { s.stop() }

// Client returns an API client with the admin key.
func (s *Server) Client(t testing.TB) *client.Client {
	c, err := client.New(s.URL, s.Cfg.Org, s.Admin, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Token creates an API key of role for the server's org.
func (s *Server) Token(t testing.TB, role store.Role) string {
	tok, _, err := s.Store().CreateAPIKey(context.Background(), s.Cfg.Org, string(role), role)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Writer makes one writer's signed chain of records, as capture/record
// writes them to git.
type Writer struct {
	Key  *sigkey.Key
	Seq  int64
	Prev string
	Now  time.Time
}

// NewWriter returns a writer with a new key.
func NewWriter(t testing.TB) *Writer {
	k, err := sigkey.Generate()
	if err != nil {
		t.Fatal(err)
	}
	return &Writer{Key: k, Now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

// ID is the writer ID.
func (w *Writer) ID() string { return w.Key.Public().WriterID() }

// PublicKey is the writer's key as registered ("ed25519:…").
func (w *Writer) PublicKey() string { return w.Key.Public().String() }

// Next signs the next record of the chain with body.
func (w *Writer) Next(t testing.TB, typ string, body any) api.Record {
	b, err := record.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	w.Seq++
	w.Now = w.Now.Add(time.Second)
	env := &record.Envelope{V: record.Version, Type: typ, Writer: w.ID(), Seq: w.Seq, Prev: w.Prev, CreatedAt: w.Now, Body: b}
	raw, err := record.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := w.Key.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	w.Prev = record.Hash(raw)
	return api.Record{Raw: raw, Sig: []byte(sig + "\n")}
}

// Session signs the next record: a small session named id.
func (w *Writer) Session(t testing.TB, id string) api.Record {
	return w.Next(t, record.TypeSession, Session(id, w.Now))
}

// Session returns a small finished Claude Code session.
func Session(id string, at time.Time) *capture.Session {
	return &capture.Session{
		Version: 1, ID: id, Agent: "claude-code", Author: capture.Identity{Name: "Dev", Email: "dev@example.com"},
		StartedAt: at, EndedAt: at.Add(time.Minute), Ended: true, Evidence: "hooks",
		Models:  []string{"claude-sonnet-4-5"},
		Prompts: []capture.Prompt{}, ToolCalls: []capture.ToolCall{}, Edits: []capture.FileEdit{},
		Usage: []capture.ModelUsage{}, Total: capture.ModelUsage{Model: "claude-sonnet-4-5"},
	}
}

// Sessions signs n session records named <prefix>-<i>.
func (w *Writer) Sessions(t testing.TB, prefix string, n int) []api.Record {
	out := make([]api.Record, n)
	for i := range out {
		out[i] = w.Session(t, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}
