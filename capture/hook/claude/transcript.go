package claude

// Claude Code transcripts
//
// Claude Code appends one JSON object per line to
// ~/.claude/projects/<slug>/<sessionId>.jsonl. Only lines carrying a
// top-level message.usage count as model requests (type "assistant"); every
// other line type (user, system, summary, file-history-snapshot, …) is read
// only for [TranscriptInfo]. Unknown line types and fields are ignored, and a
// line that is not valid JSON is counted in [TranscriptInfo.Malformed] and
// skipped.
//
// A usage line looks like (abridged):
//
//	{"type":"assistant","sessionId":"…","version":"2.1.38","timestamp":"2026-02-10T21:58:17.856Z",
//	 "isSidechain":false,"requestId":"req_011…",
//	 "message":{"id":"msg_01…","model":"claude-opus-4-6","usage":{"input_tokens":2,
//	   "cache_creation_input_tokens":2398,"cache_read_input_tokens":15584,
//	   "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":2398},
//	   "output_tokens":3,"speed":"standard"}}}
//
// It becomes a [capture.UsageEntry] with Key "msg_01…:req_011…". A streamed
// response is written as one line per content block, all with the same Key;
// the aggregator keeps the largest. When usage.cache_creation is missing
// (older versions) every cache write is a 5-minute write.
//
// Subagents write their own files, <sessionId>/subagents/agent-<id>.jsonl
// (or, in 2.0.x, agent-<id>.jsonl beside the session file). Newer versions
// also echo the subagent's lines into the parent as type "progress" lines
// with data.type "agent_progress". [ReadSession] and [TailTranscript] count
// an agent's progress lines only when no file exists for that agent, so a
// request is never counted from both.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// SyntheticModel is the model name Claude Code gives to messages it writes
// itself (API errors, interruptions). They are not model requests.
const SyntheticModel = "<synthetic>"

// ParseOptions controls [ParseTranscript].
type ParseOptions struct {
	// HasAgentFile reports whether the subagent with the given id has its own
	// transcript file that is read as well. Progress lines of such agents are
	// skipped so that no request is counted twice. Nil means no agent has a
	// file: every agent_progress line is used.
	HasAgentFile func(agentID string) bool
	// IgnoreProgress skips every agent_progress line, as ccusage does.
	IgnoreProgress bool
	// SkipInfo skips decoding lines without usage, leaving [TranscriptInfo]
	// with only Lines and Malformed counted among usage lines. Used on hot
	// paths.
	SkipInfo bool
}

// TranscriptInfo describes a transcript as read by [ParseTranscript].
type TranscriptInfo struct {
	SessionID string
	CWD       string
	GitBranch string
	// Version is the Claude Code version of the last line that named one.
	Version string
	// First and Last are the earliest and latest line timestamps.
	First, Last time.Time
	// Models lists the models of the usage entries in first-seen order.
	Models []string
	// Lines counts the complete lines read; Malformed counts those that are
	// not valid JSON; Skipped counts usage lines rejected as invalid (bad
	// timestamp, non-version "version", empty ids, negative counts).
	Lines, Malformed, Skipped int
}

// usageMarker is looked for before decoding a line: lines without it carry
// no usage and are decoded only when [TranscriptInfo] is wanted.
var usageMarker = []byte(`"usage"`)

// ParseTranscript reads a whole transcript and returns its usage entries in
// line order, without de-duplication. It fails only on read errors.
func ParseTranscript(r io.Reader, opts ParseOptions) ([]capture.UsageEntry, TranscriptInfo, error) {
	p := newParser(opts)
	br := bufio.NewReaderSize(r, 256<<10)
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long, line...)
			continue
		}
		if long != nil {
			line = append(long, line...)
			long = long[:0]
		}
		if len(line) > 0 {
			p.line(line)
		}
		if errors.Is(err, io.EOF) {
			return p.entries, p.info, nil
		}
		if err != nil {
			return p.entries, p.info, fmt.Errorf("reading transcript: %w", err)
		}
	}
}

// TailTranscript reads the complete lines of the transcript at path that
// start at byte offset and returns their usage entries and the offset just
// past the last complete line. A last line without its '\n' (still being
// written) is not consumed: the next call starting at newOffset reads it
// once it is complete. Progress lines are skipped for agents whose own file
// exists beside the transcript (see [SubagentFiles]).
func TailTranscript(path string, offset int64) (entries []capture.UsageEntry, newOffset int64, err error) {
	u := NewUsageTail(path)
	newOffset, err = ReadLines(path, offset, u.Lines)
	return u.Entries(), newOffset, err
}

// UsageTail collects the usage entries of complete transcript lines read
// by the caller, as [TailTranscript] does: a hook reads a transcript's new
// lines once (with [ReadLines]) for both usage and [ToolCalls].
type UsageTail struct{ p *parser }

// NewUsageTail returns a UsageTail for lines of the transcript at path
// (whose directory tells which subagents have files of their own).
func NewUsageTail(path string) *UsageTail {
	return &UsageTail{newParser(ParseOptions{HasAgentFile: agentFileChecker(path), SkipInfo: true})}
}

// Lines reads complete lines, each ending in '\n'.
func (u *UsageTail) Lines(b []byte) { u.p.lines(b) }

// Entries returns the entries of the lines read so far, in line order.
func (u *UsageTail) Entries() []capture.UsageEntry { return u.p.entries }

