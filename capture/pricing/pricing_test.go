package pricing

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/internal/testutil"
)

func TestEmbeddedMatchesSubset(t *testing.T) {
	src, err := os.ReadFile(testutil.Fixture(t, "pricing/litellm-subset.json"))
	if err != nil {
		t.Fatal(err)
	}
	extra, err := os.ReadFile("litellm-gemini3.json")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]json.RawMessage{}
	for _, b := range [][]byte{src, extra} {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		maps.Copy(rows, m)
	}
	all, _ := json.Marshal(rows)
	want, err := Extract(all)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(embedded, want) {
		t.Errorf("prices.json is stale: run go generate ./capture/pricing")
	}
	if n := Embedded().Len(); n != 48 {
		t.Errorf("Embedded().Len() = %d, want 48", n)
	}
}

// TestAgentModels: the models Codex 0.169 and Gemini CLI 0.61 run by name
// are priced; the ones no source prices stay unpriced (not $0).
func TestAgentModels(t *testing.T) {
	tab := Embedded()
	for _, m := range []string{"gpt-5.5", "gpt-5-codex", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite",
		"gemini-3-pro-preview", "gemini-3-flash-preview", "gemini-3.1-pro-preview", "gemini-3.1-pro-preview-customtools",
		"gemini-3.1-flash-lite", "gemini-3.1-flash-lite-preview", "gemini-3.5-flash"} {
		if p, ok := tab.Lookup(m); !ok || p.Input <= 0 || p.Output <= 0 {
			t.Errorf("Lookup(%q) = %+v, %v; want a price", m, p, ok)
		}
	}
	if p, _ := tab.Lookup("gemini-3.1-pro-preview"); p.Input != 2e-6 || p.Output != 12e-6 || p.CacheRead != 2e-7 {
		t.Errorf("gemini-3.1-pro-preview = %+v", p)
	}
	for _, m := range []string{"gemini-3.8-flash", "gemini-3.5-flash-lite", "gpt-6-sol"} {
		if p, ok := tab.Lookup(m); ok {
			t.Errorf("Lookup(%q) = %+v; want unpriced", m, p)
		}
	}
}

func TestLookup(t *testing.T) {
	tab := Embedded()
	for _, tc := range []struct {
		model string
		input float64 // 0: not found
	}{
		{"claude-opus-4-6", 5e-6},
		{"claude-opus-4-5-20251101", 5e-6},
		{"claude-sonnet-4-6-20990101", 3e-6}, // unknown date: stripped
		{"anthropic/claude-haiku-4-5", 1e-6},
		{"vertex_ai/claude-opus-4-1@20250805", 15e-6},
		{"bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", 3e-6},
		{"claude-3-5-haiku-20241022", 0.8e-6}, // only a Bedrock row exists
		{"openai/gpt-5.1-codex", 1.25e-6},
		{"gemini/gemini-2.5-pro", 1.25e-6},
		{"models/gemini-2.5-flash", 0.3e-6},
		{"gpt-5.5-2026-04-23", 5e-6},
		{"o4-mini", 1.1e-6},
		{"mystery-model", 0},
		{"<synthetic>", 0},
		{"", 0},
	} {
		p, ok := tab.Lookup(tc.model)
		if ok != (tc.input != 0) || (ok && math.Abs(p.Input-tc.input) > 1e-15) {
			t.Errorf("Lookup(%q) = %v, %v; want input %v", tc.model, p.Input, ok, tc.input)
		}
	}
}

