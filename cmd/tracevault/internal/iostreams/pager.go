package iostreams

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// pagerFromEnv chooses the pager as git does for its own commands:
// GIT_PAGER, then PAGER, then "less". An empty value or "cat" means none.
// (git itself sets GIT_PAGER=cat for "git --no-pager tracevault ...".)
func pagerFromEnv(lookup func(string) (string, bool)) string {
	for _, k := range []string{"GIT_PAGER", "PAGER"} {
		if v, ok := lookup(k); ok {
			return v
		}
	}
	return "less"
}

// SetPager sets the pager command ("" or "cat" for none).
func (s *IOStreams) SetPager(cmd string) { s.pagerCmd = cmd }

// DisablePager turns the pager off (--no-pager).
func (s *IOStreams) DisablePager() { s.pagerCmd = "" }

type pagerProc struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	out io.Writer
}

// StartPager pipes Out through the pager when stdout is a terminal and a
// pager is configured. Colour decisions made before (ColorEnabled) stay
// as they were: less runs with -R (LESS=FRX unless LESS is set), as git
// does. Call StopPager when done writing.
func (s *IOStreams) StartPager() error {
	cmd := strings.TrimSpace(s.pagerCmd)
	if cmd == "" || cmd == "cat" || !s.outTTY || s.pagerProcess != nil {
		return nil
	}
	pc := exec.Command("sh", "-c", cmd) //nolint:gosec // the user's own pager setting
	pc.Env = os.Environ()
	if os.Getenv("LESS") == "" {
		pc.Env = append(pc.Env, "LESS=FRX")
	}
	if os.Getenv("LV") == "" {
		pc.Env = append(pc.Env, "LV=-c")
	}
	pc.Stdout, pc.Stderr = s.Out, s.ErrOut
	w, err := pc.StdinPipe()
	if err != nil {
		return err
	}
	if err := pc.Start(); err != nil {
		return fmt.Errorf("starting pager %q: %w", cmd, err)
	}
	s.pagerProcess = &pagerProc{cmd: pc, w: w, out: s.Out}
	s.Out = &epipeWriter{w}
	return nil
}

// StopPager closes the pager's input and waits for it to exit.
func (s *IOStreams) StopPager() {
	p := s.pagerProcess
	if p == nil {
		return
	}
	p.w.Close()
	_ = p.cmd.Wait()
	s.Out, s.pagerProcess = p.out, nil
}

// epipeWriter turns a closed pager (the user quit less) into silent
// success rather than a write error.
type epipeWriter struct{ w io.Writer }

func (e *epipeWriter) Write(b []byte) (int, error) {
	n, err := e.w.Write(b)
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
		return len(b), nil
	}
	return n, err
}
