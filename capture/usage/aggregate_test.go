package usage

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tracevault/tracevault/capture"
	"github.com/tracevault/tracevault/capture/pricing"
	"github.com/tracevault/tracevault/internal/testutil"
)

func fixtureReport(t *testing.T, rel string) Report {
	t.Helper()
	entries, err := ScanPaths([]string{testutil.Fixture(t, rel)})
	if err != nil {
		t.Fatal(err)
	}
	return Aggregate(entries, pricing.Embedded())
}

func TestDedupeLastWins(t *testing.T) {
	rep := fixtureReport(t, "claude-code/transcripts/entireio-cli/dc/49cb8a2a42/0/full.jsonl")
	if len(rep.Models) != 1 || rep.Models[0].Output != 1469 || rep.Models[0].Requests != 3 {
		t.Errorf("Aggregate(dc/49cb8a2a42) = %+v, want 1469 output tokens over 3 requests", rep.Models)
	}
}

func TestSyntheticSkipped(t *testing.T) {
	rep := fixtureReport(t, "claude-code/transcripts/entireio-cli/73/7e6e3ea2ad/0/full.jsonl")
	for _, m := range rep.Models {
		if m.Model == "<synthetic>" {
			t.Errorf("Aggregate kept <synthetic>: %+v", m)
		}
	}
	if len(rep.UnpricedModels) != 0 {
		t.Errorf("UnpricedModels = %v, want none", rep.UnpricedModels)
	}
}

func entry(key, model string, side bool, out int64) capture.UsageEntry {
	return capture.UsageEntry{Key: key, Model: model, Sidechain: side, Tokens: capture.Tokens{Input: 1, Output: out}}
}

func TestDedupeRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []capture.UsageEntry
		want []int64 // outputs kept, in order
	}{
		{"largest wins", []capture.UsageEntry{entry("m:r", "x", false, 3), entry("m:r", "x", false, 9), entry("m:r", "x", false, 5)}, []int64{9}},
		{"empty key never deduped", []capture.UsageEntry{entry("", "x", false, 3), entry("", "x", false, 3)}, []int64{3, 3}},
		{"main beats sidechain", []capture.UsageEntry{entry("m:r", "x", true, 9), entry("m:r", "x", false, 3)}, []int64{3}},
		{"sidechain replay dropped", []capture.UsageEntry{entry("m:r1", "x", false, 3), entry("m:r2", "x", true, 50), entry("m2:r3", "x", true, 7)}, []int64{3, 7}},
		{"replay seen first is replaced", []capture.UsageEntry{entry("m:r2", "x", true, 50), entry("m:r1", "x", false, 3), entry("m:r1", "x", false, 2)}, []int64{3}},
		{"two main requests of one message kept", []capture.UsageEntry{entry("m:r1", "x", false, 3), entry("m:r2", "x", false, 4)}, []int64{3, 4}},
		{"synthetic skipped", []capture.UsageEntry{entry("", "<synthetic>", false, 0), entry("m:r", "x", false, 1)}, []int64{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			for _, e := range Dedupe(tc.in) {
				got = append(got, e.Output)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Dedupe outputs = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCachePricedApart(t *testing.T) {
	// 1M 1h writes and 1M 5m writes on opus-4-6 (input $5/M): $10 and $6.25.
	e := []capture.UsageEntry{
		{Key: "a:1", Model: "claude-opus-4-6", Tokens: capture.Tokens{CacheWrite1h: 1_000_000}},
		{Key: "b:1", Model: "claude-opus-4-6", Tokens: capture.Tokens{CacheWrite5m: 1_000_000}},
		{Key: "c:1", Model: "claude-opus-4-6", Tokens: capture.Tokens{CacheRead: 1_000_000}},
	}
	rep := Aggregate(e, pricing.Embedded())
	if c := *rep.Total.CostUSD; math.Abs(c-(10+6.25+0.5)) > 1e-9 {
		t.Errorf("cost = %v, want 16.75", c)
	}
	if s := *rep.Total.CacheSavingsUSD; math.Abs(s-4.5) > 1e-9 {
		t.Errorf("cache savings = %v, want 4.5 (1M reads × ($5 − $0.50)/M)", s)
	}
}

func TestUnknownModelUnpriced(t *testing.T) {
	e := []capture.UsageEntry{
		{Key: "a:1", Model: "mystery-model-9", Tokens: capture.Tokens{Input: 10, Output: 5}},
		{Key: "b:1", Model: "claude-sonnet-4-5", Tokens: capture.Tokens{Input: 100_000}},
	}
	rep := Aggregate(e, pricing.Embedded())
	if !slices.Equal(rep.UnpricedModels, []string{"mystery-model-9"}) {
		t.Errorf("UnpricedModels = %v", rep.UnpricedModels)
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"models":[` +
		`{"model":"claude-sonnet-4-5","input_tokens":100000,"output_tokens":0,"cache_creation_5m_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":0,"cost_usd":0.3,"cache_savings_usd":0,"requests":1},` +
		`{"model":"mystery-model-9","input_tokens":10,"output_tokens":5,"cache_creation_5m_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":0,"cost_usd":null,"requests":1}],` +
		`"total":{"model":"","input_tokens":100010,"output_tokens":5,"cache_creation_5m_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":0,"cost_usd":0.3,"cache_savings_usd":0,"requests":2},` +
		`"unpriced_models":["mystery-model-9"]}`
	if string(data) != want {
		t.Errorf("json.Marshal(report) =\n%s\nwant\n%s", data, want)
	}

	only := Aggregate(e[:1], pricing.Embedded())
	if only.Total.CostUSD != nil {
		t.Errorf("all-unpriced total cost = %v, want null", *only.Total.CostUSD)
	}
	empty, _ := json.Marshal(Aggregate(nil, pricing.Embedded()))
	if want := `{"models":[],"total":{"model":"","input_tokens":0,"output_tokens":0,"cache_creation_5m_tokens":0,"cache_creation_1h_tokens":0,"cache_read_tokens":0,"cost_usd":0,"cache_savings_usd":0,"requests":0},"unpriced_models":[]}`; string(empty) != want {
		t.Errorf("empty report = %s", empty)
	}
}

func TestFastModeRow(t *testing.T) {
	e := []capture.UsageEntry{{Key: "a:1", Model: "claude-opus-4-6", Speed: "fast", Tokens: capture.Tokens{Output: 1_000_000}}}
	rep := Aggregate(e, pricing.Embedded())
	if len(rep.Models) != 1 || rep.Models[0].Model != "claude-opus-4-6-fast" || math.Abs(*rep.Models[0].CostUSD-150) > 1e-9 {
		t.Errorf("fast row = %+v, want claude-opus-4-6-fast at $150 (25×6)", rep.Models)
	}
}

func TestScanPathsOnce(t *testing.T) {
	dir := t.TempDir()
	line := `{"type":"assistant","sessionId":"s1","timestamp":"2026-01-01T00:00:00Z","requestId":"r%d","message":{"id":"m%d","model":"claude-opus-4-6","usage":{"output_tokens":1}}}` + "\n"
	write := func(rel string, n int) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, line, n, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("proj/s1.jsonl", 1)
	write("proj/s1/subagents/agent-a.jsonl", 2)
	write("proj/notes.txt", 3)
	// The file, its folder and the file again: each file read once.
	entries, err := ScanPaths([]string{filepath.Join(dir, "proj", "s1.jsonl"), dir, filepath.Join(dir, "proj", "s1.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("ScanPaths: %d entries, want 2", len(entries))
	}
	if _, err := ScanPaths([]string{filepath.Join(dir, "missing")}); err == nil {
		t.Errorf("ScanPaths(missing) succeeded")
	}
	t.Setenv("CLAUDE_CONFIG_DIR", dir+","+filepath.Join(dir, "nope"))
	if err := os.MkdirAll(filepath.Join(dir, "projects"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := DefaultPaths(); !slices.Equal(got, []string{filepath.Join(dir, "projects")}) {
		t.Errorf("DefaultPaths() = %v", got)
	}
}

func ExampleAggregate() {
	entries := []capture.UsageEntry{
		// Two lines of one streamed response: the larger is kept.
		{Key: "msg_1:req_1", Time: time.Unix(0, 0), Model: "claude-opus-4-6", Tokens: capture.Tokens{Input: 4, Output: 1, CacheWrite1h: 8055, CacheRead: 44519}},
		{Key: "msg_1:req_1", Time: time.Unix(0, 0), Model: "claude-opus-4-6", Tokens: capture.Tokens{Input: 4, Output: 10, CacheWrite1h: 8055, CacheRead: 44519}},
	}
	out, _ := json.MarshalIndent(Aggregate(entries, pricing.Embedded()).Models, "", " ")
	fmt.Println(string(out))
	// Output:
	// [
	//  {
	//   "model": "claude-opus-4-6",
	//   "input_tokens": 4,
	//   "output_tokens": 10,
	//   "cache_creation_5m_tokens": 0,
	//   "cache_creation_1h_tokens": 8055,
	//   "cache_read_tokens": 44519,
	//   "cost_usd": 0.1030795,
	//   "cache_savings_usd": 0.2003355,
	//   "requests": 1
	//  }
	// ]
}
