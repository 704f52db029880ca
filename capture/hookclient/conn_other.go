//go:build !linux

package hookclient

import (
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture/hookwire"
)

var errTimeout = errors.New("hook server timed out")

type conn struct{}

// dial fails off Linux: the hook server runs only where the work-tree
// watcher does, and the client runs the hook itself.
func dial(string) (*conn, error) { return nil, errors.ErrUnsupported }

func (c *conn) close() {}

func (c *conn) exchange(_, _ []byte, _ time.Duration) (*hookwire.Reply, error) {
	return nil, errors.ErrUnsupported
}

// execWithStdin executes path in this process's place; off Linux stdin is
// always nil (dial never succeeds).
func execWithStdin(path string, argv []string, stdin []byte) error {
	if stdin != nil {
		return errors.ErrUnsupported
	}
	return syscall.Exec(path, argv, os.Environ())
}
