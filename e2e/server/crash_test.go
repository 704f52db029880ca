package server_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/client"
	"github.com/tracevault/tracevault/server/servertest"
	"github.com/tracevault/tracevault/server/store"
)

const (
	crashWriters  = 4
	crashSessions = 10000
	crashBatch    = 250
)

// chains makes n writers with per sessions each.
func chains(t *testing.T, n, per int) ([]*servertest.Writer, [][]api.Record) {
	ws := make([]*servertest.Writer, n)
	recs := make([][]api.Record, n)
	for i := range ws {
		ws[i] = servertest.NewWriter(t)
		recs[i] = ws[i].Sessions(t, fmt.Sprintf("w%d", i), per)
	}
	return ws, recs
}

// uploadAll uploads every chain in batches, one goroutine per chain, and
// returns the first error (a killed server's).
func uploadAll(ctx context.Context, c *client.Client, recs [][]api.Record, uploaded *atomic.Int64) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(recs))
	for _, chain := range recs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := 0; s < len(chain); s += crashBatch {
				resp, err := c.Upload(ctx, "", chain[s:min(s+crashBatch, len(chain))])
				if err != nil {
					errs <- err
					return
				}
				if resp.Quarantined > 0 {
					errs <- fmt.Errorf("%d records quarantined: %+v", resp.Quarantined, resp.Outcomes[0])
					return
				}
				uploaded.Add(int64(resp.Stored))
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func openSQL(t *testing.T, data, dsn string) *sql.DB {
	var db *sql.DB
	var err error
	if dsn != "" {
		db, err = sql.Open("pgx", dsn)
	} else {
		db, err = sql.Open("sqlite", "file:"+filepath.Join(data, store.DefaultFile)+"?_pragma=busy_timeout(10000)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkLog requires exactly want records, want leaves with no record
// sealed twice, and a log that the server's audit verifies.
func checkLog(t *testing.T, ctx context.Context, c *client.Client, db *sql.DB, want int64) {
	t.Helper()
	var records, leaves, distinct int64
	q := func(s string, dst *int64) {
		if err := db.QueryRow(s).Scan(dst); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	q(`SELECT COUNT(*) FROM records`, &records)
	q(`SELECT COUNT(*) FROM seal_leaves`, &leaves)
	q(`SELECT COUNT(DISTINCT record_hash) FROM seal_leaves`, &distinct)
	if records != want || leaves != want || distinct != want {
		t.Errorf("records %d, leaves %d, distinct sealed records %d; want %d each", records, leaves, distinct, want)
	}
	start := time.Now()
	res, err := c.Audit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || res.Leaves != want {
		t.Errorf("audit = %+v; want ok with %d leaves", res, want)
	}
	t.Logf("audit of %d leaves: %v", res.Leaves, time.Since(start).Round(time.Millisecond))
}

// TestCrashDuringIngest kills the server with SIGKILL while clients upload
// 10,000 sessions, restarts it and uploads everything again: every session
// is stored exactly once and the log verifies.
func TestCrashDuringIngest(t *testing.T) {
	for _, backend := range []string{"embedded", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := ctxT(t)
			dsn := ""
			if backend == "postgres" {
				dsn = pgtest.Start(t)
			}
			data := t.TempDir()
			se := serverEnv(t, data, dsn)
			token := run(t, se, data, 0, "tracevault-server", "apikey", "create", "--role", "admin")
			token = token[:len(token)-1]
			ws, recs := chains(t, crashWriters, crashSessions/crashWriters)
			srv := startServer(t, se)
			c, _ := client.New(srv.URL, "default", token, nil)
			for _, w := range ws {
				if _, err := c.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err != nil {
					t.Fatal(err)
				}
			}
			var uploaded atomic.Int64
			done := make(chan error, 1)
			go func() { done <- uploadAll(ctx, c, recs, &uploaded) }()
			for uploaded.Load() < crashSessions/3 {
				time.Sleep(5 * time.Millisecond)
			}
			srv.kill9(t)
			err := <-done
			t.Logf("killed after %d acknowledged sessions; client saw: %v", uploaded.Load(), err)
			if err == nil {
				t.Fatal("the upload finished before the kill; nothing was interrupted")
			}

			srv = startServer(t, se)
			c, _ = client.New(srv.URL, "default", token, nil)
			var again atomic.Int64
			if err := uploadAll(ctx, c, recs, &again); err != nil {
				t.Fatal(err)
			}
			t.Logf("after restart: %d more sessions stored", again.Load())
			checkLog(t, ctx, c, openSQL(t, data, dsn), crashSessions)
			srv.stop(t)
		})
	}
}

// TestTwoServersOnePostgres runs two server processes on one database and
// uploads the same chains to both at once: one consistent log, no record
// sealed twice.
func TestTwoServersOnePostgres(t *testing.T) {
	ctx := ctxT(t)
	dsn := pgtest.Start(t)
	data1, data2 := t.TempDir(), t.TempDir()
	se1, se2 := serverEnv(t, data1, dsn), serverEnv(t, data2, dsn)
	token := run(t, se1, data1, 0, "tracevault-server", "apikey", "create", "--role", "admin")
	token = token[:len(token)-1]
	var s1, s2 *proc
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s1 = startServer(t, se1) }()
	go func() { defer wg.Done(); s2 = startServer(t, se2) }()
	wg.Wait()
	c1, _ := client.New(s1.URL, "default", token, nil)
	c2, _ := client.New(s2.URL, "default", token, nil)
	ws, recs := chains(t, 4, 1000)
	for _, w := range ws {
		if _, err := c1.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err != nil {
			t.Fatal(err)
		}
	}
	var n1, n2 atomic.Int64
	errs := make(chan error, 2)
	// Chains 1 and 2 go to both servers at once; 0 only to the first, 3
	// only to the second.
	go func() { errs <- uploadAll(ctx, c1, recs[:3], &n1) }()
	go func() { errs <- uploadAll(ctx, c2, recs[1:], &n2) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("stored through server 1: %d, through server 2: %d", n1.Load(), n2.Load())
	if n1.Load() < 1000 || n2.Load() < 1000 || n1.Load()+n2.Load() != 4000 {
		t.Errorf("stored %d in all; want 4000", n1.Load()+n2.Load())
	}
	checkLog(t, ctx, c2, openSQL(t, data1, dsn), 4000)
	s1.stop(t)
	s2.stop(t)
}
