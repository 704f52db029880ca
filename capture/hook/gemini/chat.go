package gemini

import (
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

// UnknownModel names usage whose message and file name no model.
const UnknownModel = "unknown"

// Chat is a Gemini CLI session file, in either format, with its messages
// upserted by id (the last record of an id wins).
type Chat struct {
	SessionID   string
	ProjectHash string
	StartTime   time.Time
	// Messages are in order of first appearance.
	Messages []Message
	// Models lists the models in order of first use.
	Models []string
	Usage  []capture.UsageEntry
	// BadLines counts JSONL lines that are not JSON objects (skipped).
	BadLines int
}

// Message is one chat record.
type Message struct {
	ID   string
	Type string // user, gemini, info, warning, error
	Time time.Time
	// Content is the raw content: a string, or a parts list (0.61 user
	// messages).
	Content   json.RawMessage
	Model     string
	Tokens    *Tokens
	ToolCalls []ToolCall
}

// Tokens is a gemini message's token record, as the CLI writes it from
// usageMetadata: Input (promptTokenCount) includes Cached; Thoughts are
// billed as output; Tool is the tool-use prompt (input).
type Tokens struct {
	Input, Output, Cached, Thoughts, Tool int64
	Total                                 *int64
}

// ToolCall is a tool call a gemini message made.
type ToolCall struct {
	ID     string
	Name   string
	Args   json.RawMessage
	Status string
	Time   time.Time
	// Result is the raw result list ([{functionResponse}]).
	Result json.RawMessage
	// Display is the raw resultDisplay (the diff object of file tools, or
	// a string).
	Display json.RawMessage
}

// ErrBadLine reports a chat JSONL line that is not a JSON object.
var ErrBadLine = errors.New("gemini: chat line is not a JSON object")

// Record is one decoded JSONL line: a header, a "$set" patch or a message.
type Record struct {
	// Set is the object of a {"$set": {...}} patch line.
	Set fields
	// Header fields (also on the single-JSON document).
	SessionID   string
	ProjectHash string
	StartTime   time.Time
	// Message is set when the line is a message record (it has an id and
	// a type).
	Message *Message
}

// ParseLine decodes one line of a 0.61 chat JSONL file.
func ParseLine(b []byte) (Record, error) {
	var f fields
	if err := json.Unmarshal(b, &f); err != nil || f == nil {
		return Record{}, fmt.Errorf("%w: %v", ErrBadLine, err)
	}
	var r Record
	if set := f.obj("$set"); set != nil {
		r.Set = set
		return r, nil
	}
	r.SessionID, r.ProjectHash = f.str("sessionId", "session_id"), f.str("projectHash")
	r.StartTime, _ = time.Parse(time.RFC3339Nano, f.str("startTime"))
	if f.str("type") != "" {
		m := decodeMessage(f)
		r.Message = &m
	}
	return r, nil
}

func decodeMessage(f fields) Message {
	m := Message{ID: f.str("id"), Type: f.str("type"), Content: f.raw("content"), Model: f.str("model")}
	m.Time, _ = time.Parse(time.RFC3339Nano, f.str("timestamp"))
	if t := f.obj("tokens"); t != nil {
		m.Tokens = decodeTokens(t)
	}
	var calls []fields
	_ = json.Unmarshal(f["toolCalls"], &calls)
	for _, c := range calls {
		tc := ToolCall{ID: c.str("id"), Name: c.str("name"), Args: c.raw("args"), Status: c.str("status"),
			Result: c.raw("result"), Display: c.raw("resultDisplay")}
		tc.Time, _ = time.Parse(time.RFC3339Nano, c.str("timestamp"))
		m.ToolCalls = append(m.ToolCalls, tc)
	}
	return m
}

func decodeTokens(t fields) *Tokens {
	var k Tokens
	k.Input, _ = t.num("input", "prompt", "input_tokens", "prompt_tokens")
	k.Output, _ = t.num("output", "candidates", "output_tokens", "candidates_tokens")
	k.Cached, _ = t.num("cached", "cached_tokens")
	k.Thoughts, _ = t.num("thoughts", "reasoning", "thoughts_tokens", "reasoning_tokens")
	k.Tool, _ = t.num("tool", "tool_tokens")
	if n, ok := t.num("total", "total_tokens"); ok {
		k.Total = &n
	}
	return &k
}

// Capture converts the record to [capture.Tokens], deciding as ccusage
// 20.0.24 does: Cached is taken as part of Input (and subtracted) only when
// Total says so (Total = Input+Output+Thoughts+Tool); Tool tokens (the
// tool-use prompt) count as input; Thoughts count as output.
func (k Tokens) Capture() capture.Tokens {
	input := k.Input
	inclusive := k.Input + k.Output + k.Thoughts + k.Tool
	if k.Cached > 0 && k.Total != nil && *k.Total == inclusive && *k.Total != inclusive+k.Cached {
		input -= min(k.Cached, k.Input)
	}
	return capture.Tokens{Input: input + k.Tool, CacheRead: k.Cached, Output: k.Output + k.Thoughts}
}

// chatBuilder upserts messages by id.
type chatBuilder struct {
	c     Chat
	index map[string]int
	hint  string // the last model seen, for messages that name none
}

func newChatBuilder() *chatBuilder { return &chatBuilder{index: map[string]int{}} }

func (b *chatBuilder) header(r Record) {
	if b.c.SessionID == "" {
		b.c.SessionID = r.SessionID
	}
	if b.c.ProjectHash == "" {
		b.c.ProjectHash = r.ProjectHash
	}
	if b.c.StartTime.IsZero() {
		b.c.StartTime = r.StartTime
	}
}

func (b *chatBuilder) upsert(m Message) {
	if m.Model != "" {
		b.hint = m.Model
	} else if m.Type == "gemini" {
		m.Model = b.hint
	}
	if i, ok := b.index[m.ID]; ok && m.ID != "" {
		// A later record without tokens does not erase the usage.
		if m.Tokens == nil {
			m.Tokens = b.c.Messages[i].Tokens
		}
		b.c.Messages[i] = m
		return
	}
	if m.ID != "" {
		b.index[m.ID] = len(b.c.Messages)
	}
	b.c.Messages = append(b.c.Messages, m)
}

func (b *chatBuilder) set(set fields) {
	var msgs []fields
	if json.Unmarshal(set["messages"], &msgs) == nil {
		for _, f := range msgs {
			b.upsert(decodeMessage(f))
		}
	}
	b.header(Record{SessionID: set.str("sessionId"), ProjectHash: set.str("projectHash")})
}

func (b *chatBuilder) finish() *Chat {
	for _, m := range b.c.Messages {
		e, ok := usageOf(b.c.SessionID, m)
		if !ok {
			continue
		}
		if !slices.Contains(b.c.Models, e.Model) {
			b.c.Models = append(b.c.Models, e.Model)
		}
		b.c.Usage = append(b.c.Usage, e)
	}
	return &b.c
}

// usageOf returns the usage entry of a gemini message with tokens.
func usageOf(session string, m Message) (capture.UsageEntry, bool) {
	if m.Type != "gemini" || m.Tokens == nil {
		return capture.UsageEntry{}, false
	}
	t := m.Tokens.Capture()
	if t.Total() == 0 {
		return capture.UsageEntry{}, false
	}
	model := m.Model
	if model == "" {
		model = UnknownModel
	}
	key := ""
	if m.ID != "" {
		key = "gemini:" + session + ":" + m.ID
	}
	return capture.UsageEntry{Key: key, Time: m.Time, Model: model, Tokens: t}, true
}

// ParseChat reads a Gemini CLI session file in either format: the older
// single JSON document {sessionId, projectHash, startTime, lastUpdated,
// messages: [...]}, or the 0.61 JSONL upsert log (a header line, {"$set":
// {...}} patch lines and message records, where a later record of the same
// id replaces the earlier one).
func ParseChat(r io.Reader) (*Chat, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading chat: %w", err)
	}
	if doc, ok := parseDocument(data); ok {
		return doc, nil
	}
	b := newChatBuilder()
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			b.line(line)
		}
	}
	return b.finish(), nil
}

