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
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
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
	// CompilePolicy compiles a policy file the hook has not cached; nil
	// means [ExecPolicyCompiler].
	CompilePolicy PolicyCompiler
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
// (TRACEVAULT_HOOK_TIMEOUT, a Go duration, default 25s: below the 30 s timeout
// init gives agents, so the hook ends before the agent kills it).
func Main(agent string) int {
	growStack(len(agent))
	budget := 25 * time.Second
	if d, err := time.ParseDuration(os.Getenv("TRACEVAULT_HOOK_TIMEOUT")); err == nil && d > 0 {
		budget = d
	}
	timer := time.AfterFunc(budget, func() {
		if d := logDir.Load(); d != nil {
			d.Log("agent=%s hook ran past its budget of %v and exited; this event may be unrecorded", agent, budget)
		}
		os.Exit(0)
	})
	defer timer.Stop()
	return Run(Options{Agent: agent})
}

// growStack makes the goroutine's stack as large as the hook's deepest
// call chain needs (under 8 KB: the hook runs with debug.SetMaxStack(8192))
// while it is shallow. A goroutine starts with 2 KB, and the runtime would
// otherwise grow it twice deep in the payload decoding, each time copying
// the stack and adjusting every frame through the PC tables; here it grows
// once, copying three frames.
//
//go:noinline
func growStack(n int) byte {
	var pad [5 << 10]byte
	return pad[n&(len(pad)-1)]
}

// logDir is where the watchdog of [Main] logs, once a hook found it.
var logDir atomic.Pointer[spool.Dir]

// Run handles one hook invocation and returns the exit code.
func Run(opts Options) (code int) {
	opts.defaults()
	h := &hook{opts: opts}
	defer func() {
		if r := recover(); r != nil {
			h.logf("panic in hook: %v\n%s", r, debug.Stack())
			h.salvage(fmt.Sprint(r))
			code = 0
		}
	}()
	return h.run()
}

// salvage appends, after a panic, a record holding only the event's
// identifiers (no free text, so nothing unredacted), so that the event is
// not lost: its tool call still pairs and counts.
func (h *hook) salvage(why string) {
	if !h.ok || h.appended {
		return
	}
	ev := h.ev
	skel, _ := json.Marshal(map[string]string{"session_id": ev.SessionID, "hook_event_name": ev.HookEvent,
		"tool_name": ev.ToolName, "tool_use_id": ev.ToolUseID, "agent_id": ev.AgentID, "agent_type": ev.AgentType,
		"transcript_path": ev.TranscriptPath, "cwd": ev.Cwd})
	rec := spool.Record{At: h.opts.Now().UTC(), Agent: h.opts.Agent, Payload: skel,
		Invalid: "hook failed (" + why + "); only the event's identifiers were kept"}
	if h.agent != nil {
		rec.Agent = h.agent.Name
	}
	if err := h.dir.Append(ev.SessionID, &rec); err != nil {
		h.logf("session=%q: %v", ev.SessionID, err)
	}
	h.appended = true
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
	// appended is set once the event's record was written.
	appended bool
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
	cut := 0
	if len(raw) > MaxPayload && !truncated {
		// Long strings (file contents, command output) are cut before
		// anything decodes them: the hook must stay fast, and a record
		// must stay small. Contents come from the work tree instead.
		raw, cut = shrinkPayload(raw)
	}
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
	if cut > 0 {
		h.logf("session=%q: payload over %d bytes: %d long strings truncated", h.ev.SessionID, MaxPayload, cut)
		for i := range h.ev.Edits {
			h.ev.Edits[i].Original, h.ev.Edits[i].Content = nil, nil // cut, so not the file's
		}
	}
	if known && perr == nil {
		h.observe()
	}
	err = h.dir.Append(h.ev.SessionID, &h.rec)
	h.appended = true
	if err != nil {
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
	if err != nil && h.ev.Cwd != "" {
		// The payload's cwd may be gone or elsewhere; the agent runs hooks
		// in the project directory.
		if wd, werr := h.opts.Getwd(); werr == nil {
			if r, rerr := worktree.FindRepo(wd); rerr == nil {
				repo, err = r, nil
			}
		}
	}
	if err != nil {
		return err
	}
	h.repo = repo
	h.dir = spool.ForGitDir(repo.CommonDir)
	h.ok = true
	logDir.Store(&h.dir)
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
	// Most payloads fit the first buffer, read in one or two calls. A
	// forwarded payload (the hook server's) is sized exactly: fresh memory
	// costs page faults, and zeroing it, time.
	size := int64(64 << 10)
	if l, ok := r.(interface{ Len() int }); ok {
		size = min(int64(l.Len())+1, max+1)
	}
	buf := make([]byte, 0, size)
	lr := &io.LimitedReader{R: r, N: max}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return buf, false, err
		}
	}
	if lr.N > 0 {
		return buf, false, nil // r itself said EOF: nothing left to drop
	}
	n, _ := io.Copy(io.Discard, r)
	return buf, n > 0, nil
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

// MaxPayload is the largest payload a record keeps as sent; a larger one
// has its long strings (file contents, command output) cut to
// [MaxPayloadString] bytes, and is re-encoded with sorted keys.
const MaxPayload = 1 << 20

// MaxPayloadString is what a long string of an oversized payload keeps.
const MaxPayloadString = 16 << 10

// shrinkPayload copies a JSON text with every string longer than
// [MaxPayloadString] bytes (as escaped) cut at a character boundary and
// marked, and returns the number of strings cut. It reads bytes only, in
// one pass; invalid JSON stays invalid.
func shrinkPayload(raw []byte) ([]byte, int) {
	out := make([]byte, 0, min(len(raw), 4*MaxPayload))
	n := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '"' {
			out = append(out, c)
			i++
			continue
		}
		// A string: find its end and the last safe cut within the limit.
		j, cut := i+1, -1
		for j < len(raw) && raw[j] != '"' {
			if j-i-1 >= MaxPayloadString && cut < 0 {
				cut = j
			}
			if raw[j] == '\\' {
				j++
			}
			j++
			for j < len(raw) && raw[j]&0xC0 == 0x80 { // inside a UTF-8 sequence
				j++
			}
		}
		if cut < 0 || j >= len(raw) {
			end := min(j+1, len(raw))
			out = append(out, raw[i:end]...)
			i = end
			continue
		}
		n++
		out = append(out, raw[i:cut]...)
		out = append(out, "[truncated by tracevault: "+strconv.Itoa(j-i-1)+" bytes]\""...)
		i = j + 1
	}
	return out, n
}

// MainArgs is the whole of the tracevault-hook command: "git-hook NAME
// ARGS..." runs GitHook, "watch-worktree DIR" runs Watch, anything else is
// an agent hook with --agent NAME.
func MainArgs(args []string) int {
	if len(args) > 0 && args[0] == "git-hook" {
		return GitHook(args[1:])
	}
	if len(args) > 0 && args[0] == "watch-worktree" {
		return Watch(args[1:])
	}
	return Main(agentArg(args))
}

// agentArg returns the agent an agent hook's command line names with
// --agent NAME or --agent=NAME.
func agentArg(args []string) string {
	agent := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--agent" && i+1 < len(args):
			agent = args[i+1]
			i++
		case strings.HasPrefix(a, "--agent="):
			agent = strings.TrimPrefix(a, "--agent=")
		}
	}
	return agent
}
