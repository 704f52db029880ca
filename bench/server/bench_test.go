// Package server_test benchmarks tracevault-server on both stores. One run
// prints every figure:
//
//	go test -run '^$' -bench . -benchtime 1x ./bench/server
//
// (-benchtime 1x still runs each benchmark's own fixed workload; see each.)
// When they end it prints every figure with its goal (issue 6), whether it
// is met, the CPU time it took (this process and Postgres) and the load
// average: on a shared 2-core machine wall-clock figures depend on the
// load, CPU time per item much less.
package server_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/server/api"
	"github.com/tracevault/tracevault/server/servertest"
	"github.com/tracevault/tracevault/server/store"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	printSummary()
	os.Exit(code)
}

func backends(b *testing.B, f func(b *testing.B, backend, dsn string)) {
	b.Run("embedded", func(b *testing.B) { f(b, "embedded", "") })
	b.Run("postgres", func(b *testing.B) { f(b, "postgres", pgtest.Start(b)) })
}

// BenchmarkIngest uploads 20,000 signed sessions over HTTP, 4 clients at
// once in batches of 500: signature checks, chain checks, storage, seal
// append and checkpoint. Goal on Postgres: ≥ 1,000 sessions/s.
func BenchmarkIngest(b *testing.B) {
	const writers, per, batch = 4, 5000, 500
	backends(b, func(b *testing.B, backend, dsn string) {
		ctx := context.Background()
		s := servertest.Start(b, servertest.Config(b, dsn))
		c := s.Client(b)
		recs := make([][]api.Record, writers)
		for i := range recs {
			w := servertest.NewWriter(b)
			if _, err := c.RegisterWriter(ctx, api.Writer{PublicKey: w.PublicKey()}); err != nil {
				b.Fatal(err)
			}
			recs[i] = w.Sessions(b, fmt.Sprintf("b%d", i), per)
		}
		b.ResetTimer()
		cpu := startCPU(dsn != "")
		start := time.Now()
		var wg sync.WaitGroup
		for _, chain := range recs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < len(chain); i += batch {
					r, err := c.Upload(ctx, "", chain[i:i+batch])
					if err != nil || r.Stored != batch {
						b.Errorf("upload: %v %+v", err, r)
						return
					}
				}
			}()
		}
		wg.Wait()
		d := time.Since(start)
		info := cpu.stop(writers*per, "session")
		rate := float64(writers*per) / d.Seconds()
		b.ReportMetric(rate, "sessions/s")
		b.ReportMetric(0, "ns/op")
		record(goal{name: "ingest/" + backend, unit: "sessions/s", value: rate, want: 1000, info: info})
		auditStart := time.Now()
		res, err := s.Audit(ctx, "default")
		if err != nil || !res.OK {
			b.Fatalf("audit: %+v %v", res, err)
		}
		b.ReportMetric(float64(res.Leaves)/time.Since(auditStart).Seconds(), "audited-leaves/s")
	})
}

