package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/pgtest"
	"github.com/tracevault/tracevault/server/store"
	"github.com/tracevault/tracevault/server/store/storetest"
)

// bigSession is a session the size of a working hour: 20 prompts, 60 tool
// calls, 30 edits with diffs, 3 models (about 40 KB of record).
func bigSession(id string, start time.Time) *capture.Session {
	s := storetest.Session(id, "ann", start)
	s.Prompts, s.ToolCalls, s.Edits = nil, nil, nil
	diff := strings.Repeat("+added line of code\n", 50)
	for i := range 20 {
		s.Prompts = append(s.Prompts, capture.Prompt{Time: start.Add(time.Duration(i) * time.Minute),
			Text: strings.Repeat("please change the handler ", 10)})
	}
	for i := range 60 {
		s.ToolCalls = append(s.ToolCalls, capture.ToolCall{ID: fmt.Sprintf("t%d", i), Name: "Edit",
			Status: capture.ToolOK, StartedAt: start.Add(time.Duration(i) * time.Second), DurationMS: 30})
	}
	for i := range 30 {
		s.Edits = append(s.Edits, capture.FileEdit{ToolUseID: fmt.Sprintf("t%d", i), Tool: "Edit",
			Time: start.Add(time.Duration(i) * time.Second), Path: fmt.Sprintf("pkg/file%d.go", i),
			Op: capture.OpModify, Added: 50, Removed: 3, Diff: diff, Before: "sha256:aa", After: "sha256:bb"})
	}
	s.Usage = append(s.Usage, capture.ModelUsage{Model: "claude-haiku-4-5", Tokens: capture.Tokens{Input: 10, Output: 5}, Requests: 1})
	return s
}

// benchIngest reports sessions/s (wall time, which on a shared machine
// depends on its load) and the CPU time spent per session by the process
// (cpu) and, for Postgres, by the server (serverPID's process tree).
func benchIngest(b *testing.B, s *store.Store, serverPID func() int, session func(id string) *capture.Session) {
	ctx := context.Background()
	if _, err := s.CreateOrg(ctx, "acme", "Acme"); err != nil {
		b.Fatal(err)
	}
	const batch = 500
	seq := int64(0)
	var bytes int64
	var cpu, srv time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		recs := make([]store.Incoming, batch)
		for i := range recs {
			seq++
			recs[i] = storetest.SessionRecord("w1", seq, session(fmt.Sprintf("s%d", seq)), 0, store.SourceUpload)
			bytes += int64(len(recs[i].Raw))
		}
		c0, s0 := selfCPU(), procCPU(serverPID())
		b.StartTimer()
		out, err := s.Ingest(ctx, "acme", recs)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += selfCPU() - c0
		srv += procCPU(serverPID()) - s0
		b.StartTimer()
		if out[batch-1].Status != store.Stored {
			b.Fatalf("outcome %+v", out[batch-1])
		}
	}
	b.ReportMetric(float64(seq)/b.Elapsed().Seconds(), "sessions/s")
	b.ReportMetric(float64(bytes)/float64(seq), "B/session")
	b.ReportMetric(float64(cpu.Microseconds())/float64(seq), "cpu-µs/session")
	if srv > 0 {
		b.ReportMetric(float64(srv.Microseconds())/float64(seq), "server-cpu-µs/session")
	}
}

// BenchmarkIngest measures batch ingest (500 sessions a transaction) of
// small sessions (the storetest fixture, about 4 KB) and large ones (about
// 50 KB, 110 rows each).
func BenchmarkIngest(b *testing.B) {
	sizes := []struct {
		name    string
		session func(id string) *capture.Session
	}{
		{"small", func(id string) *capture.Session { return storetest.Session(id, "ann", storetest.T0) }},
		{"large", func(id string) *capture.Session { return bigSession(id, storetest.T0) }},
	}
	for _, size := range sizes {
		b.Run("sqlite/"+size.name, func(b *testing.B) { benchIngest(b, openSQLite(b), func() int { return 0 }, size.session) })
		b.Run("postgres/"+size.name, func(b *testing.B) { benchIngest(b, openPostgres(b), pgtest.ServerPID, size.session) })
	}
}