func (b *chatBuilder) line(line []byte) {
	rec, err := ParseLine(line)
	if err != nil {
		b.c.BadLines++
		return
	}
	switch {
	case rec.Set != nil:
		b.set(rec.Set)
	case rec.Message != nil:
		b.upsert(*rec.Message)
	default:
		b.header(rec)
	}
}

// parseDocument parses the single-JSON format; ok is false when data is not
// one JSON object with a messages array.
func parseDocument(data []byte) (*Chat, bool) {
	var f fields
	if json.Unmarshal(data, &f) != nil || f["messages"] == nil {
		return nil, false
	}
	var msgs []fields
	if json.Unmarshal(f["messages"], &msgs) != nil {
		return nil, false
	}
	b := newChatBuilder()
	rec, _ := ParseLine(data)
	b.header(rec)
	for _, m := range msgs {
		b.upsert(decodeMessage(m))
	}
	return b.finish(), true
}

// ParseChatFile is [ParseChat] on the named file.
func ParseChatFile(path string) (*Chat, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening chat: %w", err)
	}
	defer f.Close()
	c, err := ParseChat(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.SessionID == "" {
		// As ccusage does for files without a header.
		c.SessionID = stem(path)
		for i := range c.Usage {
			if id := strings.TrimPrefix(c.Usage[i].Key, "gemini::"); id != c.Usage[i].Key {
				c.Usage[i].Key = "gemini:" + c.SessionID + ":" + id
			}
		}
	}
	return c, nil
}

