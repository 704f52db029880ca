package spool

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tracevault/tracevault/capture"
	"os"
	"path/filepath"
	"syscall"
)

// State is a session's small mutable state, kept between hook processes.
type State struct {
	// Offsets maps a transcript path to the byte offset read so far.
	Offsets map[string]int64 `json:"offsets,omitempty"`
	// AgentState holds opaque per-file state of agent-specific readers.
	AgentState map[string]json.RawMessage `json:"agent_state,omitempty"`
	// Started is set once the session's first event was recorded.
	Started bool `json:"started,omitempty"`
	// Model is the model seen last in the transcript.
	Model string `json:"model,omitempty"`
	// Usage sums the session's usage so far (for budgets), and Requests
	// holds each request's counted tokens by de-duplication key, so a later,
	// larger copy of a request only adds its difference.
	Usage    capture.ModelUsage        `json:"usage"`
	Requests map[string]capture.Tokens `json:"requests,omitempty"`
	// Secrets counts secrets redacted from the session's payloads.
	Secrets int `json:"secrets,omitempty"`
}

// WithState loads the session's state under an exclusive lock, calls fn, and
// saves the state if fn returns nil.
func (d Dir) WithState(session string, fn func(*State) error) error {
	return d.withLockedJSON(d.Path("state", SafeName(session)+".json"), fn)
}

func (d Dir) withLockedJSON(path string, fn func(*State) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating state directory: %w", err)
	}
	var ferr error
	err := Update(path, func(buf []byte) ([]byte, bool) {
		var st State
		if len(buf) > 0 {
			_ = json.Unmarshal(buf, &st) // a damaged state restarts from zero
		}
		if ferr = fn(&st); ferr != nil {
			return nil, false
		}
		out, err := json.Marshal(&st)
		if err != nil {
			ferr = fmt.Errorf("encoding state: %w", err)
			return nil, false
		}
		return out, !bytes.Equal(out, buf) // unchanged: no write on the hook's hot path
	})
	if ferr != nil {
		return ferr
	}
	if err != nil {
		return fmt.Errorf("saving state %s: %w", path, err)
	}
	return nil
}

// Lock takes an exclusive lock named name under state/ and returns its
// release function. It serialises work such as work-tree snapshots.
func (d Dir) Lock(name string) (func(), error) { return d.lock(name, syscall.LOCK_EX) }

// tryLock is Lock without waiting: it returns a nil release function and no
// error when another process holds the lock.
func (d Dir) tryLock(name string) (func(), error) {
	unlock, err := d.lock(name, syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return nil, nil
	}
	return unlock, err
}

func (d Dir) lock(name string, how int) (func(), error) {
	path := d.Path("state", name+".lock")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating state directory: %w", err)
	}
	fd, err := openFile(path, syscall.O_RDWR|syscall.O_CREAT, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening lock %s: %w", path, err)
	}
	if err := flock(fd, how); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { _ = flock(fd, syscall.LOCK_UN); syscall.Close(fd) }, nil
}

// ReadState returns the session's state as last saved, read under the
// file's lock held shared (WithState writes it in place under the lock held
// exclusively). A missing or damaged file reads as the zero State.
func (d Dir) ReadState(session string) State {
	var st State
	if buf, err := ReadShared(d.Path("state", SafeName(session)+".json")); err == nil {
		_ = json.Unmarshal(buf, &st)
	}
	return st
}

// startedPath is the marker file saying that the session's state has
// Started set: checking it costs one stat, where ReadState decodes the
// whole state, and the hook asks on every event.
func (d Dir) startedPath(session string) string {
	return d.Path("state", SafeName(session)+".started")
}

// Started reports whether the session's state has Started set. It is the
// cheap form of ReadState(session).Started: it reads the marker written by
// MarkStarted and, when the marker is missing, the state itself (and
// writes the marker if the state says so).
func (d Dir) Started(session string) bool {
	if _, err := os.Stat(d.startedPath(session)); err == nil {
		return true
	}
	if !d.ReadState(session).Started {
		return false
	}
	d.MarkStarted(session)
	return true
}

// MarkStarted records that the session's state has Started set. Call it
// only after a WithState that set Started returned nil.
func (d Dir) MarkStarted(session string) {
	if fd, err := openFile(d.startedPath(session), syscall.O_WRONLY|syscall.O_CREAT, 0o600); err == nil {
		syscall.Close(fd)
	}
}
