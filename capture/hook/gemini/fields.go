package gemini

import (
	"bytes"
	"encoding/json"
	"path"
	"path/filepath"
	"strings"
)

// fields is a decoded JSON object whose members are read leniently: a
// member of an unexpected type reads as absent.
type fields map[string]json.RawMessage

func (f fields) str(keys ...string) string {
	for _, k := range keys {
		var s string
		if json.Unmarshal(f[k], &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// raw returns the member unless it is absent or null.
func (f fields) raw(key string) json.RawMessage {
	v := bytes.TrimSpace(f[key])
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

func (f fields) obj(key string) fields {
	var o fields
	if json.Unmarshal(f[key], &o) != nil {
		return nil
	}
	return o
}

func (f fields) boolean(key string) bool {
	var b bool
	_ = json.Unmarshal(f[key], &b)
	return b
}

// num reads a non-negative token count; floats are truncated as ccusage does.
func (f fields) num(keys ...string) (int64, bool) {
	for _, k := range keys {
		var n float64
		if json.Unmarshal(f[k], &n) == nil {
			// Clamp so absurd values cannot overflow sums.
			return int64(min(max(n, 0), 1<<40)), true
		}
	}
	return 0, false
}

// relPath makes p relative to cwd when it is absolute and inside cwd, and
// returns it slash-separated and cleaned.
func relPath(p, cwd string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) && cwd != "" {
		if r, err := filepath.Rel(cwd, p); err == nil && r != ".." && !strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(r)
		}
	}
	return path.Clean(filepath.ToSlash(p))
}

// countDiff counts added and removed lines of a unified diff.
func countDiff(diff string) (added, removed int) {
	for _, l := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
		case strings.HasPrefix(l, "+"):
			added++
		case strings.HasPrefix(l, "-"):
			removed++
		}
	}
	return added, removed
}

func lineCount(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(strings.TrimSuffix(s, "\n"), "\n") + 1
}
