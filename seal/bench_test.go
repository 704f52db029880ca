package seal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/tracevault/tracevault/seal"
	"github.com/tracevault/tracevault/seal/sealtest"
)

func benchEntries(start, n int) []seal.Entry {
	es := make([]seal.Entry, n)
	for i := range es {
		es[i] = seal.Entry{Record: fmt.Appendf(nil, `{"session":"s%d","bytes":"0123456789abcdef"}`, start+i), Kind: seal.KindSession, Amends: seal.NoAmends}
	}
	return es
}

// BenchmarkAppend measures sealing throughput into the in-memory store,
// one leaf per append and in batches. Goal: ≥ 10,000 leaves/s.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			log, _ := sealtest.NewLog(b, sealtest.NewMemStore())
			es := benchEntries(0, batch)
			leaves := 0
			for b.Loop() {
				if _, err := log.AppendBatch(ctx, "acme", es); err != nil {
					b.Fatal(err)
				}
				leaves += batch
			}
			b.ReportMetric(float64(leaves)/b.Elapsed().Seconds(), "leaves/s")
		})
	}
}

// bigLog is a sealed log of 2²⁰ leaves shared by the benchmarks below.
var (
	bigOnce sync.Once
	big     *auditFixture
)

func bigLog(b *testing.B) *auditFixture {
	b.Helper()
	bigOnce.Do(func() { big = newBigLog(b) })
	if big == nil {
		b.Fatal("building the 2²⁰-leaf log failed")
	}
	return big
}

func newBigLog(b *testing.B) *auditFixture {
	const n = 1 << 20
	ctx := context.Background()
	store := sealtest.NewMemStore()
	log, ring := sealtest.NewLog(b, store)
	recs := sealtest.NewRecords()
	for s := 0; s < n; s += 4096 {
		es := benchEntries(s, 4096)
		leaves, err := log.AppendBatch(ctx, "acme", es)
		if err != nil {
			b.Fatal(err)
		}
		for i, l := range leaves {
			recs.Put("acme", l.Index, es[i].Record)
		}
	}
	if _, _, err := log.Checkpoint(ctx, "acme"); err != nil {
		b.Fatal(err)
	}
	return &auditFixture{store: store, recs: recs, ring: ring("acme"), org: store.Org("acme"), log: log}
}

// BenchmarkVerifyInclusion measures a client's check of one record's
// inclusion proof in a log of 2²⁰ leaves. Goal: ≤ 100 µs.
func BenchmarkVerifyInclusion(b *testing.B) {
	f := bigLog(b)
	ctx := context.Background()
	_, msg, _ := f.store.LatestCheckpoint(ctx, "acme")
	cp, err := seal.VerifyCheckpoint(f.ring.Active().VerifierKey, msg)
	if err != nil {
		b.Fatal(err)
	}
	const index = 777_777
	leaf, _ := f.log.Leaf(ctx, "acme", index)
	rec, _ := f.recs.ReadRecords(ctx, "acme", index, index+1)
	proof, err := f.log.ProveInclusion(ctx, "acme", index, cp.Size)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("proof", func(b *testing.B) {
		for b.Loop() {
			if err := seal.VerifyInclusion(cp, leaf, index, proof); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/verify")
	})
	b.Run("record+proof", func(b *testing.B) {
		for b.Loop() {
			if err := seal.VerifyRecord(cp, rec[0], leaf, index, proof); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/verify")
	})
	b.Run("checkpoint+record+proof", func(b *testing.B) {
		for b.Loop() {
			cp, err := seal.VerifyCheckpoint(f.ring.Active().VerifierKey, msg)
			if err != nil {
				b.Fatal(err)
			}
			if err := seal.VerifyRecord(cp, rec[0], leaf, index, proof); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e3/float64(b.N), "µs/verify")
	})
}

// BenchmarkAudit measures a full audit of 2²⁰ leaves (records, leaves,
// chain, every stored hash, checkpoint). Goal: ≤ 10 s for 1,000,000 leaves.
// Run it once: go test -run '^$' -bench Audit -benchtime 1x ./seal
func BenchmarkAudit(b *testing.B) {
	f := bigLog(b)
	for b.Loop() {
		rep, err := seal.Audit(context.Background(), f.store, f.recs, "acme", f.ring.Verifiers())
		if err != nil || rep.Leaves != 1<<20 {
			b.Fatalf("Audit = %+v, %v", rep, err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/audit")
	b.ReportMetric(float64(b.N)*(1<<20)/b.Elapsed().Seconds(), "leaves/s")
}
