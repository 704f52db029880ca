package worktree

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tracevault/tracevault/internal/testutil"
)

var (
	benchOnce sync.Once
	benchDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchRepo builds, once per test binary, a committed work tree of 10,000
// files in 500 directories plus an ignored node_modules of 20,000 files,
// with mtimes aged so nothing is racily clean.
func benchRepo(b *testing.B) Repo {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "worktree-bench-")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = dir
		testutil.Git(b, dir, "init", "-q", "-b", "main")
		writeFile(b, dir, ".gitignore", "node_modules/\n*.log\n")
		body := strings.Repeat("// generated line of source text\n", 20)
		for d := range 500 {
			sub := filepath.Join(dir, fmt.Sprintf("pkg%02d", d/20), fmt.Sprintf("mod%02d", d%20))
			mkFiles(b, sub, 20, "file%02d.go", body)
		}
		for d := range 200 {
			mkFiles(b, filepath.Join(dir, "node_modules", fmt.Sprintf("dep%03d", d), "lib"), 100, "m%03d.js", "x")
		}
		testutil.Git(b, dir, "add", "-A")
		testutil.Git(b, dir, "-c", "user.name=B", "-c", "user.email=b@example.com", "commit", "-q", "-m", "bench")
		ageTree(b, dir)
		testutil.Git(b, dir, "update-index", "--refresh")
	})
	repo, err := FindRepo(benchDir)
	if err != nil {
		b.Fatal(err)
	}
	return repo
}

func mkFiles(b *testing.B, dir string, n int, format, body string) {
	b.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf(format, i)), []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// reportMs reports wall and CPU milliseconds per operation; cpu0 is
// cpuTime() taken just before the loop. CPU time is the steadier figure on
// a shared, loaded machine.
func reportMs(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/op")
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e6/float64(b.N), "cpu-ms/op")
}

// BenchmarkScan is the hook's whole cost: read the index, walk, lstat.
func BenchmarkScan(b *testing.B) {
	repo := benchRepo(b)
	var snap *Snapshot
	cpu0 := cpuTime()
	for b.Loop() {
		var err error
		if snap, err = Scan(repo, ScanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	reportMs(b, cpu0)
	if snap.Truncated || len(snap.Entries) != 10_001 {
		b.Fatalf("Scan recorded %d entries (truncated %v), want 10001", len(snap.Entries), snap.Truncated)
	}
	b.ReportMetric(float64(len(snap.Entries)), "files")
}

func BenchmarkReadIndex(b *testing.B) {
	repo := benchRepo(b)
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := ReadIndex(repo, false); err != nil {
			b.Fatal(err)
		}
	}
	reportMs(b, cpu0)
}

func BenchmarkDiff(b *testing.B) {
	repo := benchRepo(b)
	before, err := Scan(repo, ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	after := &Snapshot{Started: before.Started, Entries: append([]Entry(nil), before.Entries...)}
	for i := 0; i < len(after.Entries); i += 100 { // 1% modified
		after.Entries[i].Size++
	}
	var changes []Change
	cpu0 := cpuTime()
	for b.Loop() {
		changes = Diff(before, after)
	}
	reportMs(b, cpu0)
	b.ReportMetric(float64(len(changes)), "changes")
}

func benchSnapshots(b *testing.B) map[string]*Snapshot {
	repo := benchRepo(b)
	real, err := Scan(repo, ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	// 50,000 synthetic entries shaped like a large repository.
	big := &Snapshot{Started: real.Started}
	for i := range 50_000 {
		st := real.Entries[i%len(real.Entries)].FileState
		st.Ino += uint64(i)
		big.Entries = append(big.Entries, Entry{
			Path:      fmt.Sprintf("src/component%03d/internal/module%02d/file_%05d.go", i/500, i/50%10, i),
			FileState: st,
		})
	}
	return map[string]*Snapshot{"10k": real, "50k": big}
}

func BenchmarkSnapshotSave(b *testing.B) {
	for name, s := range benchSnapshots(b) {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "snap")
			var n int
			cpu0 := cpuTime()
			for b.Loop() {
				data, err := s.MarshalBinary()
				if err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(path, data, 0o644); err != nil {
					b.Fatal(err)
				}
				n = len(data)
			}
			reportMs(b, cpu0)
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

func BenchmarkSnapshotLoad(b *testing.B) {
	for name, s := range benchSnapshots(b) {
		b.Run(name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "snap")
			data, err := s.MarshalBinary()
			if err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				b.Fatal(err)
			}
			cpu0 := cpuTime()
			for b.Loop() {
				data, err := os.ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				var got Snapshot
				if err := got.UnmarshalBinary(data); err != nil {
					b.Fatal(err)
				}
			}
			reportMs(b, cpu0)
		})
	}
}
