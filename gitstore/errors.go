package gitstore

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Backends wrap them; callers test with [errors.Is].
var (
	// ErrNotFound reports a missing object or ref.
	ErrNotFound = errors.New("gitstore: not found")
	// ErrRefConflict reports a lost compare-and-swap: a ref did not hold
	// the expected old value (or was locked by another writer). Re-read
	// and retry.
	ErrRefConflict = errors.New("gitstore: ref changed concurrently")
	// ErrInvalidRef reports a malformed ref name, prefix or refspec, or a
	// name that cannot coexist with existing refs (refs/a and refs/a/b).
	ErrInvalidRef = errors.New("gitstore: invalid ref")
	// ErrInvalidObject reports object bytes that do not parse strictly,
	// or tree entries or commit fields that cannot be encoded.
	ErrInvalidObject = errors.New("gitstore: invalid object")
	// ErrPushRejected reports that a remote refused at least one ref of a
	// push for a reason that fetching, merging and retrying can fix
	// (non-fast-forward, fetch first, a ref locked on the remote).
	ErrPushRejected = errors.New("gitstore: push rejected")
)

// GitError is a failed git command: its arguments, exit code and standard
// error. ExitCode is -1 when git did not exit normally (killed, or not
// started). Err is the underlying error, if any ([context.Canceled], an
// [exec.ExitError], a sentinel the backend recognised in Stderr).
type GitError struct {
	Args     []string
	ExitCode int
	Stderr   string
	Err      error
}

// Error names the command, its exit code and its standard error.
func (e *GitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "git %s: exit %d", strings.Join(e.Args, " "), e.ExitCode)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		b.WriteString(": ")
		b.WriteString(s)
	} else if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *GitError) Unwrap() error { return e.Err }
