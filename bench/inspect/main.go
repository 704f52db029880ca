// Command inspect benchmarks the inspection commands on a generated
// repository of 100,000 commits and 20,000 tv1 notes (git fast-import, one
// stream; records written with record.Writer), cached in a temp directory
// keyed by a version so reruns skip generation. It prints each command's
// median wall time next to the git command it competes with, and the ratio:
//
//	tracevault log -n 100   vs git log -n 100 --notes=tracevault   (goal ≤ 2×)
//	tracevault blame big.go vs git blame big.go                    (goal ≤ 2×)
//	tracevault stats        time and peak RSS over the whole history
//
// Usage: go run ./bench/inspect -bin path/to/tracevault [-runs 5]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// version keys the cached repository; bump it when the generator changes.
const version = "v2"

func main() {
	bin := flag.String("bin", "", "tracevault binary to measure")
	runs := flag.Int("runs", 5, "runs per command (the median is reported)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: inspect -bin path/to/tracevault")
		os.Exit(2)
	}
	dir := filepath.Join(os.TempDir(), "tracevault-bench-inspect-"+version)
	if _, err := os.Stat(filepath.Join(dir, ".generated")); err != nil {
		os.RemoveAll(dir)
		t := time.Now()
		fmt.Printf("generating %d commits with %d notes in %s ...\n", nCommits, countNoted(), dir)
		if err := generate(context.Background(), dir); err != nil {
			fmt.Fprintln(os.Stderr, "generate:", err)
			os.Exit(1)
		}
		os.WriteFile(filepath.Join(dir, ".generated"), nil, 0o644)
		fmt.Printf("generated in %s\n", time.Since(t).Round(time.Millisecond))
	}
	tv := func(args ...string) []string { return append([]string{*bin, "--no-pager"}, args...) }
	cache := filepath.Join(dir, ".git", "tracevault", "cache")
	os.RemoveAll(cache)
	cold, _ := measure(dir, tv("log", "-n", "100"))
	fmt.Printf("tracevault log -n 100, cold verification cache: %s (verifies every chain a note links)\n", cold.wall.Round(time.Millisecond))
	compare(dir, *runs, "log -n 100", []string{"git", "log", "-n", "100", "--notes=tracevault"}, tv("log", "-n", "100"))
	compare(dir, *runs, "blame big.go (5,000 lines, 300 attributed commits)", []string{"git", "blame", "big.go"}, tv("blame", "big.go"))
	compare(dir, *runs, "blame big.go vs git blame -M -C --porcelain", []string{"git", "blame", "-M", "-C", "--porcelain", "big.go"}, tv("blame", "big.go"))
	os.RemoveAll(cache)
	for _, c := range [][]string{tv("stats", "--json"), tv("stats", "--json")} {
		r, err := measure(dir, c)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("tracevault stats over %d commits: %s wall, %s user+sys CPU, peak RSS %d MiB\n", nCommits, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), r.maxRSS>>10)
	}
}

func countNoted() int {
	n := 0
	for i := 1; i <= nCommits; i++ {
		if noted(i) {
			n++
		}
	}
	return n
}

type result struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
}

func measure(dir string, argv []string) (result, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_PAGER=cat", "NO_COLOR=1")
	t := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t)
	if err != nil {
		return result{}, fmt.Errorf("%v: %w\n%s", argv, err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return result{wall: wall, cpu: cpu, maxRSS: ru.Maxrss}, nil
}

func median(dir string, runs int, argv []string) time.Duration {
	var ds []time.Duration
	for i := 0; i < runs; i++ {
		r, err := measure(dir, argv)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ds = append(ds, r.wall)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

// compare interleaves nothing fancy: warm both once, then take medians.
func compare(dir string, runs int, name string, base, ours []string) {
	measure(dir, base)
	measure(dir, ours)
	b, o := median(dir, runs, base), median(dir, runs, ours)
	fmt.Printf("%-55s git %8s   tracevault %8s   ratio %.2f×\n", name, b.Round(100*time.Microsecond), o.Round(100*time.Microsecond), float64(o)/float64(b))
}
