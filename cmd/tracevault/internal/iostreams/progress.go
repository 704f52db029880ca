package iostreams

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Progress is a progress bar on stderr, drawn only when stderr is a
// terminal; on anything else every method does nothing.
type Progress struct {
	s       *IOStreams
	label   string
	total   int
	done    int
	start   time.Time
	last    time.Time
	mu      sync.Mutex
	started bool
}

// StartProgress returns a progress bar for total steps of work.
func (s *IOStreams) StartProgress(label string, total int) *Progress {
	return &Progress{s: s, label: label, total: total, start: time.Now()}
}

// Add records n more steps done and redraws at most every 100 ms, once
// the work has taken half a second (as git delays its progress meters).
func (p *Progress) Add(n int) {
	if p == nil || !p.s.errTTY || p.total <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if time.Since(p.start) < 500*time.Millisecond || time.Since(p.last) < 100*time.Millisecond && p.done < p.total {
		return
	}
	p.last = time.Now()
	p.started = true
	const width = 30
	frac := float64(min(p.done, p.total)) / float64(p.total)
	fill := int(frac * width)
	fmt.Fprintf(p.s.ErrOut, "\r%s [%s%s] %3.0f%% (%d/%d)", p.label, strings.Repeat("#", fill), strings.Repeat(" ", width-fill), 100*frac, min(p.done, p.total), p.total)
}

// Stop erases the bar.
func (p *Progress) Stop() {
	if p == nil || !p.started {
		return
	}
	fmt.Fprint(p.s.ErrOut, "\r\x1b[K")
	p.started = false
}
