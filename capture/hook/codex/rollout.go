package codex

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tracevault/tracevault/capture"
)

// Rollout is what a Codex rollout file says about its session: identity,
// models, token usage per request, tool calls and file changes.
type Rollout struct {
	SessionID    string
	Cwd          string
	CLIVersion   string
	Originator   string
	ForkedFromID string
	// Models lists the models in order of first use.
	Models []string
	Usage  []capture.UsageEntry
	// ToolCalls are the model's tool calls with their outputs, paired by
	// call id, in call order.
	ToolCalls []ToolCall
	// FileChanges are the edits apply_patch calls (and, in 0.169,
	// FileChange items) describe, in order. Paths are relative to Cwd.
	FileChanges []capture.FileEdit
	// BadLines counts lines that are not JSON objects (skipped).
	BadLines int
}

// ToolCall is one tool call recorded in a rollout.
type ToolCall struct {
	ID     string
	Name   string
	Kind   capture.ToolKind
	TurnID string
	Model  string
	Time   time.Time
	// Input is the call's arguments (a JSON object text for function
	// tools, the raw text for custom tools such as apply_patch).
	Input  string
	Output string
	Status string
}

// Line is one decoded rollout line: {"timestamp", "ordinal"?, "type",
// "payload"}.
type Line struct {
	Time    time.Time
	Ordinal int64
	Type    string
	Payload json.RawMessage
}

// ErrBadLine reports a rollout line that is not a JSON object.
var ErrBadLine = errors.New("codex: rollout line is not a JSON object")

