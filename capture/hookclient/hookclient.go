// Package hookclient is the agent hook as agents run it: the lean
// tracevault-hook binary. It forwards the event to the repository's
// lingering hook server (see package hookwire), which runs the hook
// (package hookrun) warm, and passes its output and exit code on. With no
// server to answer, it runs the hook itself by executing tracevault-hookd,
// the hook's full binary, beside it (the server's start is left to that
// hook, which starts it in the background at a session's first event).
//
// It links no JSON, crypto, regexp or reflection-based package, so that it
// starts in the time a hello-world program does: the agent waits for it
// before every tool call.
package hookclient

import (
	"os"
	"path/filepath"
	"time"

	"github.com/tracevault/tracevault/capture/gitrepo"
	"github.com/tracevault/tracevault/capture/hookwire"
)

// FullName is the hook's full binary, which the client runs when no server
// answers, and which serves.
const FullName = "tracevault-hookd"

// Main is the whole of the tracevault-hook command.
func Main(args []string) int {
	// Git hooks installed by older versions ("git-hook NAME") and anything
	// that is not an agent hook go to the full binary.
	if len(args) == 0 || args[0] == "git-hook" || args[0] == "watch-worktree" || os.Getenv("TRACEVAULT_WATCH") == "off" {
		return runFull(args, nil)
	}
	wd, err := os.Getwd()
	if err != nil {
		return runFull(args, nil)
	}
	repo, err := gitrepo.FindRepo(wd)
	if err != nil {
		return runFull(args, nil)
	}
	c, err := dial(filepath.Join(repo.CommonDir, "tracevault", "state", hookwire.SocketName))
	if err != nil {
		// The hook this runs starts a server for the next events.
		os.Setenv(hookwire.NoServerEnv, "1")
		return runFull(args, nil)
	}
	defer c.close()
	stdin := readStdin()
	req := &hookwire.Request{Cwd: wd, Args: args, Env: os.Environ()}
	rep, err := c.exchange(hookwire.AppendRequestHead(make([]byte, 0, 4096), req, len(stdin)), stdin, budget())
	switch {
	case err == errTimeout:
		// The server holds the event past the hook's budget: end as the
		// hook's own watchdog would, without blocking the agent.
		return 0
	case err != nil || rep.Status == hookwire.Stale:
		return runFull(args, stdin)
	}
	_, _ = os.Stdout.Write(rep.Stdout)
	_, _ = os.Stderr.Write(rep.Stderr)
	return rep.Code
}

// budget is the hook's time budget (TRACEVAULT_HOOK_TIMEOUT, a Go
// duration, default 25 s), as the full hook's watchdog has it.
func budget() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("TRACEVAULT_HOOK_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 25 * time.Second
}

// readStdin reads the hook's input: up to one byte more than the hook
// keeps (so the server sees it was longer), the rest drained, so the agent
// never meets a broken pipe.
func readStdin() []byte {
	b := make([]byte, 0, 16<<10) // most payloads; every fresh page costs a fault
	for len(b) <= hookwire.MaxStdin {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := os.Stdin.Read(b[len(b):min(cap(b), hookwire.MaxStdin+1)])
		b = b[:len(b)+n]
		if err != nil {
			return b
		}
	}
	buf := make([]byte, 64<<10)
	for {
		if _, err := os.Stdin.Read(buf); err != nil {
			return b
		}
	}
}

// runFull runs the hook's full binary in this process's place, with stdin
// (nil: this process's standard input, unread) as its standard input. It
// returns only when that cannot be done: then the event goes unrecorded,
// and the agent is not held up.
func runFull(args []string, stdin []byte) int {
	full := fullBinary()
	if full == "" {
		os.Stderr.WriteString("tracevault-hook: " + FullName + " not found beside " + exeName() + " nor on PATH; this event is not recorded\n")
		return 0
	}
	if err := execWithStdin(full, append([]string{full}, args...), stdin); err != nil {
		os.Stderr.WriteString("tracevault-hook: running " + full + ": " + err.Error() + "; this event is not recorded\n")
	}
	return 0
}

func exeName() string {
	exe, err := os.Executable()
	if err != nil {
		return "tracevault-hook"
	}
	return exe
}

// fullBinary finds tracevault-hookd beside this executable, else on PATH.
func fullBinary() string {
	if exe, err := os.Executable(); err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
		p := filepath.Join(filepath.Dir(exe), FullName)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, FullName)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
