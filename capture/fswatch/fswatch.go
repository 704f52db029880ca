package fswatch

import (
	"errors"
	"time"
)

// ErrNoWatcher is returned by [Ask] when no watcher listens.
var ErrNoWatcher = errors.New("no work-tree watcher")

// DefaultLinger is how long a watcher waits for a question before it exits.
const DefaultLinger = 15 * time.Minute

// ErrRunning is returned by [Serve] when another watcher already serves
// the repository.
var ErrRunning = errors.New("a work-tree watcher already runs for this repository")

// Options tune [Serve].
type Options struct {
	// Linger is how long the watcher waits for a question before it exits
	// (0 means DefaultLinger).
	Linger time.Duration
	// Ready, if set, is called once the watcher answers questions.
	Ready func()
	// Active, if set, returns when the process last did other work the
	// watcher should linger for (the hook server's requests).
	Active func() time.Time
	// Stop, if not nil, ends the watcher when it is closed (the hook
	// server's executable was replaced): it writes its last look and
	// returns.
	Stop <-chan struct{}
	// Logf, if set, receives what the watcher has to say.
	Logf func(format string, args ...any)
	// MaxTouched caps the paths remembered between two looks; past it the
	// watcher forgets them and the next look scans the whole tree (0 means
	// 100,000).
	MaxTouched int
}