func TestCost(t *testing.T) {
	tab := Embedded()
	opus, _ := tab.Lookup("claude-opus-4-6")
	sonnet45, _ := tab.Lookup("claude-sonnet-4-5")
	gpt54, _ := tab.Lookup("gpt-5.4")
	haiku3, _ := tab.Lookup("claude-3-haiku-20240307")
	noCache := Price{Input: 2e-6, Output: 8e-6, CacheWrite5m: 2.5e-6, CacheWrite1h: 4e-6, Fast: 1}
	parsed, err := Parse([]byte(`{"m":{"input_cost_per_token":2e-6,"output_cost_per_token":8e-6}}`))
	if err != nil {
		t.Fatal(err)
	}
	defaults, _ := parsed.Lookup("m")
	for _, tc := range []struct {
		name string
		p    Price
		u    capture.Tokens
		fast bool
		want float64
	}{
		{"5m write", opus, capture.Tokens{CacheWrite5m: 1e6}, false, 6.25},
		{"1h write", opus, capture.Tokens{CacheWrite1h: 1e6}, false, 10},
		{"1h from _above_1hr", haiku3, capture.Tokens{CacheWrite1h: 1e6}, false, 6},
		{"all kinds", opus, capture.Tokens{Input: 1e6, Output: 1e6, CacheRead: 1e6}, false, 5 + 25 + 0.5},
		{"fast ×6", opus, capture.Tokens{Output: 1e6}, true, 150},
		{"200k tier per kind", sonnet45, capture.Tokens{Input: 300_000, CacheRead: 100_000}, false, 0.6 + 0.6 + 0.03},
		{"200k tier 1h write", sonnet45, capture.Tokens{CacheWrite1h: 300_000}, false, 1.2 + 1.2},
		{"272k tier", gpt54, capture.Tokens{Input: 372_000}, false, 0.68 + 0.5},
		{"defaults 1.25× and 2× input", defaults, capture.Tokens{CacheWrite5m: 1e6, CacheWrite1h: 1e6}, false, 2.5 + 4},
		{"no fast price", noCache, capture.Tokens{Output: 1e6}, true, 8},
	} {
		u := capture.UsageEntry{Tokens: tc.u}
		if tc.fast {
			u.Speed = "fast"
		}
		if got := Cost(tc.p, u); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: Cost = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := CacheSavings(opus, capture.UsageEntry{Tokens: capture.Tokens{CacheRead: 1e6}}); math.Abs(got-4.5) > 1e-9 {
		t.Errorf("CacheSavings = %v, want 4.5", got)
	}
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "litellm.json")
	if err := os.WriteFile(src, []byte(`{
  "sample_spec": {"input_cost_per_token": "docs", "max_tokens": "LEGACY"},
  "claude-opus-4-6": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06, "max_tokens": 128000, "mode": "chat"},
  "brand-new-model": {"input_cost_per_token": 3e-06, "output_cost_per_token": 4e-06, "litellm_provider": "x"},
  "an-embedding": {"output_vector_size": 1536}
}`), 0o644); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "cfg", "prices.json")
	t.Setenv(OverrideEnv, dst)
	if got, err := Refresh(src); err != nil || got != dst {
		t.Fatalf("Refresh = %q, %v; want %q", got, err, dst)
	}
	tab, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := tab.Lookup("claude-opus-4-6"); p.Input != 1e-6 || p.CacheWrite1h != 2e-6 {
		t.Errorf("overridden row = %+v, want the file's whole row", p)
	}
	if _, ok := tab.Lookup("brand-new-model"); !ok {
		t.Errorf("new model from the override missing")
	}
	if p, _ := tab.Lookup("claude-sonnet-4-5"); p.Input != 3e-6 {
		t.Errorf("embedded row lost: %+v", p)
	}
	if tab.Len() != 49 {
		t.Errorf("Len() = %d, want 49", tab.Len())
	}
	if p, _ := Embedded().Lookup("claude-opus-4-6"); p.Input != 5e-6 {
		t.Errorf("override changed the embedded table")
	}

	t.Setenv(OverrideEnv, filepath.Join(dir, "missing.json"))
	if _, err := Default(); err == nil {
		t.Errorf("Default with a missing $%s succeeded", OverrideEnv)
	}
	t.Setenv(OverrideEnv, "")
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "empty"))
	if tab, err := Default(); err != nil || tab != Embedded() {
		t.Errorf("Default without an override file = %v, %v; want the embedded table", tab, err)
	}
	if err := RefreshTo(dst, filepath.Join(dir, "nope.json")); err == nil {
		t.Errorf("RefreshTo a missing source succeeded")
	}
}
