package pricing

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/tracevault/tracevault/capture"
)

//go:generate go run ./internal/gen -in ../../../shared/fixtures/pricing/litellm-subset.json -in litellm-gemini3.json -out prices.json

//go:embed prices.json
var embedded []byte

// Price is what one model charges, in USD per token.
type Price struct {
	Input  float64
	Output float64
	// CacheWrite5m and CacheWrite1h price 5-minute and 1-hour cache writes.
	CacheWrite5m float64
	CacheWrite1h float64
	CacheRead    float64
	// Tier, when not nil, prices the tokens of one kind beyond
	// Tier.Threshold in one request.
	Tier *Tier
	// Fast multiplies the whole cost of a request made with speed "fast"
	// (Opus fast mode); 1 when the model has no fast mode price.
	Fast float64
}

// Tier holds the prices of tokens beyond Threshold in one request. A zero
// price means that kind of token is not tiered: the base price applies.
type Tier struct {
	Threshold    int64
	Input        float64
	Output       float64
	CacheWrite5m float64
	CacheWrite1h float64
	CacheRead    float64
}

// Table maps model names to prices.
type Table struct {
	rows  map[string]Price
	index map[string]string // normalized name → row name
}

var embeddedRows = sync.OnceValue(func() map[string]row {
	rows, err := parseRows(embedded)
	if err != nil {
		panic(fmt.Sprintf("pricing: embedded prices.json: %v", err))
	}
	return rows
})

var embeddedTable = sync.OnceValue(func() *Table { return newTable(embeddedRows()) })

// Embedded returns the table built into the binary (see the package doc
// for its provenance).
func Embedded() *Table { return embeddedTable() }

// Parse builds a table from a LiteLLM-format price file alone.
func Parse(data []byte) (*Table, error) {
	rows, err := parseRows(data)
	if err != nil {
		return nil, err
	}
	return newTable(rows), nil
}

func newTable(rows map[string]row) *Table {
	t := &Table{rows: make(map[string]Price, len(rows)), index: map[string]string{}}
	for name, r := range rows {
		t.rows[name] = r.price()
	}
	for name := range rows {
		for _, n := range []string{normalize(name), stripDate(normalize(name))} {
			// Prefer the shortest, then lexically first, row name.
			if old, ok := t.index[n]; !ok || len(name) < len(old) || (len(name) == len(old) && name < old) {
				t.index[n] = name
			}
		}
	}
	return t
}

// Len returns the number of models in t.
func (t *Table) Len() int { return len(t.rows) }

// Lookup returns the price of model. It tries the exact name, then the name
// without a -YYYYMMDD date suffix, then the name without provider prefixes
// (anthropic/, bedrock/…, vertex_ai/, openai/, gemini/, models/, Bedrock
// region and "anthropic." prefixes, -vN:M suffixes, "@date" written as
// "-date"), with and without its date, against the table's names
// normalized the same way.
func (t *Table) Lookup(model string) (Price, bool) {
	if model == "" {
		return Price{}, false
	}
	n := normalize(model)
	for _, name := range []string{model, stripDate(model), n, stripDate(n)} {
		if p, ok := t.rows[name]; ok {
			return p, true
		}
	}
	for _, name := range []string{n, stripDate(n)} {
		if key, ok := t.index[name]; ok {
			return t.rows[key], true
		}
	}
	return Price{}, false
}

// stripDate removes a trailing -YYYYMMDD.
func stripDate(s string) string {
	if len(s) < 9 || s[len(s)-9] != '-' {
		return s
	}
	for _, c := range s[len(s)-8:] {
		if c < '0' || c > '9' {
			return s
		}
	}
	return s[:len(s)-9]
}

// normalize strips provider decorations from a model name:
// "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0" → "claude-3-5-haiku-20241022",
// "vertex_ai/claude-opus-4@20250514" → "claude-opus-4-20250514".
func normalize(s string) string {
	s = strings.ToLower(s)
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	for _, p := range []string{"us.", "eu.", "apac.", "au.", "jp.", "global."} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.TrimPrefix(s, "anthropic.")
	if i := strings.LastIndex(s, "-v"); i >= 0 && isVersionSuffix(s[i+2:]) {
		s = s[:i]
	}
	return strings.Replace(s, "@", "-", 1)
}

