// Package cmdutil holds what every command shares: the Factory of lazy
// dependencies, error types that map to exit codes, and flag helpers.
package cmdutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/tracevault/tracevault/cmd/tracevault/internal/iostreams"
)

// Factory gives commands their dependencies; tests replace any of them.
type Factory struct {
	IOStreams  *iostreams.IOStreams
	Getenv     func(string) string
	Getwd      func() (string, error)
	Now        func() time.Time
	Executable func() (string, error)
}

// New returns the process's factory.
func New() *Factory {
	return &Factory{
		IOStreams:  iostreams.System(),
		Getenv:     os.Getenv,
		Getwd:      os.Getwd,
		Now:        time.Now,
		Executable: os.Executable,
	}
}

// ExitCode is a process exit status with a documented meaning.
type ExitCode int

// Exit codes (documented in README.md).
const (
	ExitOK           ExitCode = 0
	ExitFailure      ExitCode = 1
	ExitUsage        ExitCode = 2
	ExitPolicy       ExitCode = 3
	ExitVerification ExitCode = 4
)

// FlagError is a usage mistake; the command's usage is printed.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf returns a *FlagError.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent exits 1 without printing (the command already said why).
var ErrSilent = errors.New("silent error")

// ExitError carries a specific exit code and an optional message.
type ExitError struct {
	Code ExitCode
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// ConfigDir is TraceVault's per-user directory: $TRACEVAULT_HOME, else
// $XDG_CONFIG_HOME/tracevault, else ~/.config/tracevault.
func (f *Factory) ConfigDir() string {
	if d := f.Getenv("TRACEVAULT_HOME"); d != "" {
		return d
	}
	if d := f.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "tracevault")
	}
	home := f.Getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return filepath.Join(home, ".config", "tracevault")
}

// WriterKeyPath is where this user's signing key on this machine lives.
func (f *Factory) WriterKeyPath() string {
	return filepath.Join(f.ConfigDir(), "keys", "writer.pem")
}

// HookCommands returns the commands agents and git hooks should run: the
// lean tracevault-hook binary beside this executable when present (it hands
// git hooks other than post-commit to this executable), else
// "<this executable> hook" and this executable; off Linux, agents run
// tracevault-hookd, the hook's full binary, directly.
func (f *Factory) HookCommands() (agentHook, gitHook string, err error) {
	exe, err := f.Executable()
	if err != nil {
		return "", "", fmt.Errorf("locating the tracevault executable: %w", err)
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	gitHook = exe
	if strings.HasPrefix(filepath.Base(exe), "git-") {
		if alt := filepath.Join(filepath.Dir(exe), "tracevault"); fileExists(alt) {
			gitHook = alt
		}
	}
	agentHook = gitHook + " hook"
	if lean := filepath.Join(filepath.Dir(exe), "tracevault-hook"); fileExists(lean) {
		agentHook, gitHook = lean, lean
	}
	// The hook server runs only on Linux (it shares a process with the
	// inotify watcher): elsewhere the client would execute the full hook at
	// every event, so agents run it directly.
	if full := filepath.Join(filepath.Dir(exe), "tracevault-hookd"); runtime.GOOS != "linux" && fileExists(full) {
		agentHook = full
	}
	if lean := filepath.Join(filepath.Dir(exe), "tracevault-githook"); fileExists(lean) {
		gitHook = lean
	}
	return agentHook, gitHook, nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
