package claude

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// decodeFast fills p from raw, one JSON object, in one validating pass
// without reflection: the hook decodes one payload per process, and
// encoding/json's per-type setup costs it more than the decoding itself.
// It reports false, leaving the work to encoding/json (whose result is the
// reference), whenever the payload strays from the plain shape: a key with
// escapes or one that matches a field only ignoring case, a field of an
// unexpected JSON type. On what it accepts, it decodes what json.Decoder
// decodes (TestDecodeFastMatchesJSON, FuzzDecodeFast).
func decodeFast(raw []byte, p *payload) bool {
	// Values alias one copy of raw: the caller may reuse its buffer.
	// Bytes after the object are not read, as with json.Decoder.
	w := jsonlex.Walker{Src: append([]byte(nil), raw...), Str: jsonlex.ValidString}
	w.Space()
	return w.Object(1, func(key, v []byte) bool { return p.set(string(key), v) })
}

// set stores the value v of the top-level key, or reports false when only
// encoding/json can tell what to do with it.
func (p *payload) set(key string, v []byte) bool {
	var str *string
	switch key {
	case "session_id":
		str = &p.SessionID
	case "transcript_path":
		str = &p.TranscriptPath
	case "cwd":
		str = &p.Cwd
	case "hook_event_name":
		str = &p.HookEventName
	case "prompt":
		str = &p.Prompt
	case "source":
		str = &p.Source
	case "reason":
		str = &p.Reason
	case "trigger":
		str = &p.Trigger
	case "tool_name":
		str = &p.ToolName
	case "tool_use_id":
		str = &p.ToolUseID
	case "agent_id":
		str = &p.AgentID
	case "agent_type":
		str = &p.AgentType
	case "agent_transcript_path":
		str = &p.AgentTranscriptPath
	case "last_assistant_message":
		str = &p.LastMessage
	case "message":
		str = &p.Message
	case "model":
		p.Model = json.RawMessage(v)
		return true
	case "tool_input":
		p.ToolInput = json.RawMessage(v)
		return true
	case "tool_response":
		p.ToolResponse = json.RawMessage(v)
		return true
	case "error":
		p.Error = json.RawMessage(v)
		return true
	case "duration_ms":
		switch {
		case v[0] == '-' || '0' <= v[0] && v[0] <= '9':
			p.DurationMS = json.Number(v)
			return true
		case v[0] == 'n': // null leaves the field as it was
			return true
		}
		return false
	default:
		// encoding/json matches a key to a field ignoring case when no
		// field has its exact name; such a key is left to it.
		return !jsonlex.FoldsTo(key, payloadKeys[:]...)
	}
	switch {
	case v[0] == 'n': // null leaves the field as it was
		return true
	case v[0] != '"':
		return false // a type error: encoding/json fails the payload
	}
	body := v[1 : len(v)-1]
	for _, c := range body {
		if c == '\\' || c >= utf8.RuneSelf {
			if c == '\\' || !utf8.Valid(body) {
				// Escapes or invalid UTF-8: encoding/json decodes the
				// string (a string alone needs none of its setup).
				return json.Unmarshal(v, str) == nil
			}
			break
		}
	}
	*str = string(body)
	return true
}

// payloadKeys are the JSON names of payload's fields.
var payloadKeys = [...]string{"session_id", "transcript_path", "cwd", "hook_event_name", "model", "prompt", "source", "reason",
	"trigger", "tool_name", "tool_input", "tool_response", "tool_use_id", "error", "duration_ms", "agent_id", "agent_type",
	"agent_transcript_path", "last_assistant_message", "message"}

func isDigit(c byte) bool { return jsonlex.IsDigit(c) }

// decodeResponse fills r from a file tool's response object as
// json.Unmarshal does, in one pass where it can (see decodeFast; the
// contents before and after an edit are its bulk).
func decodeResponse(raw []byte, r *fileResponse) {
	if !decodeResponseFast(raw, r) {
		*r = fileResponse{}
		_ = json.Unmarshal(raw, r)
	}
}

func decodeResponseFast(raw []byte, r *fileResponse) bool {
	// One validating pass, like decodeFast: on false the caller clears r
	// and leaves everything to json.Unmarshal, which rejects invalid input
	// as a whole.
	w := jsonlex.Walker{Src: raw, Str: jsonlex.ValidString}
	w.Space()
	return w.Object(1, func(key, v []byte) bool { return r.set(string(key), v) }) && atEnd(&w)
}

// atEnd reports whether only white space follows w.I (json.Unmarshal
// rejects anything else after the value).
func atEnd(w *jsonlex.Walker) bool {
	w.Space()
	return w.I == len(w.Src)
}

// set stores the value v of key, or reports false when only
// encoding/json can tell what to do with it.
func (r *fileResponse) set(key string, v []byte) bool {
	var str *string
	var ptr **string
	switch key {
	case "type":
		str = &r.Type
	case "filePath":
		str = &r.FilePath
	case "notebook_path":
		str = &r.NotebookPath
	case "content":
		ptr = &r.Content
	case "originalFile":
		ptr = &r.OriginalFile
	case "originalFileContents":
		ptr = &r.OriginalFileContents
	case "original_file":
		ptr = &r.OrigNotebook
	case "updated_file":
		ptr = &r.NewNotebook
	case "structuredPatch":
		hs, ok := decodeHunks(v)
		if !ok && json.Unmarshal(v, &hs) != nil {
			return false
		}
		if hs != nil || v[0] == 'n' {
			r.StructuredPatch = hs
		}
		return true
	default:
		return !jsonlex.FoldsTo(key, responseKeys[:]...)
	}
	if v[0] == 'n' {
		if ptr != nil {
			*ptr = nil // null sets a pointer to nil
		}
		return true
	}
	if v[0] != '"' {
		return false
	}
	body, ok := unquote(v)
	if !ok {
		return false
	}
	if str != nil {
		*str = body
	} else {
		*ptr = &body
	}
	return true
}

