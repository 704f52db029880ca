//go:build !linux

package fswatch

import (
	"errors"
	"time"

	"github.com/tracevault/tracevault/capture/worktree"
)

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
