// Package iostreams holds the standard streams of a command, whether they are
// terminals, and the colour decision, so commands never touch os.Stdout
// directly and tests can capture everything.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	"golang.org/x/term"
)

// IOStreams are a command's streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY  bool
	noColor bool
}

// System returns the process's streams. Colour is on only when stdout is a
// terminal and NO_COLOR is unset.
func System() *IOStreams {
	tty := term.IsTerminal(int(os.Stdout.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, outTTY: tty, noColor: noColor || os.Getenv("TERM") == "dumb"}
}

// Test returns streams backed by buffers, not a terminal.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// SetStdoutTTY overrides terminal detection (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.outTTY = v }

// DisableColor turns colour off (--no-color).
func (s *IOStreams) DisableColor() { s.noColor = true }

// ColorEnabled reports whether output may carry ANSI colour.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }

// Renderer returns a lipgloss renderer for stdout that never queries the
// terminal (a terminal that does not answer OSC 11 would stall start-up):
// the background is assumed dark and the colour profile follows
// ColorEnabled.
func (s *IOStreams) Renderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(s.Out)
	r.SetHasDarkBackground(true)
	if s.ColorEnabled() {
		r.SetColorProfile(termenv.ANSI256)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	return r
}
