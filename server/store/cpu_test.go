package store_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the kernel's USER_HZ, the unit of /proc CPU times.
const clockTick = 100

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns the CPU time of process pid and all its children, live or
// reaped, from /proc; 0 if pid is 0 or unreadable.
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
		return strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
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
	total := ticks(f, 14, 15, 16, 17) // utime, stime, cutime, cstime
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		if c := fields(d.Name()); c != nil && c[1] == strconv.Itoa(pid) { // ppid
			total += ticks(c, 14, 15)
		}
	}
	return time.Duration(total) * time.Second / clockTick
}