// ReadLines calls fn with the complete lines that the file at path holds
// from byte offset on, and returns the offset past the last of them. It
// opens the file once and reads what is new in one read when it is at
// most tailChunk bytes, else in chunks of whole lines; fn may keep the
// slices it is given. A last line without its '\n' is not read.
func ReadLines(path string, offset int64, fn func(lines []byte)) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return offset, fmt.Errorf("opening transcript %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return offset, fmt.Errorf("reading transcript %s: %w", path, err)
	}
	next, err := readLines(f, offset, fi.Size(), tailChunk, fn)
	if err != nil {
		return next, fmt.Errorf("reading transcript %s: %w", path, err)
	}
	return next, nil
}

// tailChunk is the most ReadLines reads at once (unless one line is longer).
const tailChunk = 1 << 20

// readLines is ReadLines on r, a file of size bytes, reading chunk bytes
// at a time.
func readLines(r io.ReaderAt, offset, size int64, chunk int64, fn func(lines []byte)) (int64, error) {
	if size <= offset {
		return offset, nil // nothing new: most Stop events
	}
	buf := make([]byte, min(size-offset, chunk))
	have := 0     // bytes of buf holding the start of an incomplete line
	pos := offset // the file offset of buf[have]
	for pos < size {
		if have == len(buf) { // a line longer than buf
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := r.ReadAt(buf[have:have+int(min(int64(len(buf)-have), size-pos))], pos)
		pos += int64(m)
		have += m
		if end := bytes.LastIndexByte(buf[:have], '\n') + 1; end > 0 {
			fn(buf[:end:end])
			offset += int64(end)
			// A new buffer: fn may keep what it was given.
			rest := buf[end:have]
			buf = make([]byte, max(int(min(size-pos, chunk)), len(rest)))
			have = copy(buf, rest)
		}
		if errors.Is(err, io.EOF) || m == 0 && err == nil {
			break // the file shrank
		}
		if err != nil {
			return offset, err
		}
	}
	return offset, nil
}

// lines handles complete lines, each ending in '\n'.
func (p *parser) lines(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			i = len(b) - 1
		}
		p.line(b[:i+1])
		b = b[i+1:]
	}
}

// ReadSession reads the transcript at path together with its subagent files
// (see [SubagentFiles]) and returns the entries of all of them, the main
// file's first. Info describes the main file.
func ReadSession(path string) ([]capture.UsageEntry, TranscriptInfo, error) {
	subs, err := SubagentFiles(path)
	if err != nil {
		return nil, TranscriptInfo{}, err
	}
	has := map[string]bool{}
	for _, s := range subs {
		has[AgentIDFromPath(s)] = true
	}
	entries, info, err := parseFile(path, ParseOptions{HasAgentFile: func(id string) bool { return has[id] }})
	if err != nil {
		return nil, info, err
	}
	for _, s := range subs {
		e, _, err := parseFile(s, ParseOptions{})
		if err != nil {
			return nil, info, err
		}
		entries = append(entries, e...)
	}
	return entries, info, nil
}

func parseFile(path string, opts ParseOptions) ([]capture.UsageEntry, TranscriptInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, TranscriptInfo{}, fmt.Errorf("opening transcript %s: %w", path, err)
	}
	defer f.Close()
	e, info, err := ParseTranscript(f, opts)
	if err != nil {
		return nil, info, fmt.Errorf("%s: %w", path, err)
	}
	return e, info, nil
}

// SubagentFiles returns the subagent transcripts of the session transcript
// at path, sorted: <dir>/<session>/subagents/agent-*.jsonl, and the legacy
// <dir>/agent-*.jsonl files whose lines name the same session. A missing
// directory is not an error.
func SubagentFiles(path string) ([]string, error) {
	dir, base := filepath.Split(path)
	session := strings.TrimSuffix(base, ".jsonl")
	files, err := filepath.Glob(filepath.Join(dir, session, "subagents", "agent-*.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("listing subagents of %s: %w", path, err)
	}
	legacy, err := filepath.Glob(filepath.Join(dir, "agent-*.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("listing subagents of %s: %w", path, err)
	}
	for _, l := range legacy {
		if l != path && fileSession(l) == session {
			files = append(files, l)
		}
	}
	slices.Sort(files)
	return files, nil
}

// AgentIDFromPath returns the agent id of a subagent file named
// agent-<id>.jsonl, or "" for any other name.
func AgentIDFromPath(path string) string {
	base := filepath.Base(path)
	if !strings.HasPrefix(base, "agent-") || !strings.HasSuffix(base, ".jsonl") {
		return ""
	}
	return strings.TrimSuffix(strings.TrimPrefix(base, "agent-"), ".jsonl")
}

// fileSession returns the sessionId of the first line of a transcript that
// names one, reading at most the first 64 lines.
func fileSession(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for i := 0; i < 64 && sc.Scan(); i++ {
		var env struct {
			SessionID string `json:"sessionId"`
		}
		if json.Unmarshal(sc.Bytes(), &env) == nil && env.SessionID != "" {
			return env.SessionID
		}
	}
	return ""
}

// agentFileChecker returns a HasAgentFile for the transcript at path that
// looks for the agent's file on disk once per agent id.
func agentFileChecker(path string) func(string) bool {
	dir, base := filepath.Split(path)
	session := strings.TrimSuffix(base, ".jsonl")
	var mu sync.Mutex
	seen := map[string]bool{}
	return func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		if has, ok := seen[id]; ok {
			return has
		}
		name := "agent-" + id + ".jsonl"
		has := exists(filepath.Join(dir, session, "subagents", name)) || exists(filepath.Join(dir, name))
		seen[id] = has
		return has
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
