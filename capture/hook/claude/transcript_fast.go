package claude

import (
	"encoding/json"
	"strconv"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// Transcript lines are decoded without reflection, in one validating pass
// per object, like hook payloads (see decodeFast): a hook reads a few lines
// per process, and encoding/json's per-type setup and its separate
// validation of whole lines (tool results run to tens of kilobytes) cost it
// more than the decoding. The fast decoders report false, leaving the line
// to encoding/json (whose result is the reference), whenever it strays from
// the plain shape: invalid JSON, a key with escapes, a key repeated or one
// that matches a field only ignoring case, a value of an unexpected JSON
// type or a non-integer count. On what they accept they decode what
// json.Unmarshal decodes (TestDecodeEnvelopeMatchesJSON,
// FuzzDecodeEnvelope, TestToolCallsMatchJSON, FuzzToolCalls).

// decodeEnvelope fills env from one transcript line as json.Unmarshal
// does, and returns its error.
func decodeEnvelope(line []byte, env *envelope) error {
	if decodeEnvelopeFast(line, env) {
		return nil
	}
	*env = envelope{}
	return json.Unmarshal(line, env)
}

// decodeEnvelopeFast is decodeEnvelope's fast path; false means env is
// partly filled and the line must go to encoding/json.
func decodeEnvelopeFast(line []byte, env *envelope) bool {
	return topObject(line, envelopeSetter(env))
}

// topObject decodes the line, one object, with set, validating it and
// requiring nothing but white space after it.
func topObject(line []byte, set func(key, v []byte, depth int) bool) bool {
	w := jsonlex.Walker{Src: line, Str: jsonlex.ValidString}
	w.Space()
	return object(&w, 0, set) && atEnd(&w)
}

// object walks the object at w.I (its '{'), and hands set each key (without
// escapes) and value; it reports false when the object is invalid, nested
// too deep, a key has escapes or set reports false.
func object(w *jsonlex.Walker, depth int, set func(key, v []byte, depth int) bool) bool {
	if depth >= maxFastDepth {
		return false
	}
	return w.Object(depth+1, func(key, v []byte) bool { return set(key, v, depth+1) })
}

// maxFastDepth bounds the nesting the fast decoders follow; deeper lines
// (never written by Claude Code) go to encoding/json.
const maxFastDepth = 64

// sub decodes the valid object v with set.
func sub(v []byte, depth int, set func(key, v []byte, depth int) bool) bool {
	w := jsonlex.Walker{Src: v, Str: jsonlex.ValidString, Checked: true}
	return object(&w, depth, set)
}

// setObj decodes the object value v into a new T filled by the setter made
// for it; null sets dst to nil.
func setObj[T any](v []byte, depth int, dst **T, setter func(*T) func(key, v []byte, depth int) bool) bool {
	switch v[0] {
	case 'n':
		*dst = nil
		return true
	case '{':
		*dst = new(T)
		return sub(v, depth, setter(*dst))
	}
	return false
}

// seen marks field f as set, reporting false when it was already (a
// repeated key merges values in encoding/json: left to it).
func seen(mask *uint32, f int) bool {
	if *mask&(1<<f) != 0 {
		return false
	}
	*mask |= 1 << f
	return true
}

// unknownKey reports whether key can be skipped: it matches none of names
// the way encoding/json matches keys (see jsonlex.FoldsTo).
func unknownKey(key []byte, names ...string) bool { return !jsonlex.FoldsTo(string(key), names...) }

// setStr stores a string value; null leaves dst as it was.
func setStr(v []byte, dst *string) bool {
	switch v[0] {
	case 'n':
		return true
	case '"':
		s, ok := unquote(v)
		*dst = s
		return ok
	}
	return false
}

// setStrPtr stores a string value through a new pointer; null sets nil.
func setStrPtr(v []byte, dst **string) bool {
	if v[0] == 'n' {
		*dst = nil
		return true
	}
	var s string
	if !setStr(v, &s) {
		return false
	}
	*dst = &s
	return true
}

// setInt stores an integer literal that fits an int64 (encoding/json
// fails on any other number); null leaves dst as it was.
func setInt(v []byte, dst *int64) bool {
	if v[0] == 'n' {
		return true
	}
	for i, c := range v {
		if !isDigit(c) && !(c == '-' && i == 0) {
			return false
		}
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	*dst = n
	return err == nil
}

func setIntPtr(v []byte, dst **int64) bool {
	if v[0] == 'n' {
		*dst = nil
		return true
	}
	var n int64
	if !setInt(v, &n) {
		return false
	}
	*dst = &n
	return true
}

func setBool(v []byte, dst *bool) bool {
	switch v[0] {
	case 'n':
		return true
	case 't':
		*dst = true
		return true
	case 'f':
		*dst = false
		return true
	}
	return false
}

var envelopeKeys = []string{"type", "sessionId", "cwd", "gitBranch", "version", "timestamp", "isSidechain", "agentId",
	"requestId", "message", "data"}

func envelopeSetter(env *envelope) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, depth int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "type":
			f, ok = 0, setStr(v, &env.Type)
		case "sessionId":
			f, ok = 1, setStrPtr(v, &env.SessionID)
		case "cwd":
			f, ok = 2, setStr(v, &env.CWD)
		case "gitBranch":
			f, ok = 3, setStr(v, &env.GitBranch)
		case "version":
			f, ok = 4, setStrPtr(v, &env.Version)
		case "timestamp":
			f, ok = 5, setStr(v, &env.Timestamp)
		case "isSidechain":
			f, ok = 6, setBool(v, &env.IsSidechain)
		case "agentId":
			f, ok = 7, setStr(v, &env.AgentID)
		case "requestId":
			f, ok = 8, setStrPtr(v, &env.RequestID)
		case "message":
			f, ok = 9, setObj(v, depth, &env.Message, messageSetter)
		case "data":
			f, ok = 10, setObj(v, depth, &env.Data, progressSetter)
		default:
			return unknownKey(key, envelopeKeys...)
		}
		return ok && seen(&mask, f)
	}
}

