// Package hookrun is the body of TraceVault's agent hook: it reads one hook
// payload from stdin, redacts it, observes the work tree where a tool call may
// have changed it, tails token usage from the transcript, applies the
// real-time policy guard, and appends one record to the session's spool.
//
// It must never block or break the agent: every problem is logged under
// .git/tracevault/hook.log and the hook still exits 0 (unless the policy guard
// denies a tool call, which uses the agent's own blocking convention). It
// imports only the standard library and the lean capture and policy packages,
// and never starts a git process: it runs before every tool call.
package hookrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/redact"
	"github.com/tracevault/tracevault/capture/spool"
	"github.com/tracevault/tracevault/capture/worktree"
)

// MaxStdin is the most of a payload the hook keeps; the rest is read and
// dropped so the agent never sees a broken pipe.
const MaxStdin = 256 << 20

// Options are the hook's inputs. Zero fields take the process's own.
type Options struct {
	Agent  string
	Stdin  io.Reader
	Stdout io.Writer
	Getwd  func() (string, error)
	Getenv func(string) string
	Now    func() time.Time
}

func (o *Options) defaults() {
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Getwd == nil {
		o.Getwd = os.Getwd
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Main runs the hook as a process: it returns the exit code and arranges a
// watchdog so that the process never outlives its budget
// (TRACEVAULT_HOOK_TIMEOUT, a Go duration, default 10s).
func Main(agent string) int {
	budget := 10 * time.Second
	if d, err := time.ParseDuration(os.Getenv("TRACEVAULT_HOOK_TIMEOUT")); err == nil && d > 0 {
		budget = d
	}
	timer := time.AfterFunc(budget, func() { os.Exit(0) })
	defer timer.Stop()
	return Run(Options{Agent: agent})
}

// Run handles one hook invocation and returns the exit code.
func Run(opts Options) (code int) {
	opts.defaults()
	h := &hook{opts: opts}
	defer func() {
		if r := recover(); r != nil {
			h.logf("panic in hook: %v\n%s", r, debug.Stack())
			code = 0
		}
	}()
	return h.run()
}

type hook struct {
	opts  Options
	agent *Agent
	dir   spool.Dir
	repo  worktree.Repo
	rec   spool.Record
	ev    capture.Event
	ok    bool // dir is usable
	out   []byte
	code  int
}

func (h *hook) logf(format string, args ...any) {
	if h.ok {
		h.dir.Log("agent=%s "+format, append([]any{h.opts.Agent}, args...)...)
		return
	}
	fmt.Fprintf(os.Stderr, "tracevault hook: "+format+"\n", args...)
}

func (h *hook) run() int {
	raw, truncated, err := readAll(h.opts.Stdin, MaxStdin)
	now := h.opts.Now().UTC()
	agent, known := Lookup(h.opts.Agent)
	var perr error
	if known {
		h.agent = agent
		h.ev, perr = agent.Parse(raw)
	} else {
		perr = fmt.Errorf("unknown agent %q", h.opts.Agent)
	}
	if err := h.openRepo(); err != nil {
		h.logf("no repository for this hook (%v); nothing recorded", err)
		return 0
	}
	if err != nil {
		h.logf("reading stdin: %v", err)
	}
	h.rec = spool.Record{At: now, Agent: h.opts.Agent}
	if known {
		h.rec.Agent = agent.Name
	}
	switch {
	case len(bytes.TrimSpace(raw)) == 0:
		h.rec.Invalid = "empty stdin"
		h.rec.Payload = json.RawMessage(`""`)
	case perr != nil || truncated:
		h.rec.Invalid = "payload is not a JSON object"
		if perr != nil {
			h.rec.Invalid += ": " + perr.Error()
		} else {
			h.rec.Invalid = "payload over " + strconv.Itoa(MaxStdin) + " bytes, truncated"
		}
		h.rec.Payload = invalidPayload(raw)
	default:
		h.rec.Payload = redact.Default().JSON(raw)
	}
	if h.rec.Invalid != "" {
		h.logf("session=%q: %s", h.ev.SessionID, h.rec.Invalid)
	}
	if known && perr == nil {
		h.observe()
	}
	if err := h.dir.Append(h.ev.SessionID, &h.rec); err != nil {
		h.logf("session=%q: %v", h.ev.SessionID, err)
		return 0
	}
	if len(h.out) > 0 {
		_, _ = h.opts.Stdout.Write(h.out)
	}
	return h.code
}

// openRepo finds the repository from the payload's cwd (or the process's).
func (h *hook) openRepo() error {
	dir := h.ev.Cwd
	if dir == "" {
		wd, err := h.opts.Getwd()
		if err != nil {
			return err
		}
		dir = wd
	}
	repo, err := worktree.FindRepo(dir)
	if err != nil {
		return err
	}
	h.repo = repo
	h.dir = spool.ForGitDir(repo.CommonDir)
	h.ok = true
	return nil
}

// invalidPayload keeps a capped, redacted copy of input that is not JSON as
// a JSON string (invalid UTF-8 is replaced).
func invalidPayload(raw []byte) json.RawMessage {
	const max = 64 << 10
	if len(raw) > max {
		raw = raw[:max]
	}
	s, _ := json.Marshal(redact.Default().String(string(bytes.ToValidUTF8(raw, []byte("\uFFFD")))))
	return s
}

func readAll(r io.Reader, max int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	_, err := io.Copy(&buf, io.LimitReader(r, max))
	if err != nil {
		return buf.Bytes(), false, err
	}
	n, _ := io.Copy(io.Discard, r)
	return buf.Bytes(), n > 0, nil
}

// rel makes an agent-given path repo-relative and slash-separated; paths
// outside the work tree come back with ok=false.
func (h *hook) rel(p string) (string, bool) {
	if p == "" {
		return "", false
	}
	if !filepath.IsAbs(p) {
		base := h.ev.Cwd
		if base == "" {
			base = h.repo.WorkTree
		}
		p = filepath.Join(base, p)
	}
	r, err := filepath.Rel(h.repo.WorkTree, filepath.Clean(p))
	if err != nil || r == ".." || len(r) > 2 && r[:3] == ".."+string(filepath.Separator) {
		return "", false
	}
	return filepath.ToSlash(r), true
}
