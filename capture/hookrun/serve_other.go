//go:build !linux

package hookrun

import (
	"errors"
	"time"
)

// hookServer is Linux-only, like the work-tree watcher it shares a process
// with: elsewhere the client runs every hook itself.
type hookServer struct{ stop chan struct{} }

func startHookServer(string, func(string, ...any)) (*hookServer, error) {
	return nil, errors.ErrUnsupported
}

func (s *hookServer) lastActive() time.Time { return time.Time{} }

func (s *hookServer) shutdown() {}