var messageKeys = []string{"id", "model", "usage"}

func messageSetter(m *apiMessage) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, depth int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "id":
			f, ok = 0, setStrPtr(v, &m.ID)
		case "model":
			f, ok = 1, setStrPtr(v, &m.Model)
		case "usage":
			f, ok = 2, setObj(v, depth, &m.Usage, usageSetter)
		default:
			return unknownKey(key, messageKeys...)
		}
		return ok && seen(&mask, f)
	}
}

var usageKeys = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens",
	"cache_creation", "speed"}

func usageSetter(u *apiUsage) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, depth int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "input_tokens":
			f, ok = 0, setInt(v, &u.Input)
		case "output_tokens":
			f, ok = 1, setInt(v, &u.Output)
		case "cache_creation_input_tokens":
			f, ok = 2, setIntPtr(v, &u.CacheCreation)
		case "cache_read_input_tokens":
			f, ok = 3, setInt(v, &u.CacheRead)
		case "cache_creation":
			f, ok = 4, setObj(v, depth, &u.Split, splitSetter)
		case "speed":
			f, ok = 5, setStr(v, &u.Speed)
		default:
			return unknownKey(key, usageKeys...)
		}
		return ok && seen(&mask, f)
	}
}

func splitSetter(c *cacheSplit) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, _ int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "ephemeral_5m_input_tokens":
			f, ok = 0, setInt(v, &c.W5m)
		case "ephemeral_1h_input_tokens":
			f, ok = 1, setInt(v, &c.W1h)
		default:
			return unknownKey(key, "ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")
		}
		return ok && seen(&mask, f)
	}
}

func progressSetter(d *progressData) func(key, v []byte, depth int) bool {
	var mask uint32
	return func(key, v []byte, depth int) bool {
		var f int
		var ok bool
		switch string(key) {
		case "type":
			f, ok = 0, setStr(v, &d.Type)
		case "agentId":
			f, ok = 1, setStr(v, &d.AgentID)
		case "message":
			f, ok = 2, setObj(v, depth, &d.Message, envelopeSetter)
		default:
			return unknownKey(key, "type", "agentId", "message")
		}
		return ok && seen(&mask, f)
	}
}