// ParseLine decodes one rollout line. Unknown types and fields are kept
// opaque; only a line that is not a JSON object is an error.
func ParseLine(b []byte) (Line, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil || f == nil {
		return Line{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	l := Line{Type: f.str("type"), Payload: f.raw("payload"), Ordinal: f.int("ordinal")}
	l.Time, _ = time.Parse(time.RFC3339Nano, f.str("timestamp"))
	return l, nil
}

// builder accumulates a [Rollout] line by line.
type builder struct {
	r     Rollout
	usage usageState
	turn  string
	calls map[string]int // call id → index in r.ToolCalls
	// fileChangeIDs are call ids whose edits came from a FileChange item,
	// so the apply_patch call of the same id adds none.
	fileChangeIDs map[string]bool
}

func newBuilder() *builder {
	return &builder{calls: map[string]int{}, fileChangeIDs: map[string]bool{}}
}

// add processes one line; usageOnly skips tool calls and file changes.
func (b *builder) add(raw []byte, usageOnly bool) {
	l, err := ParseLine(raw)
	if err != nil {
		b.r.BadLines++
		return
	}
	var p fields
	_ = json.Unmarshal(l.Payload, &p)
	switch l.Type {
	case "session_meta":
		b.sessionMeta(p)
	case "turn_context":
		if m := p.str("model"); m != "" {
			b.usage.Model = m
			b.addModel(m)
		}
		b.turn = p.str("turn_id")
		if c := p.str("cwd"); c != "" && b.r.Cwd == "" {
			b.r.Cwd = c
		}
	case "token_usage_record":
		b.usage.usageRecord(l.Time, p)
	case "compacted":
		if e, ok := b.usage.compacted(p); ok {
			b.addUsage(e)
		}
	case "event_msg":
		switch p.str("type") {
		case "token_count":
			if e, ok := b.usage.tokenCount(l.Time, p); ok {
				b.addUsage(e)
			}
		case "item_completed":
			if !usageOnly {
				b.itemCompleted(l.Time, p)
			}
		}
	case "response_item":
		if !usageOnly {
			b.responseItem(l.Time, p)
		}
	}
}

func (b *builder) sessionMeta(p fields) {
	id := p.str("id", "session_id")
	if b.r.SessionID == "" {
		b.r.SessionID = id
		b.usage.SessionID = id
	}
	if b.r.Cwd == "" {
		b.r.Cwd = p.str("cwd")
	}
	if b.r.CLIVersion == "" {
		b.r.CLIVersion = p.str("cli_version")
	}
	if b.r.Originator == "" {
		b.r.Originator = p.str("originator")
	}
	if b.r.ForkedFromID == "" {
		b.r.ForkedFromID = p.str("forked_from_id")
	}
}

func (b *builder) addModel(m string) {
	if !slices.Contains(b.r.Models, m) {
		b.r.Models = append(b.r.Models, m)
	}
}

func (b *builder) addUsage(e capture.UsageEntry) {
	b.addModel(e.Model)
	b.r.Usage = append(b.r.Usage, e)
}

func (b *builder) responseItem(ts time.Time, p fields) {
	switch typ := p.str("type"); typ {
	case "function_call", "custom_tool_call", "local_shell_call", "web_search_call":
		c := ToolCall{ID: p.str("call_id", "id"), Name: p.str("name"), TurnID: b.turn, Model: b.usage.Model, Time: ts, Status: p.str("status")}
		switch typ {
		case "function_call":
			c.Input = p.str("arguments")
		case "custom_tool_call":
			c.Input = p.str("input")
		case "local_shell_call":
			c.Name, c.Input = "local_shell", string(p.raw("action"))
		case "web_search_call":
			c.Name, c.Input = "web_search", string(p.raw("action"))
		}
		c.Kind = ToolKind(c.Name)
		if c.ID != "" {
			b.calls[c.ID] = len(b.r.ToolCalls)
		}
		b.r.ToolCalls = append(b.r.ToolCalls, c)
		if c.Kind == capture.ToolFileEdit && !b.fileChangeIDs[c.ID] {
			b.patchEdits(c)
		}
	case "function_call_output", "custom_tool_call_output":
		if i, ok := b.calls[p.str("call_id")]; ok {
			b.r.ToolCalls[i].Output = outputText(p.raw("output"))
		}
	}
}

// outputText reads a tool output: a string, or an object with "content"
// or "output" text (older builds).
func outputText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var f fields
	if json.Unmarshal(raw, &f) == nil {
		if t := f.str("content", "output"); t != "" {
			return t
		}
	}
	return string(raw)
}

func (b *builder) patchEdits(c ToolCall) {
	text := patchText(json.RawMessage(mustJSON(c.Input)))
	files, err := ParsePatch(text)
	if err != nil {
		return
	}
	for _, e := range Edits(files, b.r.Cwd, nil) {
		e.ToolUseID, e.Time, e.Model = c.ID, c.Time, c.Model
		b.r.FileChanges = append(b.r.FileChanges, e)
	}
}

func mustJSON(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

// itemCompleted reads a 0.169 item_completed FileChange item:
// {"item": {"type": "FileChange", "id", "changes": {path: {"type": "add" |
// "update" | "delete", "unified_diff", "move_path"?, "content"?}}}}.
// The shape is read leniently: "changes" may also be a list of objects
// with a "path".
func (b *builder) itemCompleted(ts time.Time, p fields) {
	item := p.obj("item")
	if item == nil || item.str("type") != "FileChange" {
		return
	}
	id := item.str("id", "call_id")
	changes := fileChanges(item.raw("changes"))
	if len(changes) == 0 {
		return
	}
	// FileChange items are authoritative: drop the edits an apply_patch
	// call of the same id added from its patch text.
	if id != "" {
		b.fileChangeIDs[id] = true
		b.r.FileChanges = slices.DeleteFunc(b.r.FileChanges, func(e capture.FileEdit) bool { return e.ToolUseID == id })
	}
	for _, c := range changes {
		e := fileChangeEdit(c, b.r.Cwd)
		e.ToolUseID, e.Time, e.Model = id, ts, b.usage.Model
		b.r.FileChanges = append(b.r.FileChanges, e)
	}
}

type namedChange struct {
	path string
	f    fields
}

func fileChanges(raw json.RawMessage) []namedChange {
	var byPath map[string]fields
	if json.Unmarshal(raw, &byPath) == nil {
		keys := make([]string, 0, len(byPath))
		for k := range byPath {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]namedChange, 0, len(keys))
		for _, k := range keys {
			out = append(out, namedChange{k, byPath[k]})
		}
		return out
	}
	var list []fields
	_ = json.Unmarshal(raw, &list)
	out := make([]namedChange, 0, len(list))
	for _, f := range list {
		out = append(out, namedChange{f.str("path"), f})
	}
	return out
}

func fileChangeEdit(c namedChange, cwd string) capture.FileEdit {
	kind := c.f.str("type", "kind")
	if k := c.f.obj("kind"); k != nil {
		kind = k.str("type")
	}
	e := capture.FileEdit{Tool: "apply_patch", Path: relPath(c.path, cwd), Diff: c.f.str("unified_diff", "diff")}
	switch kind {
	case "add":
		e.Op = capture.OpCreate
		if content := c.f.str("content"); content != "" {
			e.Content = &content
			if e.Diff == "" {
				e.Added = len(splitLines(content))
			}
		}
	case "delete":
		e.Op = capture.OpDelete
	default:
		e.Op = capture.OpModify
	}
	if mv := c.f.str("move_path"); mv != "" {
		e.Op, e.OldPath, e.Path = capture.OpRename, e.Path, relPath(mv, cwd)
	}
	if e.Diff != "" {
		e.Added, e.Removed = countDiff(e.Diff)
	}
	return e
}

// countDiff counts added and removed lines of a unified diff.
func countDiff(diff string) (added, removed int) {
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "+++ "), strings.HasPrefix(l, "--- "):
		case strings.HasPrefix(l, "+"):
			added++
		case strings.HasPrefix(l, "-"):
			removed++
		}
	}
	return added, removed
}

