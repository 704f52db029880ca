//go:build !linux

package fswatch

import (
	"errors"
	"time"

	"github.com/tracevault/tracevault/capture/worktree"
)

// DefaultLinger is how long a watcher waits for a question before it exits.
const DefaultLinger = 15 * time.Minute

// ErrNoWatcher is returned by [Ask] when no watcher listens.
var ErrNoWatcher = errors.New("no work-tree watcher")

// ErrRunning is returned by [Serve] when another watcher already serves
// the repository.
var ErrRunning = errors.New("a work-tree watcher already runs for this repository")

// Options tune [Serve].
type Options struct {
	Linger     time.Duration
	Ready      func()
	Active     func() time.Time
	Stop       <-chan struct{}
	Logf       func(format string, args ...any)
	MaxTouched int
}

// Conn is a look the watcher made, held until the asker acknowledges it.
type Conn struct{}

// Ack acknowledges the look.
func (c *Conn) Ack() {}

// Close ends the connection without acknowledging.
func (c *Conn) Close() {}

// Ask always reports that no watcher listens: watching needs inotify.
func Ask(stateDir string, timeout time.Duration) (*worktree.Look, *Conn, error) {
	return nil, nil, ErrNoWatcher
}

// Serve is not available off Linux: hooks scan the whole work tree.
func Serve(repo worktree.Repo, stateDir, snapFile string, opts Options) error {
	return errors.ErrUnsupported
}