func stem(path string) string {
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// tailState is the opaque state [TailUsage] returns, as JSON.
type tailState struct {
	// Format is "jsonl" or "json" once known.
	Format    string `json:"format,omitempty"`
	Offset    int64  `json:"offset"`
	SessionID string `json:"session_id,omitempty"`
	Model     string `json:"model,omitempty"`
	// Seen maps each message id already reported to its token total, so a
	// rewritten record is reported again only when its usage changed.
	Seen map[string]int64 `json:"seen,omitempty"`
}

// TailUsage returns the usage entries a chat file gained since the call
// that returned state (nil: from the start). For the JSONL log it reads
// complete lines from the stored offset (a half-written last line waits for
// the next call); a message id seen before is reported again only when its
// tokens changed, with the same Key, so the consumer's keep-the-largest
// de-duplication leaves one entry. The single-JSON format is rewritten in
// place, so it is re-read whole each call and filtered by the same seen
// ids. State grows by one id and one number per gemini message.
func TailUsage(path string, state []byte) ([]capture.UsageEntry, []byte, error) {
	st := tailState{}
	if len(state) > 0 {
		if err := json.Unmarshal(state, &st); err != nil {
			return nil, nil, fmt.Errorf("decoding gemini tail state: %w", err)
		}
	}
	if st.Seen == nil {
		st.Seen = map[string]int64{}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, state, fmt.Errorf("reading chat: %w", err)
	}
	if st.Format == "" {
		st.Format = "jsonl"
		if _, ok := parseDocument(data); ok {
			st.Format = "json"
		}
	}
	var msgs []Message
	switch st.Format {
	case "json":
		if doc, ok := parseDocument(data); ok {
			st.SessionID, msgs = doc.SessionID, doc.Messages
		}
	default:
		msgs = st.tailLines(data)
	}
	session := st.SessionID
	if session == "" {
		session = stem(path) // as ParseChatFile does for headerless files
	}
	var out []capture.UsageEntry
	for _, m := range msgs {
		e, ok := usageOf(session, m)
		if !ok {
			continue
		}
		if prev, seen := st.Seen[m.ID]; seen && prev == e.Total() {
			continue
		}
		if m.ID != "" {
			st.Seen[m.ID] = e.Total()
		}
		out = append(out, e)
	}
	nst, err := json.Marshal(st)
	if err != nil {
		return nil, state, fmt.Errorf("encoding gemini tail state: %w", err)
	}
	return out, nst, nil
}

// tailLines reads the complete JSONL lines after the offset and returns
// their messages (upserted among themselves), advancing the state.
func (st *tailState) tailLines(data []byte) []Message {
	if int64(len(data)) < st.Offset {
		st.Offset = 0 // replaced: Seen still prevents double counting
	}
	b := newChatBuilder()
	b.c.SessionID, b.hint = st.SessionID, st.Model
	rest := data[st.Offset:]
	for {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		if line := rest[:i]; len(bytes.TrimSpace(line)) > 0 {
			b.line(line)
		}
		rest = rest[i+1:]
		st.Offset += int64(i + 1)
	}
	st.SessionID, st.Model = b.c.SessionID, b.hint
	return b.c.Messages
}

// DefaultPaths returns the directory holding Gemini CLI chats:
// <home>/.gemini/tmp, whose <project>/chats/ folders hold session files;
// home is $GEMINI_CLI_HOME, else $HOME. getenv is usually os.Getenv.
func DefaultPaths(getenv func(string) string) []string {
	home := getenv("GEMINI_CLI_HOME")
	if home == "" {
		home = getenv("HOME")
	}
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		return nil
	}
	return []string{filepath.Join(home, ".gemini", "tmp")}
}

// FindChats returns the chats/session-*.json and .jsonl files under the
// given directories (missing directories are skipped), sorted.
func FindChats(dirs []string) ([]string, error) {
	var out []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, de fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			n := de.Name()
			if !de.IsDir() && filepath.Base(filepath.Dir(p)) == "chats" && strings.HasPrefix(n, "session-") &&
				(strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".jsonl")) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing chats in %s: %w", d, err)
		}
	}
	slices.Sort(out)
	return out, nil
}