// ParseRollout reads a whole rollout file. Lines that are not JSON objects
// are counted in BadLines and skipped; the only errors are read errors.
func ParseRollout(r io.Reader) (*Rollout, error) {
	b := newBuilder()
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) > 0 {
			b.add(line, false)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading rollout: %w", err)
		}
	}
	return &b.r, nil
}

// ParseRolloutFile is [ParseRollout] on the named file.
func ParseRolloutFile(path string) (*Rollout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	r, err := ParseRollout(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// tailState is the opaque state [TailUsage] returns, as JSON.
type tailState struct {
	Offset int64      `json:"offset"`
	Usage  usageState `json:"usage"`
}

// TailUsage reads the usage entries a rollout gained since the call that
// returned state (nil state: from the start). It consumes complete lines
// only, so a half-written last line is read by a later call. The returned
// state holds the byte offset and the last cumulative totals, so a repeated
// or resumed total is never counted twice; when the file shrank (it was
// replaced) reading restarts from the beginning. Entries carry the same
// Keys [ParseRollout] gives, so mixing both never double counts.
func TailUsage(path string, state []byte) ([]capture.UsageEntry, []byte, error) {
	var st tailState
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return nil, nil, fmt.Errorf("decoding codex tail state: %w", err)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, state, fmt.Errorf("opening rollout: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, state, fmt.Errorf("stat rollout: %w", err)
	}
	if info.Size() < st.Offset {
		st = tailState{}
	}
	if _, err := f.Seek(st.Offset, io.SeekStart); err != nil {
		return nil, state, fmt.Errorf("seeking rollout: %w", err)
	}
	b := newBuilder()
	b.usage = st.Usage
	b.r.SessionID = st.Usage.SessionID
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // a partial last line waits for the next call
		}
		if err != nil {
			return nil, state, fmt.Errorf("reading rollout %s: %w", path, err)
		}
		st.Offset += int64(len(line))
		if len(bytes.TrimSpace(line)) > 0 {
			b.add(line, true)
		}
	}
	st.Usage = b.usage
	out, err := json.Marshal(st)
	if err != nil {
		return nil, state, fmt.Errorf("encoding codex tail state: %w", err)
	}
	return b.r.Usage, out, nil
}

// DefaultPaths returns the directories holding Codex rollouts:
// $CODEX_HOME/sessions and $CODEX_HOME/archived_sessions, with CODEX_HOME
// defaulting to $HOME/.codex. getenv is usually os.Getenv.
func DefaultPaths(getenv func(string) string) []string {
	home := getenv("CODEX_HOME")
	if home == "" {
		h := getenv("HOME")
		if h == "" {
			h, _ = os.UserHomeDir()
		}
		if h == "" {
			return nil
		}
		home = filepath.Join(h, ".codex")
	}
	return []string{filepath.Join(home, "sessions"), filepath.Join(home, "archived_sessions")}
}

// FindRollouts returns the rollout-*.jsonl files under the given
// directories (missing directories are skipped), sorted.
func FindRollouts(dirs []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if !de.IsDir() && strings.HasPrefix(de.Name(), "rollout-") && strings.HasSuffix(de.Name(), ".jsonl") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing rollouts in %s: %w", d, err)
		}
	}
	slices.Sort(out)
	return out, nil
}
