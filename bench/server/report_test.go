package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tracevault/tracevault/internal/pgtest"
)

// A goal is one figure a benchmark must reach (issue 6).
type goal struct {
	name   string  // benchmark/backend
	unit   string  // of value and target
	value  float64 // measured
	want   float64 // the goal
	atMost bool    // the goal is an upper bound
	info   string  // CPU time, load: what the wall-clock figure depends on
}

func (g goal) met() bool {
	if g.atMost {
		return g.value <= g.want
	}
	return g.value >= g.want
}

var (
	resultsMu sync.Mutex
	results   []goal
)

// record notes a figure for the summary printed when the benchmarks end.
func record(g goal) {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	results = append(results, g)
}

// printSummary prints every figure with its goal and whether it is met,
// with the machine's load average: on a shared 2-core machine wall-clock
// throughput depends on it, CPU time per item much less.
func printSummary() {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	if len(results) == 0 {
		return
	}
	fmt.Printf("\nissue 6 goals (load average now %s, %d CPUs)\n", loadAvg(), numCPU())
	for _, g := range results {
		cmp, verdict := "≥", "MET"
		if g.atMost {
			cmp = "≤"
		}
		if !g.met() {
			verdict = "NOT MET"
		}
		fmt.Printf("  %-34s %12s %-12s goal %s %-8s %-7s %s\n", g.name, fmtNum(g.value), g.unit, cmp, fmtNum(g.want), verdict, g.info)
	}
}

func fmtNum(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// loadAvg returns the 1-, 5- and 15-minute load averages.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func numCPU() int {
	b, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(b), "processor\t:"))
}

// profile writes a CPU profile of what follows until the returned function
// is called to $TRACEVAULT_BENCH_PROFILE_DIR/<name>.prof, when that is set.
func profile(b *testing.B, name string) (stop func()) {
	dir := os.Getenv("TRACEVAULT_BENCH_PROFILE_DIR")
	if dir == "" {
		return func() {}
	}
	f, err := os.Create(filepath.Join(dir, name+".prof"))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// cpuMeter measures the CPU time of this process and, for Postgres, of the
// database server's process tree over a span of a benchmark.
type cpuMeter struct {
	self0, pg0 time.Duration
	pg         bool
	load0      string
}

func startCPU(postgres bool) *cpuMeter {
	m := &cpuMeter{pg: postgres, load0: loadAvg()}
	m.self0 = selfCPU()
	if postgres {
		m.pg0 = procCPU(pgtest.ServerPID())
	}
	return m
}

// stop returns the CPU time used since start, by this process and by
// Postgres, and describes it per item.
func (m *cpuMeter) stop(items float64, unit string) string {
	self := selfCPU() - m.self0
	s := fmt.Sprintf("cpu %.1f s go", self.Seconds())
	total := self
	if m.pg {
		pg := procCPU(pgtest.ServerPID()) - m.pg0
		total += pg
		s += fmt.Sprintf(" + %.1f s postgres", pg.Seconds())
	}
	per := float64(total.Microseconds()) / items
	return fmt.Sprintf("%s = %.0f cpu-µs/%s; load %s", s, per, unit, m.load0)
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the CPU time of process pid and its children (the
// Postgres backends), live or reaped, from /proc; 0 if pid is 0.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	fields := func(p string) []string {
		b, err := os.ReadFile(filepath.Join("/proc", p, "stat"))
		if err != nil {
			return nil
		}
		s := string(b)
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	}
	ticks := func(f []string, idx ...int) int64 {
		var n int64
		for _, i := range idx {
			v, _ := strconv.ParseInt(f[i-3], 10, 64)
			n += v
		}
		return n
	}
	f := fields(strconv.Itoa(pid))
	if f == nil {
		return 0
	}
	total := ticks(f, 14, 15, 16, 17)
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		if c := fields(d.Name()); c != nil && c[1] == strconv.Itoa(pid) {
			total += ticks(c, 14, 15)
		}
	}
	return time.Duration(total) * time.Second / 100 // USER_HZ
}
