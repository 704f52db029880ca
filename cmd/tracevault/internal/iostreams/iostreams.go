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
	errTTY  bool
	noColor bool

	pagerCmd     string
	pagerProcess *pagerProc
}

// System returns the process's streams. Colour is on only when stdout is a
// terminal and NO_COLOR is unset. TRACEVAULT_FORCE_TTY=1 makes both
// stdout and stderr count as terminals (for end-to-end tests of colour,
// pager and progress). The pager is GIT_PAGER, else PAGER, else
// "less -FRX", as git chooses it.
func System() *IOStreams {
	force := os.Getenv("TRACEVAULT_FORCE_TTY") == "1"
	tty := force || term.IsTerminal(int(os.Stdout.Fd()))
	etty := force || term.IsTerminal(int(os.Stderr.Fd()))
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, outTTY: tty, errTTY: etty,
		noColor: noColor || os.Getenv("TERM") == "dumb", pagerCmd: pagerFromEnv(os.LookupEnv)}
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

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// SetStderrTTY overrides terminal detection of stderr (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.errTTY = v }

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
