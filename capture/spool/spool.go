package spool

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Version is the spool record format version.
const Version = 1

// MaxLine is the largest spool line a reader accepts (records are capped well
// below this by writers).
const MaxLine = 256 << 20

// Record is one line of a session's spool file.
type Record struct {
	V       int             `json:"v"`
	At      time.Time       `json:"at"`
	Agent   string          `json:"agent"`
	Payload json.RawMessage `json:"payload"`
	Invalid string          `json:"invalid,omitempty"`
	// Observed are file changes seen in the work tree around this event:
	// edits a shell command made (agent) or changes nobody's tool made
	// (human), with blob hashes of the contents.
	Observed []capture.FileEdit `json:"observed,omitempty"`
	// Usage is token usage read from the transcript at this event.
	Usage []capture.UsageEntry `json:"usage,omitempty"`
	// Head is the branch and commit at the session's first event.
	Head *Head `json:"head,omitempty"`
	// Denial is set when the policy guard refused this tool call.
	Denial *capture.Denial `json:"denial,omitempty"`
	// Verdict is the guard's canonical verdict JSON for this call, if any.
	Verdict json.RawMessage `json:"verdict,omitempty"`
	// Tools are tool calls and results read from the transcript at this
	// event. They complete what hooks saw: some calls fire no hook at all
	// (Claude Code rejects an Edit whose old_string is missing before any
	// PreToolUse), and a result may be the only record of a failure.
	Tools []TranscriptTool `json:"tools,omitempty"`
}

// TranscriptTool is what a transcript says about one tool call: its use
// (Name set), its result (Status set), or both. Input and Error are
// redacted and capped by the writer.
type TranscriptTool struct {
	ID      string          `json:"id"`
	Name    string          `json:"name,omitempty"`
	AgentID string          `json:"agent_id,omitempty"`
	Time    time.Time       `json:"time,omitempty"`
	Input   json.RawMessage `json:"input,omitempty"`
	// Status is capture.ToolOK, capture.ToolFailed or capture.ToolDenied
	// when the result was read, else empty.
	Status string `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Head is where the repository stood.
type Head struct {
	Branch string `json:"branch,omitempty"`
	Commit string `json:"commit,omitempty"`
}

// Dir is a repository's spool directory (.git/tracevault).
type Dir string

// ForGitDir returns the spool directory of the repository whose common git
// directory is gitDir.
func ForGitDir(gitDir string) Dir { return Dir(filepath.Join(gitDir, "tracevault")) }

// Path joins elements under the spool directory.
func (d Dir) Path(elem ...string) string {
	return filepath.Join(append([]string{string(d)}, elem...)...)
}

// SafeName maps a session id to a file name: ids made of [A-Za-z0-9._-] up
// to 128 bytes are kept, anything else becomes "x-" and a hash of the id.
func SafeName(id string) string {
	if id == "" {
		return "_unknown"
	}
	ok := len(id) <= 128 && id[0] != '.'
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	if ok {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "x-" + hex.EncodeToString(sum[:12])
}

// Append adds rec to the session's spool file. See the package doc for the
// guarantees.
func (d Dir) Append(session string, rec *Record) error {
	rec.V = Version
	line, err := encodeRecord(rec)
	if err != nil {
		return fmt.Errorf("encoding spool record: %w", err)
	}
	line = append(line, '\n')
	return d.appendLine(d.Path("spool", SafeName(session)+".jsonl"), line)
}

func (d Dir) appendLine(path string, line []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("creating spool directory: %w", err)
	}
	fd, err := openFile(path, syscall.O_RDWR|syscall.O_APPEND|syscall.O_CREAT, 0o600)
	if err != nil {
		return fmt.Errorf("opening spool %s: %w", path, err)
	}
	defer syscall.Close(fd)
	if err := flock(fd, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking spool %s: %w", path, err)
	}
	defer flock(fd, syscall.LOCK_UN) //nolint:errcheck // released on close anyway
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		return fmt.Errorf("stat spool %s: %w", path, &fs.PathError{Op: "stat", Path: path, Err: err})
	}
	if st.Size > 0 {
		var last [1]byte
		if n, err := syscall.Pread(fd, last[:], st.Size-1); err == nil && n == 1 && last[0] != '\n' {
			line = append([]byte{'\n'}, line...) // repair a torn tail
		}
	}
	if err := writeAll(fd, path, line); err != nil {
		return fmt.Errorf("appending to spool %s: %w", path, err)
	}
	return nil
}

// Sessions lists the session file names (without .jsonl) in the spool, in
// lexical order.
func (d Dir) Sessions() ([]string, error) {
	ents, err := os.ReadDir(d.Path("spool"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing spool: %w", err)
	}
	var out []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".jsonl"); ok && !e.IsDir() {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// ReadResult is what Read found in a session's spool.
type ReadResult struct {
	Records []Record
	// Skipped counts lines that did not parse (torn writes).
	Skipped int
	// Size is the file size read, for incremental readers.
	Size int64
}

// Read returns every record of a session's spool file (by safe name).
func (d Dir) Read(name string) (ReadResult, error) {
	data, err := ReadFile(d.Path("spool", name+".jsonl"))
	if err != nil {
		return ReadResult{}, fmt.Errorf("reading spool of session %s: %w", name, err)
	}
	return parseLines(data), nil
}

// ReadFrom parses spool lines from r.
func ReadFrom(r io.Reader) (ReadResult, error) {
	data, err := io.ReadAll(r)
	res := parseLines(data)
	if err != nil {
		return res, fmt.Errorf("reading spool: %w", err)
	}
	return res, nil
}

// parseLines parses spool lines. Records keep slices of data (their
// payloads), so data must not change afterwards.
func parseLines(data []byte) ReadResult {
	var res ReadResult
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[: i+1 : i+1]
		}
		data = data[len(line):]
		res.Size += int64(len(line))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[len(line)-1] != '\n' {
			res.Skipped++ // torn tail, never acknowledged
			continue
		}
		var rec Record
		if !decodeRecord(line, &rec) {
			rec = Record{}
			if json.Unmarshal(line, &rec) != nil {
				rec.V = 0
			}
		}
		if rec.V == 0 {
			res.Skipped++
		} else {
			res.Records = append(res.Records, rec)
		}
	}
	return res
}

// Remove deletes a session's spool file and state (after it was stored).
func (d Dir) Remove(name string) error {
	// The started marker goes first: without it, Started reads the state.
	for _, p := range []string{d.Path("state", name+".started"), d.Path("spool", name+".jsonl"), d.Path("state", name+".json")} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", p, err)
		}
	}
	return nil
}

// Log appends one line to hook.log. It never fails loudly: logging must not
// break a hook.
func (d Dir) Log(format string, args ...any) {
	msg := time.Now().UTC().Format(time.RFC3339) + " " + fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", " ") + "\n"
	_ = d.appendLine(d.Path("hook.log"), []byte(msg))
}
