package usage

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture/pricing"
)

// benchDir replicates every fixture transcript (with its subagents) into
// a Claude config directory until it holds about size bytes, and returns
// the directory and its size.
func benchDir(b *testing.B, size int64) (string, int64) {
	b.Helper()
	units := fixtureUnits(b)
	all := units[len(units)-1]
	dir := b.TempDir()
	var total int64
	for copyN := 0; total < size; copyN++ {
		for rel, src := range all.files {
			data, err := os.ReadFile(src)
			if err != nil {
				b.Fatal(err)
			}
			dst := filepath.Join(dir, "projects", fmt.Sprintf("copy%03d", copyN), rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				b.Fatal(err)
			}
			total += int64(len(data))
		}
	}
	return dir, total
}

// BenchmarkUsage measures ScanPaths plus Aggregate over ~50 MB of
// transcripts (MB/s), then times ccusage's daily report on the same files
// and reports how many times faster this is (x-vs-ccusage).
func BenchmarkUsage(b *testing.B) {
	dir, size := benchDir(b, 50<<20)
	projects := filepath.Join(dir, "projects")
	table := pricing.Embedded()
	b.SetBytes(size)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		entries, err := ScanPaths([]string{projects})
		if err != nil {
			b.Fatal(err)
		}
		Aggregate(entries, table)
	}
	ours := time.Since(start) / time.Duration(b.N)
	b.StopTimer()

	const runs = 3
	var theirs time.Duration
	for range runs {
		cmd := exec.Command(ccusageBin(b), "claude", "daily", "--offline", "--json", "--breakdown")
		cmd.Env = append(os.Environ(), "CLAUDE_CONFIG_DIR="+dir, "HOME="+dir, "XDG_CONFIG_HOME="+dir, "TZ=UTC")
		t0 := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ccusage: %v\n%s", err, out)
		}
		theirs += time.Since(t0)
	}
	theirs /= runs
	b.ReportMetric(float64(size)/1e6/theirs.Seconds(), "ccusage-MB/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "x-vs-ccusage")
}
