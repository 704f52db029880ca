package sync_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/install"
	"github.com/tracevault/tracevault/capture/record"
	tvsync "github.com/tracevault/tracevault/capture/sync"
	"github.com/tracevault/tracevault/gitstore"
	"github.com/tracevault/tracevault/gitstore/notes"
	"github.com/tracevault/tracevault/seal/sigkey"
)

// Bench sizes: a remote holding 10,000 records from 50 writers.
const (
	benchWriters = 50
	benchRecords = 200
)

// benchRemotes builds a source repository, a bare remote holding its
// branch plus 50 chains of 200 records and a note per record, and an
// identical bare remote without any trace ref.
func benchRemotes(b *testing.B) (src, traced, plain string) {
	b.Helper()
	ctx := context.Background()
	src = filepath.Join(b.TempDir(), "src")
	git(b, ".", "init", "-q", "-b", "main", src)
	for i := range 20 {
		git(b, src, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("base %d", i))
	}
	s := open(b, src)
	annotated := map[gitstore.Hash][]byte{}
	for w := range benchWriters {
		key, err := sigkey.Generate()
		if err != nil {
			b.Fatal(err)
		}
		wr := &record.Writer{Store: s, Key: key, Now: time.Now,
			Identity: gitstore.Signature{Name: fmt.Sprintf("dev %d", w), Email: "dev@example.com"}}
		items := make([]record.Item, benchRecords)
		for i := range items {
			items[i] = record.Item{Type: record.TypeCommit, Body: &record.CommitAttribution{
				Commit: fmt.Sprintf("%040x", w*benchRecords+i+1), Evidence: "hooks", Files: []record.FileAttr{},
				Sessions: []record.SessionRef{{ID: fmt.Sprintf("s-%d-%d", w, i), Agent: "claude-code", Models: []string{"m"}}}}}
		}
		stored, err := wr.Append(ctx, items)
		if err != nil {
			b.Fatal(err)
		}
		for i := range stored {
			note, err := record.RenderNote(&stored[i])
			if err != nil {
				b.Fatal(err)
			}
			annotated[stored[i].Commit] = note
		}
	}
	sig := gitstore.Signature{Name: "bench", Email: "bench@example.com", When: time.Now()}
	if err := (notes.Notes{Store: s, Ref: record.NotesRef}).Set(ctx, annotated, "bench notes", sig); err != nil {
		b.Fatal(err)
	}
	traced = filepath.Join(b.TempDir(), "traced.git")
	plain = filepath.Join(b.TempDir(), "plain.git")
	for _, r := range []string{traced, plain} {
		git(b, ".", "clone", "-q", "--bare", src, r)
		git(b, r, "config", "receive.autogc", "false")
	}
	git(b, src, "push", "-q", traced, "refs/tracevault/*:refs/tracevault/*", record.NotesRef+":"+record.NotesRef)
	for _, r := range []string{traced, plain} {
		git(b, r, "gc", "-q") // both packed, as a hosted remote would be
	}
	return src, traced, plain
}

// BenchmarkBranchPush pushes a new branch commit to a remote holding
// 10,000 records from 50 writers and to the same remote without traces;
// it reports both times and their ratio (goal: at most 1.2).
func BenchmarkBranchPush(b *testing.B) {
	src, traced, plain := benchRemotes(b)
	work := filepath.Join(b.TempDir(), "work")
	git(b, ".", "clone", "-q", src, work)
	// A local clone links the source's loose objects: git commit would
	// start a detached auto gc that is still writing when the test's
	// directories are removed. The benchmark times pushes, not gc.
	git(b, work, "config", "gc.auto", "0")
	git(b, work, "config", "maintenance.auto", "false")
	var tTraced, tPlain time.Duration
	var each [2][]time.Duration // traced, plain: per push, for medians
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		git(b, work, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("change %d", i))
		order := []string{traced, plain}
		if i%2 == 1 {
			order = []string{plain, traced}
		}
		for _, r := range order {
			start := time.Now()
			git(b, work, "push", "-q", r, fmt.Sprintf("HEAD:refs/heads/topic-%d", i))
			d := time.Since(start)
			if r == traced {
				tTraced += d
				each[0] = append(each[0], d)
			} else {
				tPlain += d
				each[1] = append(each[1], d)
			}
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(tTraced.Milliseconds())/n, "traced-ms/push")
	b.ReportMetric(float64(tPlain.Milliseconds())/n, "plain-ms/push")
	b.ReportMetric(float64(tTraced)/float64(tPlain), "ratio")
	// The median is steadier than the mean on a shared machine.
	med := func(ds []time.Duration) time.Duration {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	b.ReportMetric(float64(med(each[0]))/float64(med(each[1])), "median-ratio")
}

// BenchmarkPrePush times the pre-push trace sync of one new record and
// note against the remote holding 10,000 records from 50 writers, from a
// clone that already synced them.
func BenchmarkPrePush(b *testing.B) {
	ctx := context.Background()
	_, traced, _ := benchRemotes(b)
	dir := filepath.Join(b.TempDir(), "clone")
	git(b, ".", "clone", "-q", traced, dir)
	if _, err := install.ConfigureGit(ctx, install.Options{RepoDir: dir}); err != nil {
		b.Fatal(err)
	}
	s := open(b, dir)
	start := time.Now()
	if _, err := tvsync.Sync(ctx, s, tvsync.Options{}); err != nil {
		b.Fatal(err)
	}
	b.Logf("fresh-clone Sync of 10,000 records and notes: %v", time.Since(start))
	a := newAuthor(b, "bench", dir, s)
	var spent time.Duration
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.commit(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rep, err := tvsync.PrePush(ctx, s, tvsync.PrePushOptions{Remote: "origin", Budget: time.Minute})
		spent += time.Since(start)
		if err != nil || rep.Err != nil || len(rep.Pushed) != 2 {
			b.Fatalf("PrePush = %+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(spent.Milliseconds())/float64(b.N), "prepush-ms/op")
}
