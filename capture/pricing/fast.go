package pricing

import (
	"encoding/json"
	"strconv"

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
	w := &jsonlex.Walker{Src: data, Str: jsonlex.ValidString}
	w.Space()
	rows := map[string]row{}
	keys := map[string]bool{}
	ok := w.Object(1, func(k, v []byte) bool {
		key := string(k)
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
		rw := &jsonlex.Walker{Src: v, Str: jsonlex.ValidString}
		var seen uint32
		if !rw.Object(2, func(k, fv []byte) bool { return r.set(string(k), fv, &seen) }) {
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
		return !jsonlex.FoldsTo(key, rowKeys[:]...)
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