// isVersionSuffix reports whether s looks like "1:0" or "2".
func isVersionSuffix(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && c != ':' {
			return false
		}
	}
	return s[0] != ':'
}

func (r row) price() Price {
	in := deref(r.Input)
	p := Price{
		Input:        in,
		Output:       deref(r.Output),
		CacheWrite5m: orElse(r.CacheWrite, 1.25*in),
		CacheWrite1h: orElse(r.CacheWrite1h, 2*in),
		CacheRead:    deref(r.CacheRead),
		Fast:         1,
	}
	switch {
	case r.InputAbove200k != nil || r.OutputAbove200k != nil || r.CacheWriteAbove200k != nil || r.CacheReadAbove200k != nil:
		p.Tier = &Tier{
			Threshold:    200_000,
			Input:        deref(r.InputAbove200k),
			Output:       deref(r.OutputAbove200k),
			CacheWrite5m: deref(r.CacheWriteAbove200k),
			CacheWrite1h: orElse(r.CacheWrite1hAbove200k, 2*deref(r.InputAbove200k)),
			CacheRead:    deref(r.CacheReadAbove200k),
		}
	case r.InputAbove272k != nil || r.OutputAbove272k != nil || r.CacheReadAbove272k != nil:
		p.Tier = &Tier{
			Threshold: 272_000,
			Input:     deref(r.InputAbove272k),
			Output:    deref(r.OutputAbove272k),
			CacheRead: deref(r.CacheReadAbove272k),
		}
	}
	var specific struct {
		Fast *float64 `json:"fast"`
	}
	if len(r.ProviderSpecificEntry) > 0 && json.Unmarshal(r.ProviderSpecificEntry, &specific) == nil &&
		specific.Fast != nil && *specific.Fast > 0 {
		p.Fast = *specific.Fast
	}
	return p
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}

func orElse(f *float64, def float64) float64 {
	if f == nil {
		return def
	}
	return *f
}

// Cost returns what the request u costs at price p, in USD:
//
//	input×Input + output×Output + cache5m×CacheWrite5m + cache1h×CacheWrite1h + cacheRead×CacheRead
//
// where each term's tokens beyond p.Tier.Threshold are priced at the tier's
// price for that kind, and the sum is multiplied by p.Fast when u.Speed is
// "fast". The tier applies per request and per kind of token, as ccusage
// does; Anthropic bills a whole request at the higher rate once its prompt
// passes 200k tokens, so for such requests this is a lower bound.
func Cost(p Price, u capture.UsageEntry) float64 {
	var t Tier
	if p.Tier != nil {
		t = *p.Tier
	}
	c := tiered(u.Input, p.Input, t.Input, t.Threshold) +
		tiered(u.Output, p.Output, t.Output, t.Threshold) +
		tiered(u.CacheWrite5m, p.CacheWrite5m, t.CacheWrite5m, t.Threshold) +
		tiered(u.CacheWrite1h, p.CacheWrite1h, t.CacheWrite1h, t.Threshold) +
		tiered(u.CacheRead, p.CacheRead, t.CacheRead, t.Threshold)
	if u.Speed == "fast" {
		c *= p.Fast
	}
	return c
}

// CacheSavings returns what the cache reads of u saved: their cost as fresh
// input minus their cost as cache reads, tiered and multiplied like [Cost].
func CacheSavings(p Price, u capture.UsageEntry) float64 {
	var t Tier
	if p.Tier != nil {
		t = *p.Tier
	}
	s := tiered(u.CacheRead, p.Input, t.Input, t.Threshold) - tiered(u.CacheRead, p.CacheRead, t.CacheRead, t.Threshold)
	if u.Speed == "fast" {
		s *= p.Fast
	}
	return s
}

func tiered(tokens int64, base, above float64, threshold int64) float64 {
	if threshold > 0 && above != 0 && tokens > threshold {
		return float64(threshold)*base + float64(tokens-threshold)*above
	}
	return float64(tokens) * base
}
