package pricing

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tracevault/tracevault/capture/internal/jsonlex"
)

// parseRowsFast decodes a price file of the plain shape Extract writes
// (the embedded snapshot) without reflection: the hook prices usage at
// Stop, once per process, and encoding/json's per-type setup cost it more
// than the decoding. It reports false, leaving the file to encoding/json
// (whose result is the reference), on anything else: invalid JSON, a key
// with escapes or repeated, a field key matching only ignoring case, a
// value of an unexpected type, a row that is not an object
// (TestParseRowsFastMatchesJSON, FuzzParseRows).
func parseRowsFast(data []byte) (map[string]row, bool) {
	w := &jsonlex.Walker{Src: data, Str: validString}
	w.Space()
	rows := map[string]row{}
	keys := map[string]bool{}
	ok := object(w, 1, func(key string, v []byte) bool {
		if keys[key] {
			return false // the last wins in encoding/json: left to it
		}
		keys[key] = true
		if key == "sample_spec" {
			return true
		}
		if v[0] != '{' {
			return false
		}
		var r row
		rw := &jsonlex.Walker{Src: v, Str: validString}
		var seen uint32
		if !object(rw, 2, func(k string, fv []byte) bool { return r.set(k, fv, &seen) }) {
			return false
		}
		if r.Input == nil && r.Output == nil {
			return true
		}
		if len(r.ProviderSpecificEntry) > 0 && r.ProviderSpecificEntry[0] != '{' {
			r.ProviderSpecificEntry = nil
		}
		rows[key] = r
		return true
	})
	if !ok {
		return nil, false
	}
	w.Space()
	return rows, w.I == len(data)
}

// object walks the object at w.I, handing set each key (without escapes)
// and the bytes of its value.
func object(w *jsonlex.Walker, depth int, set func(key string, v []byte) bool) bool {
	if w.I >= len(w.Src) || w.Src[w.I] != '{' {
		return false
	}
	w.I++
	w.Space()
	if w.I < len(w.Src) && w.Src[w.I] == '}' {
		w.I++
		return true
	}
	for {
		start := w.I
		if w.I >= len(w.Src) || w.Src[w.I] != '"' || !validString(w) {
			return false
		}
		key := w.Src[start+1 : w.I-1]
		for _, c := range key {
			if c == '\\' {
				return false
			}
		}
		w.Space()
		if w.I >= len(w.Src) || w.Src[w.I] != ':' {
			return false
		}
		w.I++
		w.Space()
		vstart := w.I
		if !w.Value(depth) || !set(string(key), w.Src[vstart:w.I]) {
			return false
		}
		w.Space()
		if w.I >= len(w.Src) {
			return false
		}
		switch w.Src[w.I] {
		case ',':
			w.I++
			w.Space()
		case '}':
			w.I++
			return true
		default:
			return false
		}
	}
}

// validString moves past the valid JSON string at w.I.
func validString(w *jsonlex.Walker) bool {
	b := w.Src
	for i := w.I + 1; i < len(b); {
		if i = jsonlex.StrRun(b, i); i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '"':
			w.I = i + 1
			return true
		case c == '\\':
			n := jsonlex.EscapeLen(b, i)
			if n == 0 {
				return false
			}
			i += n
		default:
			return false // a control byte
		}
	}
	return false
}

// rowKeys are the JSON names of row's fields, in field order.
var rowKeys = [...]string{"input_cost_per_token", "output_cost_per_token", "cache_creation_input_token_cost",
	"cache_creation_input_token_cost_above_1hr", "cache_read_input_token_cost", "input_cost_per_token_above_200k_tokens",
	"output_cost_per_token_above_200k_tokens", "cache_creation_input_token_cost_above_200k_tokens",
	"cache_creation_input_token_cost_above_1hr_above_200k_tokens", "cache_read_input_token_cost_above_200k_tokens",
	"input_cost_per_token_above_272k_tokens", "output_cost_per_token_above_272k_tokens",
	"cache_read_input_token_cost_above_272k_tokens", "output_cost_per_reasoning_token", "litellm_provider",
	"provider_specific_entry"}

// set stores the value v of key as json.Unmarshal does, or reports false.
func (r *row) set(key string, v []byte, seen *uint32) bool {
	f := -1
	for i, k := range rowKeys {
		if k == key {
			f = i
			break
		}
	}
	if f < 0 {
		for _, c := range []byte(key) {
			if c >= utf8.RuneSelf {
				return false // might fold to a field name
			}
		}
		for _, k := range rowKeys {
			if strings.EqualFold(k, key) {
				return false
			}
		}
		return true
	}
	if *seen&(1<<f) != 0 {
		return false
	}
	*seen |= 1 << f
	switch key {
	case "litellm_provider":
		if v[0] == 'n' {
			return true
		}
		if v[0] != '"' {
			return false
		}
		s := v[1 : len(v)-1]
		if jsonlex.PlainRun(s, 0) != len(s) {
			return false // escapes or non-ASCII: left to encoding/json
		}
		r.Provider = string(s)
		return true
	case "provider_specific_entry":
		r.ProviderSpecificEntry = json.RawMessage(v)
		return true
	}
	dst := [...]**float64{&r.Input, &r.Output, &r.CacheWrite, &r.CacheWrite1h, &r.CacheRead, &r.InputAbove200k,
		&r.OutputAbove200k, &r.CacheWriteAbove200k, &r.CacheWrite1hAbove200k, &r.CacheReadAbove200k, &r.InputAbove272k,
		&r.OutputAbove272k, &r.CacheReadAbove272k, &r.OutputReasoning}[f]
	switch {
	case v[0] == 'n':
		*dst = nil
		return true
	case v[0] != '-' && !jsonlex.IsDigit(v[0]):
		return false
	}
	x, err := strconv.ParseFloat(string(v), 64)
	if err != nil {
		return false
	}
	*dst = &x
	return true
}