// BenchmarkSealAppend appends 100,000 leaves to an org's log in the
// database, 1,000 per transaction (with a checkpoint each). Goal:
// ≥ 10,000 leaves/s.
func BenchmarkSealAppend(b *testing.B) {
	const total, batch = 100_000, 1000
	backends(b, func(b *testing.B, backend, dsn string) {
		ctx := context.Background()
		s := servertest.Start(b, servertest.Config(b, dsn))
		log := s.SealLog()
		entries := make([]seal.Entry, batch)
		b.ResetTimer()
		cpu := startCPU(dsn != "")
		start := time.Now()
		for i := 0; i < total; i += batch {
			for k := range entries {
				entries[k] = seal.Entry{Record: fmt.Appendf(nil, "record %d", i+k), Kind: seal.KindSession, Amends: seal.NoAmends}
			}
			err := s.Store().InTx(ctx, func(ctx context.Context) error {
				if _, err := log.AppendBatch(ctx, "default", entries); err != nil {
					return err
				}
				_, _, err := log.Checkpoint(ctx, "default")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		d := time.Since(start)
		info := cpu.stop(total, "leaf")
		b.ReportMetric(total/d.Seconds(), "leaves/s")
		b.ReportMetric(0, "ns/op")
		record(goal{name: "seal-append/" + backend, unit: "leaves/s", value: total / d.Seconds(), want: 10_000, info: info})
	})
}

// BenchmarkInclusionCheck is what `tracevault seal verify` does per
// record, offline: check the leaf against the record and the proof against
// the signed root, in a log of 100,000 leaves. Goal: ≤ 100 µs.
func BenchmarkInclusionCheck(b *testing.B) {
	ctx := context.Background()
	s := servertest.Start(b, servertest.Config(b, ""))
	log := s.SealLog()
	const total, batch = 100_000, 5000
	for i := 0; i < total; i += batch {
		entries := make([]seal.Entry, batch)
		for k := range entries {
			entries[k] = seal.Entry{Record: fmt.Appendf(nil, "record %d", i+k), Kind: seal.KindSession, Amends: seal.NoAmends}
		}
		if _, err := log.AppendBatch(ctx, "default", entries); err != nil {
			b.Fatal(err)
		}
	}
	cp, _, err := log.Checkpoint(ctx, "default")
	if err != nil {
		b.Fatal(err)
	}
	const idx = 77_777
	leaf, _ := log.Leaf(ctx, "default", idx)
	proof, err := log.ProveInclusion(ctx, "default", idx, cp.Size)
	if err != nil {
		b.Fatal(err)
	}
	rec := fmt.Appendf(nil, "record %d", idx)
	b.ResetTimer()
	for b.Loop() {
		if err := seal.VerifyRecord(cp, rec, leaf, idx, proof); err != nil {
			b.Fatal(err)
		}
	}
	us := float64(b.Elapsed().Nanoseconds()) / 1e3 / float64(b.N)
	b.ReportMetric(us, "µs/check")
	record(goal{name: "inclusion-check", unit: "µs", value: us, want: 100, atMost: true, info: "load " + loadAvg()})
}

// BenchmarkAudit1M is the server's full audit (seal.Audit over the store:
// every record hash recomputed from the stored bytes, every leaf, chain
// link and stored hash, the checkpoint's signature and root) of an org
// whose log has 1,000,000 leaves, on each store. Building the log is not
// timed. Goal: ≤ 10 s.
func BenchmarkAudit1M(b *testing.B) {
	const batch = 10_000
	total := 1_000_000
	if n, err := strconv.Atoi(os.Getenv("TRACEVAULT_BENCH_AUDIT_LEAVES")); err == nil && n > 0 {
		total = (n + batch - 1) / batch * batch // a smaller log, for profiling
	}
	backends(b, func(b *testing.B, backend, dsn string) {
		ctx := context.Background()
		s := servertest.Start(b, servertest.Config(b, dsn))
		log := s.SealLog()
		built := time.Now()
		ins := make([]store.Incoming, batch)
		entries := make([]seal.Entry, batch)
		for i := 0; i < total; i += batch {
			for k := range ins {
				raw := fmt.Appendf(nil, `{"v":1,"type":"override","writer":"wbench","seq":%d,"prev":"","created_at":"2026-01-02T03:04:05Z","body":{"n":%d,"pad":"0123456789abcdef0123456789abcdef"}}`, i+k+1, i+k)
				ins[k] = store.Incoming{Raw: raw, Sig: []byte("sig"), Source: store.SourceUpload}
				entries[k] = seal.Entry{Record: raw, Kind: seal.KindSession, Amends: seal.NoAmends}
			}
			// As the server's ingest does: stored under the append lock,
			// noted as sealed by the leaves appended next.
			if _, err := s.Store().IngestSealed(ctx, "default", ins, int64(i)); err != nil {
				b.Fatal(err)
			}
			if _, err := log.AppendBatch(ctx, "default", entries); err != nil {
				b.Fatal(err)
			}
		}
		if _, _, err := log.Checkpoint(ctx, "default"); err != nil {
			b.Fatal(err)
		}
		if dsn != "" {
			// What autovacuum does to a log long before anyone audits it:
			// set the rows' hint bits and visibility map and gather
			// statistics. Without it the audit of a log written a moment
			// ago also pays for that (see docs/server.md).
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				b.Fatal(err)
			}
			_, err = conn.Exec(ctx, "VACUUM ANALYZE")
			conn.Close(ctx)
			if err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("built a log of %d leaves in %v", total, time.Since(built).Round(time.Second))
		b.ResetTimer()
		stopProfile := profile(b, "audit-"+backend)
		cpu := startCPU(dsn != "")
		start := time.Now()
		res, err := s.Audit(ctx, "default")
		d := time.Since(start)
		stopProfile()
		if err != nil || !res.OK || res.Leaves != int64(total) {
			b.Fatalf("audit: %+v %v", res, err)
		}
		info := cpu.stop(float64(total), "leaf")
		b.ReportMetric(d.Seconds(), "s/audit")
		b.ReportMetric(float64(total)/d.Seconds(), "leaves/s")
		b.ReportMetric(0, "ns/op")
		if total == 1_000_000 {
			record(goal{name: "audit-1M/" + backend, unit: "s", value: d.Seconds(), want: 10, atMost: true, info: info})
		} else {
			b.Logf("%d leaves in %v: %s", total, d, info)
		}
	})
}