// responseKeys are the JSON names of fileResponse's fields.
var responseKeys = [...]string{"type", "filePath", "content", "originalFile", "originalFileContents", "structuredPatch",
	"notebook_path", "original_file", "updated_file"}

// unquote decodes a valid JSON string literal as encoding/json does:
// invalid UTF-8 and lone surrogates become U+FFFD.
func unquote(v []byte) (string, bool) {
	body := v[1 : len(v)-1]
	if jsonlex.PlainRun(body, 0) == len(body) {
		return string(body), true
	}
	// A Builder hands its bytes over as the string without a copy.
	var out strings.Builder
	out.Grow(len(body))
	for i := 0; i < len(body); {
		// Copy a run of plain bytes at once; valid UTF-8 is copied as it
		// is too (encoding/json only replaces invalid sequences).
		j := jsonlex.PlainRun(body, i)
		for j < len(body) && body[j] >= utf8.RuneSelf {
			if r, n := utf8.DecodeRune(body[j:]); r != utf8.RuneError || n != 1 {
				j = jsonlex.PlainRun(body, j+n)
				continue
			}
			break
		}
		if j > i {
			out.Write(body[i:j])
			if i = j; i == len(body) {
				break
			}
		}
		c := body[i]
		switch {
		case c == '\\':
			switch e := body[i+1]; e {
			case '"', '\\', '/':
				out.WriteByte(e)
				i += 2
			case 'b':
				out.WriteByte('\b')
				i += 2
			case 'f':
				out.WriteByte('\f')
				i += 2
			case 'n':
				out.WriteByte('\n')
				i += 2
			case 'r':
				out.WriteByte('\r')
				i += 2
			case 't':
				out.WriteByte('\t')
				i += 2
			case 'u':
				r := hex4(body[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(body) && body[i] == '\\' && body[i+1] == 'u' {
						if d := utf16.DecodeRune(r, hex4(body[i+2:i+6])); d != utf8.RuneError {
							out.WriteRune(d)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out.WriteRune(r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			out.WriteByte(c)
			i++
		default:
			r, n := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && n == 1 {
				out.WriteRune(utf8.RuneError)
			} else {
				out.Write(body[i : i+n])
			}
			i += n
		}
	}
	return out.String(), true
}

func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		switch {
		case isDigit(c):
			r = r<<4 | rune(c-'0')
		case 'a' <= c && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		default:
			r = r<<4 | rune(c-'A'+10)
		}
	}
	return r
}

// decodeHunks decodes a structuredPatch, valid JSON, as json.Unmarshal
// decodes it into a []hunk, without reflection. It reports false, for
// encoding/json to decide, on anything but the plain shape: an array of
// objects (or nulls) whose keys are exactly the field names, unescaped and
// not repeated, with integer or null numbers and a null or an array of
// strings (or nulls) as lines (TestDecodeResponseMatchesJSON,
// FuzzDecodeResponse).
func decodeHunks(v []byte) ([]hunk, bool) {
	if v[0] == 'n' {
		return nil, true
	}
	hs := []hunk{}
	w := jsonlex.Walker{Src: v}
	ok := w.Elements(func(e []byte) bool {
		hs = append(hs, hunk{})
		switch e[0] {
		case 'n':
			return true
		case '{':
			return decodeHunk(e, &hs[len(hs)-1])
		}
		return false
	})
	if !ok {
		return nil, false
	}
	return hs, true
}

// decodeHunk decodes the object v (valid JSON) into h; see decodeHunks.
func decodeHunk(v []byte, h *hunk) bool {
	var seen [5]bool
	w := jsonlex.Walker{Src: v, Str: jsonlex.ValidString, Checked: true}
	return w.Object(1, func(k, val []byte) bool {
		key := string(k)
		f := -1
		var n *int
		switch key {
		case "oldStart":
			f, n = 0, &h.OldStart
		case "oldLines":
			f, n = 1, &h.OldLines
		case "newStart":
			f, n = 2, &h.NewStart
		case "newLines":
			f, n = 3, &h.NewLines
		case "lines":
			f = 4
		default:
			return !jsonlex.FoldsTo(key, hunkKeys[:]...)
		}
		if seen[f] {
			return false
		}
		seen[f] = true
		if n == nil {
			return decodeLines(val, &h.Lines)
		}
		if val[0] != 'n' {
			x, ok := plainInt(val)
			if !ok {
				return false
			}
			*n = x
		}
		return true
	})
}

// plainInt parses a JSON number that is an integer literal fitting an int.
func plainInt(v []byte) (int, bool) {
	for i, c := range v {
		if !isDigit(c) && !(c == '-' && i == 0) {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, strconv.IntSize)
	return int(n), err == nil
}

// decodeLines decodes a hunk's lines (valid JSON): null, or an array of
// strings and nulls.
func decodeLines(v []byte, lines *[]string) bool {
	if v[0] == 'n' {
		*lines = nil
		return true
	}
	out := []string{}
	w := jsonlex.Walker{Src: v}
	ok := w.Elements(func(e []byte) bool {
		switch e[0] {
		case 'n':
			out = append(out, "")
			return true
		case '"':
			str, ok := unquote(e)
			out = append(out, str)
			return ok
		}
		return false
	})
	if ok {
		*lines = out
	}
	return ok
}

var hunkKeys = [...]string{"oldStart", "oldLines", "newStart", "newLines", "lines"}
